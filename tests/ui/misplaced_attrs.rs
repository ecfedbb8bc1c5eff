use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", get)]
#[key]
pub struct Job {
    #[get]
    #[resource(path = "/cluster/jobs/{uuid}")]
    pub uuid: Option<String>,
}

fn main() {}
