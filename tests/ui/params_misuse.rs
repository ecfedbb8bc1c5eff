// Typed operation parameters: a misspelled one, and the parameters of
// another operation, do not compile.
use ontap::prelude::*;
use ontap::resources::{Volume, VolumeDeleteParams, VolumePatchParams};
use ontap::CallOptions;

async fn misuse(conn: &ontap::HostConnection) {
    let mut volume = Volume::default();
    let _ = VolumePatchParams { validate_onyl: Some(true), ..Default::default() };
    let _ = volume.patch_with(conn, CallOptions::with(VolumeDeleteParams::default())).await;
}

fn main() {
    let _ = misuse;
}
