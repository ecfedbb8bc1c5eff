//! The generic engine: every path and verb of the vendored model answers, from a store
//! per collection, with ONTAP's semantics (see the crate docs, "The whole API").

pub(crate) mod defaults;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod seed;
pub(crate) mod value;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use self::rules::{Behaviour, Tx};
use self::schema::{Assign, Catalog, Key, Op, ParamKind, Res, Sym, Template, Ty, TypeId};
use self::value::{Sel, V, Verb, View};
use crate::api::{
    JOBS_PATH, Links, Negotiated, job_status, parse_bool_param, parse_fields_error, parse_return_timeout,
};
use crate::collection::{self, Listing, Scalar, ScalarKind};
use crate::error::{Refusal, codes};
use crate::jobs::{JobFailure, JobSpec, spawn_job};
use crate::json::JsonOut;
use crate::state::Shared;
use crate::util::{QueryParam, parse_query};

/// The largest request body read (as the server's limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

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
    uuids: crate::util::UuidGen,
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
        let own = self.store_key(r, &v);
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
    /// cannot hold, a value the server gives; for a collection without keys (metrics,
    /// history), a counter in arrival order.
    fn store_key(&self, r: &Res, v: &V) -> String {
        if r.keys.is_empty() {
            return format!("{:020}", self.counter.fetch_add(1, Ordering::Relaxed));
        }
        let parts: Vec<String> = r
            .keys
            .iter()
            .map(|k| match &k.path {
                Some(_) => key_of(v, k).unwrap_or_default(),
                None => self.assigned(k).and_then(|a| a.key_text()).unwrap_or_default(),
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

// ---------------------------------------------------------------------------------------
// the request

/// Decodes the path below `/api` into segments (a trailing slash is ignored).
fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/api")?;
    if !rest.is_empty() && !rest.starts_with('/') {
        return None;
    }
    Some(
        rest.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect(),
    )
}

/// Answers a request the hand-written handlers do not serve.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, BODY_LIMIT).await;
    let ctx = Ctx {
        shared: &shared,
        neg,
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
    };
    match dispatch(&ctx, &parts.method, parts.uri.path(), body).await {
        Ok(resp) => resp,
        Err(e) => e.response(neg.hal),
    }
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    shared: &'a Arc<Shared>,
    neg: Negotiated,
    /// The request's path (`/api/...`).
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
}

fn api_not_found() -> Refusal {
    Refusal::new(StatusCode::NOT_FOUND, codes::NOT_SUPPORTED, "API not found")
}

fn not_allowed(method: &Method, path: &str, allow: &[&str]) -> Result<Response, Refusal> {
    Err(Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::NOT_SUPPORTED,
        format!("The \"{method}\" method is not supported for \"{path}\"."),
    )
    .allow(allow.join(", ")))
}

async fn dispatch(
    ctx: &Ctx<'_>,
    method: &Method,
    path: &str,
    body: Result<Bytes, axum::Error>,
) -> Result<Response, Refusal> {
    let engine = &ctx.shared.engine;
    let segs = segments(path).ok_or_else(api_not_found)?;
    let (target, vars) = match engine.route(&segs) {
        Some(found) => found,
        None => {
            let (res, vars, rest) = engine.route_keys_in_query(&segs, ctx.query).ok_or_else(api_not_found)?;
            let ctx = Ctx {
                query: Some(&rest),
                ..*ctx
            };
            return instance(&ctx, method, path, res, vars, body).await;
        }
    };
    let cat = &*engine.cat;
    match target {
        Target::Collection(res) => {
            let r = &cat.resources[res];
            let parents = vars;
            match (method.as_str(), r.is_singleton()) {
                ("GET", false) if r.get_collection.is_some() => list(ctx, res, &parents),
                ("GET", true) if r.get.is_some() => get_one(ctx, res, &parents, ""),
                ("POST", _) if r.post.is_some() => create(ctx, res, &parents, body).await,
                ("PATCH", true) if r.patch.is_some() => modify(ctx, res, &parents, String::new(), body).await,
                ("DELETE", true) if r.delete.is_some() => remove(ctx, res, &parents, String::new()).await,
                ("PATCH", false) if r.patch_collection.is_some() => bulk(ctx, res, &parents, Some(body)).await,
                ("DELETE", false) if r.delete_collection.is_some() => bulk(ctx, res, &parents, None).await,
                _ => not_allowed(method, path, &r.collection_methods()),
            }
        }
        Target::Instance(res) => instance(ctx, method, path, res, vars, body).await,
        Target::Passthrough => {
            if *method != Method::GET {
                return not_allowed(method, path, &["GET"]);
            }
            // No CLI runs here: the command answers no records.
            Ok(ctx
                .neg
                .ok(StatusCode::OK, &serde_json::json!({"records": [], "num_records": 0})))
        }
        Target::Action(i) => {
            if *method != Method::POST {
                return not_allowed(method, path, &["POST"]);
            }
            action(ctx, i, &vars, body).await
        }
    }
}

