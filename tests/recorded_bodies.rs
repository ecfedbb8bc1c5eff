//! Bodies real clusters sent (`../shared/ontap/realworld/bodies`, beside the checkout),
//! decoded into the generated types.

use std::path::PathBuf;

use ontap::resources::Aggregate;
use serde_json::Value;

fn recorded(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/ontap/realworld/bodies")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the recorded bodies are read from beside the checkout)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("a recorded body is JSON")
}

/// ONTAP's spec spells it `volume-count`; clusters send `volume_count`, which the
/// corrected model reads.
#[test]
fn an_aggregates_volume_count_is_read_as_clusters_send_it() {
    let page = recorded("harvest_doc_aggregates.json");
    let aggregate: Aggregate = serde_json::from_value(page["records"][0].clone()).unwrap();
    assert_eq!(aggregate.volume_count, Some(36));
    assert_eq!(ontap::to_json(&aggregate).unwrap()["volume_count"], 36);
}
