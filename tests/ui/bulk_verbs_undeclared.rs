use ontap::prelude::*;
use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", collection)]
pub struct Volume {
    #[resource(get, patch, key)]
    pub uuid: Option<String>,
}

fn main() {
    fn bulk_patch<R: PatchCollection>() {}
    fn bulk_delete<R: DeleteCollection>() {}
    bulk_patch::<Volume>();
    bulk_delete::<Volume>();
}
