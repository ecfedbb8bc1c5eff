//! What a resource's own rules add to the generic engine, and the rules every resource
//! shares: references by name or UUID, and names unique in their scope.

use serde_json::{Map, Value};

use super::Coll;
use super::schema::Catalog;
use super::value::V;
use crate::error::{Refusal, codes};

/// A resource's own rules, called by the engine under its lock with the records as they
/// are. Records and changes are JSON objects, already checked against the model.
pub(crate) trait Behaviour: Send + Sync + std::fmt::Debug {
    /// Checks a new record and completes it (defaults, computed fields) before it is
    /// created. Its keys are not assigned yet.
    fn create(&self, _tx: &Tx<'_>, _record: &mut Map<String, Value>) -> Result<(), Refusal> {
        Ok(())
    }

    /// Checks a change to `current` and completes it (fields that follow from it).
    fn modify(
        &self,
        _tx: &Tx<'_>,
        _current: &Map<String, Value>,
        _change: &mut Map<String, Value>,
    ) -> Result<(), Refusal> {
        Ok(())
    }

    /// Checks that `current` may be deleted.
    fn delete(&self, _tx: &Tx<'_>, _current: &Map<String, Value>) -> Result<(), Refusal> {
        Ok(())
    }

    /// The records that come with a new record, as `(collection path, record)` seeded
    /// beside it (an SVM's root volume and login message).
    fn companions(&self, _tx: &Tx<'_>, _record: &Map<String, Value>) -> Vec<(&'static str, Value)> {
        Vec::new()
    }

    /// True when deleting a record also deletes every record whose `svm` or `owner`
    /// names it (an SVM's).
    fn owns_its_references(&self) -> bool {
        false
    }
}

/// 262212 unless the new record has `field` (a field the model does not mark required
/// but ONTAP needs).
pub(crate) fn required(record: &Map<String, Value>, field: &str) -> Result<(), Refusal> {
    if record.contains_key(field) {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::MISSING_VALUE,
            format!("Missing value for required field \"{field}\"."),
        )
        .target(field))
    }
}

/// The SVM collection (below `/api`).
const SVMS: &str = "/svm/svms";

/// A new account or role without an owner belongs to the cluster: its admin SVM.
pub(crate) fn default_owner(tx: &Tx<'_>, record: &mut Map<String, Value>) {
    if !record.contains_key("owner")
        && let Some(admin) = tx.admin_svm()
    {
        record.insert("owner".to_owned(), Value::Object(admin));
    }
}

/// The records as a behaviour sees them.
pub(crate) struct Tx<'a> {
    pub(super) cat: &'a Catalog,
    pub(super) data: &'a [Coll],
}

