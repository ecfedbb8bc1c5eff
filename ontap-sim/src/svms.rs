//! `/api/svm/svms`: what SVMs add to the generic engine (names, defaults, and no delete
//! while volumes remain).

use serde_json::{Map, Value};

use crate::engine::rules::{Behaviour, Tx, required};
use crate::error::{ApiError, codes};

/// The collection path (below `/api`).
pub(crate) const PATH: &str = "/svm/svms";

/// ONTAP's SVM names: a letter or `_` first, then letters, digits, `_`, `.`, `-`; at most 47.
fn check_name(name: &str) -> Result<(), ApiError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && name.len() <= 47;
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            codes::INVALID,
            format!(
                "Invalid SVM name \"{name}\": it must start with a letter or \"_\" and contain only letters, digits, \"_\", \".\" and \"-\" (at most 47 characters)."
            ),
        )
        .target("name"))
    }
}

/// SVMs: checked names (their defaults are in `data/defaults.json`); an SVM that still
/// has volumes is not deleted.
#[derive(Debug)]
pub(crate) struct Svms;

impl Behaviour for Svms {
    fn create(&self, _tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), ApiError> {
        required(record, "name")?;
        let name = record["name"].as_str().unwrap_or_default();
        check_name(name)
    }

    fn modify(
        &self,
        _tx: &Tx<'_>,
        _current: &Map<String, Value>,
        change: &mut Map<String, Value>,
    ) -> Result<(), ApiError> {
        match change.get("name") {
            Some(Value::String(name)) => check_name(name),
            _ => Ok(()),
        }
    }

    fn delete(&self, tx: &Tx<'_>, current: &Map<String, Value>) -> Result<(), ApiError> {
        let uuid = current.get("uuid").and_then(Value::as_str).unwrap_or_default();
        let volumes = tx.count(crate::storage::VOLUMES, "svm.uuid", uuid);
        if volumes == 0 {
            return Ok(());
        }
        let name = current.get("name").and_then(Value::as_str).unwrap_or_default();
        Err(ApiError::bad_request(
            codes::INVALID,
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
