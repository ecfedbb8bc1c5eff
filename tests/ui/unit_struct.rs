use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster")]
pub struct Cluster;

fn main() {}
