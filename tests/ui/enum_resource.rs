use ontap::Resource;

#[derive(Debug, Clone, Resource)]
#[resource(path = "/cluster/jobs")]
pub enum Job {
    Running,
    Done,
}

fn main() {}
