use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum JobState {
    Queued,
    #[open_enum(other)]
    Unknown(String),
    #[open_enum(other)]
    Other(String),
}

fn main() {}
