//! The engine's answers to requests: the resource a path names, the query and body
//! checked against the model, and records read, created, changed or deleted, at once or
//! by a job.

use super::answers::{BulkAnswer, Created, JobAnswer, JobRef, SyncAnswer};
use super::listing::EngineListing;
use super::*;
use crate::http::{Answer, Call};

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
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let ctx = Ctx {
        shared: &shared,
        neg: call.neg,
        path: &call.path,
        query: call.query(),
        headers: &call.headers,
        call: &call,
    };
    dispatch(&ctx, &call.method, &call.path).await
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    shared: &'a Arc<Shared>,
    neg: Negotiated,
    /// The request's path (`/api/...`).
    path: &'a str,
    /// The query (of a key given in the query: what is left of it).
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    call: &'a Call,
}

impl Ctx<'_> {
    /// The body as JSON, read as every path reads it ([`crate::http::read_body`]).
    fn json_body(&self) -> Result<Value, Refusal> {
        self.call.doc().map(Value::Object)
    }
}

fn not_allowed(method: &Method, path: &str, allow: &[&str]) -> Result<Answer, Refusal> {
    Err(Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::NOT_SUPPORTED,
        format!("The \"{method}\" method is not supported for \"{path}\"."),
    )
    .allow(allow.join(", ")))
}

