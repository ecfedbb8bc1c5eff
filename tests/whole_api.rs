//! The whole API through the generated client types, against the simulator:
//! every resource of the vendored model is walked with the verbs the
//! generator gave it.
//!
//! 1. Every collection is listed to its end (and every singleton that has
//!    no POST is read).
//! 2. Every resource that ONTAP creates with POST is created from a minimal
//!    body built from the model (the own keys the server cannot assign,
//!    the fields the model marks required, a `name` and an `svm` where POST
//!    takes them), decoded into the generated type and POSTed through it;
//!    then read back with a fresh value that has only its keys, and
//!    modified in one patchable scalar field that must read back with the
//!    new value. A reference in a body (`"node": {"name": ...}`) names an
//!    object that exists: one listed in step 1 or created earlier in step 2;
//!    a resource whose reference has nothing to name yet waits for a later
//!    round. A key the server assigns (`uuid`, an integer `id` or `index`,
//!    one the model does not let POST set) is not sent; `svm.uuid` is sent
//!    as `{"svm": {"name": "vs0"}}`, or in a spare SVM the walk creates when
//!    vs0 already has the one object per SVM (its NFS service, say).
//! 3. What step 2 created is deleted, newest first, and must then be gone.
//!
//! The walk runs against the simulator as the model's release (9.19.1) and as
//! 9.8, 9.10.1, 9.13.1 and 9.16.1. Before step 1, every verb of a generated type
//! that the simulated release lacks (the whole resource, or one verb of it, as
//! `Spec::at_release` cuts the model) is called once on a value with made-up keys:
//! the client's release guard must end it with `Error::Unsupported`, and the
//! simulator's request log must show nothing sent. The steps then walk what the
//! release has, with bodies built from the model as that release has it.
//!
//! The list of types is the generator's (`ontap-resources/tests/model/list.rs`);
//! each entry becomes calls of the generic walkers below, one per verb the
//! list names, so a verb's trait bound is needed only where the list names it.
//!
//! A resource below a parent (`/storage/volumes/{volume.uuid}/snapshots`)
//! is walked in step 2, once its parent has a record: one listed in step 1
//! or in an earlier round, or created earlier in step 2 (parents go before
//! children, in rounds as for references). Its parent keys are that
//! record's keys; a key of a path no resource's instance path prefixes
//! (`{node.uuid}` of `.../keys/{node.uuid}/key-ids`) is the key of an object
//! of its definition that exists (vs0 for `svm.uuid`), and a key that names
//! the object itself (`{file_directory_security.path}`) is a new value. The
//! keys travel in the generated type's own fields where it has them
//! (`snapshot.volume.uuid`), else in `CallOptions::parent` and
//! `Query::parent`; a collection is listed with `Query::parent`.
//! A resource whose parent never has a record is skipped, with why.
//!
//! A walk that fails is a finding: the test fails and lists each one.
#![cfg(feature = "full")]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::BoxFuture;
use ontap::prelude::*;
use ontap::resources;
use ontap::{CallOptions, Error, HostConnection, Query, Resource, Response, Scheme};
use ontap_model::{Bounds, Property, ResourceSpec, Schema, Spec};
use ontap_sim::{PackageServer, Simulator};
use serde_json::{Map, Value, json};

/// The SVM the simulator starts with.
const SVM: &str = "vs0";

/// How long one step (one verb, job included) may take.
const STEP_LIMIT: Duration = Duration::from_secs(20);

/// Fields ONTAP needs in a POST that the model does not mark required, by
/// path: a download needs a package to download.
fn extra_fields(ctx: &Ctx, path: &str) -> Option<Value> {
    match path {
        "/cluster/software/download" => Some(json!({"url": ctx.package_url})),
        // A LUN's name is its path: `/vol/<volume>/<lun>` (in vs0's root volume here).
        "/storage/luns" => Some(json!({"name": format!("/vol/vs0_root/{}", ctx.unique())})),
        _ => None,
    }
}

// --- The verbs, as plain function pointers ------------------------------------

type Step<R> = for<'a> fn(&'a mut R, &'a HostConnection, &'a Parents) -> BoxFuture<'a, Result<Response, Error>>;
type OptStep<R> =
    for<'a> fn(&'a mut R, &'a HostConnection, &'a Parents) -> BoxFuture<'a, Result<Option<Response>, Error>>;
type ListStep<R> = for<'a> fn(&'a HostConnection, &'a Parents) -> BoxFuture<'a, Result<Vec<R>, Error>>;

/// The verbs the list names for one type; each is set only when named, so
/// only then is its marker trait required.
struct Verbs<R> {
    collection: Option<ListStep<R>>,
    post: Option<Step<R>>,
    get: Option<Step<R>>,
    get_opt: Option<OptStep<R>>,
    patch: Option<Step<R>>,
    delete: Option<Step<R>>,
}

impl<R> Clone for Verbs<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Verbs<R> {}

impl<R> Verbs<R> {
    fn none() -> Self {
        Verbs {
            collection: None,
            post: None,
            get: None,
            get_opt: None,
            patch: None,
            delete: None,
        }
    }
}

fn list_step<'a, R: Collection>(
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Vec<R>, Error>> {
    Box::pin(R::get_collection(conn, parents.listing()).try_collect())
}

fn post_step<'a, R: Post>(
    r: &'a mut R,
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Response, Error>> {
    r.post_with(conn, parents.options())
}

/// `get`, or `get_with` the parent keys the type does not hold.
fn get_step<'a, R: Get>(
    r: &'a mut R,
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Response, Error>> {
    if parents.loose.is_empty() {
        r.get(conn)
    } else {
        Box::pin(async move { r.get_with(conn, &parents.query()).await })
    }
}

/// `get_opt`; with parent keys the type does not hold, `get_with` them and
/// a 404 as `None` (there is no `get_opt_with`).
fn get_opt_step<'a, R: Get>(
    r: &'a mut R,
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Option<Response>, Error>> {
    if parents.loose.is_empty() {
        return r.get_opt(conn);
    }
    Box::pin(async move {
        match r.get_with(conn, &parents.query()).await {
            Ok(response) => Ok(Some(response)),
            Err(err) if err.status().map(|s| s.as_u16()) == Some(404) => Ok(None),
            Err(err) => Err(err),
        }
    })
}

fn patch_step<'a, R: Patch>(
    r: &'a mut R,
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Response, Error>> {
    r.patch_with(conn, parents.options())
}

fn delete_step<'a, R: Delete>(
    r: &'a mut R,
    conn: &'a HostConnection,
    parents: &'a Parents,
) -> BoxFuture<'a, Result<Response, Error>> {
    r.delete_with(conn, parents.options())
}

/// The parent keys of a resource below a parent, and how each travels.
#[derive(Clone, Default)]
struct Parents {
    /// Every placeholder of the collection path with its value, in path order.
    keys: Vec<(String, Value)>,
    /// Those the generated type holds in its own fields, as its JSON
    /// (`{"volume": {"uuid": ...}}`): every value of the type the walk
    /// builds has them.
    carried: Map<String, Value>,
    /// The others, as text: given with `CallOptions::parent` and `Query::parent`.
    loose: Vec<(String, String)>,
}

impl Parents {
    /// The parent keys of `R`'s path, with `values`: in `R`'s fields where
    /// it holds them (they decode and read back), loose otherwise.
    fn of<R: Resource>(values: Vec<(String, Value)>) -> Parents {
        let mut parents = Parents::default();
        for (key, value) in &values {
            let segments: Vec<&str> = key.split('.').collect();
            let mut carried = Value::Object(parents.carried.clone());
            set_path(&mut carried, &segments, value.clone());
            let held = R::FIELDS.iter().any(|f| f.wire == segments[0])
                && serde_json::from_value::<R>(carried.clone())
                    .ok()
                    .and_then(|r| serde_json::to_value(r).ok())
                    .is_some_and(|json| segments.iter().try_fold(&json, |v, s| v.get(*s)) == Some(value));
            match carried {
                Value::Object(map) if held => parents.carried = map,
                _ => parents.loose.push((key.clone(), key_text(value))),
            }
        }
        parents.keys = values;
        parents
    }

