//! `/api/storage/aggregates` (read-only), `/api/storage/volumes` and the nested
//! `/api/storage/volumes/{volume.uuid}/snapshots`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::{
    Input, JobStart, Negotiated, Started, answer_job, get_one, json_object, mutation_query, reference_keys,
};
use crate::collection;
use crate::doc::{Doc, DocKind, DocListing};
use crate::error::{ApiError, codes};
use crate::inventory::{AGGREGATES, Inventory, Names, NewVolume, SNAPSHOTS, VOLUMES, doc, reference, set_space};
use crate::jobs::{JobFailure, JobSpec, Svm, spawn_job};
use crate::state::Shared;
use crate::util::{format_time, now_string};

const VOLUMES_PATH: &str = "/api/storage/volumes";
const MIB: i64 = 1 << 20;
/// The smallest and largest volume sizes accepted (20 MiB, as ONTAP; 100 TiB).
const MIN_SIZE: i64 = 20 * MIB;
const MAX_SIZE: i64 = 100 * (1 << 40);
/// The space a new, empty volume uses.
const NEW_VOLUME_USED: i64 = 344_064;

fn svm_of(volume: &Doc) -> &str {
    volume
        .get("svm")
        .and_then(|s| s.get("uuid"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn job_svm(volume: &Doc) -> Option<Svm> {
    let svm = volume.get("svm")?;
    Some(Svm {
        name: svm.get("name")?.as_str()?.to_owned(),
        uuid: svm.get("uuid")?.as_str()?.to_owned(),
    })
}

// ---------------------------------------------------------------------------------------
// /api/storage/aggregates

pub(crate) async fn get_aggregates(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    collection::respond(
        &DocListing(&AGGREGATES),
        &inv.aggregates,
        "/api/storage/aggregates",
        req.uri().query(),
        neg,
    )
    .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn get_aggregate(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    path.ok()
        .and_then(|Path(uuid)| inv.aggregates.get(&uuid))
        .ok_or_else(|| ApiError::not_found("uuid"))
        .and_then(|d| get_one(&AGGREGATES, d, req.uri().query(), neg))
        .unwrap_or_else(|e| e.response(neg.hal))
}

// ---------------------------------------------------------------------------------------
// checks

/// ONTAP's volume names: a letter or `_` first, then letters, digits and `_`; at most 203
/// characters. Otherwise 917888.
fn check_volume_name(name: &str) -> Result<(), ApiError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 203;
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            codes::INVALID_VOLUME_NAME,
            format!(
                "Invalid volume name \"{name}\": it must start with a letter or \"_\" and contain only letters, digits and \"_\" (at most 203 characters)."
            ),
        )
        .target("name"))
    }
}

fn check_size(size: i64) -> Result<(), ApiError> {
    if (MIN_SIZE..=MAX_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            codes::OUT_OF_RANGE,
            format!("The value \"{size}\" is invalid for field \"size\": it must be between {MIN_SIZE} (20 MiB) and {MAX_SIZE} (100 TiB) bytes."),
        )
        .target("size"))
    }
}

fn check_state(state: &str) -> Result<(), ApiError> {
    match state {
        "online" | "offline" | "restricted" => Ok(()),
        _ => Err(ApiError::bad_request(
            codes::INVALID,
            format!("Invalid value \"{state}\" for field \"state\" (online, offline, restricted)."),
        )
        .target("state")),
    }
}

/// The one value of a field the simulator supports (`type` = `rw`, `style` = `flexvol`).
fn check_only(field: &str, value: Option<&str>, only: &str) -> Result<(), ApiError> {
    match value {
        Some(v) if v != only => Err(ApiError::bad_request(
            codes::INVALID,
            format!("The simulator only supports {field} \"{only}\", not \"{v}\"."),
        )
        .target(field)),
        _ => Ok(()),
    }
}

/// Snapshot names: 1 to 255 characters.
fn check_snapshot_name(name: &str) -> Result<(), ApiError> {
    if !name.is_empty() && name.chars().count() <= 255 {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            codes::INVALID,
            format!("Invalid snapshot name \"{name}\": it must be 1 to 255 characters."),
        )
        .target("name"))
    }
}

/// Reads an RFC 3339 time and writes it as ONTAP does.
fn check_time(field: &str, value: &str) -> Result<String, ApiError> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .map(format_time)
        .map_err(|_| {
            ApiError::bad_request(
                codes::INVALID,
                format!("Invalid value \"{value}\" for field \"{field}\": expected an RFC 3339 time such as 2025-01-31T12:00:00+00:00."),
            )
            .target(field)
        })
}