/// A request on one record.
async fn instance(
    ctx: &Ctx<'_>,
    method: &Method,
    path: &str,
    res: usize,
    vars: Vec<String>,
    body: Result<Bytes, axum::Error>,
) -> Result<Response, Refusal> {
    let r = &ctx.shared.engine.cat.resources[res];
    let (parents, own) = vars.split_at(r.parent_keys.len().min(vars.len()));
    let own = join_keys(own);
    match method.as_str() {
        "GET" if r.get.is_some() => get_one(ctx, res, parents, &own),
        "PATCH" if r.patch.is_some() => modify(ctx, res, parents, own, body).await,
        "DELETE" if r.delete.is_some() => remove(ctx, res, parents, own).await,
        _ => not_allowed(method, path, &r.instance_methods()),
    }
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

/// The body as JSON, read as every path reads it ([`crate::api::read_body`]).
fn json_body(body: Result<Bytes, axum::Error>) -> Result<Value, Refusal> {
    let doc = match body {
        Ok(bytes) => crate::api::read_body(Ok(&bytes)),
        Err(e) => crate::api::read_body(Err(e.to_string())),
    }?;
    Ok(Value::Object(doc))
}

/// The query of a POST, PATCH or DELETE: `return_timeout`, `return_records`, the
/// operation's own parameters (checked by type), and with `filters`, filters on fields.
struct Mutation {
    return_timeout: u64,
    return_records: bool,
    filters: Vec<QueryParam>,
}

fn mutation_query(ctx: &Ctx<'_>, op: &Op, res: Option<&Res>) -> Result<Mutation, Refusal> {
    let cat = &*ctx.shared.engine.cat;
    let mut m = Mutation {
        return_timeout: 0,
        return_records: false,
        filters: Vec::new(),
    };
    for p in parse_query(ctx.query) {
        match p.key.as_str() {
            "return_timeout" => m.return_timeout = parse_return_timeout(&p.value)?,
            "return_records" => m.return_records = parse_bool_param("return_records", &p.value)?,
            name => match op.param(name) {
                Some(param) => check_param(param.kind, name, &p.value)?,
                None => match res {
                    Some(r) if cat.resolve(r.ty, name).is_some() => m.filters.push(p),
                    _ => return Err(Refusal::unexpected_argument(name)),
                },
            },
        }
    }
    Ok(m)
}

fn check_param(kind: ParamKind, name: &str, value: &str) -> Result<(), Refusal> {
    let ok = match kind {
        ParamKind::Bool => crate::util::parse_bool(value).is_some(),
        ParamKind::Int => value.trim().parse::<i64>().is_ok(),
        ParamKind::Num => value.trim().parse::<f64>().is_ok(),
        ParamKind::Text => true,
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The value \"{value}\" is invalid for field \"{name}\"."),
        )
        .target(name))
    }
}

