use ontap::OpenEnum;

#[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
pub enum JobState {
    Queued,
    Running,
}

fn main() {
    // The derive's stubs keep uses of the type free of errors of their own.
    println!("{}", JobState::Queued.as_str());
}