async fn dispatch(ctx: &Ctx<'_>, method: &Method, path: &str) -> Result<Answer, Refusal> {
    if let Some(words) = path.strip_prefix("/api/private/cli/") {
        return crate::cli::answer(ctx.shared, method, words, ctx.query, ctx.neg, || ctx.call.doc()).await;
    }
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
            return instance(&ctx, method, path, res, vars).await;
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
                ("POST", _) if r.post.is_some() => create(ctx, res, &parents).await,
                ("PATCH", true) if r.patch.is_some() => modify(ctx, res, &parents, String::new()).await,
                ("DELETE", true) if r.delete.is_some() => remove(ctx, res, &parents, String::new()).await,
                ("PATCH", false) if r.patch_collection.is_some() => bulk(ctx, res, &parents, true).await,
                ("DELETE", false) if r.delete_collection.is_some() => bulk(ctx, res, &parents, false).await,
                _ => not_allowed(method, path, &r.collection_methods()),
            }
        }
        Target::Instance(res) => instance(ctx, method, path, res, vars).await,
        Target::Passthrough => {
            if *method != Method::GET {
                return not_allowed(method, path, &["GET"]);
            }
            // A private path the model lists without a resource (`/private/support/alerts`) answers no records.
            Ok(Answer::json(
                StatusCode::OK,
                &serde_json::json!({"records": [], "num_records": 0}),
            ))
        }
        Target::Action(i) => {
            if *method != Method::POST {
                return not_allowed(method, path, &["POST"]);
            }
            action(ctx, i, &vars).await
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
) -> Result<Answer, Refusal> {
    let r = &ctx.shared.engine.cat.resources[res];
    let (parents, own) = vars.split_at(r.parent_keys.len().min(vars.len()));
    let own = join_keys(own);
    match method.as_str() {
        "GET" if r.get.is_some() => get_one(ctx, res, parents, &own),
        "PATCH" if r.patch.is_some() => modify(ctx, res, parents, own).await,
        "DELETE" if r.delete.is_some() => remove(ctx, res, parents, own).await,
        _ => not_allowed(method, path, &r.instance_methods()),
    }
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

/// The answer to a request that started a job: `{"num_records"?, "records"?, "job"}`.
fn job_answer(ctx: &Ctx<'_>, status: StatusCode, uuid: &str, records: Option<Created<'_>>) -> Answer {
    Answer::json(
        status,
        &JobAnswer {
            records,
            job: JobRef {
                uuid,
                links: ctx.neg.links,
            },
        },
    )
}

/// A PATCH or DELETE of one record may name its fields in the query (Ansible's
/// `na_ontap_user` sends `?name=...&owner.uuid=...`): the record must match them (404
/// code 4 otherwise), as a GET of one record.
fn check_filters(
    cat: &Catalog,
    r: &Res,
    parents: &[String],
    record: &V,
    filters: &[QueryParam],
) -> Result<(), Refusal> {
    let listing = EngineListing { cat, r, parents };
    for filter in listing.filters(filters)? {
        if !filter.matches(|f, visit| listing.any_value(record, f, visit)) {
            return Err(not_found_key(r));
        }
    }
    Ok(())
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
fn get_one(ctx: &Ctx<'_>, res: usize, parents: &[String], own: &str) -> Result<Answer, Refusal> {
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
    Ok(Answer::json(
        StatusCode::OK,
        &View {
            cat,
            v: record,
            sel: &sel,
            href: href.as_deref(),
        },
    ))
}

/// A collection GET through [`collection::respond`].
fn list(ctx: &Ctx<'_>, res: usize, parents: &[String]) -> Result<Answer, Refusal> {
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
    let own = engine.store_key(res, &v);
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
async fn create(ctx: &Ctx<'_>, res: usize, parents: &[String]) -> Result<Answer, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.post else { return Err(api_not_found()) };
    let q = mutation_query(ctx, op, None)?;
    let (bodies, many) = bodies_of(ctx.json_body()?)?;
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
    let records = q.return_records.then(|| Created::new(cat, r, bodies.first(), &created));
    let first = &prepared[0];
    if !op.asynchronous {
        let answer = Answer::json(StatusCode::CREATED, &SyncAnswer { records });
        return Ok(if many {
            answer
        } else {
            answer.header(header::LOCATION, &first.href)
        });
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
    let answer = job_answer(ctx, status, &uuid, records);
    if many {
        return Ok(answer);
    }
    // ONTAP points at the new record by a query on the collection.
    let location = match cat.sym("name").and_then(|s| first.v.get(s)).and_then(V::as_str) {
        Some(name) => format!("{here}/?name={}", encode(name)),
        None => format!("{here}/?{}", key_query(r, &first.v)),
    };
    Ok(answer.header(header::LOCATION, &location))
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

async fn modify(ctx: &Ctx<'_>, res: usize, parents: &[String], own: String) -> Result<Answer, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.patch else {
        return Err(api_not_found());
    };
    let q = mutation_query(ctx, op, Some(r))?;
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
    let body = ctx.json_body()?;
    let ty = op.body.unwrap_or(r.ty);
    let checked = value::convert(cat, ty, &body, Verb::Patch)?;
    let parents = parents.to_vec();
    let (parents_for_move, own_for_move) = (parents.clone(), own.clone());
    let (change, svm, reserved) = {
        let data = engine.read();
        check_parents(engine, &data, res, &parents)?;
        let current = lookup(&data, res, &parents, &own).ok_or_else(|| not_found_key(r))?;
        check_filters(cat, r, &parents, current, &q.filters)?;
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
        return Ok(Answer::empty());
    }
    let (uuid, control) = spawn_job(shared, job_spec("PATCH", &path, svm), apply);
    let status = job_status(&control, q.return_timeout, StatusCode::OK).await;
    Ok(job_answer(ctx, status, &uuid, None))
}

async fn remove(ctx: &Ctx<'_>, res: usize, parents: &[String], own: String) -> Result<Answer, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let Some(op) = &r.delete else {
        return Err(api_not_found());
    };
    let q = mutation_query(ctx, op, Some(r))?;
    let svm = {
        let data = engine.read();
        check_parents(engine, &data, res, parents)?;
        let current = lookup(&data, res, parents, &own).ok_or_else(|| not_found_key(r))?;
        check_filters(cat, r, parents, current, &q.filters)?;
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
        return Ok(Answer::empty());
    }
    let (uuid, control) = spawn_job(shared, job_spec("DELETE", ctx.path, svm), apply);
    let status = job_status(&control, q.return_timeout, StatusCode::OK).await;
    Ok(job_answer(ctx, status, &uuid, None))
}

/// PATCH or DELETE on a collection: every record the query's filters match, one job each
/// when the operation is asynchronous. A query without a filter is refused.
async fn bulk(ctx: &Ctx<'_>, res: usize, parents: &[String], patch: bool) -> Result<Answer, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let r = &cat.resources[res];
    let op = match patch {
        true => r.patch_collection.as_ref(),
        false => r.delete_collection.as_ref(),
    }
    .ok_or_else(api_not_found)?;
    let q = mutation_query(ctx, op, Some(r))?;
    let mut body = ctx.json_body()?;
    let records = match body.as_object_mut().and_then(|m| m.remove("records")) {
        Some(Value::Array(records)) if q.filters.is_empty() => Some(records),
        Some(_) => {
            return Err(Refusal::bad_request(
                codes::INVALID_ARGUMENT,
                "Invalid value for field \"records\": expected an array of records, without a filter.",
            )
            .target("records"));
        }
        None => None,
    };
    if q.filters.is_empty() && records.is_none() {
        return Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            "A PATCH or DELETE on a collection needs a query that selects the records (a filter on a field).",
        ));
    }
    // What each selected record gets: the body's change, or (records) its own.
    let mut selected: Vec<(String, Option<crate::jobs::Svm>, Option<V>)> = Vec::new();
    if let Some(records) = records {
        let data = engine.read();
        check_parents(engine, &data, res, parents)?;
        for record in records {
            let Value::Object(mut record) = record else {
                return Err(Refusal::bad_request(
                    codes::INVALID_ARGUMENT,
                    "Invalid value for field \"records\": each record is an object.",
                )
                .target("records"));
            };
            let own = record_key(cat, r, &mut record)?;
            let current = lookup(&data, res, parents, &own).ok_or_else(|| not_found_key(r))?;
            let change = match patch {
                true => Some(value::convert(
                    cat,
                    op.body.unwrap_or(r.ty),
                    &Value::Object(record),
                    Verb::Patch,
                )?),
                false => None,
            };
            selected.push((own, svm_of(cat, current), change));
        }
    } else {
        let change = match patch {
            true => Some(value::convert(cat, op.body.unwrap_or(r.ty), &body, Verb::Patch)?),
            false => None,
        };
        let listing = EngineListing { cat, r, parents };
        let filters = listing.filters(&q.filters)?;
        let data = engine.read();
        check_parents(engine, &data, res, parents)?;
        if let Coll::Keyed(groups) = &data[res]
            && let Some(g) = groups.get(&join_keys(parents))
        {
            for (k, v) in g {
                if filters
                    .iter()
                    .all(|f| f.matches(|field, visit| listing.any_value(v, field, visit)))
                {
                    selected.push((k.to_string(), svm_of(cat, v), change.clone()));
                }
            }
        }
    }
    let verb = if patch { "PATCH" } else { "DELETE" };
    let mut jobs = Vec::new();
    let matched = selected.len();
    for (own, svm, change) in selected {
        let here = href_of(r, parents, &own);
        let parents = parents.to_vec();
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
    Ok(Answer::json(
        status,
        &BulkAnswer {
            jobs: &uuids,
            num_records: matched,
            links: ctx.neg.links.then_some(here.as_str()),
        },
    ))
}

/// The store key of the record a record-based PATCH or DELETE names by its own keys,
/// which are taken out of `record` (what is left is the change).
fn record_key(cat: &Catalog, r: &Res, record: &mut serde_json::Map<String, Value>) -> Result<String, Refusal> {
    let mut parts = Vec::with_capacity(r.keys.len());
    for k in &r.keys {
        let names: Vec<&str> = match &k.path {
            Some(path) => path.iter().map(|sym| cat.name(*sym)).collect(),
            None => return Err(missing(&k.name)),
        };
        let value = take_path(record, &names).ok_or_else(|| missing(&k.name))?;
        parts.push(match value {
            Value::String(text) => text,
            other => other.to_string(),
        });
    }
    Ok(join_keys(&parts))
}

/// Takes the value at `path` out of `map`, leaving out an object the path emptied.
fn take_path(map: &mut serde_json::Map<String, Value>, path: &[&str]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    if rest.is_empty() {
        return map.remove(*first).filter(|v| !v.is_null());
    }
    let inner = map.get_mut(*first)?.as_object_mut()?;
    let value = take_path(inner, rest);
    if inner.is_empty() {
        map.remove(*first);
    }
    value
}

async fn action(ctx: &Ctx<'_>, i: usize, vars: &[String]) -> Result<Answer, Refusal> {
    let shared = ctx.shared;
    let engine = &shared.engine;
    let cat = &*engine.cat;
    let a = &cat.actions[i];
    let q = mutation_query(ctx, &a.op, None)?;
    let json = ctx.json_body()?;
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
        return Ok(Answer::json(StatusCode::CREATED, &serde_json::Map::new()));
    }
    let here = format!("/api{}", a.path.text);
    let (uuid, control) = spawn_job(shared, job_spec("POST", &here, None), |_| Ok(()));
    let status = job_status(&control, q.return_timeout, StatusCode::CREATED).await;
    Ok(job_answer(ctx, status, &uuid, None))
}
