//! `/api/svm/svms`: what SVMs add to the generic engine (names, defaults, and no delete
//! while volumes remain).

use serde_json::{Map, Value, json};

use crate::engine::rules::{Behaviour, Tx, required};
use crate::error::{Refusal, codes};
use crate::util::now_string;

/// The collection path (below `/api`).
pub(crate) const PATH: &str = "/svm/svms";
/// The login messages: one for the cluster, one per SVM with the SVM's UUID.
const LOGIN_MESSAGES: &str = "/security/login/messages";
/// An SVM's root volume: 1 GiB (every SVM root volume of a lab cluster in
/// realworld/bodies/harvest_volumes_fields_star.json), of which a new one uses a little.
const ROOT_VOLUME_SIZE: i64 = 1 << 30;
const ROOT_VOLUME_USED: i64 = 1_802_240;

/// ONTAP's SVM names: a letter or `_` first, then letters, digits, `_`, `.`, `-`; at most 47.
fn check_name(name: &str) -> Result<(), Refusal> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && name.len() <= 47;
    if ok {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!(
                "Invalid SVM name \"{name}\": it must start with a letter or \"_\" and contain only letters, digits, \"_\", \".\" and \"-\" (at most 47 characters)."
            ),
        )
        .target("name"))
    }
}

/// SVMs: checked names (their defaults are in `data/defaults.json`); a new SVM comes with
/// its root volume and login message; an SVM that still has volumes other than its root
/// volume is not deleted, and takes what it owns with it.
#[derive(Debug)]
pub(crate) struct Svms;

impl Behaviour for Svms {
    fn create(&self, _tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), Refusal> {
        required(record, "name")?;
        let name = record["name"].as_str().unwrap_or_default();
        check_name(name)
    }

    fn modify(
        &self,
        _tx: &Tx<'_>,
        _current: &Map<String, Value>,
        change: &mut Map<String, Value>,
    ) -> Result<(), Refusal> {
        match change.get("name") {
            Some(Value::String(name)) => check_name(name),
            _ => Ok(()),
        }
    }

    fn companions(&self, tx: &Tx<'_>, svm: &Map<String, Value>) -> Vec<(&'static str, Value)> {
        let text = |k: &str| svm.get(k).and_then(Value::as_str).unwrap_or_default();
        let (name, uuid) = (text("name"), text("uuid"));
        let reference = json!({"name": name, "uuid": uuid});
        // ONTAP names the root volume after the SVM, `-` and `.` as `_`: vs0_root.
        let root = format!("{}_root", name.replace(['-', '.'], "_"));
        let aggregate = svm.get("aggregates").and_then(|a| a.get(0)).cloned().or_else(|| {
            tx.first_by_name(crate::storage::AGGREGATES)
                .map(|a| json!({"name": a.get("name"), "uuid": a.get("uuid")}))
        });
        let mut volume = json!({
            "name": root,
            "svm": reference,
            "size": ROOT_VOLUME_SIZE,
            "state": "online",
            "style": "flexvol",
            "type": "rw",
            "is_svm_root": true,
            "language": svm.get("language").cloned().unwrap_or_else(|| json!("c.utf_8")),
            "snapshot_policy": {"name": "default"},
            "nas": {"path": "/", "security_style": "unix", "export_policy": {"name": "default"}},
            "space": crate::storage::space(ROOT_VOLUME_SIZE, ROOT_VOLUME_USED),
            "create_time": now_string(),
        });
        if let Some(aggregate) = aggregate {
            volume["aggregates"] = json!([aggregate]);
        }
        vec![
            (crate::storage::VOLUMES, volume),
            (LOGIN_MESSAGES, json!({"uuid": uuid, "svm": reference, "scope": "svm"})),
        ]
    }

    fn owns_its_references(&self) -> bool {
        true
    }

    fn delete(&self, tx: &Tx<'_>, current: &Map<String, Value>) -> Result<(), Refusal> {
        let uuid = current.get("uuid").and_then(Value::as_str).unwrap_or_default();
        // Its root volume goes with it.
        let volumes = tx.count(crate::storage::VOLUMES, "svm.uuid", uuid, Some("is_svm_root"));
        if volumes == 0 {
            return Ok(());
        }
        let name = current.get("name").and_then(Value::as_str).unwrap_or_default();
        Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!("Cannot delete SVM \"{name}\": it has {volumes} volume(s); delete them first."),
        )
        .target("uuid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svm_names() {
        assert!(check_name("vs1").is_ok());
        assert!(check_name("_svm.a-b").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("1vs").is_err());
        assert!(check_name("vs 1").is_err());
        assert!(check_name(&"v".repeat(48)).is_err());
    }
}
