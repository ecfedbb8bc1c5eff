//! The handlers of the jobs (`/api/cluster/jobs`, with pause, resume and cancel) and of
//! the software download (`/api/cluster/software/download`), which keep their own state
//! beside the engine's records.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::collection;
use crate::download::{self, DownloadRequest};
use crate::error::{Refusal, codes};
use crate::http::{
    Answer, Call, DOWNLOAD_PATH, Input, JOBS_PATH, Links, job_status, mutation_query, parse_fields_error,
    parse_return_records, parse_return_timeout, to_json,
};
use crate::jobs::{Command, JobListing, JobState, JobView, Projection};
use crate::state::{Shared, lock};
use crate::util::parse_query;

fn parse_fields(v: &str, known: Projection) -> Result<Projection, Refusal> {
    Projection::parse(v, known).map_err(|bad| parse_fields_error(&bad))
}

// ---------------------------------------------------------------------------------------
// /api/cluster/jobs/{uuid}

pub(crate) async fn get_job(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Answer, Refusal> {
    let Path(uuid) = path.map_err(|_| Refusal::job_not_found())?;
    let known = Projection::of_release(&shared.engine.cat);
    let mut fields = known;
    for p in parse_query(call.query()) {
        match p.key.as_str() {
            "fields" => fields = parse_fields(&p.value, known)?,
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            other => return Err(Refusal::unexpected_argument(other)),
        }
    }
    let body = shared
        .jobs
        .with(&uuid, |e| {
            to_json(&JobView {
                job: &e.job,
                fields,
                links: call.neg.links,
            })
        })
        .ok_or_else(Refusal::job_not_found)?;
    Ok(Answer::bytes(StatusCode::OK, body))
}

pub(crate) async fn patch_job(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Answer, Refusal> {
    let Path(uuid) = path.map_err(|_| Refusal::job_not_found())?;
    let mut action = None;
    for p in parse_query(call.query()) {
        match p.key.as_str() {
            "action" => action = Some(p.value),
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            other => return Err(Refusal::unexpected_argument(other)),
        }
    }
    Input::new(call.doc()?).finish(&[])?;
    let action = match action.as_deref() {
        None => {
            // Nothing to change: ONTAP answers 200 to an empty PATCH.
            shared.jobs.with(&uuid, |_| ()).ok_or_else(Refusal::job_not_found)?;
            return Ok(Answer::empty());
        }
        Some("pause") => Command::Pause,
        Some("resume") => Command::Run,
        Some("cancel") => Command::Cancel,
        Some(other) => {
            return Err(Refusal::bad_request(
                codes::INVALID_ARGUMENT,
                format!("The value \"{other}\" is invalid for field \"action\" (pause, resume, cancel)."),
            )
            .target("action"));
        }
    };
    let verb = match action {
        Command::Pause => "pause",
        Command::Run => "resume",
        Command::Cancel => "cancel",
    };
    let control = shared
        .jobs
        .with_entry_mut(&uuid, |entry| {
            let Some(control) = entry.control.clone().filter(|c| c.actions) else {
                let code = if action == Command::Cancel {
                    codes::JOB_CANCEL_NOT_SUPPORTED
                } else {
                    codes::JOB_PAUSE_NOT_SUPPORTED
                };
                return Err(Refusal::bad_request(code, format!("This job does not support {verb}.")));
            };
            let state = entry.job.state;
            if state.is_terminal() {
                return Err(Refusal::bad_request(
                    codes::JOB_ALREADY_TERMINAL,
                    "Job is already in a terminal state.",
                ));
            }
            match action {
                Command::Pause if state == JobState::Paused => Err(Refusal::bad_request(
                    codes::JOB_NOT_RUNNING,
                    "The specified job is not currently running.",
                )),
                Command::Run if state != JobState::Paused => Err(Refusal::bad_request(
                    codes::JOB_RUNNING,
                    "The specified job is running.",
                )),
                Command::Pause => {
                    entry.job.state = JobState::Paused;
                    control.cmd.send_replace(Command::Pause);
                    Ok(None)
                }
                Command::Run => {
                    entry.job.state = JobState::Running;
                    control.cmd.send_replace(Command::Run);
                    Ok(None)
                }
                Command::Cancel => {
                    control.cmd.send_replace(Command::Cancel);
                    Ok(Some(control))
                }
            }
        })
        .ok_or_else(Refusal::job_not_found)??;
    if let Some(control) = control {
        // The job ends within moments; answer once it has, so a GET sees the failure.
        control.wait_done(Duration::from_secs(5)).await;
    }
    Ok(Answer::empty())
}

// ---------------------------------------------------------------------------------------
// /api/cluster/jobs

pub(crate) async fn get_jobs(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let jobs = shared.jobs.read();
    let listing = JobListing(Projection::of_release(&shared.engine.cat));
    collection::respond(&listing, &jobs, JOBS_PATH, call.query(), call.neg, None)
}

// ---------------------------------------------------------------------------------------
// /api/cluster/software/download

pub(crate) async fn get_download(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let (mut state, mut message, mut code) = (true, true, true);
    for p in parse_query(call.query()) {
        match p.key.as_str() {
            "fields" => {
                let mut sel = (false, false, false);
                for f in p.value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    match f {
                        "*" | "**" => sel = (true, true, true),
                        "state" => sel.0 = true,
                        "message" => sel.1 = true,
                        "code" => sel.2 = true,
                        "_links" | "_links.self" => {}
                        bad => {
                            return Err(Refusal::bad_request(
                                codes::INVALID_VALUE,
                                format!("The value \"{bad}\" is invalid for field \"fields\"."),
                            )
                            .target("fields"));
                        }
                    }
                }
                (state, message, code) = sel;
            }
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            "return_records" => {
                parse_return_records(&p.value)?;
            }
            // Listed by older specs for this GET; meaningless on a singleton.
            "max_records" | "order_by" => {}
            other => return Err(Refusal::unexpected_argument(other)),
        }
    }
    let status = lock(&shared.download).clone();

    struct View<'a> {
        s: &'a download::DownloadStatus,
        sel: (bool, bool, bool),
        links: bool,
    }
    impl Serialize for View<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            if self.sel.0 {
                m.serialize_entry("state", self.s.state.as_str())?;
            }
            if self.sel.1 {
                m.serialize_entry("message", &self.s.message)?;
            }
            if self.sel.2 {
                m.serialize_entry("code", &self.s.code)?;
            }
            if self.links {
                m.serialize_entry(
                    "_links",
                    &Links {
                        this: DOWNLOAD_PATH,
                        next: None,
                        with_self: true,
                    },
                )?;
            }
            m.end()
        }
    }
    Ok(Answer::json(
        StatusCode::OK,
        &View {
            s: &status,
            sel: (state, message, code),
            links: call.neg.links,
        },
    ))
}

pub(crate) async fn post_download(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let return_timeout = mutation_query(call.query(), |_| Ok(false))?.return_timeout;
    let mut input = Input::new(call.doc()?);
    let url = input.string("url")?;
    let username = input.string("username")?;
    let password = input.string("password")?;
    input.finish(&[])?;
    let Some(raw_url) = url else {
        return Err(
            Refusal::bad_request(codes::MISSING_VALUE, "Missing value for required field \"url\".").target("url"),
        );
    };
    let (url, file_name) = download::validate_url(&raw_url)?;
    let (uuid, control) = download::start(
        &shared,
        DownloadRequest {
            url,
            username,
            password,
            file_name,
        },
    )?;
    let status = job_status(&control, return_timeout, StatusCode::CREATED).await;
    Ok(Answer::job(call.neg, status, &uuid).header(header::LOCATION, DOWNLOAD_PATH))
}
