//! The fields ONTAP fills in when a create does not give them: defaults and the fields
//! that follow from others, read from `data/defaults.json`, where each carries its
//! evidence (ONTAP's documentation, recorded bodies, or "inferred" when neither says).
//!
//! The file maps a collection path (as the model spells it) to its fields by dotted
//! name, each `{"value", "evidence"}`; for a field that follows from another,
//! `{"value", "if_set": <dotted field>, "otherwise", "evidence"}` (`value` when the
//! create sets `if_set`, else `otherwise`) or `{"copy": <dotted field>, "evidence"}` (the
//! other field's value, such as a DNS configuration's `uuid`, which is its SVM's).
//! Defaults are applied after the references (`svm`) are resolved.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::schema::{Catalog, Sym};
use super::value::{self, Verb};

/// The simulator's defaults.
pub(crate) const DEFAULTS: &str = include_str!("../../data/defaults.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    copy: Option<String>,
    #[serde(default)]
    if_set: Option<String>,
    #[serde(default)]
    otherwise: Option<Value>,
    /// Where the value comes from; read by people, checked to be there.
    #[allow(dead_code)]
    evidence: String,
}

/// One field a create fills in when absent.
#[derive(Debug)]
struct Default {
    path: Vec<String>,
    value: Source,
    /// `(field, value otherwise)`: `value` only when the record has the field.
    condition: Option<(Vec<String>, Option<Value>)>,
}

/// Where a default's value comes from.
#[derive(Debug)]
enum Source {
    Value(Value),
    /// Another field of the record.
    Copy(Vec<String>),
}

/// The defaults of every resource that has some, by resource.
#[derive(Debug, Default)]
pub(crate) struct Defaults {
    by_resource: HashMap<usize, Vec<Default>>,
    /// In a catalog cut to a release whose records lack an own key's field (a DNS
    /// configuration's `uuid` before 9.13), the field the key's value is copied from
    /// (`svm.uuid`: the path then named the SVM), by resource and key name.
    key_copies: HashMap<(usize, String), Vec<Sym>>,
}

fn split(dotted: &str) -> Vec<String> {
    dotted.split('.').map(str::to_owned).collect()
}

impl Defaults {
    /// Reads a defaults file, checking every path, field and value against the model.
    pub fn load(cat: &Catalog, text: &str) -> Result<Defaults, String> {
        let file: HashMap<String, HashMap<String, Entry>> =
            serde_json::from_str(text).map_err(|e| format!("defaults: {e}"))?;
        let mut by_resource = HashMap::new();
        let mut key_copies = HashMap::new();
        // A catalog cut to an older release leaves out what that release lacks.
        let cut = cat.cut_to.is_some();
        for (path, fields) in file {
            let res = match cat.resources.iter().position(|r| r.path.text == path) {
                Some(res) => res,
                None if cut => continue,
                None => return Err(format!("defaults: the model has no collection \"{path}\"")),
            };
            let ty = cat.resources[res].ty;
            let mut list = Vec::new();
            for (dotted, entry) in fields {
                let named = [Some(&dotted), entry.copy.as_ref(), entry.if_set.as_ref()];
                if cut && named.into_iter().flatten().any(|f| cat.resolve(ty, f).is_none()) {
                    let own_key = cat.resources[res]
                        .keys
                        .iter()
                        .any(|k| k.name == dotted && k.path.is_none());
                    if let (true, Some((from, _))) = (own_key, entry.copy.as_ref().and_then(|f| cat.resolve(ty, f))) {
                        key_copies.insert((res, dotted), from);
                    }
                    continue;
                }
                let (_, field) = cat
                    .resolve(ty, &dotted)
                    .ok_or_else(|| format!("defaults: {path} has no field \"{dotted}\""))?;
                let source = match (entry.value, entry.copy) {
                    (Some(v), None) => Source::Value(v),
                    (None, Some(other)) => {
                        let (_, from) = cat
                            .resolve(ty, &other)
                            .ok_or_else(|| format!("defaults: {path} has no field \"{other}\""))?;
                        if std::mem::discriminant(cat.ty(from.ty)) != std::mem::discriminant(cat.ty(field.ty)) {
                            return Err(format!("defaults: {path} {dotted}: {other} is of another type"));
                        }
                        Source::Copy(split(&other))
                    }
                    _ => return Err(format!("defaults: {path} {dotted}: give one of \"value\" and \"copy\"")),
                };
                let given = match &source {
                    Source::Value(v) => Some(v),
                    Source::Copy(_) => None,
                };
                for v in given.into_iter().chain(&entry.otherwise) {
                    value::convert(cat, field.ty, v, Verb::Seed)
                        .map_err(|e| format!("defaults: {path} {dotted}: {}", e.message))?;
                }
                if entry.evidence.trim().is_empty() {
                    return Err(format!("defaults: {path} {dotted} gives no evidence"));
                }
                let condition = match entry.if_set {
                    Some(other) => {
                        cat.resolve(ty, &other)
                            .ok_or_else(|| format!("defaults: {path} has no field \"{other}\""))?;
                        Some((split(&other), entry.otherwise))
                    }
                    None if entry.otherwise.is_some() => {
                        return Err(format!("defaults: {path} {dotted}: \"otherwise\" without \"if_set\""));
                    }
                    None => None,
                };
                list.push(Default {
                    path: split(&dotted),
                    value: source,
                    condition,
                });
            }
            // Shallow fields first, so that a nested default lands in its object.
            list.sort_by(|a, b| a.path.len().cmp(&b.path.len()).then_with(|| a.path.cmp(&b.path)));
            by_resource.insert(res, list);
        }
        Ok(Defaults {
            by_resource,
            key_copies,
        })
    }

