use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum JobState {
    Queued,
    Failure {
        code: i64,
    },
    #[open_enum(other)]
    Unknown(String),
}

fn main() {}