fn missing(field: &str) -> ApiError {
    ApiError::bad_request(codes::INVALID, format!("Missing value for required field \"{field}\".")).target(field)
}

/// Finds the SVM a body names by `{"name"}` and/or `{"uuid"}`: 2621462 when there is none.
fn resolve_svm(inv: &Inventory, reference: Doc) -> Result<Doc, ApiError> {
    let (name, uuid) = reference_keys("svm", reference)?;
    let found = match (&name, &uuid) {
        (_, Some(u)) => inv
            .svms
            .get(u)
            .filter(|d| name.as_deref().is_none_or(|n| DocKind::str_of(d, "name") == n)),
        (Some(n), None) => inv.svm_by_name(n),
        (None, None) => return Err(missing("svm.name")),
    };
    found.cloned().ok_or_else(|| {
        let (target, what) = match (&uuid, &name) {
            (Some(u), _) => ("svm.uuid", u.clone()),
            (None, n) => ("svm.name", n.clone().unwrap_or_default()),
        };
        ApiError::bad_request(codes::SVM_NOT_FOUND, format!("SVM \"{what}\" does not exist.")).target(target)
    })
}

fn resolve_aggregates(inv: &Inventory, list: Vec<Value>) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for item in list {
        let Value::Object(item) = item else {
            return Err(ApiError::bad_request(
                codes::INVALID,
                "Invalid value for field \"aggregates\": expected objects with \"name\" or \"uuid\".",
            )
            .target("aggregates"));
        };
        let (name, uuid) = reference_keys("aggregates", item)?;
        let found = match (&name, &uuid) {
            (_, Some(u)) => inv.aggregates.get(u),
            (Some(n), None) => inv.aggregate_by_name(n),
            (None, None) => return Err(missing("aggregates.name")),
        };
        let Some(a) = found else {
            return Err(ApiError::bad_request(
                codes::INVALID,
                format!("Aggregate \"{}\" does not exist.", uuid.or(name).unwrap_or_default()),
            )
            .target("aggregates.name"));
        };
        out.push(reference(a));
    }
    if out.is_empty()
        && let Some(first) = inv.aggregates.values().next()
    {
        out.push(reference(first));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// /api/storage/volumes

pub(crate) async fn get_volumes(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    collection::respond(
        &DocListing(&VOLUMES),
        &inv.volumes,
        VOLUMES_PATH,
        req.uri().query(),
        neg,
    )
    .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn get_volume(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    path.ok()
        .and_then(|Path(uuid)| inv.volumes.get(&uuid))
        .ok_or_else(|| ApiError::not_found("uuid"))
        .and_then(|d| get_one(&VOLUMES, d, req.uri().query(), neg))
        .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn post_volume(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    answer_job(neg, create_volume(&shared, query.as_deref(), body), StatusCode::CREATED).await
}

const VOLUME_READONLY: &[&str] = &["uuid", "space", "create_time", "_links"];

fn create_volume(shared: &Arc<Shared>, query: Option<&str>, body: Result<Bytes, BytesRejection>) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let svm = input.object("svm")?;
    let aggregates = input.array("aggregates")?;
    let size = input.int("size")?;
    let comment = input.string("comment")?;
    let state = input.string("state")?;
    let kind = input.string("type")?;
    let style = input.string("style")?;
    input.finish(VOLUME_READONLY)?;
    let name = name.ok_or_else(|| missing("name"))?;
    check_volume_name(&name)?;
    let svm = svm.ok_or_else(|| missing("svm"))?;
    let size = size.unwrap_or(MIN_SIZE);
    check_size(size)?;
    let state = state.unwrap_or_else(|| "online".to_owned());
    check_state(&state)?;
    check_only("type", kind.as_deref(), "rw")?;
    check_only("style", style.as_deref(), "flexvol")?;

    let mut inv = shared.inventory.write();
    let svm = resolve_svm(&inv, svm)?;
    let aggregates = resolve_aggregates(&inv, aggregates.unwrap_or_default())?;
    let svm_uuid = DocKind::str_of(&svm, "uuid").to_owned();
    if inv.name_taken(&Names::Volume(&svm_uuid), &name) {
        return Err(ApiError::duplicate(
            format!(
                "Duplicate entry: volume \"{name}\" already exists in SVM \"{}\".",
                DocKind::str_of(&svm, "name")
            ),
            "name",
        ));
    }
    inv.reserve(&Names::Volume(&svm_uuid), &name);
    drop(inv);
    let uuid = shared.uuids.next_uuid();
    let volume = NewVolume {
        uuid: uuid.clone(),
        name: &name,
        svm: &svm,
        aggregates,
        size,
        used: NEW_VOLUME_USED,
        state: &state,
        comment: comment.as_deref(),
        create_time: now_string(),
    }
    .into_doc();
    let created = volume.clone();
    let spec = JobSpec {
        description: "POST /api/storage/volumes".to_owned(),
        svm: job_svm(&volume),
        running_message: format!("Creating volume \"{name}\""),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        inv.release(&Names::Volume(&svm_uuid), &name);
        if !inv.svms.contains_key(&svm_uuid) {
            return Err(JobFailure::new(
                codes::SVM_NOT_FOUND,
                format!("SVM {svm_uuid} was deleted before volume \"{name}\" could be created."),
            ));
        }
        inv.volumes.insert(uuid, volume);
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation).creating(&VOLUMES, created))
}

pub(crate) async fn patch_volume(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path
        .map_err(|_| ApiError::not_found("uuid"))
        .and_then(|Path(uuid)| modify_volume(&shared, uuid, query.as_deref(), body));
    answer_job(neg, started, StatusCode::OK).await
}

fn modify_volume(
    shared: &Arc<Shared>,
    uuid: String,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let size = input.int("size")?;
    let clear_comment = input.is_null("comment");
    let comment = input.string("comment")?;
    let state = input.string("state")?;
    let mut readonly = VOLUME_READONLY.to_vec();
    readonly.extend(["svm", "aggregates", "type", "style"]);
    input.finish(&readonly)?;
    if let Some(n) = &name {
        check_volume_name(n)?;
    }
    if let Some(s) = size {
        check_size(s)?;
    }
    if let Some(s) = &state {
        check_state(s)?;
    }
    let mut inv = shared.inventory.write();
    let current = inv.volumes.get(&uuid).ok_or_else(|| ApiError::not_found("uuid"))?;
    let svm_uuid = svm_of(current).to_owned();
    let svm = job_svm(current);
    let rename = name.filter(|n| n != DocKind::str_of(current, "name"));
    if let Some(n) = &rename {
        if inv.name_taken(&Names::Volume(&svm_uuid), n) {
            return Err(ApiError::duplicate(
                format!("Duplicate entry: volume \"{n}\" already exists in this SVM."),
                "name",
            ));
        }
        inv.reserve(&Names::Volume(&svm_uuid), n);
    }
    drop(inv);
    let spec = JobSpec {
        description: format!("PATCH /api/storage/volumes/{uuid}"),
        svm,
        running_message: "Modifying volume".to_owned(),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut guard = shared.inventory.write();
        let inv = &mut *guard;
        if let Some(n) = &rename {
            inv.release(&Names::Volume(&svm_uuid), n);
        }
        let Some(d) = inv.volumes.get_mut(&uuid) else {
            return Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("Volume {uuid} no longer exists."),
            ));
        };
        if let Some(n) = &rename {
            d.insert("name".to_owned(), Value::from(n.as_str()));
            for snap in inv.snapshots.get_mut(&uuid).into_iter().flat_map(|m| m.values_mut()) {
                if let Some(Value::Object(v)) = snap.get_mut("volume") {
                    v.insert("name".to_owned(), Value::from(n.as_str()));
                }
            }
        }
        if let Some(s) = size {
            let used = d
                .get("space")
                .and_then(|sp| sp.get("used"))
                .and_then(Value::as_i64)
                .unwrap_or_default();
            d.insert("size".to_owned(), Value::from(s));
            set_space(d, s, used);
        }
        if let Some(c) = comment {
            d.insert("comment".to_owned(), Value::from(c));
        } else if clear_comment {
            d.remove("comment");
        }
        if let Some(s) = state {
            d.insert("state".to_owned(), Value::from(s));
        }
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation))
}