/// A GET of one record or a singleton: `fields` (all by default), filters on its fields
/// (a record they do not match answers 404), and the parameters of a collection GET,
/// which ONTAP accepts on every GET (`max_records`, `return_records`, `order_by`,
/// `return_timeout`). The fields filtered on are returned.
fn get_one(ctx: &Ctx<'_>, res: usize, parents: &[String], own: &str) -> Result<Response, Refusal> {
    let engine = &ctx.shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let listing = EngineListing { cat, r, parents };
    let expensive = r.get.as_ref().map_or(&[][..], |op| &op.expensive);
    let mut sel = value::standard_fields(expensive);
    let mut filters = Vec::new();
    for p in parse_query(ctx.query) {
        match p.key.as_str() {
            "fields" => {
                sel = value::parse_fields(cat, r.ty, &p.value, expensive).map_err(|bad| parse_fields_error(&bad))?;
                add_keys(cat, r, &mut sel);
            }
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            "return_records" => {
                parse_bool_param("return_records", &p.value)?;
            }
            "max_records" => {
                collection::parse_max_records(&p.value)?;
            }
            "order_by" => {
                for item in p.value.split(',') {
                    let name = item.split_whitespace().next().unwrap_or_default();
                    if listing.field(name).is_none() {
                        return Err(Refusal::bad_request(
                            codes::ORDER_BY_NOT_SUPPORTED,
                            format!("order_by \"{}\" is not supported.", p.value),
                        )
                        .target("order_by"));
                    }
                }
            }
            other => match listing.filter(other) {
                Some((field, _)) => filters.push(collection::Filter::new(field, &p.value)),
                None => return Err(Refusal::unexpected_argument(other)),
            },
        }
    }
    let data = engine.read();
    check_parents(engine, &data, res, parents)?;
    let record = match &data[res] {
        Coll::Single(v) => v,
        Coll::Keyed(groups) => groups
            .get(&join_keys(parents))
            .and_then(|g| g.get(own))
            .ok_or_else(|| not_found_key(r))?,
    };
    for filter in &filters {
        if !filter.matches(|field, visit| listing.any_value(record, field, visit)) {
            return Err(not_found_key(r));
        }
        listing.include(&mut sel, filter.field());
    }
    let href = ctx.neg.links.then(|| href_of(r, parents, own));
    Ok(ctx.neg.ok(
        StatusCode::OK,
        &View {
            cat,
            v: record,
            sel: &sel,
            href: href.as_deref(),
        },
    ))
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

/// A collection GET through [`collection::respond`].
fn list(ctx: &Ctx<'_>, res: usize, parents: &[String]) -> Result<Response, Refusal> {
    let engine = &ctx.shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let data = engine.read();
    check_parents(engine, &data, res, parents)?;
    let Coll::Keyed(groups) = &data[res] else {
        return Err(api_not_found());
    };
    static EMPTY: BTreeMap<Box<str>, V> = BTreeMap::new();
    let store = groups.get(&join_keys(parents)).unwrap_or(&EMPTY);
    let listing = EngineListing { cat, r, parents };
    let here = r.path.fill(&parents.iter().map(String::as_str).collect::<Vec<_>>());
    let scope = svm_scope(ctx.headers, cat, r);
    collection::respond(&listing, store, &here, ctx.query, ctx.neg, scope.as_ref())
}

/// `X-Dot-SVM-Name` / `X-Dot-SVM-UUID` scope an SVM-owned collection to that SVM.
fn svm_scope(headers: &HeaderMap, cat: &Catalog, r: &Res) -> Option<(String, String)> {
    for (header, field) in [("x-dot-svm-name", "svm.name"), ("x-dot-svm-uuid", "svm.uuid")] {
        if let Some(v) = headers.get(header).and_then(|v| v.to_str().ok())
            && cat.resolve(r.ty, field).is_some()
        {
            return Some((field.to_owned(), v.to_owned()));
        }
    }
    None
}

/// How long a created record waits for its job, and the job's description.
fn job_spec(method: &str, path: &str, svm: Option<crate::jobs::Svm>) -> JobSpec {
    JobSpec {
        description: format!("{method} {path}"),
        svm,
        running_message: format!("{method} {path} in progress"),
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

/// A new record checked and keyed, not yet stored.
struct Prepared {
    own: String,
    href: String,
    v: V,
    /// The name it holds while its job runs.
    reserved: Option<String>,
}

/// The records of a create: the body, or each of its `records` (ONTAP's record-based
/// POST; the model lists `records` as a field of the 15 types that document it).
fn bodies_of(body: Value) -> Result<(Vec<Value>, bool), Refusal> {
    let Value::Object(mut map) = body else {
        return Ok((vec![body], false));
    };
    if !map.contains_key("records") {
        return Ok((vec![Value::Object(map)], false));
    }
    let Some(Value::Array(records)) = map.remove("records") else {
        return Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            "Invalid value for field \"records\": expected an array.",
        )
        .target("records"));
    };
    if let Some(other) = map.keys().next() {
        return Err(Refusal::unexpected_argument(other));
    }
    if records.is_empty() {
        return Err(missing("records"));
    }
    Ok((records, true))
}

/// Checks a new record of `res`, completes it (defaults, references, the resource's own
/// rules, keys) and refuses a taken name; an asynchronous create reserves the name.
fn prepare(
    engine: &Engine,
    data: &mut [Coll],
    res: usize,
    parents: &[String],
    op: &Op,
    body: &Value,
) -> Result<Prepared, Refusal> {
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let ty = op.body.unwrap_or(r.ty);
    if !body.is_object() {
        return Err(Refusal::bad_request(
            codes::NOT_AN_OBJECT,
            "Each record must be a JSON object.",
        ));
    }
    let checked = value::convert(cat, ty, body, Verb::Post)?;
    if let Some(missing_field) = cat
        .fields(ty)
        .iter()
        .find(|f| f.required && f.roles.post && checked.get(f.sym).is_none())
    {
        return Err(missing(cat.name(missing_field.sym)));
    }
    let mut record = json_object(cat, &checked);
    let t = tx(engine, data);
    rules::resolve_references(&t, &mut record)?;
    engine.defaults.apply(res, &mut record);
    if r.keys.iter().any(|k| k.name == "owner.uuid") {
        rules::default_owner(&t, &mut record);
    }
    if let Some(b) = engine.behaviours.get(&res) {
        b.create(&t, &mut record)?;
    }
    let mut v = value::convert(cat, r.ty, &Value::Object(record), Verb::Seed)?;
    engine.assign_keys(data, res, parents, &mut v)?;
    let own = engine.store_key(r, &v);
    // A place taken in an ordered list: the records from there to the next free place
    // move down by one.
    if let Some(index) = position_of(r, &v)
        && !op.asynchronous
        && lookup(data, res, parents, &own).is_some()
    {
        let taken: std::collections::HashSet<i64> = positions(cat, data, res, parents, &v).map(|(_, i)| i).collect();
        let free = (index..).find(|i| !taken.contains(i)).unwrap_or(index);
        engine.shift(data, res, parents, &v, index..free, 1);
    }
    let exists = matches!(&data[res], Coll::Keyed(g) if g.get(&join_keys(parents)).is_some_and(|g| g.contains_key(own.as_str())));
    if exists || engine.name_taken(data, res, parents, &v, None) {
        return Err(duplicate(cat, r, &v, &own));
    }
    let href = href_of(r, parents, &own);
    let reserved = match cat.sym("name").and_then(|s| v.get(s)).and_then(V::as_str) {
        Some(name) if op.asynchronous => {
            let key = reservation(res, parents, svm_of(cat, &v).map(|s| s.uuid).as_deref(), name);
            engine.reserved().insert(key.clone());
            Some(key)
        }
        _ => None,
    };
    Ok(Prepared { own, href, v, reserved })
}

/// A POST on a collection: one record, or several in `records`, created at once or by
/// one job. A record-based create is all or nothing: the first refusal refuses them all.
async fn create(
    ctx: &Ctx<'_>,
    res: usize,
    parents: &[String],
    body: Result<Bytes, axum::Error>,
) -> Result<Response, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.post else { return Err(api_not_found()) };
    let q = mutation_query(ctx, op, None)?;
    let (bodies, many) = bodies_of(json_body(body)?)?;
    let parents = parents.to_vec();
    let prepared = {
        let mut data = engine.write();
        check_parents(engine, &data, res, &parents)?;
        let mut prepared: Vec<Prepared> = Vec::with_capacity(bodies.len());
        for body in &bodies {
            match prepare(engine, &mut data, res, &parents, op, body) {
                // A synchronous create stores each at once, so the next sees its name.
                Ok(p) => {
                    if !op.asynchronous {
                        engine.store(&mut data, res, &parents, p.own.clone(), p.v.clone());
                    }
                    prepared.push(p);
                }
                Err(e) => {
                    for p in &prepared {
                        if let Some(key) = &p.reserved {
                            engine.reserved().remove(key);
                        }
                        if !op.asynchronous {
                            remove_one(&mut data, res, &parents, &p.own);
                        }
                    }
                    return Err(e);
                }
            }
        }
        prepared
    };
    let here = r.path.fill(&parents.iter().map(String::as_str).collect::<Vec<_>>());
    let created: Vec<(&V, Option<&str>)> = prepared
        .iter()
        .map(|p| (&p.v, ctx.neg.links.then_some(p.href.as_str())))
        .collect();
    let records = q.return_records.then(|| Created {
        cat,
        r,
        records: &created,
    });
    let first = &prepared[0];
    if !op.asynchronous {
        let mut resp = ctx.neg.ok(StatusCode::CREATED, &SyncAnswer { records });
        if !many {
            set_header(&mut resp, header::LOCATION, &first.href);
        }
        return Ok(resp);
    }
    // The job names the new record (`POST /api/svm/svms/<uuid>`) and its SVM, or the
    // SVM it creates.
    let svm = if r.path.text == crate::svms::PATH {
        cat.sym("name")
            .and_then(|s| first.v.get(s))
            .and_then(V::as_str)
            .map(|name| crate::jobs::Svm {
                name: name.to_owned(),
                uuid: first.own.clone(),
            })
    } else {
        svm_of(cat, &first.v)
    };
    let description = if many { &here } else { &first.href };
    let stored: Vec<(String, V, Option<String>)> = prepared
        .iter()
        .map(|p| (p.own.clone(), p.v.clone(), p.reserved.clone()))
        .collect();
    let (uuid, control) = spawn_job(shared, job_spec("POST", description, svm), move |s: &Shared| {
        let engine = &s.engine;
        let mut data = engine.write();
        for (_, _, reserved) in &stored {
            if let Some(key) = reserved {
                engine.reserved().remove(key);
            }
        }
        let r = &engine.cat.resources[res];
        if check_parents(engine, &data, res, &parents).is_err() {
            return Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("The {} could not be created: its parent no longer exists.", r.name),
            ));
        }
        for (own, v, _) in stored {
            engine.store(&mut data, res, &parents, own, v);
        }
        Ok(())
    });
    let status = job_status(&control, q.return_timeout, StatusCode::CREATED).await;
    let mut resp = ctx.neg.ok(
        status,
        &JobAnswer {
            records,
            job: JobRef {
                uuid: &uuid,
                links: ctx.neg.links,
            },
        },
    );
    // ONTAP points at the new record by a query on the collection.
    if !many {
        let location = match cat.sym("name").and_then(|s| first.v.get(s)).and_then(V::as_str) {
            Some(name) => format!("{here}/?name={}", encode(name)),
            None => format!("{here}/?{}", key_query(r, &first.v)),
        };
        set_header(&mut resp, header::LOCATION, &location);
    }
    Ok(resp)
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::util::PATH_SEGMENT).to_string()
}

