// The long form `#[resource(get, ...)]` works where a short attribute name is
// taken by an imported attribute macro (as web frameworks export `get` and
// `post`); `test` is a built-in attribute macro, standing in for those.
#![deny(warnings)]

use ontap::prelude::*;
use ontap::{Resource, Secret, Verb};

mod routes {
    #[allow(unused_imports)]
    use core::prelude::v1::test as get;
    #[allow(unused_imports)]
    use core::prelude::v1::test as post;

    #[derive(Debug, Clone, Default, ontap::Resource)]
    #[resource(path = "/cluster/jobs", collection)]
    pub struct Job {
        #[resource(get, key)]
        pub uuid: Option<String>,
        #[resource(get, post, patch, rename = "description")]
        pub text: Option<String>,
        #[resource(post, secret)]
        pub password: Option<ontap::Secret>,
    }
}

fn main() {
    fn all<R: Get + Post + Patch + Collection>() {}
    all::<routes::Job>();
    let fields = routes::Job::FIELDS;
    assert!(fields[0].key && fields[0].verbs.contains(Verb::Get));
    assert_eq!(fields[1].wire, "description");
    assert!(fields[2].secret);
    let _ = Secret::from("x");
}
