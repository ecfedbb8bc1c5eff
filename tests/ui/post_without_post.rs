use ontap::prelude::*;
use ontap::{HostConnection, Resource};

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", collection)]
pub struct Job {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

async fn create(conn: &HostConnection) {
    let mut job = Job::default();
    let _ = job.post(conn).await;
}

fn main() {
    let _ = create;
}
