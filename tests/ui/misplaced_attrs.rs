use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", secret)]
#[key]
#[get]
pub struct Job {
    #[get]
    #[resource(path = "/cluster/jobs/{uuid}")]
    pub uuid: Option<String>,
    #[resource(get, delete_collection)]
    pub state: Option<String>,
}

fn main() {}
