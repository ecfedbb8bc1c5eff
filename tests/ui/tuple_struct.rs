use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job(Option<String>);

fn main() {}
