//! What the simulator takes and gives outside JSON: the software package upload
//! (`POST /api/cluster/software/upload`, a multipart form with the package in `file`,
//! versioned from its file name as a download is) and the contents of volume files
//! (`/api/storage/volumes/{uuid}/files/{path}`): created by `POST` and written by `PATCH`
//! with a multipart form whose `data` part holds the bytes (`byte_offset` says where),
//! read by `GET` with `Accept: multipart/form-data`, `byte_offset` and `length`, answered
//! with one part `data`. At most 1 MB (1,048,576 bytes) a read or write, as ONTAP
//! documents; a file holds at most [`FILE_LIMIT`]. A request on those paths that is
//! not a form (a file's JSON description) goes to the engine.
//!
//! What ONTAP's documentation does not say, and is chosen here: the name of the part a
//! read answers (`data`, the name a write uses); a write past the file's end extends it
//! with zeros up to the offset.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{Refusal, codes};
use crate::http::{Answer, Call, job_status};
use crate::jobs::{JobSpec, spawn_job};
use crate::state::{Shared, lock};
use crate::util::parse_query;

/// The most a volume file holds here.
pub(crate) const FILE_LIMIT: usize = 16 << 20;

/// ONTAP's limit on one read or write of a file: 1 MB.
const RANGE_LIMIT: u64 = 1 << 20;

/// The path of the package upload.
pub(crate) const UPLOAD_PATH: &str = "/api/cluster/software/upload";

/// The path of a volume's file.
pub(crate) const FILE_PATH: &str = "/api/storage/volumes/{uuid}/files/{path}";

/// One part of a multipart form.
pub(crate) struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub data: Bytes,
}