fn key_query(r: &Res, v: &V) -> String {
    r.keys
        .iter()
        .filter_map(|k| key_of(v, k).map(|val| format!("{}={}", k.name, encode(&val))))
        .collect::<Vec<_>>()
        .join("&")
}

fn set_header(resp: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
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

async fn modify(
    ctx: &Ctx<'_>,
    res: usize,
    parents: &[String],
    own: String,
    body: Result<Bytes, axum::Error>,
) -> Result<Response, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.patch else {
        return Err(api_not_found());
    };
    let q = mutation_query(ctx, op, None)?;
    let new_index = match r.keys.last().map(|k| k.assign) {
        Some(Assign::Position) => parse_query(ctx.query)
            .iter()
            .find(|p| p.key == "new_index")
            .map(|p| match p.value.trim().parse::<i64>() {
                Ok(i) if i >= 1 => Ok(i),
                _ => Err(Refusal::bad_request(
                    codes::INVALID_VALUE,
                    format!(
                        "The value \"{}\" is invalid for field \"new_index\": it must be 1 or more.",
                        p.value
                    ),
                )
                .target("new_index")),
            })
            .transpose()?,
        _ => None,
    };
    let body = json_body(body)?;
    let ty = op.body.unwrap_or(r.ty);
    let checked = value::convert(cat, ty, &body, Verb::Patch)?;
    let parents = parents.to_vec();
    let (parents_for_move, own_for_move) = (parents.clone(), own.clone());
    let (change, svm, reserved) = {
        let data = engine.read();
        check_parents(engine, &data, res, &parents)?;
        let current = lookup(&data, res, &parents, &own).ok_or_else(|| not_found_key(r))?;
        let mut change = json_object(cat, &checked);
        if let Some(b) = engine.behaviours.get(&res) {
            b.modify(&tx(engine, &data), &json_object(cat, current), &mut change)?;
        }
        let change = value::convert_change(cat, r.ty, &Value::Object(change))?;
        // A rename must not take a name in use.
        let mut renamed = current.clone();
        renamed.merge(cat, r.ty, change.clone());
        let name_sym = cat.sym("name");
        let new_name = name_sym.and_then(|s| change.get(s)).and_then(V::as_str);
        let old_name = name_sym.and_then(|s| current.get(s)).and_then(V::as_str);
        let mut reserved = None;
        if let Some(name) = new_name
            && Some(name) != old_name
        {
            if engine.name_taken(&data, res, &parents, &renamed, Some(&own)) {
                return Err(duplicate(cat, r, &renamed, &own));
            }
            if op.asynchronous {
                let key = reservation(res, &parents, svm_of(cat, current).map(|s| s.uuid).as_deref(), name);
                engine.reserved().insert(key.clone());
                reserved = Some(key);
            }
        }
        (change, svm_of(cat, current), reserved)
    };
    let path = ctx.path.to_owned();
    let apply = move |s: &Shared| -> Result<(), JobFailure> {
        if let Some(key) = &reserved {
            s.engine.reserved().remove(key);
        }
        apply_change(&s.engine, res, &parents, &own, change)
    };
    if !op.asynchronous {
        apply(shared).map_err(|_| not_found_key(r))?;
        // `new_index`: the record moves to another place of its ordered list.
        if let Some(place) = new_index {
            engine.reorder(&mut engine.write(), res, &parents_for_move, &own_for_move, place);
        }
        return Ok(ctx.neg.empty());
    }
    let (uuid, control) = spawn_job(shared, job_spec("PATCH", &path, svm), apply);
    let status = job_status(&control, q.return_timeout, StatusCode::OK).await;
    Ok(ctx.neg.ok(
        status,
        &JobAnswer::<'_> {
            records: None,
            job: JobRef {
                uuid: &uuid,
                links: ctx.neg.links,
            },
        },
    ))
}

