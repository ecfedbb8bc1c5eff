//! The generic engine: every path and verb of the vendored model answers, from a store
//! per collection, with ONTAP's semantics (see the crate docs, "The whole API").

mod answers;
pub(crate) mod defaults;
mod dispatch;
mod listing;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod seed;
pub(crate) mod value;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use self::rules::{Behaviour, Tx};
use self::schema::{Assign, Catalog, Key, Op, ParamKind, Res, Sym, Template, Ty, TypeId};
use self::value::{Sel, V, Verb, View};
use crate::collection::{self, Listing, Scalar, ScalarKind};
use crate::error::{Refusal, codes};
use crate::http::{
    JOBS_PATH, Links, Negotiated, job_status, parse_bool_param, parse_fields_error, parse_return_timeout,
};
use crate::jobs::{JobFailure, JobSpec, spawn_job};
use crate::json::JsonOut;
use crate::state::Shared;
use crate::util::{QueryParam, parse_query};

pub(crate) use dispatch::handle;

/// Separates the values of a composite key in a store key.
const KEY_SEP: char = '\u{1f}';

/// The records of one resource.
#[derive(Debug)]
enum Coll {
    /// Keyed records, grouped by their parents' keys.
    Keyed(HashMap<String, BTreeMap<Box<str>, V>>),
    /// The one object of a singleton path.
    Single(V),
}

/// The engine's state: the compiled model and the records.
#[derive(Debug)]
pub(crate) struct Engine {
    pub cat: Arc<Catalog>,
    data: RwLock<Vec<Coll>>,
    counter: AtomicU64,
    /// The UUIDs of records and of jobs.
    pub uuids: crate::util::UuidGen,
    /// Names held by jobs that create or rename records (see [`reservation`]).
    pending: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The resources' own rules, by resource.
    behaviours: HashMap<usize, Box<dyn Behaviour>>,
    /// What a create fills in (`data/defaults.json`).
    defaults: defaults::Defaults,
}

/// Where a request's path leads.
#[derive(Debug, Clone, Copy)]
enum Target {
    Collection(usize),
    Instance(usize),
    Action(usize),
    /// A GET path that is no resource (the CLI passthrough).
    Passthrough,
}

impl Engine {
    /// An engine over a compiled model, with empty collections.
    pub fn new(cat: Arc<Catalog>) -> Engine {
        let data = cat
            .resources
            .iter()
            .map(|r| {
                if r.is_singleton() {
                    Coll::Single(V::empty())
                } else {
                    Coll::Keyed(HashMap::new())
                }
            })
            .collect();
        Engine {
            data: RwLock::new(data),
            counter: AtomicU64::new(1),
            uuids: crate::util::UuidGen::new(),
            pending: Default::default(),
            behaviours: HashMap::new(),
            // The file is tested against the model; were it broken, creates get no defaults.
            defaults: defaults::Defaults::load(&cat, defaults::DEFAULTS).unwrap_or_else(|e| {
                tracing::warn!("{e}");
                defaults::Defaults::default()
            }),
            cat,
        }
    }