    /// The field an own key the record cannot hold is copied from (see `key_copies`).
    pub fn key_copy(&self, res: usize, key: &str) -> Option<&[Sym]> {
        self.key_copies.get(&(res, key.to_owned())).map(Vec::as_slice)
    }

    /// Fills in what a new record of `res` does not set.
    pub fn apply(&self, res: usize, record: &mut Map<String, Value>) {
        let Some(list) = self.by_resource.get(&res) else { return };
        for d in list {
            let value = match (&d.condition, &d.value) {
                (Some((field, Some(otherwise))), _) if lookup(record, field).is_none() => otherwise.clone(),
                (Some((field, None)), _) if lookup(record, field).is_none() => continue,
                (_, Source::Value(v)) => v.clone(),
                (_, Source::Copy(from)) => match lookup(record, from) {
                    Some(v) => v.clone(),
                    None => continue,
                },
            };
            put_absent(record, &d.path, &value);
        }
    }
}

fn lookup<'m>(map: &'m Map<String, Value>, path: &[String]) -> Option<&'m Value> {
    let (first, rest) = path.split_first()?;
    let v = map.get(first).filter(|v| !v.is_null())?;
    if rest.is_empty() {
        return Some(v);
    }
    lookup(v.as_object()?, rest)
}

/// Sets `path` to `value` unless the record has a value there; an object on the way is
/// created, an array on the way has it set in each of its objects
/// (`copies.snapmirror_label`), any other value on the way is left alone.
fn put_absent(map: &mut Map<String, Value>, path: &[String], value: &Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        if map.get(first).is_none_or(Value::is_null) {
            map.insert(first.clone(), value.clone());
        }
        return;
    }
    let slot = map.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(inner) => put_absent(inner, rest, value),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(inner) = item {
                    put_absent(inner, rest, value);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::schema::vendored;

    fn res(cat: &Catalog, path: &str) -> usize {
        cat.resources.iter().position(|r| r.path.text == path).unwrap()
    }

    #[test]
    fn the_defaults_file_holds_against_the_model() {
        let cat = vendored();
        let d = Defaults::load(&cat, DEFAULTS).unwrap_or_else(|e| panic!("{e}"));
        assert!(d.by_resource.len() >= 8);
    }

    #[test]
    fn absent_fields_are_filled_and_given_ones_kept() {
        let cat = vendored();
        let d = Defaults::load(&cat, DEFAULTS).unwrap();
        let mut volume = json!({"name": "v", "guarantee": {"type": "none"}, "space": {"size": 1}});
        d.apply(res(&cat, "/storage/volumes"), volume.as_object_mut().unwrap());
        assert_eq!(volume["guarantee"]["type"], "none");
        assert_eq!(volume["snapshot_policy"]["name"], "default");
        assert_eq!(volume["space"]["size"], 1);
        assert_eq!(volume["space"]["snapshot"]["reserve_percent"], 5);

        let schedules = res(&cat, "/cluster/schedules");
        let mut cron = json!({"name": "s", "cron": {"minutes": [5]}});
        d.apply(schedules, cron.as_object_mut().unwrap());
        assert_eq!(cron["type"], "cron");
        let mut interval = json!({"name": "s", "interval": "PT1H"});
        d.apply(schedules, interval.as_object_mut().unwrap());
        assert_eq!(interval["type"], "interval");

        let mut dns = json!({"svm": {"name": "vs0", "uuid": "u-1"}, "domains": ["example.com"]});
        d.apply(res(&cat, "/name-services/dns"), dns.as_object_mut().unwrap());
        assert_eq!(dns["uuid"], "u-1", "a DNS configuration's key is its SVM's");
    }

    #[test]
    fn a_bad_file_is_refused_with_its_place() {
        let cat = vendored();
        for (text, says) in [
            (r#"{"/nowhere": {}}"#, "no collection"),
            (
                r#"{"/storage/volumes": {"colour": {"value": 1, "evidence": "x"}}}"#,
                "no field",
            ),
            (
                r#"{"/storage/volumes": {"size": {"value": "big", "evidence": "x"}}}"#,
                "size",
            ),
            (
                r#"{"/storage/volumes": {"size": {"value": 1, "evidence": " "}}}"#,
                "no evidence",
            ),
            (r#"{"/storage/volumes": {"size": {"value": 1}}}"#, "evidence"),
            (r#"{"/storage/volumes": {"size": {"evidence": "x"}}}"#, "one of"),
            (
                r#"{"/storage/volumes": {"size": {"copy": "name", "evidence": "x"}}}"#,
                "another type",
            ),
        ] {
            let e = Defaults::load(&cat, text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