async fn remove(ctx: &Ctx<'_>, res: usize, parents: &[String], own: String) -> Result<Response, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.delete else {
        return Err(api_not_found());
    };
    let q = mutation_query(ctx, op, None)?;
    let svm = {
        let data = engine.read();
        check_parents(engine, &data, res, parents)?;
        let current = lookup(&data, res, parents, &own).ok_or_else(|| not_found_key(r))?;
        if let Some(b) = engine.behaviours.get(&res) {
            b.delete(&tx(engine, &data), &json_object(cat, current))?;
        }
        svm_of(cat, current)
    };
    let parents = parents.to_vec();
    let apply = move |s: &Shared| -> Result<(), JobFailure> {
        if delete_record(&s.engine, res, &parents, &own) {
            Ok(())
        } else {
            Err(JobFailure::new(codes::NOT_FOUND, "The object no longer exists."))
        }
    };
    if !op.asynchronous {
        let _ = apply(shared);
        return Ok(ctx.neg.empty());
    }
    let (uuid, control) = spawn_job(shared, job_spec("DELETE", ctx.path, svm), apply);
    let status = job_status(&control, q.return_timeout, StatusCode::OK).await;
    Ok(ctx.neg.ok(
        status,
        &JobAnswer::<'_> {
            records: None,
            job: JobRef {
                uuid: &uuid,
                links: ctx.neg.links,
            },
        },
    ))
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
            let own = self.store_key(r, &rec);
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
        let new = self.store_key(r, &rec);
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

