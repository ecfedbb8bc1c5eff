use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
#[resource(path = "/cluster/jobs", collection, collection)]
pub struct Job {
    #[get]
    pub uuid: Option<String>,
}

fn main() {}