pub(crate) async fn delete_volume(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path.map_err(|_| ApiError::not_found("uuid")).and_then(|Path(uuid)| {
        let mutation = mutation_query(query.as_deref(), |_| Ok(false))?;
        let inv = shared.inventory.read();
        let current = inv.volumes.get(&uuid).ok_or_else(|| ApiError::not_found("uuid"))?;
        let spec = JobSpec {
            description: format!("DELETE /api/storage/volumes/{uuid}"),
            svm: job_svm(current),
            running_message: format!("Deleting volume \"{}\"", DocKind::str_of(current, "name")),
        };
        drop(inv);
        let (job, control) = spawn_job(&shared, spec, move |shared| {
            if shared.inventory.write().remove_volume(&uuid) {
                Ok(())
            } else {
                Err(JobFailure::new(
                    codes::NOT_FOUND,
                    format!("Volume {uuid} no longer exists."),
                ))
            }
        });
        Ok(JobStart::new(job, control, mutation))
    });
    answer_job(neg, started, StatusCode::OK).await
}

// ---------------------------------------------------------------------------------------
// /api/storage/volumes/{volume.uuid}/snapshots

fn volume_not_found() -> ApiError {
    ApiError::not_found("volume.uuid")
}

pub(crate) async fn get_snapshots(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    let empty = Default::default();
    path.ok()
        .filter(|Path(vol)| inv.volumes.contains_key(vol))
        .ok_or_else(volume_not_found)
        .and_then(|Path(vol)| {
            let here = format!("{VOLUMES_PATH}/{vol}/snapshots");
            let snaps = inv.snapshots.get(&vol).unwrap_or(&empty);
            collection::respond(&DocListing(&SNAPSHOTS), snaps, &here, req.uri().query(), neg)
        })
        .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn get_snapshot(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    path.map_err(|_| volume_not_found())
        .and_then(|Path((vol, uuid))| {
            if !inv.volumes.contains_key(&vol) {
                return Err(volume_not_found());
            }
            let snap = inv.snapshots.get(&vol).and_then(|m| m.get(&uuid));
            snap.ok_or_else(|| ApiError::not_found("uuid"))
                .and_then(|d| get_one(&SNAPSHOTS, d, req.uri().query(), neg))
        })
        .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn post_snapshot(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path
        .map_err(|_| volume_not_found())
        .and_then(|Path(vol)| create_snapshot(&shared, vol, query.as_deref(), body));
    answer_job(neg, started, StatusCode::CREATED).await
}

const SNAPSHOT_READONLY: &[&str] = &["uuid", "volume", "create_time", "state", "_links"];

fn create_snapshot(
    shared: &Arc<Shared>,
    vol: String,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let comment = input.string("comment")?;
    let expiry = input.string("expiry_time")?;
    input.finish(SNAPSHOT_READONLY)?;
    let mut inv = shared.inventory.write();
    let volume = inv.volumes.get(&vol).ok_or_else(volume_not_found)?;
    let volume_name = DocKind::str_of(volume, "name").to_owned();
    let svm = job_svm(volume);
    let name = name.ok_or_else(|| missing("name"))?;
    check_snapshot_name(&name)?;
    let expiry = expiry.map(|e| check_time("expiry_time", &e)).transpose()?;
    if inv.name_taken(&Names::Snapshot(&vol), &name) {
        return Err(ApiError::duplicate(
            format!("Duplicate entry: snapshot \"{name}\" already exists in volume \"{volume_name}\"."),
            "name",
        ));
    }
    inv.reserve(&Names::Snapshot(&vol), &name);
    drop(inv);
    let uuid = shared.uuids.next_uuid();
    let mut snap = doc(json!({
        "uuid": uuid,
        "name": name,
        "volume": {"uuid": vol, "name": volume_name},
        "create_time": now_string(),
        "state": "valid",
    }));
    if let Some(c) = comment {
        snap.insert("comment".to_owned(), Value::from(c));
    }
    if let Some(e) = expiry {
        snap.insert("expiry_time".to_owned(), Value::from(e));
    }
    let created = snap.clone();
    let spec = JobSpec {
        description: format!("POST /api/storage/volumes/{vol}/snapshots"),
        svm,
        running_message: format!("Creating snapshot \"{name}\""),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        inv.release(&Names::Snapshot(&vol), &name);
        if !inv.volumes.contains_key(&vol) {
            return Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("Volume {vol} was deleted before snapshot \"{name}\" could be created."),
            ));
        }
        inv.snapshots.entry(vol).or_default().insert(uuid, snap);
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation).creating(&SNAPSHOTS, created))
}