    /// Adds a resource's own rules (by its collection path).
    pub fn register(&mut self, path: &str, behaviour: Box<dyn Behaviour>) {
        if let Some(res) = self.resource(path) {
            self.behaviours.insert(res, behaviour);
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Vec<Coll>> {
        self.data.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<Coll>> {
        self.data.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The resource at a collection (or singleton) path below `/api`.
    pub fn resource(&self, path: &str) -> Option<usize> {
        self.cat.resources.iter().position(|r| r.path.text == path)
    }

    fn route(&self, segs: &[String]) -> Option<(Target, Vec<String>)> {
        let mut best: Option<(usize, Target, Vec<String>)> = None;
        let mut consider = |t: &Template, target: Target| {
            if let Some((vars, literal)) = t.matches(segs)
                && best.as_ref().is_none_or(|(l, _, _)| literal > *l)
            {
                best = Some((literal, target, vars));
            }
        };
        for (i, r) in self.cat.resources.iter().enumerate() {
            consider(&r.path, Target::Collection(i));
            if let Some(inst) = &r.instance {
                consider(inst, Target::Instance(i));
            }
        }
        for (i, a) in self.cat.actions.iter().enumerate() {
            consider(&a.path, Target::Action(i));
        }
        for t in &self.cat.passthroughs {
            consider(t, Target::Passthrough);
        }
        best.map(|(_, t, v)| (t, v))
    }

    /// An instance whose trailing keys are given in the query instead of the path
    /// (`DELETE /protocols/cifs/shares/{svm.uuid}?name=projects`): the resource, its key
    /// values, and the query without those keys.
    fn route_keys_in_query(&self, segs: &[String], query: Option<&str>) -> Option<(usize, Vec<String>, String)> {
        let params = parse_query(query);
        let mut best: Option<(usize, usize, Vec<String>, Vec<usize>)> = None;
        for (i, r) in self.cat.resources.iter().enumerate() {
            let Some(inst) = &r.instance else { continue };
            let Some(missing) = inst.segs.get(segs.len()..).filter(|m| !m.is_empty()) else {
                continue;
            };
            let mut full = segs.to_vec();
            let mut used = Vec::new();
            for seg in missing {
                let schema::Seg::Var(name) = seg else { break };
                let Some(at) = params.iter().position(|p| *p.key == **name) else {
                    break;
                };
                full.push(params[at].value.clone());
                used.push(at);
            }
            if full.len() != inst.segs.len() {
                continue;
            }
            if let Some((vars, literal)) = inst.matches(&full)
                && best.as_ref().is_none_or(|(l, ..)| literal > *l)
            {
                best = Some((literal, i, vars, used));
            }
        }
        let (_, res, vars, used) = best?;
        let rest = params
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, p)| p.raw.as_str())
            .collect::<Vec<_>>()
            .join("&");
        Some((res, vars, rest))
    }

    /// Inserts (or replaces) a record, as seeded data: every field the model has.
    pub fn seed(&self, res: usize, body: &Value) -> Result<String, Refusal> {
        self.seed_into(&mut self.write(), res, body)
    }

    /// [`Engine::seed`] under a lock already held.
    fn seed_into(&self, data: &mut [Coll], res: usize, body: &Value) -> Result<String, Refusal> {
        let r = &self.cat.resources[res];
        let mut v = value::convert(&self.cat, r.ty, body, Verb::Seed)?;
        let parents: Vec<String> = r
            .parent_keys
            .iter()
            .map(|k| key_of(&v, k).ok_or_else(|| missing(&k.name)))
            .collect::<Result<_, _>>()?;
        self.assign_keys(data, res, &parents, &mut v)?;
        let own = self.store_key(res, &v);
        match &mut data[res] {
            Coll::Single(s) => *s = v,
            Coll::Keyed(groups) => {
                groups
                    .entry(parents.join(&KEY_SEP.to_string()))
                    .or_default()
                    .insert(own.as_str().into(), v);
            }
        }
        Ok(own)
    }

    /// Inserts (or replaces) a record of the collection or singleton at `path`, as seeded
    /// data; answers its key.
    pub fn put(&self, path: &str, body: &Value) -> Result<String, Refusal> {
        let res = self.resource(path).ok_or_else(api_not_found)?;
        self.seed(res, body)
    }

    /// The record at `path` (below `/api`) with its own `keys` (none for a singleton), as
    /// JSON.
    pub fn json(&self, path: &str, keys: &[&str]) -> Option<serde_json::Map<String, Value>> {
        let res = self.resource(path)?;
        let data = self.read();
        lookup(&data, res, &[], &join_keys(keys)).map(|v| json_object(&self.cat, v))
    }

    /// Changes the record at `path` with its own `keys` through `f` on its JSON; what `f`
    /// leaves is kept as seeded data. `Err` when there is no such record or the model
    /// refuses the result.
    pub fn update_json(
        &self,
        path: &str,
        keys: &[&str],
        f: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> Result<(), Refusal> {
        let res = self.resource(path).ok_or_else(api_not_found)?;
        let ty = self.cat.resources[res].ty;
        let mut data = self.write();
        let current = lookup_mut(&mut data, res, &[], &join_keys(keys)).ok_or_else(|| Refusal::not_found("uuid"))?;
        let mut doc = json_object(&self.cat, current);
        f(&mut doc);
        *current = value::convert(&self.cat, ty, &Value::Object(doc), Verb::Seed)?;
        Ok(())
    }

    /// Removes the record at `path` with its own `keys` (and what is under it); false when
    /// there was none.
    pub fn remove(&self, path: &str, keys: &[&str]) -> bool {
        self.resource(path)
            .is_some_and(|res| delete_record(self, res, &[], &join_keys(keys)))
    }

    /// A record by its resource and keys (parents' first), as JSON.
    #[cfg(test)]
    pub fn record(&self, res: usize, keys: &[&str]) -> Option<Value> {
        let r = &self.cat.resources[res];
        let data = self.read();
        let (parents, own) = keys.split_at(r.parent_keys.len().min(keys.len()));
        match &data[res] {
            Coll::Single(v) => Some(v.to_json(&self.cat)),
            Coll::Keyed(groups) => groups
                .get(&join_keys(parents))?
                .get(join_keys(own).as_str())
                .map(|v| v.to_json(&self.cat)),
        }
    }

    /// Every record of the collection at `path` (under every parent), as JSON.
    pub fn records_json(&self, path: &str) -> Vec<serde_json::Map<String, Value>> {
        let Some(res) = self.resource(path) else {
            return Vec::new();
        };
        match &self.read()[res] {
            Coll::Single(v) => vec![json_object(&self.cat, v)],
            Coll::Keyed(groups) => groups
                .values()
                .flat_map(|g| g.values())
                .map(|v| json_object(&self.cat, v))
                .collect(),
        }
    }

    /// The record of the collection at `path` named `name`, as JSON.
    pub fn find_by_name(&self, path: &str, name: &str) -> Option<serde_json::Map<String, Value>> {
        let data = self.read();
        tx(self, &data).find(path, None, Some(name))
    }

    /// How many records a resource has (under every parent).
    #[cfg(test)]
    pub fn count(&self, res: usize) -> usize {
        match &self.read()[res] {
            Coll::Single(_) => 1,
            Coll::Keyed(groups) => groups.values().map(BTreeMap::len).sum(),
        }
    }

    /// Fills the keys a record lacks: parents' from the path, UUIDs and counters, and
    /// references by name (`svm.name` gives `svm.uuid`).
    fn assign_keys(&self, data: &mut [Coll], res: usize, parents: &[String], v: &mut V) -> Result<(), Refusal> {
        let cat = &*self.cat;
        let r = &cat.resources[res];
        for (k, value) in r.parent_keys.iter().zip(parents) {
            if let Some(path) = &k.path
                && v.at(path).is_none()
            {
                let typed = match value.parse::<i64>() {
                    Ok(n) if k.integer => V::Int(n),
                    _ => V::text(value),
                };
                v.set_path(cat, r.ty, path, typed);
                // The parent's name beside its key, as ONTAP writes references.
                if let (Some(parent), Some((last, head))) = (r.parent, path.split_last())
                    && cat.name(*last) == "uuid"
                    && let Some(name_sym) = cat.sym("name")
                    && cat.resolve(r.ty, &format!("{}.name", head_name(cat, head))).is_some()
                    && let Some(name) = self.parent_name(data, parent, parents, value)
                {
                    let mut name_path = head.to_vec();
                    name_path.push(name_sym);
                    v.set_path(cat, r.ty, &name_path, V::text(&name));
                }
            }
        }
        for k in &r.keys {
            let Some(path) = &k.path else { continue };
            if v.at(path).is_some() {
                continue;
            }
            if let Some(found) = self.resolve_reference(data, r.ty, path, v)? {
                v.set_path(cat, r.ty, path, V::text(&found));
                continue;
            }
            if k.assign == Assign::Position {
                let last = positions(cat, data, res, parents, v).map(|(_, i)| i).max().unwrap_or(0);
                v.set_path(cat, r.ty, path, V::Int(last + 1));
                continue;
            }
            let new = self.assigned(k).ok_or_else(|| missing(&k.name))?;
            v.set_path(cat, r.ty, path, new);
        }
        Ok(())
    }

    /// The key a new record is stored under: its keys' values; for a key the record
    /// cannot hold, the field the defaults copy it from, else a value the server gives;
    /// for a collection without keys (metrics, history), a counter in arrival order.
    fn store_key(&self, res: usize, v: &V) -> String {
        let r = &self.cat.resources[res];
        if r.keys.is_empty() {
            return format!("{:020}", self.counter.fetch_add(1, Ordering::Relaxed));
        }
        let parts: Vec<String> = r
            .keys
            .iter()
            .map(|k| match &k.path {
                Some(_) => key_of(v, k).unwrap_or_default(),
                None => self
                    .defaults
                    .key_copy(res, &k.name)
                    .and_then(|from| v.at(from))
                    .and_then(V::key_text)
                    .or_else(|| self.assigned(k).and_then(|a| a.key_text()))
                    .unwrap_or_default(),
            })
            .collect();
        join_keys(&parts)
    }

    /// A value the server gives a key (`None`: the client must).
    fn assigned(&self, k: &Key) -> Option<V> {
        match k.assign {
            Assign::Uuid => Some(V::text(&self.uuids.next_uuid())),
            Assign::Counter { text } => {
                let n = self.counter.fetch_add(1, Ordering::Relaxed);
                Some(if text {
                    V::text(&n.to_string())
                } else {
                    V::Int(n as i64)
                })
            }
            Assign::Required | Assign::Position => None,
        }
    }

    /// The name of the parent record whose key is `key`.
    fn parent_name(&self, data: &[Coll], parent: usize, parents: &[String], key: &str) -> Option<String> {
        let p = &self.cat.resources[parent];
        let Coll::Keyed(groups) = &data[parent] else {
            return None;
        };
        let group = groups.get(&join_keys(&parents[..p.parent_keys.len().min(parents.len())]))?;
        let rec = group.get(key)?;
        let sym = self.cat.sym("name")?;
        rec.get(sym)?.as_str().map(str::to_owned)
    }

    /// For a key `x.uuid` absent from the body but with `x.name` given: the UUID of the
    /// record of that name in the resource `x` refers to. `Err` when no record has it.
    fn resolve_reference(&self, data: &[Coll], ty: TypeId, path: &[Sym], v: &V) -> Result<Option<String>, Refusal> {
        let cat = &*self.cat;
        let Some((last, head)) = path.split_last() else {
            return Ok(None);
        };
        if head.is_empty() || cat.name(*last) != "uuid" {
            return Ok(None);
        }
        let Some(name_sym) = cat.sym("name") else {
            return Ok(None);
        };
        let Some(name) = v.at(head).and_then(|o| o.get(name_sym)).and_then(V::as_str) else {
            return Ok(None);
        };
        let field = head_name(cat, head);
        let Some(target) = self.referenced(&field) else {
            return Ok(None);
        };
        let Coll::Keyed(groups) = &data[target] else {
            return Ok(None);
        };
        let found = groups
            .values()
            .flat_map(BTreeMap::values)
            .find(|rec| rec.get(name_sym).and_then(V::as_str) == Some(name));
        let uuid_sym = *last;
        match found.and_then(|rec| rec.get(uuid_sym)).and_then(V::as_str) {
            Some(uuid) => Ok(Some(uuid.to_owned())),
            None => {
                let _ = ty;
                let code = if field == "svm" {
                    codes::SVM_NOT_FOUND
                } else {
                    codes::INVALID_ARGUMENT
                };
                Err(
                    Refusal::bad_request(code, format!("No {field} named \"{name}\" exists."))
                        .target(format!("{field}.name")),
                )
            }
        }
    }

    /// The resource a reference field names (`svm` → `/svm/svms`), by the keyed
    /// resource whose collection path ends in the field's name (plural).
    fn referenced(&self, field: &str) -> Option<usize> {
        let last = field.rsplit('.').next().unwrap_or(field);
        let plural = format!("{last}s");
        self.cat.resources.iter().position(|r| {
            r.parent_keys.is_empty()
                && !r.is_singleton()
                && r.path
                    .segs
                    .last()
                    .is_some_and(|s| matches!(s, schema::Seg::Lit(l) if **l == *plural))
                && r.keys.len() == 1
                && r.keys[0].name == "uuid"
        })
    }
}

fn head_name(cat: &Catalog, head: &[Sym]) -> String {
    head.iter().map(|s| cat.name(*s)).collect::<Vec<_>>().join(".")
}

fn join_keys<S: AsRef<str>>(parts: &[S]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(KEY_SEP);
        }
        out.push_str(p.as_ref());
    }
    out
}

fn key_of(v: &V, k: &Key) -> Option<String> {
    k.path.as_ref().and_then(|p| v.at(p)).and_then(V::key_text)
}

fn missing(name: &str) -> Refusal {
    Refusal::bad_request(
        codes::MISSING_VALUE,
        format!("Missing value for required field \"{name}\"."),
    )
    .target(name)
}

fn not_found_key(r: &Res) -> Refusal {
    Refusal::not_found(r.keys.last().map_or("uuid", |k| k.name.as_str()))
}

fn href_of(r: &Res, parents: &[String], own: &str) -> String {
    let mut href = String::new();
    href_into(r, parents, own, &mut href);
    href
}

/// [`href_of`] appended to `out`.
fn href_into(r: &Res, parents: &[String], own: &str, out: &mut String) {
    let values = parents.iter().map(String::as_str).chain(own.split(KEY_SEP));
    r.instance.as_ref().unwrap_or(&r.path).fill_into(values, out);
}

fn api_not_found() -> Refusal {
    Refusal::new(StatusCode::NOT_FOUND, codes::NOT_SUPPORTED, "API not found")
}

/// Checks that the parents named in the path exist (404, code 4, target the parent key).
fn check_parents(engine: &Engine, data: &[Coll], res: usize, parents: &[String]) -> Result<(), Refusal> {
    let r = &engine.cat.resources[res];
    let Some(p) = r.parent else { return Ok(()) };
    let pr = &engine.cat.resources[p];
    let n = pr.parent_keys.len();
    if parents.len() < n + pr.keys.len() {
        return Ok(());
    }
    check_parents(engine, data, p, &parents[..n])?;
    let Coll::Keyed(groups) = &data[p] else { return Ok(()) };
    let own = join_keys(&parents[n..n + pr.keys.len()]);
    let exists = groups
        .get(&join_keys(&parents[..n]))
        .is_some_and(|g| g.contains_key(own.as_str()));
    if exists {
        Ok(())
    } else {
        let target = r.parent_keys.get(n).map_or("uuid", |k| k.name.as_str());
        Err(Refusal::not_found(target))
    }
}

/// The keys (and `name`) every answer carries.
fn add_keys(cat: &Catalog, r: &Res, sel: &mut Sel) {
    for k in r.all_keys() {
        if let Some(path) = &k.path {
            sel.include(path);
        }
    }
    // A singleton's name is a field like any other (`/api/cluster?fields=version` has no
    // `name`).
    if !r.is_singleton()
        && let Some((path, _)) = cat.resolve(r.ty, "name")
    {
        sel.include(&path);
    }
}

fn svm_of(cat: &Catalog, v: &V) -> Option<crate::jobs::Svm> {
    let svm = v.get(cat.sym("svm")?)?;
    let name = svm.get(cat.sym("name")?)?.as_str()?.to_owned();
    let uuid = svm
        .get(cat.sym("uuid")?)
        .and_then(V::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(crate::jobs::Svm { name, uuid })
}

/// The scope names are unique in: the same parent and, when records have one, the same SVM.
fn same_name(cat: &Catalog, a: &V, b: &V) -> bool {
    let Some(name) = cat.sym("name") else { return false };
    let (Some(x), Some(y)) = (a.get(name).and_then(V::as_str), b.get(name).and_then(V::as_str)) else {
        return false;
    };
    if x != y {
        return false;
    }
    // Borrowed: this runs for every record of the scope on each create and rename.
    fn svm_uuid<'v>(cat: &Catalog, v: &'v V) -> Option<&'v str> {
        v.get(cat.sym("svm")?)?.get(cat.sym("uuid")?)?.as_str()
    }
    svm_uuid(cat, a) == svm_uuid(cat, b)
}

