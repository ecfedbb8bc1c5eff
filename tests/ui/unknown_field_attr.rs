use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[resource(gte, key)]
    pub uuid: Option<String>,
    #[resource(get, renam = "_links")]
    pub links: Option<ontap::Links>,
}

fn main() {}
