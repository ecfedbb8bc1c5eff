// `hold(...)` names only verbs the resource has: a PATCH that nothing
// declares, or a DELETE the struct does not declare, cannot be held.
use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/software/download", get, hold(post, patch))]
pub struct SoftwarePackageDownload {
    #[post]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", collection, hold(patch, delete))]
pub struct Volume {
    #[get]
    #[key]
    pub uuid: Option<String>,
    #[resource(get, patch)]
    pub name: Option<String>,
}

fn main() {
    let _ = (SoftwarePackageDownload::HOLD, Volume::HOLD);
}