/// 409, code 1: the record's keys or its name are taken in its scope.
fn duplicate(cat: &Catalog, r: &Res, v: &V, own: &str) -> Refusal {
    match cat.sym("name").and_then(|s| v.get(s)).and_then(V::as_str) {
        Some(name) => Refusal::duplicate(
            format!("Duplicate entry: a {} named \"{name}\" already exists.", r.name),
            "name",
        ),
        None => Refusal::duplicate(
            format!(
                "Duplicate entry: {} \"{}\" already exists.",
                r.name,
                own.replace(KEY_SEP, ", ")
            ),
            r.keys.last().map_or("name", |k| k.name.as_str()),
        ),
    }
}

/// The JSON object of a stored value.
fn json_object(cat: &Catalog, v: &V) -> serde_json::Map<String, Value> {
    match v.to_json(cat) {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// The name a record reserves while the job that creates or renames it runs: unique per
/// resource, parent and SVM.
fn reservation(res: usize, parents: &[String], svm: Option<&str>, name: &str) -> String {
    format!(
        "{res}{KEY_SEP}{}{KEY_SEP}{}{KEY_SEP}{name}",
        join_keys(parents),
        svm.unwrap_or("")
    )
}

impl Engine {
    fn reserved(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// True when `name` is taken in the record's scope: by a record other than `except`,
    /// or by a job still running.
    fn name_taken(&self, data: &[Coll], res: usize, parents: &[String], v: &V, except: Option<&str>) -> bool {
        let cat = &*self.cat;
        let Some(name) = cat.sym("name").and_then(|s| v.get(s)).and_then(V::as_str) else {
            return false;
        };
        let svm = svm_of(cat, v).map(|s| s.uuid);
        if self
            .reserved()
            .contains(&reservation(res, parents, svm.as_deref(), name))
        {
            return true;
        }
        let Coll::Keyed(groups) = &data[res] else { return false };
        groups.get(&join_keys(parents)).is_some_and(|g| {
            g.iter()
                .any(|(k, other)| Some(&**k) != except && same_name(cat, other, v))
        })
    }
}

fn tx<'a>(engine: &'a Engine, data: &'a [Coll]) -> Tx<'a> {
    Tx { cat: &engine.cat, data }
}

fn insert(data: &mut [Coll], res: usize, parents: &[String], own: String, v: V) {
    match &mut data[res] {
        Coll::Single(s) => *s = v,
        Coll::Keyed(groups) => {
            groups
                .entry(join_keys(parents))
                .or_default()
                .insert(own.into_boxed_str(), v);
        }
    }
}

/// Applies a change to a record, and a new name to the records under it that carry
/// their parent's name (a volume's snapshots say `volume.name`).
fn apply_change(engine: &Engine, res: usize, parents: &[String], own: &str, change: V) -> Result<(), JobFailure> {
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let mut data = engine.write();
    let Some(current) = lookup_mut(&mut data, res, parents, own) else {
        return Err(JobFailure::new(
            codes::NOT_FOUND,
            format!("The {} no longer exists.", r.name),
        ));
    };
    let name_sym = cat.sym("name");
    let before = name_sym
        .and_then(|s| current.get(s))
        .and_then(V::as_str)
        .map(str::to_owned);
    current.merge(cat, r.ty, change);
    let after = name_sym
        .and_then(|s| current.get(s))
        .and_then(V::as_str)
        .map(str::to_owned);
    if let (Some(name), true, Some(name_sym)) = (after, before.is_some(), name_sym)
        && before.as_deref() != Some(name.as_str())
    {
        let mut prefix = parents.to_vec();
        prefix.extend(own.split(KEY_SEP).map(str::to_owned));
        let group = join_keys(&prefix);
        for (i, child) in cat.resources.iter().enumerate() {
            if child.parent != Some(res) {
                continue;
            }
            let Some(path) = child.parent_keys.last().and_then(|k| k.path.clone()) else {
                continue;
            };
            let Some((_, head)) = path.split_last() else { continue };
            let mut name_path = head.to_vec();
            name_path.push(name_sym);
            if head.is_empty()
                || cat
                    .resolve(child.ty, &format!("{}.name", head_name(cat, head)))
                    .is_none()
            {
                continue;
            }
            if let Coll::Keyed(groups) = &mut data[i]
                && let Some(g) = groups.get_mut(&group)
            {
                for rec in g.values_mut() {
                    rec.set_path(cat, child.ty, &name_path, V::text(&name));
                }
            }
        }
    }
    Ok(())
}

/// Removes a record and everything under it; false when it was not there.
fn delete_record(engine: &Engine, res: usize, parents: &[String], own: &str) -> bool {
    let cat = &*engine.cat;
    let mut data = engine.write();
    let removed = match &mut data[res] {
        Coll::Single(v) => {
            *v = V::empty();
            true
        }
        Coll::Keyed(groups) => groups
            .get_mut(&join_keys(parents))
            .is_some_and(|g| g.remove(own).is_some()),
    };
    // What the record owns elsewhere (an SVM's volumes, login message, accounts...).
    if removed && engine.behaviours.get(&res).is_some_and(|b| b.owns_its_references()) {
        remove_owned(cat, &mut data, res, own);
    }
    // Children: resources whose parent is this one, grouped under its keys.
    let mut prefix: Vec<String> = parents.to_vec();
    prefix.extend(own.split(KEY_SEP).map(str::to_owned));
    let group = join_keys(&prefix);
    let mut stack = vec![res];
    while let Some(p) = stack.pop() {
        for (i, child) in cat.resources.iter().enumerate() {
            if child.parent == Some(p) {
                if let Coll::Keyed(groups) = &mut data[i] {
                    groups.retain(|k, _| !(k == &group || k.starts_with(&format!("{group}{KEY_SEP}"))));
                }
                stack.push(i);
            }
        }
    }
    removed
}

impl Engine {
    /// Stores a new record, and the records that come with it (an SVM's root volume and
    /// login message), under the lock.
    fn store(&self, data: &mut [Coll], res: usize, parents: &[String], own: String, v: V) {
        let companions = self.companions(data, res, &v);
        insert(data, res, parents, own, v);
        self.add_companions(data, companions);
    }

    /// Seeds a record as [`Engine::seed`] does, with the records that come with it.
    pub fn seed_with_companions(&self, res: usize, body: &Value) -> Result<String, Refusal> {
        let mut data = self.write();
        let own = self.seed_into(&mut data, res, body)?;
        let companions = match lookup(&data, res, &[], &own) {
            Some(v) => self.companions(&data, res, v),
            None => Vec::new(),
        };
        self.add_companions(&mut data, companions);
        Ok(own)
    }

    fn companions(&self, data: &[Coll], res: usize, v: &V) -> Vec<(&'static str, Value)> {
        match self.behaviours.get(&res) {
            Some(b) => b.companions(&tx(self, data), &json_object(&self.cat, v)),
            None => Vec::new(),
        }
    }

    fn add_companions(&self, data: &mut [Coll], companions: Vec<(&'static str, Value)>) {
        for (path, body) in companions {
            let stored = self
                .resource(path)
                .ok_or_else(api_not_found)
                .and_then(|r| self.seed_into(data, r, &body));
            if let Err(e) = stored {
                tracing::warn!(path, error = %e.message, "a record that comes with another was refused");
            }
        }
    }
}

/// The place of a record in its ordered list, when its resource is one.
fn position_of(r: &Res, v: &V) -> Option<i64> {
    let k = r.keys.last().filter(|k| k.assign == Assign::Position)?;
    match v.at(k.path.as_deref()?)? {
        V::Int(i) => Some(*i),
        _ => None,
    }
}

/// The records of the ordered list `v` belongs to (the same group and the same keys but
/// the place), with their places.
fn positions<'d>(
    cat: &'d Catalog,
    data: &'d [Coll],
    res: usize,
    parents: &[String],
    v: &'d V,
) -> impl Iterator<Item = (&'d str, i64)> + 'd {
    let r = &cat.resources[res];
    let others = &r.keys[..r.keys.len().saturating_sub(1)];
    let group = match &data[res] {
        Coll::Keyed(groups) => groups.get(&join_keys(parents)),
        Coll::Single(_) => None,
    };
    group.into_iter().flat_map(|g| g.iter()).filter_map(move |(own, rec)| {
        let same = others.iter().all(|k| key_of(rec, k) == key_of(v, k));
        Some((&**own, position_of(r, rec).filter(|_| same)?))
    })
}

impl Engine {
    /// Moves the records of `v`'s ordered list whose places are in `range` by `by`,
    /// storing each under its new key.
    fn shift(
        &self,
        data: &mut [Coll],
        res: usize,
        parents: &[String],
        v: &V,
        range: impl std::ops::RangeBounds<i64>,
        by: i64,
    ) {
        let cat = &*self.cat;
        let r = &cat.resources[res];
        let Some(path) = r.keys.last().and_then(|k| k.path.clone()) else {
            return;
        };
        let moving: Vec<String> = positions(cat, data, res, parents, v)
            .filter(|(_, i)| range.contains(i))
            .map(|(own, _)| own.to_owned())
            .collect();
        let Coll::Keyed(groups) = &mut data[res] else { return };
        let Some(g) = groups.get_mut(&join_keys(parents)) else {
            return;
        };
        let taken: Vec<V> = moving.iter().filter_map(|own| g.remove(own.as_str())).collect();
        for mut rec in taken {
            if let Some(i) = position_of(r, &rec) {
                rec.set_path(cat, r.ty, &path, V::Int(i + by));
            }
            let own = self.store_key(res, &rec);
            g.insert(own.into_boxed_str(), rec);
        }
    }

    /// Moves a record of an ordered list to `place` (`PATCH ...?new_index=`): the records
    /// between its old and new places move up or down by one. Answers its new key.
    fn reorder(&self, data: &mut [Coll], res: usize, parents: &[String], own: &str, place: i64) -> Option<String> {
        let cat = &*self.cat;
        let r = &cat.resources[res];
        let path = r.keys.last()?.path.clone()?;
        let Coll::Keyed(groups) = &mut data[res] else {
            return None;
        };
        let mut rec = groups.get_mut(&join_keys(parents))?.remove(own)?;
        let from = position_of(r, &rec)?;
        if place > from {
            self.shift(data, res, parents, &rec, from + 1..=place, -1);
        } else if place < from {
            self.shift(data, res, parents, &rec, place..from, 1);
        }
        rec.set_path(cat, r.ty, &path, V::Int(place));
        let new = self.store_key(res, &rec);
        insert(data, res, parents, new.clone(), rec);
        Some(new)
    }
}

/// Takes one record out of its store (nothing below it: it was just stored).
fn remove_one(data: &mut [Coll], res: usize, parents: &[String], own: &str) {
    if let Coll::Keyed(groups) = &mut data[res]
        && let Some(g) = groups.get_mut(&join_keys(parents))
    {
        g.remove(own);
    }
}

/// Removes, from every collection, the records whose `svm` or `owner` reference names
/// the record `own` of `res` (an SVM) by its UUID.
fn remove_owned(cat: &Catalog, data: &mut [Coll], res: usize, own: &str) {
    let Some(uuid_sym) = cat.sym("uuid") else { return };
    let refs: Vec<Sym> = ["svm", "owner"].iter().filter_map(|f| cat.sym(f)).collect();
    for (i, coll) in data.iter_mut().enumerate() {
        if i == res {
            continue;
        }
        if let Coll::Keyed(groups) = coll {
            for g in groups.values_mut() {
                g.retain(|_, v| {
                    !refs
                        .iter()
                        .any(|r| v.get(*r).and_then(|x| x.get(uuid_sym)).and_then(V::as_str) == Some(own))
                });
            }
        }
    }
}

fn lookup<'d>(data: &'d [Coll], res: usize, parents: &[String], own: &str) -> Option<&'d V> {
    match &data[res] {
        Coll::Single(v) => Some(v),
        Coll::Keyed(groups) => groups.get(&join_keys(parents))?.get(own),
    }
}

fn lookup_mut<'d>(data: &'d mut [Coll], res: usize, parents: &[String], own: &str) -> Option<&'d mut V> {
    match &mut data[res] {
        Coll::Single(v) => Some(v),
        Coll::Keyed(groups) => groups.get_mut(&join_keys(parents))?.get_mut(own),
    }
}
