use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(collection)]
pub struct Job {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
pub struct Node {
    #[get]
    pub name: Option<String>,
}

fn main() {}
