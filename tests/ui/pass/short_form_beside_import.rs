// Inside a derived struct, rustc resolves `#[get]` on a field to the derive's
// helper attribute even where an attribute macro named `get` is imported (as
// web frameworks export `#[get("/path")]`): the short form keeps working.
// `test` is a built-in attribute macro, standing in for the framework's.
#![deny(warnings)]

use ontap::prelude::*;
use ontap::{Resource, Verb};

mod routes {
    #[allow(unused_imports)]
    use core::prelude::v1::test as get;

    #[derive(Debug, Clone, Default, ontap::Resource)]
    #[resource(path = "/cluster/jobs")]
    pub struct Job {
        #[get]
        pub uuid: Option<String>,
    }
}

fn main() {
    fn readable<R: Get>() {}
    readable::<routes::Job>();
    assert!(routes::Job::FIELDS[0].verbs.contains(Verb::Get));
}
