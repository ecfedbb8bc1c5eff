//! `/api/svm/svms`: SVMs (storage virtual machines).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::api::{Input, JobStart, Negotiated, Started, answer_job, get_one, json_object, mutation_query};
use crate::collection;
use crate::doc::{Doc, DocKind, DocListing};
use crate::error::{ApiError, codes};
use crate::inventory::{Names, SVMS, doc};
use crate::jobs::{JobFailure, JobSpec, Svm, spawn_job};
use crate::state::Shared;

const SVMS_PATH: &str = "/api/svm/svms";

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

fn check_state(state: &str) -> Result<(), ApiError> {
    match state {
        "running" | "stopped" => Ok(()),
        _ => Err(ApiError::bad_request(
            codes::INVALID,
            format!("Invalid value \"{state}\" for field \"state\" (running, stopped)."),
        )
        .target("state")),
    }
}

fn job_svm(d: &Doc) -> Option<Svm> {
    Some(Svm {
        name: DocKind::str_of(d, "name").to_owned(),
        uuid: DocKind::str_of(d, "uuid").to_owned(),
    })
}

pub(crate) async fn get_svms(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    collection::respond(&DocListing(&SVMS), &inv.svms, SVMS_PATH, req.uri().query(), neg)
        .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn get_svm(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    let inv = shared.inventory.read();
    path.ok()
        .and_then(|Path(uuid)| inv.svms.get(&uuid))
        .ok_or_else(|| ApiError::not_found("uuid"))
        .and_then(|d| get_one(&SVMS, d, req.uri().query(), neg))
        .unwrap_or_else(|e| e.response(neg.hal))
}

pub(crate) async fn post_svm(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    answer_job(neg, start_create(&shared, query.as_deref(), body), StatusCode::CREATED).await
}

fn start_create(shared: &Arc<Shared>, query: Option<&str>, body: Result<Bytes, BytesRejection>) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let language = input.string("language")?;
    let comment = input.string("comment")?;
    let subtype = input.string("subtype")?;
    let state = input.string("state")?;
    input.finish(&["uuid", "_links"])?;
    let Some(name) = name else {
        return Err(ApiError::bad_request(codes::INVALID, "Missing value for required field \"name\".").target("name"));
    };
    check_name(&name)?;
    if let Some(s) = &state {
        check_state(s)?;
    }
    if subtype.as_deref().is_some_and(|s| s != "default") {
        return Err(ApiError::bad_request(
            codes::INVALID,
            "The simulator only creates SVMs of subtype \"default\".",
        )
        .target("subtype"));
    }
    let mut inv = shared.inventory.write();
    if inv.name_taken(&Names::Svm, &name) {
        return Err(ApiError::duplicate(
            format!("Duplicate entry: an SVM named \"{name}\" already exists."),
            "name",
        ));
    }
    inv.reserve(&Names::Svm, &name);
    let uuid = shared.uuids.next_uuid();
    let mut svm = doc(json!({
        "uuid": uuid,
        "name": name,
        "state": state.unwrap_or_else(|| "running".to_owned()),
        "subtype": "default",
        "language": language.unwrap_or_else(|| "c.utf_8".to_owned()),
    }));
    if let Some(c) = comment {
        svm.insert("comment".to_owned(), Value::from(c));
    }
    drop(inv);
    let created = svm.clone();
    let spec = JobSpec {
        description: "POST /api/svm/svms".to_owned(),
        svm: job_svm(&svm),
        running_message: format!("Creating SVM \"{name}\""),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        inv.release(&Names::Svm, &name);
        inv.svms.insert(uuid, svm);
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation).creating(&SVMS, created))
}

pub(crate) async fn patch_svm(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path
        .map_err(|_| ApiError::not_found("uuid"))
        .and_then(|Path(uuid)| start_modify(&shared, uuid, query.as_deref(), body));
    answer_job(neg, started, StatusCode::OK).await
}

fn start_modify(
    shared: &Arc<Shared>,
    uuid: String,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let mut input = Input::new(json_object(body)?);
    let name = input.string("name")?;
    let clear_comment = input.is_null("comment");
    let comment = input.string("comment")?;
    let language = input.string("language")?;
    let state = input.string("state")?;
    input.finish(&["uuid", "subtype", "_links"])?;
    if let Some(n) = &name {
        check_name(n)?;
    }
    if let Some(s) = &state {
        check_state(s)?;
    }
    let mut inv = shared.inventory.write();
    let current = inv.svms.get(&uuid).ok_or_else(|| ApiError::not_found("uuid"))?;
    let svm = job_svm(current);
    let rename = name.filter(|n| n != DocKind::str_of(current, "name"));
    if let Some(n) = &rename {
        if inv.name_taken(&Names::Svm, n) {
            return Err(ApiError::duplicate(
                format!("Duplicate entry: an SVM named \"{n}\" already exists."),
                "name",
            ));
        }
        inv.reserve(&Names::Svm, n);
    }
    drop(inv);
    let spec = JobSpec {
        description: format!("PATCH /api/svm/svms/{uuid}"),
        svm,
        running_message: "Modifying SVM".to_owned(),
    };
    let (job, control) = spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        if let Some(n) = &rename {
            inv.release(&Names::Svm, n);
        }
        let Some(d) = inv.svms.get_mut(&uuid) else {
            return Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("SVM {uuid} no longer exists."),
            ));
        };
        for (key, value) in [
            ("name", rename),
            ("comment", comment),
            ("language", language),
            ("state", state),
        ] {
            if let Some(v) = value {
                d.insert(key.to_owned(), Value::from(v));
            }
        }
        if clear_comment {
            d.remove("comment");
        }
        Ok(())
    });
    Ok(JobStart::new(job, control, mutation))
}

pub(crate) async fn delete_svm(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    let started = path
        .map_err(|_| ApiError::not_found("uuid"))
        .and_then(|Path(uuid)| start_delete(&shared, uuid, query.as_deref()));
    answer_job(neg, started, StatusCode::OK).await
}

fn start_delete(shared: &Arc<Shared>, uuid: String, query: Option<&str>) -> Started {
    let mutation = mutation_query(query, |_| Ok(false))?;
    let inv = shared.inventory.read();
    let current = inv.svms.get(&uuid).ok_or_else(|| ApiError::not_found("uuid"))?;
    let volumes = inv
        .volumes
        .values()
        .filter(|v| v.get("svm").and_then(|s| s.get("uuid")).and_then(Value::as_str) == Some(uuid.as_str()))
        .count();
    if volumes > 0 {
        return Err(ApiError::bad_request(
            codes::INVALID,
            format!(
                "Cannot delete SVM \"{}\": it has {volumes} volume(s); delete them first.",
                DocKind::str_of(current, "name")
            ),
        )
        .target("uuid"));
    }
    let spec = JobSpec {
        description: format!("DELETE /api/svm/svms/{uuid}"),
        svm: job_svm(current),
        running_message: format!("Deleting SVM \"{}\"", DocKind::str_of(current, "name")),
    };
    drop(inv);
    let (job, control) = spawn_job(shared, spec, move |shared| {
        match shared.inventory.write().svms.remove(&uuid) {
            Some(_) => Ok(()),
            None => Err(JobFailure::new(
                codes::NOT_FOUND,
                format!("SVM {uuid} no longer exists."),
            )),
        }
    });
    Ok(JobStart::new(job, control, mutation))
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
