use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum JobState {
    Queued,
    #[open_enum(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum NodeState {
    Up,
    #[open_enum(other)]
    Unknown(u32),
}

fn main() {}
