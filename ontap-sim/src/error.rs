//! ONTAP error bodies: `{"error": {"message", "code", "target"?}}`.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::api::json_response;

/// ONTAP error codes the simulator answers with.
pub(crate) mod codes {
    /// Duplicate entry (a name already taken).
    pub const DUPLICATE: u64 = 1;
    /// Invalid or missing field, bad JSON, unknown action.
    pub const INVALID: u64 = 2;
    /// Not supported (unknown API path, method not allowed).
    pub const NOT_SUPPORTED: u64 = 3;
    /// Entry not found.
    pub const NOT_FOUND: u64 = 4;
    /// Unexpected argument (unknown query parameter or body field).
    pub const UNEXPECTED_ARGUMENT: u64 = 262_179;
    /// Field value out of range (`return_timeout`, `max_records`, `fields`, ...).
    pub const OUT_OF_RANGE: u64 = 262_197;
    /// A value of the wrong type: ONTAP's "invalid value provided for field" (262197).
    pub const INVALID_TYPE: u64 = 262_197;
    /// A value outside the field's enum: also "invalid value provided for field".
    pub const INVALID_ENUM: u64 = 262_197;
    /// Field cannot be set in this operation (read-only, or not for this verb).
    pub const NOT_SETTABLE: u64 = 262_196;
    /// Invalid JSON in the request body.
    pub const INVALID_JSON: u64 = 262_199;
    /// An array (or another non-object) where an object was expected.
    pub const NOT_AN_OBJECT: u64 = 262_255;
    /// Request is missing a required value.
    pub const MISSING_REQUIRED: u64 = 262_212;
    /// The field is not supported as an `order_by` field.
    pub const ORDER_BY_FIELD: u64 = 262_268;
    /// Job is already in a terminal state.
    pub const JOB_TERMINAL: u64 = 458_762;
    /// The specified job is running (resume of a running job).
    pub const JOB_RUNNING: u64 = 458_771;
    /// The specified job is not currently running (pause of a paused job).
    pub const JOB_NOT_RUNNING: u64 = 458_776;
    /// This job does not support pause (or resume).
    pub const JOB_NO_PAUSE: u64 = 458_783;
    /// This job does not support cancel.
    pub const JOB_NO_CANCEL: u64 = 458_784;
    /// Invalid volume name.
    pub const INVALID_VOLUME_NAME: u64 = 917_888;
    /// The SVM does not exist.
    pub const SVM_NOT_FOUND: u64 = 2_621_462;
    /// Package does not exist on the system.
    pub const PACKAGE_NOT_FOUND: u64 = 10_551_325;
    /// Package image with the same name already exists.
    pub const PACKAGE_EXISTS: u64 = 10_551_327;
    /// Package delete failed since an update is in progress.
    pub const PACKAGE_DELETE_UPDATING: u64 = 10_551_347;
    /// Cannot perform an update when a previous update is still in progress.
    pub const UPDATE_IN_PROGRESS: u64 = 10_551_357;
    /// Package download failed.
    pub const DOWNLOAD_FAILED: u64 = 10_551_381;
    /// Package download in progress.
    pub const DOWNLOAD_RUNNING: u64 = 10_551_382;
    /// Operation took longer than the maximum time limit.
    pub const DOWNLOAD_TIME_LIMIT: u64 = 10_551_383;
    /// Package download not started.
    pub const DOWNLOAD_NOT_STARTED: u64 = 10_551_384;
    /// Invalid URL (no package file name in it).
    pub const INVALID_URL: u64 = 10_551_885;
    /// Invalid URL syntax.
    pub const URL_SYNTAX: u64 = 39_387_137;
    /// Unsupported URL scheme.
    pub const URL_SCHEME: u64 = 39_387_138;
}

/// An error answered to a client with ONTAP's error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub code: u64,
    pub target: Option<String>,
    /// `Allow` of a 405.
    pub allow: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    message: &'a str,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: u64, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code,
            target: None,
            allow: None,
        }
    }

    pub fn bad_request(code: u64, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The methods a 405 names in `Allow`.
    pub fn allow(mut self, methods: impl Into<String>) -> Self {
        self.allow = Some(methods.into());
        self
    }

    /// `Unexpected argument "name".` (262179), for unknown query parameters and body fields.
    pub fn unexpected_argument(name: &str) -> Self {
        Self::bad_request(codes::UNEXPECTED_ARGUMENT, format!("Unexpected argument \"{name}\".")).target(name)
    }

    /// `entry doesn't exist` (404, code 4), target `uuid`.
    pub fn job_not_found() -> Self {
        Self::not_found("uuid")
    }

    /// `entry doesn't exist` (404, code 4) for a missing key named `target`.
    pub fn not_found(target: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "entry doesn't exist").target(target)
    }

    /// A name already taken (409, code 1).
    pub fn duplicate(message: impl Into<String>, target: &str) -> Self {
        Self::new(StatusCode::CONFLICT, codes::DUPLICATE, message).target(target)
    }

    /// The serialized body, shared with the fault injector.
    pub fn body_bytes(&self) -> Vec<u8> {
        error_body(&self.message, &self.code.to_string(), self.target.as_deref())
    }

    /// The response, with the content type the client asked for.
    pub fn response(&self, hal: bool) -> Response {
        let mut resp = json_response(self.status, self.body_bytes(), hal);
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| axum::http::HeaderValue::from_str(a).ok())
        {
            resp.headers_mut().insert(axum::http::header::ALLOW, allow);
        }
        resp
    }
}

/// Serializes `{"error": {...}}` (2-space indented, as ONTAP does).
pub(crate) fn error_body(message: &str, code: &str, target: Option<&str>) -> Vec<u8> {
    let body = Body {
        error: Inner {
            message,
            code: code.to_owned(),
            target,
        },
    };
    serde_json::to_vec_pretty(&body).unwrap_or_default()
}
