use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", colection)]
pub struct Job {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/nodes", readonly)]
pub struct Node {
    #[get]
    pub name: Option<String>,
}

fn main() {}