/// PATCH or DELETE on a collection: every record the query's filters match, one job each
/// when the operation is asynchronous. A query without a filter is refused.
async fn bulk(
    ctx: &Ctx<'_>,
    res: usize,
    parents: &[String],
    body: Option<Result<Bytes, axum::Error>>,
) -> Result<Response, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let op = match body {
        Some(_) => r.patch_collection.as_ref(),
        None => r.delete_collection.as_ref(),
    }
    .ok_or_else(api_not_found)?;
    let q = mutation_query(ctx, op, Some(r))?;
    if q.filters.is_empty() {
        return Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            "A PATCH or DELETE on a collection needs a query that selects the records (a filter on a field).",
        ));
    }
    let change = match body {
        Some(body) => {
            let json = json_body(body)?;
            Some(value::convert(cat, op.body.unwrap_or(r.ty), &json, Verb::Patch)?)
        }
        None => None,
    };
    let listing = EngineListing { cat, r, parents };
    let filters: Vec<collection::Filter<FieldPath>> = q
        .filters
        .iter()
        .map(|p| {
            listing
                .filter(&p.key)
                .map(|(f, _)| collection::Filter::new(f, &p.value))
                .ok_or_else(|| Refusal::unexpected_argument(&p.key))
        })
        .collect::<Result<_, _>>()?;
    let matched: Vec<(String, Option<crate::jobs::Svm>)> = {
        let data = engine.read();
        check_parents(engine, &data, res, parents)?;
        match &data[res] {
            Coll::Keyed(groups) => groups
                .get(&join_keys(parents))
                .map(|g| {
                    g.iter()
                        .filter(|(_, v)| {
                            filters
                                .iter()
                                .all(|f| f.matches(|field, visit| listing.any_value(v, field, visit)))
                        })
                        .map(|(k, v)| (k.to_string(), svm_of(cat, v)))
                        .collect()
                })
                .unwrap_or_default(),
            Coll::Single(_) => Vec::new(),
        }
    };
    let verb = if change.is_some() { "PATCH" } else { "DELETE" };
    let mut jobs = Vec::new();
    for (own, svm) in matched.iter().cloned() {
        let here = href_of(r, parents, &own);
        let parents = parents.to_vec();
        let change = change.clone();
        let apply = move |s: &Shared| -> Result<(), JobFailure> {
            let engine = &s.engine;
            match change {
                Some(change) => {
                    let ty = engine.cat.resources[res].ty;
                    let mut data = engine.write();
                    if let Some(current) = lookup_mut(&mut data, res, &parents, &own) {
                        current.merge(&engine.cat, ty, change);
                    }
                }
                None => {
                    delete_record(engine, res, &parents, &own);
                }
            }
            Ok(())
        };
        if op.asynchronous {
            jobs.push(spawn_job(shared, job_spec(verb, &here, svm), apply));
        } else {
            let _ = apply(shared);
        }
    }
    let mut status = if jobs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    if !jobs.is_empty() && q.return_timeout > 0 {
        let deadline = std::time::Duration::from_secs(q.return_timeout);
        let start = tokio::time::Instant::now();
        let mut all = true;
        for (_, control) in &jobs {
            let left = deadline.saturating_sub(start.elapsed());
            all &= control.wait_done(left).await;
        }
        if all {
            status = StatusCode::OK;
        }
    }
    let here = match ctx.query {
        Some(qs) if !qs.is_empty() => format!(
            "{}?{qs}",
            r.path.fill(&parents.iter().map(String::as_str).collect::<Vec<_>>())
        ),
        _ => r.path.fill(&parents.iter().map(String::as_str).collect::<Vec<_>>()),
    };
    let uuids: Vec<&str> = jobs.iter().map(|(u, _)| u.as_str()).collect();
    Ok(ctx.neg.ok(
        status,
        &BulkAnswer {
            jobs: &uuids,
            num_records: matched.len(),
            links: ctx.neg.links.then_some(here.as_str()),
        },
    ))
}

