use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", collection)]
pub struct Job {
    #[key]
    pub uuid: Option<String>,
    #[get]
    pub state: Option<String>,
}

fn main() {}
