use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", delete = true)]
pub struct Job {
    #[get("/cluster/jobs")]
    pub uuid: Option<String>,
    #[resource(post = "yes")]
    pub name: Option<String>,
}

fn main() {}