    /// The query that lists the collection: every parent key.
    fn listing(&self) -> Query {
        self.keys
            .iter()
            .fold(Query::new(), |q, (key, value)| q.parent(key.as_str(), key_text(value)))
    }

    /// The query of a GET of one object: the loose keys.
    fn query(&self) -> Query {
        self.loose
            .iter()
            .fold(Query::new(), |q, (key, value)| q.parent(key.as_str(), value))
    }

    /// The options of a POST, PATCH or DELETE: the loose keys.
    fn options<P: Default>(&self) -> CallOptions<P> {
        self.loose
            .iter()
            .fold(CallOptions::default(), |o, (key, value)| o.parent(key.as_str(), value))
    }

    /// `json` (an object) with the keys the type holds.
    fn carry(&self, mut json: Value) -> Value {
        if let Value::Object(map) = &mut json {
            for (field, value) in &self.carried {
                map.insert(field.clone(), value.clone());
            }
        }
        json
    }
}

/// A key's value as it goes in a path.
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Sets the walker of one verb the list names; the bulk verbs are not walked.
macro_rules! verb {
    ($verbs:ident, $ty:ty, collection) => {
        $verbs.collection = Some(list_step::<$ty>);
    };
    ($verbs:ident, $ty:ty, post) => {
        $verbs.post = Some(post_step::<$ty>);
    };
    ($verbs:ident, $ty:ty, get) => {
        $verbs.get = Some(get_step::<$ty>);
        $verbs.get_opt = Some(get_opt_step::<$ty>);
    };
    ($verbs:ident, $ty:ty, patch) => {
        $verbs.patch = Some(patch_step::<$ty>);
    };
    ($verbs:ident, $ty:ty, delete) => {
        $verbs.delete = Some(delete_step::<$ty>);
    };
    ($verbs:ident, $ty:ty, patch_collection) => {};
    ($verbs:ident, $ty:ty, delete_collection) => {};
}

macro_rules! resources {
    ($($ty:ident = $feature:literal, $path:literal, [$($verb:ident),*];)*) => {
        fn every() -> Vec<Entry> {
            vec![$({
                #[allow(unused_mut)]
                let mut verbs = Verbs::<resources::$ty>::none();
                $(verb!(verbs, resources::$ty, $verb);)*
                entry::<resources::$ty>($path, verbs)
            }),*]
        }
    };
}

include!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/ontap-resources/tests/model/list.rs"
));

/// One phase of the walk of one resource.
type Phase = Box<dyn Fn(&'static Ctx, Outcome) -> BoxFuture<'static, Outcome>>;

/// One resource of the list: its phases, each typed by the generated type.
struct Entry {
    name: &'static str,
    path: &'static str,
    has_post: bool,
    /// Below a parent: listed in step 2, once the parent has a record.
    nested: bool,
    /// The verbs the cluster's release lacks: each is refused before it is sent.
    refuse: Phase,
    list: Phase,
    create: Phase,
    delete: Phase,
}

fn entry<R: Resource>(path: &'static str, verbs: Verbs<R>) -> Entry {
    Entry {
        name: R::NAME,
        path,
        has_post: verbs.post.is_some(),
        nested: R::PATH.contains('{'),
        refuse: Box::new(move |ctx: &'static Ctx, out: Outcome| -> BoxFuture<'static, Outcome> {
            Box::pin(refuse_phase(ctx, out, verbs))
        }),
        list: Box::new(move |ctx: &'static Ctx, out: Outcome| -> BoxFuture<'static, Outcome> {
            Box::pin(list_phase(ctx, out, ctx.kept(path, verbs).0))
        }),
        create: Box::new(move |ctx: &'static Ctx, out: Outcome| -> BoxFuture<'static, Outcome> {
            Box::pin(create_phase(ctx, out, ctx.kept(path, verbs).0))
        }),
        delete: Box::new(move |ctx: &'static Ctx, out: Outcome| -> BoxFuture<'static, Outcome> {
            Box::pin(delete_phase(ctx, out, ctx.kept(path, verbs).0))
        }),
    }
}

// --- Shared state and what happened to each resource ---------------------------

struct Ctx {
    sim: Simulator,
    conn: HostConnection,
    /// The model as the simulated cluster's release has it.
    spec: Spec,
    /// The whole model, which the generated types follow.
    full: Spec,
    counter: AtomicU64,
    /// A package the package server serves, for the download.
    package_url: String,
    _packages: PackageServer,
    /// For a definition, one object of it that exists: `{"name", "uuid"}`.
    existing: Mutex<HashMap<String, Value>>,
    /// For a resource's path, one record that exists (the first listed,
    /// else the first created): the values of its instance path's
    /// placeholders, the parents' first. The parent of the resources below.
    records: Mutex<HashMap<&'static str, Vec<Value>>>,
    /// The definitions of the resources that are not below a parent.
    top_level: HashSet<String>,
    /// Those of them that POST creates.
    creatable: HashSet<String>,
    /// The last round of creation: a reference to what does not exist gets
    /// a made-up name instead of waiting.
    last_round: AtomicBool,
    /// The resources of which there is one per SVM (keyed by `svm.uuid`
    /// alone), with the SVMs of those listed.
    one_per_svm: Mutex<HashMap<&'static str, Vec<Value>>>,
    /// Those of them that vs0 already has: they are created in a spare SVM.
    taken_on_vs0: Mutex<HashSet<&'static str>>,
    /// The spare SVM, `{"name", "uuid"}`, once created.
    spare_svm: OnceLock<Value>,
}

impl Ctx {
    /// `verbs` without those the release lacks for the resource at `path`, and
    /// the names of those.
    fn kept<R>(&self, path: &str, mut verbs: Verbs<R>) -> (Verbs<R>, Vec<&'static str>) {
        let has = self.spec.resource_by_path(path);
        let mut lacking = Vec::new();
        let mut drop = |present: bool, name: &'static str| {
            if !present {
                lacking.push(name);
            }
            present
        };
        if verbs.collection.is_some() && !drop(has.is_some_and(|r| r.get_collection.is_some()), "list") {
            verbs.collection = None;
        }
        if verbs.get.is_some() && !drop(has.is_some_and(|r| r.get.is_some()), "get") {
            (verbs.get, verbs.get_opt) = (None, None);
        }
        if verbs.post.is_some() && !drop(has.is_some_and(|r| r.post.is_some()), "post") {
            verbs.post = None;
        }
        if verbs.patch.is_some() && !drop(has.is_some_and(|r| r.patch.is_some()), "patch") {
            verbs.patch = None;
        }
        if verbs.delete.is_some() && !drop(has.is_some_and(|r| r.delete.is_some()), "delete") {
            verbs.delete = None;
        }
        (verbs, lacking)
    }

    /// A short name no other value of this run uses.
    fn unique(&self) -> String {
        format!("w{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// The body of the last request with `method` the simulator received:
    /// what the generated type sent.
    fn last_sent(&self, method: &str) -> String {
        match self.sim.requests().into_iter().rev().find(|r| r.method == method) {
            Some(r) => r.body.map(|b| b.to_string()).unwrap_or_else(|| "no body".into()),
            None => "nothing".into(),
        }
    }

    /// The JSON body of the last request with `method`.
    fn last_body(&self, method: &str) -> Option<Value> {
        self.sim.requests().into_iter().rev().find(|r| r.method == method)?.body
    }

    /// Notes `object` as one that exists of `definition`, unless one is known.
    fn remember(&self, definition: &str, object: &Value) {
        let mut handle = Map::new();
        for field in ["name", "uuid"] {
            if let Some(value) = object.get(field).filter(|v| v.is_string()) {
                handle.insert(field.to_owned(), value.clone());
            }
        }
        if !handle.is_empty() {
            let mut existing = self.existing.lock().unwrap();
            existing.entry(definition.to_owned()).or_insert(Value::Object(handle));
        }
    }

    /// Notes `record` (JSON) of the resource `R` at `path`, below `parents`,
    /// as the parent of the resources below, unless one is known.
    fn remember_record<R: Resource>(&self, path: &'static str, parents: &Parents, record: &Value) {
        let mut values: Vec<Value> = parents.keys.iter().map(|(_, v)| v.clone()).collect();
        for key in R::KEYS {
            match key.split('.').try_fold(record, |v, s| v.get(s)) {
                Some(value) if !value.is_null() => values.push(value.clone()),
                _ => return,
            }
        }
        self.records.lock().unwrap().entry(path).or_insert(values);
    }

    /// The values of `r`'s parent keys: those of a record of its parent (the
    /// resource whose instance path is the longest that begins `r`'s path),
    /// then for any the parent does not give, [`Ctx::key_by_name`]; or what
    /// is missing.
    fn parent_keys(&self, r: &ResourceSpec) -> Result<Vec<(String, Value)>, Missing> {
        let shape = |path: &str| -> Vec<String> {
            path.split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "{}".to_owned()
                    } else {
                        s.to_owned()
                    }
                })
                .collect()
        };
        let segments = shape(&r.path);
        let parent = (1..segments.len())
            .rev()
            .filter(|&cut| segments[cut - 1] == "{}")
            .find_map(|cut| {
                self.spec
                    .resources()
                    .iter()
                    .find(|p| shape(p.instance_path.as_deref().unwrap_or(&p.path)) == segments[..cut])
            });
        let mut given = Vec::new();
        if let Some(parent) = parent {
            match self.records.lock().unwrap().get(parent.path.as_str()) {
                Some(record) => given = record.clone(),
                None => {
                    return Err(Missing {
                        parent: Some(parent.path.clone()),
                        what: format!("{} at {}", parent.name, parent.path),
                    });
                }
            }
        }
        let mut keys = Vec::new();
        for (i, key) in r.parent_keys.iter().enumerate() {
            let value = match given.get(i) {
                Some(value) => value.clone(),
                None => self
                    .key_by_name(r, key)
                    .map_err(|what| Missing { parent: None, what })?,
            };
            keys.push((key.clone(), value));
        }
        Ok(keys)
    }

    /// A parent key no parent record gives: a new value where it names the
    /// object itself (`file_directory_security.path`), else the key of an
    /// object of its definition that exists (`svm.uuid`: vs0's).
    fn key_by_name(&self, r: &ResourceSpec, key: &str) -> Result<Value, String> {
        let (definition, field) = key.split_once('.').unwrap_or((key, key));
        if r.definition.as_deref() == Some(definition) {
            return Ok(Value::String(self.unique()));
        }
        let existing = self.existing.lock().unwrap();
        let value = existing.get(definition).and_then(|handle| handle.get(field));
        value.cloned().ok_or_else(|| format!("an object that gives `{key}`"))
    }
}

