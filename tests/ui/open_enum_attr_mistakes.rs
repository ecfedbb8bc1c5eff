use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
#[open_enum(rename_all = "snake_case")]
pub enum JobState {
    #[open_enum(rename = "")]
    Queued,
    #[open_enum(othr)]
    Unknown(String),
}

fn main() {}
