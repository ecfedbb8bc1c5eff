use ontap::Resource;

#[derive(Debug, Clone, Default)]
pub struct Opaque;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[get]
    pub opaque: Option<Opaque>,
}

fn main() {}
