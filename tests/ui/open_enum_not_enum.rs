use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub struct JobState {
    pub name: String,
}

fn main() {}
