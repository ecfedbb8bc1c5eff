// Every mistake is reported in one compilation, and nothing else: the uses
// of `Job` in `main` add no errors of their own.
use ontap::Resource;
use ontap::prelude::*;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs/{id}", colection)]
pub struct Job {
    #[key]
    pub uuid: String,
    #[get]
    #[resource(rename = "")]
    pub state: Option<String>,
}

fn main() {
    fn readable<R: Get>() {}
    readable::<Job>();
    println!("{} {}", Job::PATH, Job::default());
}