impl Tx<'_> {
    /// How many records of the collection at `path` have `value` at the dotted `field`,
    /// and not `true` at the dotted field `unless` when given.
    pub fn count(&self, path: &str, field: &str, value: &str, unless: Option<&str>) -> usize {
        let Some(res) = self.cat.resources.iter().position(|r| r.path.text == path) else {
            return 0;
        };
        let ty = self.cat.resources[res].ty;
        let Some((syms, _)) = self.cat.resolve(ty, field) else {
            return 0;
        };
        let unless = unless.and_then(|u| self.cat.resolve(ty, u)).map(|(path, _)| path);
        match &self.data[res] {
            Coll::Keyed(groups) => groups
                .values()
                .flat_map(|g| g.values())
                .filter(|v| v.at(&syms).and_then(V::as_str) == Some(value))
                .filter(|v| unless.as_ref().is_none_or(|u| v.at(u) != Some(&V::Bool(true))))
                .count(),
            Coll::Single(_) => 0,
        }
    }

    /// The record of the collection at `path` whose `uuid` or `name` matches, as JSON.
    pub fn find(&self, path: &str, uuid: Option<&str>, name: Option<&str>) -> Option<Map<String, Value>> {
        let res = self.cat.resources.iter().position(|r| r.path.text == path)?;
        let (uuid_sym, name_sym) = (self.cat.sym("uuid")?, self.cat.sym("name")?);
        let Coll::Keyed(groups) = &self.data[res] else {
            return None;
        };
        let found = groups.values().flat_map(|g| g.values()).find(|v| {
            uuid.is_none_or(|u| v.get(uuid_sym).and_then(V::as_str) == Some(u))
                && name.is_none_or(|n| v.get(name_sym).and_then(V::as_str) == Some(n))
        })?;
        match found.to_json(self.cat) {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The cluster's admin SVM as a reference, `{"name", "uuid"}`: named after the
    /// cluster, it is no record of `/api/svm/svms` (as on ONTAP), but owns the cluster's
    /// accounts and roles and may be named where an SVM is.
    pub fn admin_svm(&self) -> Option<Map<String, Value>> {
        let res = self.cat.resources.iter().position(|r| r.path.text == "/cluster")?;
        let Coll::Single(cluster) = &self.data[res] else {
            return None;
        };
        let name = cluster.get(self.cat.sym("name")?)?.as_str()?;
        let mut admin = Map::new();
        admin.insert("name".to_owned(), Value::from(name));
        admin.insert("uuid".to_owned(), Value::from(crate::inventory::ADMIN_SVM_UUID));
        Some(admin)
    }

    /// The record of the collection at `path` whose name sorts first, as JSON.
    pub fn first_by_name(&self, path: &str) -> Option<Map<String, Value>> {
        let res = self.cat.resources.iter().position(|r| r.path.text == path)?;
        let name_sym = self.cat.sym("name")?;
        let Coll::Keyed(groups) = &self.data[res] else {
            return None;
        };
        let first = groups
            .values()
            .flat_map(|g| g.values())
            .min_by_key(|v| v.get(name_sym).and_then(V::as_str).unwrap_or_default())?;
        match first.to_json(self.cat) {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
}

/// A reference field every resource resolves the same way: the collection it names and
/// the code of a reference to nothing.
struct Reference {
    field: &'static str,
    collection: &'static str,
    code: u64,
    what: &'static str,
}

const REFERENCES: &[Reference] = &[
    Reference {
        field: "svm",
        collection: "/svm/svms",
        code: codes::SVM_NOT_FOUND,
        what: "SVM",
    },
    // The owner of an account or role is an SVM (or the admin SVM).
    Reference {
        field: "owner",
        collection: "/svm/svms",
        code: codes::SVM_NOT_FOUND,
        what: "SVM",
    },
    Reference {
        field: "aggregates",
        collection: "/storage/aggregates",
        code: codes::INVALID_ARGUMENT,
        what: "Aggregate",
    },
];

/// Resolves the `svm` and `aggregates` references of a new record (by `uuid` or `name`)
/// and writes both keys, as ONTAP answers them. A reference to nothing is refused.
pub(crate) fn resolve_references(tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), Refusal> {
    for r in REFERENCES {
        let Some(value) = record.get_mut(r.field) else { continue };
        let items: Vec<&mut Value> = match value {
            Value::Array(items) => items.iter_mut().collect(),
            other => vec![other],
        };
        for item in items {
            let Value::Object(reference) = item else { continue };
            let uuid = reference.get("uuid").and_then(Value::as_str).map(str::to_owned);
            let name = reference.get("name").and_then(Value::as_str).map(str::to_owned);
            if uuid.is_none() && name.is_none() {
                return Err(Refusal::bad_request(
                    codes::MISSING_VALUE,
                    format!("Either {0}.uuid or {0}.name must be provided.", r.field),
                )
                .target(format!("{}.name", r.field)));
            }
            let admin = (r.collection == SVMS)
                .then(|| tx.admin_svm())
                .flatten()
                .filter(|admin| {
                    uuid.as_deref()
                        .is_none_or(|u| admin.get("uuid").and_then(Value::as_str) == Some(u))
                        && name
                            .as_deref()
                            .is_none_or(|n| admin.get("name").and_then(Value::as_str) == Some(n))
                });
            let Some(found) = tx.find(r.collection, uuid.as_deref(), name.as_deref()).or(admin) else {
                let (target, what) = match (&uuid, &name) {
                    (Some(u), _) => ("uuid", u.clone()),
                    (None, n) => ("name", n.clone().unwrap_or_default()),
                };
                return Err(
                    Refusal::bad_request(r.code, format!("{} \"{what}\" does not exist.", r.what))
                        .target(format!("{}.{target}", r.field)),
                );
            };
            for key in ["name", "uuid"] {
                if let Some(v) = found.get(key) {
                    reference.insert(key.to_owned(), v.clone());
                }
            }
        }
    }
    Ok(())
}
