use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[get]
    #[get]
    pub uuid: Option<String>,
    #[get]
    #[resource(get, rename = "_links", rename = "links")]
    pub links: Option<ontap::Links>,
}

fn main() {}
