// `hold(...)` lists verbs among `post`, `patch` and `delete`, at least one,
// each once.
use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/software/download", get, post, hold(pots))]
pub struct UnknownVerb {
    #[post]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", get, collection, hold(get, patch_collection))]
pub struct NeverHeld {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", delete, hold())]
pub struct Empty {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", delete, hold(delete, delete))]
pub struct Duplicate {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", delete, hold)]
pub struct NoList {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

fn main() {
    // The uses of the types add no errors of their own.
    let _ = (
        UnknownVerb::HOLD,
        NeverHeld::HOLD,
        Empty::HOLD,
        Duplicate::HOLD,
        NoList::HOLD,
    );
}
