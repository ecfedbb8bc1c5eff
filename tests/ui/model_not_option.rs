use ontap::Model;

#[derive(Debug, Clone, Default, Model)]
pub struct Space {
    pub size: u64,
    pub used: Option<u64>,
    pub snapshots: Vec<String>,
}

fn main() {}