pub(crate) async fn patch_snapshot(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path
        .map_err(|_| volume_not_found())
        .and_then(|Path((vol, uuid))| modify_snapshot(&shared, vol, uuid, query.as_deref(), body));
    answer_job(neg, started, StatusCode::OK).await
}

/// The snapshot and its volume's SVM, or 404 (code 4) naming the missing key.
fn find_snapshot<'i>(inv: &'i Inventory, vol: &str, uuid: &str) -> Result<(&'i Doc, Option<Svm>), ApiError> {
    let volume = inv.volumes.get(vol).ok_or_else(volume_not_found)?;
    let snap = inv
        .snapshots
        .get(vol)
        .and_then(|m| m.get(uuid))
        .ok_or_else(|| ApiError::not_found("uuid"))?;
    Ok((snap, job_svm(volume)))
}

fn modify_snapshot(
    shared: &Arc<Shared>,
    vol: String,
    uuid: String,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let clear_comment = input.is_null("comment");
    let comment = input.string("comment")?;
    let clear_expiry = input.is_null("expiry_time");
    let expiry = input.string("expiry_time")?;
    input.finish(SNAPSHOT_READONLY)?;
    if let Some(n) = &name {
        check_snapshot_name(n)?;
    }
    let expiry = expiry.map(|e| check_time("expiry_time", &e)).transpose()?;
    let mut inv = shared.inventory.write();
    let (snap, svm) = find_snapshot(&inv, &vol, &uuid)?;
    let rename = name.filter(|n| n != DocKind::str_of(snap, "name"));
    if let Some(n) = &rename {
        if inv.name_taken(&Names::Snapshot(&vol), n) {
            return Err(ApiError::duplicate(
                format!("Duplicate entry: snapshot \"{n}\" already exists in this volume."),
                "name",
            ));
        }
        inv.reserve(&Names::Snapshot(&vol), n);
    }
    drop(inv);
    let spec = JobSpec {
        description: format!("PATCH /api/storage/volumes/{vol}/snapshots/{uuid}"),
        svm,
        running_message: "Modifying snapshot".to_owned(),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        if let Some(n) = &rename {
            inv.release(&Names::Snapshot(&vol), n);
        }
        let Some(d) = inv.snapshots.get_mut(&vol).and_then(|m| m.get_mut(&uuid)) else {
            return Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("Snapshot {uuid} no longer exists."),
            ));
        };
        for (key, value, clear) in [
            ("name", rename, false),
            ("comment", comment, clear_comment),
            ("expiry_time", expiry, clear_expiry),
        ] {
            match value {
                Some(v) => {
                    d.insert(key.to_owned(), Value::from(v));
                }
                None if clear => {
                    d.remove(key);
                }
                None => {}
            }
        }
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation))
}

