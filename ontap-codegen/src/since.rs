//! The releases of a resource's parts, as the client's release guard reads them
//! (`ontap::Resource::SINCE`): its verbs, operation parameters, fields at any depth and
//! enum values, where later than the oldest release the model covers and than what
//! holds them.

use std::collections::{BTreeMap, HashMap};

use ontap_model::{Definition, ParamLocation, Property, Release, ResourceSpec, Schema, Spec};

/// The oldest release the model covers: every part has been there at least since then.
const BASE: Release = Release::new(9, 6, 0);
/// How deep nested objects are followed (the model's deepest real nesting is shallower).
const MAX_DEPTH: usize = 8;

/// The definitions read so far, by name.
pub(crate) type Definitions = HashMap<String, Option<Definition>>;

/// The table of `r`, sorted by key.
pub(crate) fn table(spec: &Spec, r: &ResourceSpec, defs: &mut Definitions) -> Vec<(String, Release)> {
    let mut out = BTreeMap::new();
    let ops = [
        ("get", &r.get),
        ("collection", &r.get_collection),
        ("post", &r.post),
        ("patch", &r.patch),
        ("delete", &r.delete),
        ("patch_collection", &r.patch_collection),
        ("delete_collection", &r.delete_collection),
    ];
    let actions = r
        .actions
        .iter()
        .filter(|op| !crate::overlay::is_upload(op))
        .filter_map(|op| Some((op.action.as_deref()?, op)));
    for (name, op) in actions {
        if let Some(since) = op.introduced.filter(|s| *s > BASE) {
            out.insert(format!("#{name}"), since);
        }
    }
    for (verb, op) in ops {
        let Some(op) = op else { continue };
        let op_floor = op.introduced.unwrap_or(BASE).max(BASE);
        if op_floor > BASE {
            out.insert(format!("#{verb}"), op_floor);
        }
        for p in &op.params {
            if p.location == ParamLocation::Query
                && !p.common
                && !p.filter
                && let Some(since) = p.introduced.filter(|s| *s > op_floor)
            {
                out.insert(format!("#{verb}?{}", p.name), since);
            }
        }
    }
    let floor = r
        .operations()
        .filter_map(|op| op.introduced)
        .min()
        .unwrap_or(BASE)
        .max(BASE);
    if let Some(name) = &r.definition
        && let Some(def) = definition(spec, defs, name)
    {
        let mut seen = vec![name.clone()];
        walk(spec, defs, &def.properties, "", floor, &mut seen, &mut out);
    }
    out.into_iter().collect()
}

fn definition(spec: &Spec, defs: &mut Definitions, name: &str) -> Option<Definition> {
    defs.entry(name.to_owned())
        .or_insert_with(|| spec.definition(name))
        .clone()
}

fn walk(
    spec: &Spec,
    defs: &mut Definitions,
    properties: &[Property],
    prefix: &str,
    floor: Release,
    seen: &mut Vec<String>,
    out: &mut BTreeMap<String, Release>,
) {
    if seen.len() > MAX_DEPTH {
        return;
    }
    for p in properties {
        if p.wire == "_links" {
            continue;
        }
        let path = format!("{prefix}{}", p.wire);
        let here = p.introduced.unwrap_or(floor).max(floor);
        if here > floor {
            out.insert(path.clone(), here);
        }
        for (value, since) in &p.values_introduced {
            if *since > here {
                out.insert(format!("{path}={value}"), *since);
            }
        }
        let nested = format!("{path}.");
        match p.schema.item() {
            Schema::Ref(name) if !seen.contains(name) => {
                if let Some(def) = definition(spec, defs, name) {
                    seen.push(name.clone());
                    walk(spec, defs, &def.properties, &nested, here, seen, out);
                    seen.pop();
                }
            }
            Schema::Restricted { properties, .. } | Schema::Inline(properties) => {
                seen.push(String::new());
                walk(spec, defs, properties, &nested, here, seen, out);
                seen.pop();
            }
            _ => {}
        }
    }
}
