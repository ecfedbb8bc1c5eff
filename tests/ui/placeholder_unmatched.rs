use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
pub struct Snapshot {
    #[get]
    #[key]
    pub uuid: Option<String>,
    #[get]
    pub name: Option<String>,
}

fn main() {}