pub(crate) async fn delete_snapshot(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path.map_err(|_| volume_not_found()).and_then(|Path((vol, uuid))| {
        let mutation = mutation_query(query.as_deref(), |_| Ok(false))?;
        let inv = shared.inventory.read();
        let (snap, svm) = find_snapshot(&inv, &vol, &uuid)?;
        let spec = JobSpec {
            description: format!("DELETE /api/storage/volumes/{vol}/snapshots/{uuid}"),
            svm,
            running_message: format!("Deleting snapshot \"{}\"", DocKind::str_of(snap, "name")),
        };
        drop(inv);
        let (job, control) = spawn_job(&shared, spec, move |shared| {
            let mut inv = shared.inventory.write();
            match inv.snapshots.get_mut(&vol).and_then(|m| m.remove(&uuid)) {
                Some(_) => Ok(()),
                None => Err(JobFailure::new(
                    codes::NOT_FOUND,
                    format!("Snapshot {uuid} no longer exists."),
                )),
            }
        });
        Ok(JobStart::new(job, control, mutation))
    });
    answer_job(neg, started, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sizes_times() {
        assert!(check_volume_name("vol_1").is_ok());
        assert_eq!(check_volume_name("vol-1").unwrap_err().code, codes::INVALID_VOLUME_NAME);
        assert!(check_volume_name("1vol").is_err());
        assert!(check_volume_name("").is_err());
        assert!(check_size(MIN_SIZE).is_ok());
        assert_eq!(check_size(MIN_SIZE - 1).unwrap_err().code, codes::OUT_OF_RANGE);
        assert!(check_size(i64::MAX).is_err());
        assert!(check_snapshot_name("daily.2025-01-01_0010").is_ok());
        assert!(check_snapshot_name("daily 0").is_ok());
        assert!(check_snapshot_name("").is_err());
        assert!(check_snapshot_name(&"s".repeat(256)).is_err());
        assert_eq!(
            check_time("expiry_time", "2025-01-31T12:00:00Z").unwrap(),
            "2025-01-31T12:00:00+00:00"
        );
        assert!(check_time("expiry_time", "tomorrow").is_err());
    }
}
