use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[get]
    #[resource(rename = "")]
    pub links: Option<ontap::Links>,
}

fn main() {}
