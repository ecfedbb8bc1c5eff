//! ONTAP error bodies: `{"error": {"message", "code", "target"?}}`.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::http::json_response;

/// ONTAP's error codes, the client's table.
pub(crate) use ontap_model::codes;

/// An error answered to a client with ONTAP's error body.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
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

impl Refusal {
    pub fn new(status: StatusCode, code: u64, message: impl Into<String>) -> Self {
        Refusal {
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