async fn action(
    ctx: &Ctx<'_>,
    i: usize,
    vars: &[String],
    body: Result<Bytes, axum::Error>,
) -> Result<Response, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let a = &cat.actions[i];
    let q = mutation_query(ctx, &a.op, None)?;
    let json = json_body(body)?;
    if let Some(ty) = a.op.body {
        value::convert(cat, ty, &json, Verb::Post)?;
    }
    if let Some(target) = a.target {
        let t = &cat.resources[target];
        let data = engine.read();
        let n = t.parent_keys.len();
        let own = join_keys(vars.get(n..).unwrap_or_default());
        check_parents(engine, &data, target, &vars[..n.min(vars.len())])?;
        lookup(&data, target, &vars[..n.min(vars.len())], &own).ok_or_else(|| not_found_key(t))?;
    }
    if !a.op.asynchronous {
        return Ok(ctx.neg.ok(StatusCode::CREATED, &serde_json::Map::new()));
    }
    let here = format!("/api{}", a.path.text);
    let (uuid, control) = spawn_job(shared, job_spec("POST", &here, None), |_| Ok(()));
    let status = job_status(&control, q.return_timeout, StatusCode::CREATED).await;
    Ok(ctx.neg.ok(
        status,
        &JobAnswer::<'_> {
            records: None,
            job: JobRef {
                uuid: &uuid,
                links: ctx.neg.links,
            },
        },
    ))
}

// ---------------------------------------------------------------------------------------
// answers

struct JobRef<'a> {
    uuid: &'a str,
    links: bool,
}

impl Serialize for JobRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("uuid", self.uuid)?;
        if self.links {
            let href = format!("{JOBS_PATH}/{}", self.uuid);
            m.serialize_entry("_links", &crate::api::SelfLink(&href))?;
        }
        m.end()
    }
}

/// The new record's keys, for `return_records=true`.
struct Created<'a> {
    cat: &'a Catalog,
    r: &'a Res,
    /// Each new record and its link.
    records: &'a [(&'a V, Option<&'a str>)],
}

impl Serialize for Created<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut sel = Sel::default();
        add_keys(self.cat, self.r, &mut sel);
        let mut seq = s.serialize_seq(Some(self.records.len()))?;
        for (v, href) in self.records {
            seq.serialize_element(&View {
                cat: self.cat,
                v,
                sel: &sel,
                href: *href,
            })?;
        }
        seq.end()
    }
}

struct SyncAnswer<'a> {
    records: Option<Created<'a>>,
}

impl Serialize for SyncAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(records) = &self.records {
            m.serialize_entry("num_records", &records.records.len())?;
            m.serialize_entry("records", records)?;
        }
        m.end()
    }
}

struct JobAnswer<'a> {
    records: Option<Created<'a>>,
    job: JobRef<'a>,
}

impl Serialize for JobAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(records) = &self.records {
            m.serialize_entry("num_records", &records.records.len())?;
            m.serialize_entry("records", records)?;
        }
        m.serialize_entry("job", &self.job)?;
        m.end()
    }
}

