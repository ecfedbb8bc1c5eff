use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[get]
    pub links: Option<String>,
    #[get]
    #[resource(rename = "links")]
    pub hal_links: Option<ontap::Links>,
}

fn main() {}
