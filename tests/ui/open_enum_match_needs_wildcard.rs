// A match on an open enum of the API must have a wildcard arm: a newer
// release may add states.
use ontap::JobState;

fn is_done(state: &JobState) -> bool {
    match state {
        JobState::Queued | JobState::Running | JobState::Paused => false,
        JobState::Success | JobState::Failure => true,
        JobState::Unknown(_) => false,
    }
}

fn main() {
    let _ = is_done(&JobState::Success);
}