/// The parts of a `multipart/form-data` body, or why it is not one.
pub(crate) fn parse_form(content_type: Option<&str>, body: &Bytes) -> Result<Vec<Part>, Refusal> {
    let bad = |why: &str| Refusal::bad_request(codes::INVALID_ARGUMENT, format!("Invalid multipart form: {why}."));
    let content_type = content_type.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(bad("the content type is not multipart/form-data"));
    }
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("no boundary"))?;
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let mut at = find(body, delimiter.as_bytes()).ok_or_else(|| bad("no part"))? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        let rest = &body[at..];
        let rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| bad("a delimiter not followed by a line break"))?;
        let head_end = find(rest, b"\r\n\r\n").ok_or_else(|| bad("a part without headers"))?;
        let head = std::str::from_utf8(&rest[..head_end]).map_err(|_| bad("headers that are not text"))?;
        let data_start = at + 2 + head_end + 4;
        let data_len =
            find(&body[data_start..], next_delimiter.as_bytes()).ok_or_else(|| bad("no closing delimiter"))?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or_else(|| bad("a part without Content-Disposition"))?;
        let param = |key: &str| {
            disposition.split(';').map(str::trim).find_map(|p| {
                let value = p.strip_prefix(key)?.strip_prefix('=')?;
                Some(value.trim_matches('"').to_owned())
            })
        };
        parts.push(Part {
            name: param("name").ok_or_else(|| bad("a part without a name"))?,
            file_name: param("filename"),
            data: body.slice(data_start..data_start + data_len),
        });
        at = data_start + data_len + next_delimiter.len();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_type(call: &Call) -> Option<&str> {
    call.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// `POST /api/cluster/software/upload`: one `file` part, added to the repository as a
/// downloaded package is (its version from its file name), by a job.
pub(crate) async fn post_upload(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let parts = parse_form(content_type(&call), call.raw_body()?)?;
    let files: Vec<&Part> = parts.iter().filter(|p| p.name == "file").collect();
    let [file] = files.as_slice() else {
        return Err(Refusal::bad_request(
            codes::UPLOAD_ONE_FILE,
            "Only one file can be uploaded at a time.",
        ));
    };
    let name = file.file_name.clone().unwrap_or_else(|| "package".to_owned());
    // A name as a path (NetApp's client sends what follows `@`): its last part.
    let name = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_owned();
    let package = crate::download::received(&name, &file.data);
    let spec = JobSpec {
        description: format!("POST {UPLOAD_PATH}"),
        svm: None,
        running_message: format!("Processing package \"{name}\""),
    };
    let (uuid, control) = spawn_job(&shared, spec, move |s: &Shared| {
        crate::download::add_to_repository(s, package)
    });
    let q = parse_query(call.query());
    let return_timeout = q
        .iter()
        .find(|p| p.key == "return_timeout")
        .and_then(|p| p.value.parse().ok())
        .unwrap_or(0);
    let status = job_status(&control, return_timeout, StatusCode::CREATED).await;
    Ok(Answer::json(
        status,
        &json!({"job": {"uuid": uuid, "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}}}),
    ))
}

fn wants_form(call: &Call) -> bool {
    call.headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("multipart/form-data"))
}

fn is_form(call: &Call) -> bool {
    content_type(call).is_some_and(|t| t.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The volume's UUID, if the volume exists.
fn volume(shared: &Shared, uuid: &str) -> Result<(), Refusal> {
    shared
        .engine
        .json("/storage/volumes", &[uuid])
        .map(|_| ())
        .ok_or_else(|| Refusal::not_found("volume.uuid"))
}

fn number(call: &Call, name: &str) -> Result<Option<u64>, Refusal> {
    match parse_query(call.query()).into_iter().find(|p| p.key == name) {
        None => Ok(None),
        Some(p) => p.value.parse().map(Some).map_err(|_| {
            Refusal::bad_request(
                codes::INVALID_VALUE,
                format!("\"{}\" is an invalid value for field \"{name}\".", p.value),
            )
            .target(name)
        }),
    }
}

fn too_long(name: &str, n: u64) -> Refusal {
    Refusal::bad_request(
        codes::INVALID_VALUE,
        format!("\"{n}\" is an invalid value for field \"{name}\": at most {RANGE_LIMIT} bytes at a time."),
    )
    .target(name)
}

/// `GET` of a volume file: its bytes with `Accept: multipart/form-data`, else what the
/// engine answers (its description).
pub(crate) async fn get_file(
    State(shared): State<Arc<Shared>>,
    Path((uuid, path)): Path<(String, String)>,
    call: Call,
) -> Result<Response, Refusal> {
    if !wants_form(&call) {
        return crate::engine::handle(State(shared), call)
            .await
            .map(IntoResponse::into_response);
    }
    volume(&shared, &uuid)?;
    let offset = number(&call, "byte_offset")?.unwrap_or(0);
    let length = number(&call, "length")?.ok_or_else(|| {
        Refusal::bad_request(codes::MISSING_VALUE, "Missing value for required field \"length\".").target("length")
    })?;
    if length > RANGE_LIMIT {
        return Err(too_long("length", length));
    }
    let files = lock(&shared.files);
    let content = files
        .get(&(uuid.clone(), path.clone()))
        .ok_or_else(|| Refusal::not_found("path"))?;
    let start = (offset as usize).min(content.len());
    let end = (start + length as usize).min(content.len());
    let boundary = format!("ontap-sim-{}", shared.engine.uuids.next_uuid());
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n").into_bytes();
    body.extend_from_slice(&content[start..end]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut response = (StatusCode::OK, body).into_response();
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
        .map_err(|_| Refusal::bad_request(codes::INVALID_ARGUMENT, "bad boundary"))?;
    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    Ok(response)
}

/// `POST` (create) or `PATCH` (write at `byte_offset`) of a volume file with its data in
/// a form; a JSON request goes to the engine.
async fn write_file(
    shared: Arc<Shared>,
    uuid: String,
    path: String,
    call: Call,
    create: bool,
) -> Result<Answer, Refusal> {
    volume(&shared, &uuid)?;
    let parts = parse_form(content_type(&call), call.raw_body()?)?;
    let data = parts
        .iter()
        .find(|p| p.name == "data" || p.name == "file")
        .ok_or_else(|| {
            Refusal::bad_request(codes::MISSING_VALUE, "Missing value for required field \"data\".").target("data")
        })?;
    if data.data.len() as u64 > RANGE_LIMIT {
        return Err(too_long("data", data.data.len() as u64));
    }
    let offset = number(&call, "byte_offset")?.unwrap_or(0) as usize;
    let mut files = lock(&shared.files);
    let key = (uuid, path);
    let content = match (create, files.contains_key(&key)) {
        (true, true) => {
            return Err(
                Refusal::new(StatusCode::CONFLICT, codes::DUPLICATE, "The file already exists.").target("path"),
            );
        }
        (true, false) => files.entry(key).or_default(),
        (false, true) => files.get_mut(&key).expect("present"),
        (false, false) => return Err(Refusal::not_found("path")),
    };
    let end = offset + data.data.len();
    if end > FILE_LIMIT {
        return Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The file would be {end} bytes long; the simulator keeps files of {FILE_LIMIT} bytes at most."),
        ));
    }
    if content.len() < end {
        content.resize(end, 0);
    }
    content[offset..end].copy_from_slice(&data.data);
    let status = if create { StatusCode::CREATED } else { StatusCode::OK };
    Ok(Answer::json(status, &json!({})))
}

pub(crate) async fn post_file(
    State(shared): State<Arc<Shared>>,
    Path((uuid, path)): Path<(String, String)>,
    call: Call,
) -> Result<Response, Refusal> {
    form_or_engine(shared, uuid, path, call, true).await
}

pub(crate) async fn patch_file(
    State(shared): State<Arc<Shared>>,
    Path((uuid, path)): Path<(String, String)>,
    call: Call,
) -> Result<Response, Refusal> {
    form_or_engine(shared, uuid, path, call, false).await
}

/// A write of a file's data when the request is a form, else the engine's answer.
async fn form_or_engine(
    shared: Arc<Shared>,
    uuid: String,
    path: String,
    call: Call,
    create: bool,
) -> Result<Response, Refusal> {
    if !is_form(&call) {
        return crate::engine::handle(State(shared), call)
            .await
            .map(IntoResponse::into_response);
    }
    write_file(shared, uuid, path, call, create)
        .await
        .map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_part_by_part() {
        let body = Bytes::from_static(
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.tgz\"\r\n\
              Content-Type: application/octet-stream\r\n\r\nAB\r\nCD\r\n--xyz\r\n\
              Content-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--xyz--\r\n",
        );
        let parts = parse_form(Some("multipart/form-data; boundary=xyz"), &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].file_name.as_deref()),
            ("file", Some("a.tgz"))
        );
        assert_eq!(&parts[0].data[..], b"AB\r\nCD");
        assert_eq!(&parts[1].data[..], b"hi");
        assert!(parse_form(Some("application/json"), &body).is_err());
        assert!(parse_form(Some("multipart/form-data; boundary=nope"), &body).is_err());
    }
}
