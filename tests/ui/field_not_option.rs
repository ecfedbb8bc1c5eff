use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs")]
pub struct Job {
    #[get]
    pub uuid: String,
    #[get]
    pub codes: Vec<i64>,
}

fn main() {}
