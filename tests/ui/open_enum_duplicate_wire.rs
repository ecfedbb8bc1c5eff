use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum JobState {
    NotStarted,
    #[open_enum(rename = "not_started")]
    Pending,
    #[open_enum(other)]
    Unknown(String),
}

fn main() {}
