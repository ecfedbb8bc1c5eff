use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job<T> {
    #[get]
    pub state: Option<T>,
}

fn main() {}
