use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "cluster/jobs")]
pub struct NotAbsolute {
    #[get]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs/")]
pub struct TrailingSlash {
    #[get]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs?fields=state")]
pub struct Query {
    #[get]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster//jobs")]
pub struct EmptySegment {
    #[get]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/api/cluster/jobs")]
pub struct ApiPrefix {
    #[get]
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes/{volume.uuid/snapshots")]
pub struct Unclosed {
    #[get]
    pub volume: Option<String>,
}

fn main() {}