struct BulkAnswer<'a> {
    jobs: &'a [&'a str],
    num_records: usize,
    links: Option<&'a str>,
}

impl Serialize for BulkAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !self.jobs.is_empty() {
            let jobs: Vec<JobRef<'_>> = self
                .jobs
                .iter()
                .map(|uuid| JobRef {
                    uuid,
                    links: self.links.is_some(),
                })
                .collect();
            m.serialize_entry("jobs", &jobs)?;
        }
        m.serialize_entry("num_records", &self.num_records)?;
        if let Some(href) = self.links {
            m.serialize_entry(
                "_links",
                &Links {
                    this: href,
                    next: None,
                    with_self: true,
                },
            )?;
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------------------
// collections

/// A simple field named by a path of interned names (at most eight deep).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldPath {
    syms: [Sym; 8],
    len: u8,
}

impl FieldPath {
    fn syms(&self) -> &[Sym] {
        &self.syms[..self.len as usize]
    }
}

struct EngineListing<'a> {
    cat: &'a Catalog,
    r: &'a Res,
    parents: &'a [String],
}

fn scalar(v: &V) -> Option<Scalar<'_>> {
    match v {
        V::Short(_) | V::Long(_) => v.as_str().map(Scalar::Str),
        V::Int(i) => Some(Scalar::Int(*i)),
        V::Num(n) => Some(Scalar::Num(*n)),
        V::Bool(b) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

fn visit(v: &V, path: &[Sym], f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
    match (v, path.split_first()) {
        (V::Arr(items), _) => items.iter().any(|item| visit(item, path, f)),
        (V::Obj(_), Some((first, rest))) => v.get(*first).is_some_and(|child| visit(child, rest, f)),
        (_, None) => scalar(v).is_some_and(f),
        _ => false,
    }
}

impl Listing for EngineListing<'_> {
    type Record = V;
    type Field = FieldPath;
    type Fields = Sel;

    fn key_name(&self) -> &str {
        self.r.keys.last().map_or("uuid", |k| k.name.as_str())
    }

    fn filter(&self, name: &str) -> Option<(FieldPath, ScalarKind)> {
        self.field(name).or_else(|| {
            // A reference named by its name (`volume=vol1` for `volume.name=vol1`).
            let (_, f) = self.cat.resolve(self.r.ty, name)?;
            match self.cat.ty(self.cat.item(f.ty)) {
                Ty::Object(_) => self.field(&format!("{name}.name")),
                _ => None,
            }
        })
    }

    fn field(&self, name: &str) -> Option<(FieldPath, ScalarKind)> {
        let (path, f) = self.cat.resolve(self.r.ty, name)?;
        let kind = match self.cat.ty(self.cat.item(f.ty)) {
            Ty::Str { .. } => ScalarKind::Str,
            Ty::Int { .. } => ScalarKind::Int,
            Ty::Num => ScalarKind::Num,
            Ty::Bool => ScalarKind::Bool,
            _ => return None,
        };
        let mut syms = [0; 8];
        if path.len() > syms.len() {
            return None;
        }
        syms[..path.len()].copy_from_slice(&path);
        Some((
            FieldPath {
                syms,
                len: path.len() as u8,
            },
            kind,
        ))
    }

    fn any_value(&self, record: &V, field: FieldPath, f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        visit(record, field.syms(), f)
    }

    fn value<'r>(&self, record: &'r V, field: FieldPath) -> Option<Scalar<'r>> {
        let mut v = record.at(field.syms())?;
        if let V::Arr(items) = v {
            v = items.first()?;
        }
        scalar(v)
    }

    fn parse_fields(&self, value: &str) -> Result<Sel, String> {
        let expensive = self.r.get_collection.as_ref().map_or(&[][..], |op| &op.expensive);
        let mut sel = value::parse_fields(self.cat, self.r.ty, value, expensive)?;
        add_keys(self.cat, self.r, &mut sel);
        Ok(sel)
    }

    fn default_fields(&self) -> Sel {
        let mut sel = Sel::default();
        add_keys(self.cat, self.r, &mut sel);
        sel
    }

    fn include(&self, fields: &mut Sel, field: FieldPath) {
        fields.include(field.syms());
    }

    fn write(&self, key: &str, record: &V, fields: &Sel, links: bool, out: &mut JsonOut, depth: usize) {
        out.scratch.clear();
        if links {
            href_into(self.r, self.parents, key, &mut out.scratch);
        }
        value::write_record(self.cat, record, fields, links, out, depth);
    }
}