/// What a resource below a parent waits for.
struct Missing {
    /// The parent's path, when it is a parent's record.
    parent: Option<String>,
    /// Which, for a message.
    what: String,
}

#[derive(Default)]
struct Outcome {
    name: &'static str,
    path: &'static str,
    /// Records listed.
    listed: Option<usize>,
    /// A singleton without POST, read.
    read_singleton: bool,
    created: bool,
    read: bool,
    /// The field patched and read back.
    patched: Option<String>,
    deleted: bool,
    /// The verbs the release lacks, each refused before it was sent.
    refused: Vec<&'static str>,
    /// The release lacks the resource: none of its verbs was walked.
    absent: bool,
    /// The created object's keys (and the parent keys its type holds), for
    /// the delete phase.
    keys: Option<Value>,
    /// The parent keys, once found (below a parent; empty otherwise).
    parents: Option<Parents>,
    /// The walk waits for a record of a parent (below a parent).
    missing_parent: Option<Missing>,
    /// The POST waits for an object of this definition to exist.
    waiting_on: Option<String>,
    /// Why (part of) the walk did not run.
    skipped: Option<String>,
    /// Steps that ran but were not done, with why (not failures).
    notes: Vec<String>,
    /// (step, what went wrong).
    failures: Vec<(&'static str, String)>,
}

impl Outcome {
    fn fail(&mut self, step: &'static str, what: impl Into<String>) {
        self.failures.push((step, what.into()));
    }
}

/// Runs one verb under [`STEP_LIMIT`].
async fn bounded<T>(step: impl Future<Output = Result<T, Error>>) -> Result<T, String> {
    match tokio::time::timeout(STEP_LIMIT, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(describe(&err)),
        Err(_) => Err(format!("no answer within {STEP_LIMIT:?}")),
    }
}

/// Runs one verb that the release lacks: `Ok` when the guard refused it.
async fn refused<T>(step: impl Future<Output = Result<T, Error>>) -> Result<(), String> {
    match tokio::time::timeout(STEP_LIMIT, step).await {
        Ok(Err(Error::Unsupported { .. })) => Ok(()),
        Ok(Err(err)) => Err(describe(&err)),
        Ok(Ok(_)) => Err("it went through".into()),
        Err(_) => Err(format!("no answer within {STEP_LIMIT:?}")),
    }
}

fn describe(err: &Error) -> String {
    match err.ontap_code() {
        Some(code) => format!(
            "[{}, ONTAP {code}] {err}",
            err.status().map(|s| s.as_u16()).unwrap_or(0)
        ),
        None => err.to_string(),
    }
}

/// Why the record of a POST answer (`return_records=true`) does not decode
/// into `R`, if it does not.
fn record_error<R: Resource>(response: &Response) -> Option<String> {
    let answer: Value = serde_json::from_slice(response.body()).ok()?;
    let record = answer.get("records")?.get(0)?.clone();
    let err = serde_json::from_value::<R>(record).err()?;
    Some(format!("the answer's record does not decode into {}: {err}", R::NAME))
}

/// The answer's JSON, shortened, for a message.
fn answer_text(response: &Response) -> String {
    let mut text = String::from_utf8_lossy(response.body()).into_owned();
    if text.len() > 400 {
        let mut end = 400;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    if text.is_empty() { "an empty body".into() } else { text }
}

// --- Phase 0: what the release lacks -----------------------------------------------

/// Calls each verb of `R` that the cluster's release lacks, on a value with made-up
/// keys: each must end with [`Error::Unsupported`] and leave no request in the
/// simulator's log.
async fn refuse_phase<R: Resource>(ctx: &'static Ctx, mut out: Outcome, verbs: Verbs<R>) -> Outcome {
    let (_, lacking) = ctx.kept(out.path, verbs);
    out.absent = ctx.spec.resource_by_path(out.path).is_none();
    if lacking.is_empty() {
        return out;
    }
    let Some(spec) = ctx.full.resource_by_path(out.path) else {
        out.fail("model", format!("{} is not in the model", out.path));
        return out;
    };
    let parents = Parents::of::<R>(
        spec.parent_keys
            .iter()
            .map(|k| (k.clone(), json!("w-absent")))
            .collect(),
    );
    // Each key as text, or as a number or a time where the type holds one there.
    let keyed = || -> R {
        let mut keys = parents.carry(json!({}));
        for key in R::KEYS {
            let segments: Vec<&str> = key.split('.').collect();
            for value in [json!("w-absent"), json!(1), json!("2024-01-01T00:00:00Z")] {
                let mut tried = keys.clone();
                set_path(&mut tried, &segments, value);
                if serde_json::from_value::<R>(tried.clone()).is_ok() {
                    keys = tried;
                    break;
                }
            }
        }
        serde_json::from_value(keys).unwrap_or_default()
    };
    for verb in lacking {
        ctx.sim.clear_requests();
        let result = match verb {
            "list" => refused((verbs.collection.expect("named"))(&ctx.conn, &parents)).await,
            "get" => refused((verbs.get.expect("named"))(&mut keyed(), &ctx.conn, &parents)).await,
            "post" => refused((verbs.post.expect("named"))(&mut R::default(), &ctx.conn, &parents)).await,
            "patch" => refused((verbs.patch.expect("named"))(&mut keyed(), &ctx.conn, &parents)).await,
            _ => refused((verbs.delete.expect("named"))(&mut keyed(), &ctx.conn, &parents)).await,
        };
        let sent: Vec<String> = ctx
            .sim
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        match result {
            Ok(()) if sent.is_empty() => out.refused.push(verb),
            Ok(()) => out.fail(verb, format!("refused, but sent {sent:?}")),
            Err(err) => out.fail(
                verb,
                format!("the release lacks it; expected a refusal: {err} (sent {sent:?})"),
            ),
        }
    }
    out
}

// --- Phase 1: list --------------------------------------------------------------

async fn list_phase<R: Resource>(ctx: &'static Ctx, mut out: Outcome, verbs: Verbs<R>) -> Outcome {
    out.name = R::NAME;
    if out.absent {
        return out;
    }
    let Some(spec) = ctx.spec.resource_by_path(out.path) else {
        out.fail("model", format!("{} is not in the model", out.path));
        return out;
    };
    // What no walk reaches, below a parent or not.
    let unlisted = verbs.collection.is_none() && verbs.post.is_none();
    match verbs.get {
        Some(_) if unlisted && spec.instance_path.is_some() => {
            out.skipped = Some("read by its keys only: no collection to find one, no POST".into());
            return out;
        }
        None if unlisted => {
            out.skipped = Some("no collection, no POST, no GET".into());
            return out;
        }
        _ => {}
    }
    // Below a parent: its keys, once the parent has a record.
    out.missing_parent = None;
    let parents = match ctx.parent_keys(spec) {
        Ok(keys) => Parents::of::<R>(keys),
        Err(missing) => {
            out.missing_parent = Some(missing);
            return out;
        }
    };
    out.parents = Some(parents.clone());
    if let Some(list) = verbs.collection {
        match bounded(list(&ctx.conn, &parents)).await {
            Ok(records) => {
                out.listed = Some(records.len());
                if spec.keys.len() == 1 && spec.keys[0] == "svm.uuid" {
                    let svms = records
                        .iter()
                        .filter_map(|r| serde_json::to_value(r).ok().map(|v| v["svm"].clone()))
                        .collect();
                    ctx.one_per_svm.lock().unwrap().insert(out.path, svms);
                }
                if let Some(first) = records.first() {
                    let first = serde_json::to_value(first).unwrap_or(Value::Null);
                    ctx.remember_record::<R>(out.path, &parents, &first);
                    if let Some(definition) = &spec.definition {
                        ctx.remember(definition, &first);
                    }
                }
            }
            Err(err) => out.fail("list", err),
        }
    }
    // A singleton without POST is read.
    if unlisted && let Some(get) = verbs.get {
        let mut singleton: R = serde_json::from_value(parents.carry(json!({}))).unwrap_or_default();
        match bounded(get(&mut singleton, &ctx.conn, &parents)).await {
            Ok(_) => out.read_singleton = true,
            Err(err) => out.fail("get", err),
        }
    }
    out
}

// --- Phase 2: create, read back, patch ------------------------------------------

/// POSTs that ONTAP refuses on a cluster like the simulated one: the path, the status
/// and ONTAP code expected, and why.
const REFUSED: &[(&str, u16, &str, &str)] = &[("/cluster", 409, "1", "the cluster exists already")];

async fn create_phase<R: Resource>(ctx: &'static Ctx, mut out: Outcome, verbs: Verbs<R>) -> Outcome {
    out.waiting_on = None;
    let Some(post) = verbs.post else { return out };
    if out.skipped.is_some() {
        return out;
    }
    if let Some((_, status, code, why)) = REFUSED.iter().find(|r| r.0 == out.path) {
        let mut refused = R::default();
        match tokio::time::timeout(STEP_LIMIT, post(&mut refused, &ctx.conn, &Parents::default())).await {
            Ok(Err(err)) if err.status().map(|s| s.as_u16()) == Some(*status) && err.ontap_code() == Some(*code) => {
                out.skipped = Some(format!("POST refused as on ONTAP ({status}, code {code}): {why}"));
            }
            Ok(Err(err)) => out.fail("post", format!("expected {status} code {code}: {}", describe(&err))),
            Ok(Ok(_)) => out.fail("post", format!("expected {status} code {code}, the POST succeeded")),
            Err(_) => out.fail("post", format!("no answer within {STEP_LIMIT:?}")),
        }
        return out;
    }
    let Some(spec) = ctx.spec.resource_by_path(out.path) else {
        return out;
    };

    let parents = out.parents.clone().unwrap_or_default();
    let (mut body, made_up) = match post_body(ctx, spec) {
        Ok(built) => built,
        Err(Unbuilt::Waiting(definition)) => {
            out.waiting_on = Some(definition);
            return out;
        }
        Err(Unbuilt::NoDefinition) => {
            out.skipped = Some("POST takes no JSON body the model describes (an upload)".into());
            return out;
        }
    };
    // What a failure may owe to a reference that names nothing.
    let hint = if made_up.is_empty() {
        String::new()
    } else {
        format!(" [made-up reference to {}: none could be created]", made_up.join(", "))
    };
    // The parent keys go in the path, not in the body: in the fields the
    // type holds them in, or in the options.
    for (key, _) in &parents.keys {
        body.remove(key.split('.').next().unwrap_or(key));
    }
    let body = parents.carry(Value::Object(body));
    let mut created: R = match serde_json::from_value(body.clone()) {
        Ok(r) => r,
        Err(err) => {
            out.fail(
                "post",
                format!("the body {body} does not decode into {}: {err}", R::NAME),
            );
            return out;
        }
    };
    let response = match bounded(post(&mut created, &ctx.conn, &parents)).await {
        Ok(response) => response,
        Err(err) => {
            out.fail("post", format!("{err} (sent {}){hint}", ctx.last_sent("POST")));
            return out;
        }
    };
    let answer = answer_text(&response);
    let sent = ctx.last_sent("POST");
    let sent_body = ctx.last_body("POST").unwrap_or(Value::Null);
    out.created = true;

    // A release whose records lack an own key's field (a DNS configuration's `uuid`
    // before 9.13, when the SVM's UUID named it) gives nothing to address it by.
    let properties = spec.definition.as_deref().and_then(|d| ctx.spec.definition(d));
    let unheld = spec.keys.iter().zip(spec.key_fields(&ctx.spec)).find(|(_, field)| {
        let first = field.split('.').next().unwrap_or(field);
        properties
            .as_ref()
            .is_some_and(|d| !d.properties.iter().any(|p| p.wire == first))
    });
    if let Some((key, _)) = unheld {
        out.notes.push(format!(
            "created; this release's records lack the key `{key}`: not read back"
        ));
        return out;
    }

    // The object as a fresh value with its keys only.
    let keys = match keys_json(&created) {
        Ok(keys) => parents.carry(keys),
        Err(err) => {
            // The client merges the answer's record only when it decodes.
            let err = record_error::<R>(&response).unwrap_or(err);
            out.fail("post", format!("{err} (sent {sent}, answered {answer})"));
            return out;
        }
    };
    let keyed = || -> Result<R, String> {
        serde_json::from_value(keys.clone()).map_err(|e| format!("the keys {keys} do not decode into {}: {e}", R::NAME))
    };
    if let Err(err) = keyed() {
        out.fail("post", err);
        return out;
    }
    out.keys = Some(keys.clone());
    ctx.remember_record::<R>(out.path, &parents, &keys);

    // GET it back.
    let mut current = serde_json::to_value(&created).unwrap_or(Value::Null);
    if let Some(get) = verbs.get {
        let mut fresh = keyed().expect("checked");
        match bounded(get(&mut fresh, &ctx.conn, &parents)).await {
            Ok(_) => {
                current = serde_json::to_value(&fresh).unwrap_or(Value::Null);
                match keys_match::<R>(&keys, &current).and_then(|()| reads_back(ctx, spec, &sent_body, &current)) {
                    Ok(()) => out.read = true,
                    Err(err) => out.fail("get", err),
                }
            }
            Err(err) => out.fail("get", format!("{err} (POST sent {sent}, answered {answer})")),
        }
    }

    // PATCH one scalar field and read it back.
    if let Some(patch) = verbs.patch {
        match patch_choice(ctx, spec, &current) {
            None => out.notes.push("no patchable scalar field".into()),
            Some((field, value)) => match with_field::<R>(&keys, &field, &value) {
                Err(err) => out.fail("patch", err),
                Ok(mut changed) => match bounded(patch(&mut changed, &ctx.conn, &parents)).await {
                    Err(err) => out.fail(
                        "patch",
                        format!("{field} = {value}: {err} (sent {})", ctx.last_sent("PATCH")),
                    ),
                    Ok(_) => match verbs.get {
                        None => out.patched = Some(field),
                        Some(get) => {
                            let mut fresh = keyed().expect("checked");
                            match bounded(get(&mut fresh, &ctx.conn, &parents)).await {
                                Err(err) => out.fail("patch", format!("reading back {field}: {err}")),
                                Ok(_) => {
                                    current = serde_json::to_value(&fresh).unwrap_or(Value::Null);
                                    if current.get(&field) == Some(&value) {
                                        out.patched = Some(field);
                                    } else {
                                        out.fail(
                                            "patch",
                                            format!(
                                                "{field} reads back as {} after PATCH {value} (sent {})",
                                                current.get(&field).unwrap_or(&Value::Null),
                                                ctx.last_sent("PATCH")
                                            ),
                                        );
                                    }
                                }
                            }
                        }
                    },
                },
            },
        }
    }

    // Now it exists for the references of others.
    if let Some(definition) = &spec.definition {
        ctx.remember(definition, &current);
    }
    out
}

// --- Phase 3: delete --------------------------------------------------------------

async fn delete_phase<R: Resource>(ctx: &'static Ctx, mut out: Outcome, verbs: Verbs<R>) -> Outcome {
    let (Some(delete), Some(keys)) = (verbs.delete, out.keys.clone()) else {
        return out;
    };
    let parents = out.parents.clone().unwrap_or_default();
    let keyed = || -> R { serde_json::from_value(keys.clone()).expect("decoded in the create phase") };
    let mut target = keyed();
    match bounded(delete(&mut target, &ctx.conn, &parents)).await {
        Err(err) => out.fail("delete", err),
        Ok(_) => match verbs.get_opt {
            Some(get_opt) if !R::KEYS.is_empty() => {
                let mut fresh = keyed();
                match bounded(get_opt(&mut fresh, &ctx.conn, &parents)).await {
                    Ok(None) => out.deleted = true,
                    Ok(Some(_)) => out.fail("delete", "the object still reads after DELETE"),
                    Err(err) => out.fail("delete", format!("reading after DELETE: {err}")),
                }
            }
            _ => out.deleted = true,
        },
    }
    out
}

// --- Keys -----------------------------------------------------------------------

/// The JSON of `r` with only its keys.
fn keys_json<R: Resource>(r: &R) -> Result<Value, String> {
    let full = serde_json::to_value(r).map_err(|e| format!("{} does not encode: {e}", R::NAME))?;
    let mut keys = Value::Object(Map::new());
    for key in R::KEYS {
        let segments: Vec<&str> = key.split('.').collect();
        match segments.iter().try_fold(&full, |v, s| v.get(*s)) {
            Some(value) => set_path(&mut keys, &segments, value.clone()),
            None => {
                return Err(format!(
                    "the POST answer did not give the key `{key}` (the object is {full})"
                ));
            }
        }
    }
    Ok(keys)
}

/// Whether `read` (an object read back) has the keys `keys`.
fn keys_match<R: Resource>(keys: &Value, read: &Value) -> Result<(), String> {
    for key in R::KEYS {
        let segments: Vec<&str> = key.split('.').collect();
        let at = |v: &Value| segments.iter().try_fold(v, |v, s| v.get(*s)).cloned();
        if at(keys) != at(read) {
            return Err(format!(
                "GET answers `{key}` = {} for the object created with {}",
                at(read).unwrap_or(Value::Null),
                at(keys).unwrap_or(Value::Null)
            ));
        }
    }
    Ok(())
}

/// Whether every field POST sent that GET reads (by the model) reads back
/// as sent: objects may have more fields than were sent (a reference by
/// name reads back with its uuid too).
fn reads_back(ctx: &Ctx, r: &ResourceSpec, sent: &Value, read: &Value) -> Result<(), String> {
    let Some(definition) = r.definition.as_deref().and_then(|d| ctx.spec.definition(d)) else {
        return Ok(());
    };
    let Some(sent) = sent.as_object() else { return Ok(()) };
    let mut wrong = Vec::new();
    for (field, value) in sent {
        let readable = definition
            .properties
            .iter()
            .any(|p| p.wire == *field && p.roles.get && !p.sensitive);
        if !readable {
            continue;
        }
        let got = read.get(field).unwrap_or(&Value::Null);
        if !contains(got, value) {
            wrong.push(format!("`{field}` sent {value} reads back as {got}"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

/// Whether `have` holds `want`: equal scalars, objects with at least
/// `want`'s fields, lists of the same length that hold it item by item.
fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(have), Value::Object(want)) => {
            want.iter().all(|(k, w)| have.get(k).is_some_and(|h| contains(h, w)))
        }
        (Value::Array(have), Value::Array(want)) => {
            have.len() == want.len() && have.iter().zip(want).all(|(h, w)| contains(h, w))
        }
        (Value::Number(h), Value::Number(w)) => h.as_f64() == w.as_f64(),
        _ => have == want,
    }
}

/// An `R` with the keys `keys` and `field` set to `value`.
fn with_field<R: Resource>(keys: &Value, field: &str, value: &Value) -> Result<R, String> {
    let mut json = keys.clone();
    json[field] = value.clone();
    serde_json::from_value(json.clone()).map_err(|e| format!("{json} does not decode into {}: {e}", R::NAME))
}

fn set_path(target: &mut Value, segments: &[&str], value: Value) {
    let Value::Object(map) = target else { return };
    match segments {
        [] => {}
        [last] => {
            map.insert((*last).to_owned(), value);
        }
        [first, rest @ ..] => {
            let child = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            set_path(child, rest, value);
        }
    }
}

// --- Bodies from the model ----------------------------------------------------

/// Why no body was built.
enum Unbuilt {
    /// A reference needs an object of this definition; one may be created later.
    Waiting(String),
    /// The resource has no definition (its POST is an upload).
    NoDefinition,
}

/// The properties of a definition, or of an object schema.
fn object_properties(spec: &Spec, schema: &Schema) -> Option<Vec<Property>> {
    match schema {
        Schema::Ref(name) => spec.definition(name).map(|d| d.properties),
        Schema::Restricted { properties, .. } | Schema::Inline(properties) => Some(properties.clone()),
        _ => None,
    }
}

/// The definition an object schema refers to: what it narrows
/// (`x-ntap-restricts`), or the definition it names.
fn referred(spec: &Spec, schema: &Schema) -> Option<String> {
    match schema {
        Schema::Restricted { narrows, .. } => Some(narrows.clone()),
        Schema::Ref(name) => {
            let narrows = spec
                .document()
                .get("definitions")
                .and_then(|d| d.get(name))
                .and_then(|d| d.get("x-ntap-restricts"))
                .and_then(Value::as_str)
                .and_then(Spec::ref_name);
            Some(narrows.unwrap_or(name).to_owned())
        }
        _ => None,
    }
}

/// Whether a property is a reference to an SVM (by its name or its type).
fn is_svm_ref(spec: &Spec, wire: &str, schema: &Schema) -> bool {
    wire == "svm" || referred(spec, schema).is_some_and(|d| d == "svm" || d == "svm_reference")
}

/// Builds one POST body, noting the references it had to make up.
struct Builder<'a> {
    ctx: &'a Ctx,
    made_up: Vec<String>,
    /// Objects keyed by their SVM go in the spare SVM, not in vs0.
    spare: bool,
}

impl Builder<'_> {
    /// A reference to an object of the schema's definition that exists; `None`
    /// when the schema is not a reference to an object of a top-level
    /// resource.
    fn reference(&mut self, wire: &str, schema: &Schema) -> Result<Option<Value>, Unbuilt> {
        let spec = &self.ctx.spec;
        if is_svm_ref(spec, wire, schema) {
            return Ok(Some(self.svm(Some(schema))));
        }
        let Some(definition) = referred(spec, schema) else {
            return Ok(None);
        };
        if !self.ctx.top_level.contains(&definition) {
            return Ok(None);
        }
        let properties = object_properties(spec, schema).unwrap_or_default();
        let has = |field: &str| properties.iter().any(|p| p.wire == field);
        if !has("name") && !has("uuid") {
            return Ok(None);
        }
        let known = self.ctx.existing.lock().unwrap().get(&definition).cloned();
        match known {
            Some(handle) => {
                // By a field POST may set: the name where it may, else the uuid.
                let settable = |field: &str| properties.iter().any(|p| p.wire == field && p.roles.post);
                let field = if settable("name") && handle.get("name").is_some() {
                    "name"
                } else if settable("uuid") && handle.get("uuid").is_some() {
                    "uuid"
                } else if handle.get("name").is_some() {
                    "name"
                } else {
                    "uuid"
                };
                match handle.get(field) {
                    Some(value) => Ok(Some(json!({ field: value }))),
                    None => Ok(Some(handle)),
                }
            }
            None if self.ctx.creatable.contains(&definition) && !self.ctx.last_round.load(Ordering::Relaxed) => {
                Err(Unbuilt::Waiting(definition))
            }
            None => {
                self.made_up.push(definition);
                if has("name") {
                    Ok(Some(json!({"name": self.ctx.unique()})))
                } else {
                    Ok(Some(
                        json!({"uuid": format!("00000000-0000-4000-8000-{:012}", self.ctx.counter.fetch_add(1, Ordering::Relaxed))}),
                    ))
                }
            }
        }
    }

    /// A reference to the SVM vs0 (or the spare SVM) of the shape `schema`
    /// takes: by name, or by uuid where POST may not set the name (`owner`
    /// of some resources).
    fn svm(&self, schema: Option<&Schema>) -> Value {
        let handle = match self.ctx.spare_svm.get() {
            Some(spare) if self.spare => Some(spare.clone()),
            _ => self
                .ctx
                .existing
                .lock()
                .unwrap()
                .get("svm")
                .filter(|h| h["name"] == SVM)
                .cloned(),
        };
        let handle = handle.unwrap_or_else(|| json!({"name": SVM}));
        let properties = schema
            .and_then(|s| object_properties(&self.ctx.spec, s))
            .unwrap_or_default();
        let settable = |field: &str| properties.iter().any(|p| p.wire == field && p.roles.post);
        match (handle.get("name"), handle.get("uuid")) {
            (_, Some(uuid)) if !settable("name") && settable("uuid") => json!({"uuid": uuid}),
            (Some(name), _) => json!({"name": name}),
            _ => json!({"name": SVM}),
        }
    }

    /// A simple value of a property's type, within its bounds.
    fn sample(&mut self, property: &Property, depth: usize) -> Result<Value, Unbuilt> {
        self.sample_schema(&property.wire, &property.schema, &property.bounds, depth)
    }

    fn sample_schema(&mut self, wire: &str, schema: &Schema, bounds: &Bounds, depth: usize) -> Result<Value, Unbuilt> {
        Ok(match schema {
            Schema::String {
                values: Some(values), ..
            } if !values.is_empty() => Value::String(values[0].clone()),
            Schema::String { format, .. } => Value::String(sample_string(self.ctx, wire, format.as_deref(), bounds)),
            Schema::Integer { values: Some(values) } if !values.is_empty() => json!(values[0]),
            Schema::Integer { .. } => json!(integer_in(bounds, 1)),
            Schema::Number => json!(
                bounds
                    .minimum
                    .unwrap_or(1.0)
                    .max(1.0)
                    .min(bounds.maximum.unwrap_or(f64::MAX))
            ),
            Schema::Boolean => Value::Bool(true),
            Schema::Array(items) => {
                let n = bounds.min_items.unwrap_or(1).max(1) as usize;
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(self.sample_schema(wire, items, &Bounds::default(), depth + 1)?);
                }
                Value::Array(list)
            }
            Schema::Ref(_) | Schema::Restricted { .. } | Schema::Inline(_) => {
                if let Some(reference) = self.reference(wire, schema)? {
                    return Ok(reference);
                }
                let mut object = Map::new();
                if depth > 3 {
                    return Ok(Value::Object(object));
                }
                for p in object_properties(&self.ctx.spec, schema).unwrap_or_default() {
                    if p.required && p.roles.post {
                        object.insert(p.wire.clone(), self.sample(&p, depth + 1)?);
                    }
                }
                Value::Object(object)
            }
            Schema::Object | Schema::Unknown => Value::Object(Map::new()),
        })
    }
}

/// Whether a key is one the server assigns: `uuid`, an integer `id` or
/// `index`, or one the model does not let POST set.
fn server_assigned(key: &str, property: Option<&Property>) -> bool {
    if key == "uuid" || property.is_some_and(|p| !p.roles.post) {
        return true;
    }
    matches!(key, "id" | "index") && matches!(property.map(|p| &p.schema), Some(Schema::Integer { .. }) | None)
}

/// The POST body: the own keys the server cannot assign, the required
/// fields, a `name` and an `svm` where POST takes them; and the references
/// it had to make up.
fn post_body(ctx: &Ctx, r: &ResourceSpec) -> Result<(Map<String, Value>, Vec<String>), Unbuilt> {
    let definition = r
        .definition
        .as_deref()
        .and_then(|d| ctx.spec.definition(d))
        .ok_or(Unbuilt::NoDefinition)?;
    let spare = ctx.taken_on_vs0.lock().unwrap().contains(r.path.as_str());
    let mut b = Builder {
        ctx,
        made_up: Vec::new(),
        spare,
    };
    let mut body = Value::Object(Map::new());
    for key in &r.keys {
        let segments: Vec<&str> = key.split('.').collect();
        let head = definition.properties.iter().find(|p| p.wire == segments[0]);
        if segments.len() == 1 {
            if server_assigned(key, head) {
                continue;
            }
            let value = match head {
                Some(p) => b.sample(p, 0)?,
                None => Value::String(ctx.unique()),
            };
            set_path(&mut body, &segments, value);
            continue;
        }
        // A dotted key: a reference (`svm.uuid`) by name, or a member of an object.
        if let Some(reference) = match head {
            Some(p) if *segments.last().unwrap() == "uuid" => b.reference(&p.wire, &p.schema)?,
            _ => None,
        } {
            set_path(&mut body, &segments[..1], reference);
            continue;
        }
        if segments[0] == "owner" || segments[0] == "svm" {
            let reference = b.svm(head.map(|p| &p.schema));
            set_path(&mut body, &segments[..1], reference);
            continue;
        }
        // The member's own schema, when the model has it.
        let mut props = head.and_then(|p| object_properties(&ctx.spec, &p.schema));
        let mut leaf = None;
        for (i, segment) in segments.iter().enumerate().skip(1) {
            let found = props
                .as_ref()
                .and_then(|ps| ps.iter().find(|p| p.wire == *segment).cloned());
            if i + 1 == segments.len() {
                leaf = found;
            } else {
                props = found.and_then(|p| object_properties(&ctx.spec, &p.schema));
            }
        }
        let value = match leaf {
            Some(p) => b.sample(&p, 0)?,
            None => Value::String(ctx.unique()),
        };
        set_path(&mut body, &segments, value);
    }
    for property in &definition.properties {
        // A `name` and an `svm` that POST takes are given too: ONTAP names
        // what it creates and places it in an SVM, though the model rarely
        // marks them required.
        let named = property.wire == "name" && matches!(property.schema, Schema::String { values: None, .. });
        let placed = property.wire == "svm";
        let wanted = property.required || named || placed;
        if wanted && property.roles.post && body.get(&property.wire).is_none() {
            let value = b.sample(property, 0)?;
            set_path(&mut body, &[property.wire.as_str()], value);
        }
    }
    if let Some(Value::Object(extra)) = extra_fields(ctx, &r.path) {
        for (field, value) in extra {
            body[field.as_str()] = value;
        }
    }
    match body {
        Value::Object(map) => Ok((map, b.made_up)),
        _ => unreachable!(),
    }
}

fn sample_string(ctx: &Ctx, wire: &str, format: Option<&str>, bounds: &Bounds) -> String {
    let name = ctx.unique();
    let text = match format {
        Some("date-time") => "2025-01-01T00:00:00Z".to_owned(),
        Some("uuid") => format!(
            "00000000-0000-4000-8000-{:012}",
            ctx.counter.fetch_add(1, Ordering::Relaxed)
        ),
        Some("uri") => format!("http://127.0.0.1:9/{name}"),
        Some("email") => format!("{name}@example.com"),
        Some("password") => format!("Netapp1!{name}"),
        _ if wire.contains("url") || wire == "uri" => format!("http://127.0.0.1:9/{name}"),
        _ => name,
    };
    fit(text, bounds)
}

/// `text` padded or cut to the length bounds.
fn fit(mut text: String, bounds: &Bounds) -> String {
    let min = bounds.min_length.unwrap_or(0) as usize;
    while text.len() < min {
        text.push('x');
    }
    if let Some(max) = bounds.max_length {
        text.truncate(max as usize);
    }
    text
}

/// `preferred` moved inside the bounds.
fn integer_in(bounds: &Bounds, preferred: i64) -> i64 {
    let mut n = preferred;
    if let Some(min) = bounds.minimum {
        n = n.max(min.ceil() as i64);
    }
    if let Some(max) = bounds.maximum {
        n = n.min(max.floor() as i64);
    }
    n
}

/// A field to PATCH and the value to send: a scalar the model lets PATCH
/// change and GET read, not a key, not a secret; the value differs from
/// `current` (the object as read) where it can. A `comment` or
/// `description` first, the `name` last.
fn patch_choice(ctx: &Ctx, r: &ResourceSpec, current: &Value) -> Option<(String, Value)> {
    let definition = ctx.spec.definition(r.definition.as_deref()?)?;
    let key_heads: Vec<&str> = r.keys.iter().filter_map(|k| k.split('.').next()).collect();
    let now = |wire: &str| current.get(wire).cloned().unwrap_or(Value::Null);
    let mut candidates: Vec<(u8, String, Value)> = Vec::new();
    for p in &definition.properties {
        if !(p.roles.patch && p.roles.get) || p.sensitive || key_heads.contains(&p.wire.as_str()) {
            continue;
        }
        let choice = match &p.schema {
            Schema::String {
                values: None,
                format: None,
            } => {
                let rank = match p.wire.as_str() {
                    "comment" | "description" => 0,
                    "name" => 5,
                    _ => 1,
                };
                Some((rank, Value::String(fit(format!("{}p", ctx.unique()), &p.bounds))))
            }
            Schema::Boolean => Some((2, Value::Bool(!now(&p.wire).as_bool().unwrap_or(false)))),
            Schema::String {
                values: Some(values), ..
            } if !values.is_empty() => {
                let here = now(&p.wire);
                let pick = values
                    .iter()
                    .find(|v| here.as_str() != Some(v.as_str()))
                    .unwrap_or(&values[0]);
                Some((3, Value::String(pick.clone())))
            }
            Schema::Integer { values: Some(values) } if !values.is_empty() => {
                let here = now(&p.wire).as_i64();
                let pick = values.iter().find(|v| Some(**v) != here).unwrap_or(&values[0]);
                Some((4, json!(pick)))
            }
            Schema::Integer { values: None } => {
                let here = now(&p.wire).as_i64();
                let first = integer_in(&p.bounds, 1);
                let second = integer_in(&p.bounds, first + 1);
                Some((4, json!(if here == Some(first) { second } else { first })))
            }
            _ => None,
        };
        if let Some((rank, value)) = choice {
            candidates.push((rank, p.wire.clone(), value));
        }
    }
    candidates.sort_by_key(|(rank, _, _)| *rank);
    candidates.into_iter().next().map(|(_, wire, value)| (wire, value))
}

// --- The test -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_walks_through_the_generated_types() {
    walk(None).await;
}

