use ontap::Resource;

#[derive(Clone, Copy, Resource)]
#[resource(path = "/cluster/jobs")]
pub union Job {
    code: u32,
}

fn main() {}