/// 9.8: before job errors (9.9), and the release most of the field's oldest
/// clusters run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_ontap_9_8_what_it_has_walks_and_the_rest_is_refused_unsent() {
    walk(Some("9.8.0")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_ontap_9_10_1_what_it_has_walks_and_the_rest_is_refused_unsent() {
    walk(Some("9.10.1")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_ontap_9_13_1_what_it_has_walks_and_the_rest_is_refused_unsent() {
    walk(Some("9.13.1")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_ontap_9_16_1_what_it_has_walks_and_the_rest_is_refused_unsent() {
    walk(Some("9.16.1")).await;
}

/// The walk against a simulator of `release` (the model's, 9.19.1, when `None`):
/// every verb the release lacks is refused by the client's guard with nothing sent
/// (phase 0); the rest walks as the module's documentation says.
async fn walk(release: Option<&str>) {
    let started = Instant::now();
    let mut builder = Simulator::builder().tls(false).job_duration(Duration::from_millis(10));
    if let Some(release) = release {
        builder = builder.cluster_version(release);
    }
    let sim = builder.start().await.expect("the simulator starts");
    let packages = PackageServer::start([("ontap-9.16.1-image.tgz", vec![7u8; 4096])], None::<(&str, &str)>)
        .await
        .expect("the package server starts");
    let addr = sim.addr();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .poll_interval(Duration::from_millis(10))
        .poll_timeout(Duration::from_secs(10))
        .build()
        .expect("a valid connection");
    let full =
        Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/ontap-9.19.1.json")).expect("the vendored model reads");
    // The release the connection learns from the cluster, and the model as it has it.
    let cluster = conn.release().await.expect("the cluster's release reads");
    let reported: ontap::Release = release.unwrap_or("9.19.1").parse().expect("a release");
    assert_eq!(cluster, reported, "the release the simulator reports");
    let spec = full.at_release(cluster);
    let top = |post: bool| -> HashSet<String> {
        spec.resources()
            .iter()
            .filter(|r| r.parent_keys.is_empty() && (!post || r.post.is_some()))
            .filter_map(|r| r.definition.clone())
            .collect()
    };
    let (top_level, creatable) = (top(false), top(true));
    // Leaked: the walkers' futures borrow it for 'static; the simulator
    // stops with the process.
    let ctx: &'static Ctx = Box::leak(Box::new(Ctx {
        sim,
        conn,
        package_url: packages.url("ontap-9.16.1-image.tgz"),
        _packages: packages,
        spec,
        full,
        counter: AtomicU64::new(1),
        existing: Mutex::new(HashMap::new()),
        records: Mutex::new(HashMap::new()),
        top_level,
        creatable,
        last_round: AtomicBool::new(false),
        one_per_svm: Mutex::new(HashMap::new()),
        taken_on_vs0: Mutex::new(HashSet::new()),
        spare_svm: OnceLock::new(),
    }));

    let entries = every();
    assert_eq!(
        entries.len(),
        ctx.full.resources().len(),
        "one generated type per resource of the model"
    );
    let mut outcomes: Vec<Outcome> = entries
        .iter()
        .map(|e| Outcome {
            name: e.name,
            path: e.path,
            ..Default::default()
        })
        .collect();

    // 0. What the release lacks is refused, unsent.
    for (entry, outcome) in entries.iter().zip(outcomes.iter_mut()) {
        *outcome = (entry.refuse)(ctx, std::mem::take(outcome)).await;
    }

    // 1. List (what is below a parent waits for step 2).
    for (entry, outcome) in entries.iter().zip(outcomes.iter_mut()) {
        if !entry.nested && !outcome.absent {
            *outcome = (entry.list)(ctx, std::mem::take(outcome)).await;
        }
    }

    // A spare SVM, for what vs0 has one of already.
    let vs0 = ctx
        .existing
        .lock()
        .unwrap()
        .get("svm")
        .filter(|h| h["name"] == SVM)
        .cloned();
    for (path, svms) in ctx.one_per_svm.lock().unwrap().iter() {
        let is_vs0 = |svm: &Value| svm["name"] == SVM || vs0.as_ref().is_some_and(|h| svm["uuid"] == h["uuid"]);
        if svms.iter().any(is_vs0) {
            ctx.taken_on_vs0.lock().unwrap().insert(path);
        }
    }
    let mut setup = Outcome {
        name: "Svm (the walk's spare SVM)",
        path: "/svm/svms",
        ..Default::default()
    };
    let mut spare = resources::Svm {
        name: Some("wspare".into()),
        ..Default::default()
    };
    match bounded(spare.post(&ctx.conn)).await {
        Ok(_) => {
            let handle = json!({"name": spare.name, "uuid": spare.uuid});
            ctx.spare_svm.set(handle).expect("set once");
        }
        Err(err) => setup.fail("post", err),
    }

    // 2. Create, in rounds, and list what is below a parent once the parent
    // has a record: what waits for an object of another resource, or for
    // a parent, goes again once a round found or created something; then
    // with made-up references; what still waits for a parent is skipped.
    let mut pending: Vec<usize> = (0..entries.len())
        .filter(|&i| !outcomes[i].absent)
        .filter(|&i| entries[i].nested || (entries[i].has_post && outcomes[i].skipped.is_none()))
        .collect();
    let mut order = Vec::new();
    let mut rounds = 0;
    while !pending.is_empty() {
        rounds += 1;
        let mut progress = false;
        // A parent that listed no record may have one now (one a round
        // created may come with it): it is listed again, unless its walk
        // failed.
        let missing: HashSet<String> = pending
            .iter()
            .filter_map(|&i| outcomes[i].missing_parent.as_ref()?.parent.clone())
            .collect();
        for (i, entry) in entries.iter().enumerate() {
            let again = outcomes[i].listed == Some(0) && outcomes[i].failures.is_empty();
            if rounds > 1 && again && missing.contains(entry.path) {
                outcomes[i] = (entry.list)(ctx, std::mem::take(&mut outcomes[i])).await;
            }
        }
        let mut waiting = Vec::new();
        for i in pending {
            let mut outcome = std::mem::take(&mut outcomes[i]);
            if entries[i].nested && outcome.parents.is_none() {
                outcome = (entries[i].list)(ctx, outcome).await;
                progress |= outcome.parents.is_some();
            }
            if outcome.parents.is_some() || !entries[i].nested {
                outcome = (entries[i].create)(ctx, outcome).await;
            }
            if outcome.missing_parent.is_some() || outcome.waiting_on.is_some() {
                waiting.push(i);
            } else if outcome.created {
                order.push(i);
                progress = true;
            }
            outcomes[i] = outcome;
        }
        // Nothing new exists: what still waits goes again with made-up
        // references; when that too finds nothing, what waits for a parent
        // is skipped.
        if !waiting.is_empty() && !progress && ctx.last_round.swap(true, Ordering::Relaxed) {
            for i in waiting.drain(..) {
                let missing = outcomes[i].missing_parent.take().map(|m| m.what).unwrap_or_default();
                outcomes[i].skipped = Some(format!(
                    "no parent record ({missing}: none listed, nor created with its keys)"
                ));
            }
        }
        pending = waiting;
    }

    // 3. Delete, newest first.
    for &i in order.iter().rev() {
        outcomes[i] = (entries[i].delete)(ctx, std::mem::take(&mut outcomes[i])).await;
    }

    if spare.uuid.is_some()
        && let Err(err) = bounded(spare.delete(&ctx.conn)).await
    {
        setup.fail("delete", err);
    }
    if !setup.failures.is_empty() {
        outcomes.push(setup);
    }

    report(&outcomes, rounds, started);
}

/// Prints what happened and fails with every failure.
fn report(outcomes: &[Outcome], rounds: usize, started: Instant) {
    let absent = outcomes.iter().filter(|o| o.absent).count();
    let refused: usize = outcomes.iter().map(|o| o.refused.len()).sum();
    let listed = outcomes.iter().filter(|o| o.listed.is_some()).count();
    let records: usize = outcomes.iter().filter_map(|o| o.listed).sum();
    let singletons = outcomes.iter().filter(|o| o.read_singleton).count();
    let created = outcomes.iter().filter(|o| o.created).count();
    let read = outcomes.iter().filter(|o| o.read).count();
    let patched = outcomes.iter().filter(|o| o.patched.is_some()).count();
    let deleted = outcomes.iter().filter(|o| o.deleted).count();
    let mut skip_reasons: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for o in outcomes {
        if let Some(why) = &o.skipped {
            // By the kind of reason, not the parent's key.
            let kind = why.split(" (").next().unwrap_or(why).to_owned();
            skip_reasons.entry(kind).or_default().push(o.name);
        }
    }
    let skipped: usize = skip_reasons.values().map(Vec::len).sum();
    let mut note_reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in outcomes {
        for note in &o.notes {
            note_reasons.entry(note.as_str()).or_default().push(o.name);
        }
    }

    for o in outcomes {
        let mut done = Vec::new();
        if o.absent {
            done.push("not in this release".into());
        }
        if !o.refused.is_empty() {
            done.push(format!("refused unsent: {}", o.refused.join(", ")));
        }
        if let Some(n) = o.listed {
            done.push(format!("listed {n}"));
        }
        if o.read_singleton {
            done.push("read".into());
        }
        if o.created {
            done.push("created".into());
        }
        if o.read {
            done.push("read back".into());
        }
        if let Some(field) = &o.patched {
            done.push(format!("patched {field}"));
        }
        if o.deleted {
            done.push("deleted".into());
        }
        if let Some(why) = &o.skipped {
            done.push(format!("skipped: {why}"));
        }
        for (step, err) in &o.failures {
            done.push(format!("FAILED {step}: {err}"));
        }
        println!("{:<36} {:<62} {}", o.name, o.path, done.join("; "));
    }
    println!();
    println!("the release lacks {absent} resources; {refused} verbs refused by the guard, none sent");
    println!(
        "listed {listed} collections ({records} records); read {singletons} singletons; created {created} \
         (in {rounds} rounds); read back {read}; patched {patched}; deleted {deleted}; skipped {skipped} ({}) \
         in {:.1?}",
        skip_reasons
            .iter()
            .map(|(why, names)| format!("{why}: {}", names.len()))
            .collect::<Vec<_>>()
            .join("; "),
        started.elapsed()
    );
    for (note, names) in &note_reasons {
        println!("{note}: {} ({})", names.len(), names.join(", "));
    }

    let failures: Vec<String> = outcomes
        .iter()
        .flat_map(|o| {
            o.failures
                .iter()
                .map(move |(step, err)| format!("{} ({}) {step}: {err}", o.name, o.path))
        })
        .collect();
    let failed = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
    assert!(
        failures.is_empty(),
        "{failed} of {} resources failed their walk ({} failures):\n{}",
        outcomes.len(),
        failures.len(),
        failures.join("\n")
    );
}
