//! `/api/cluster`, `/api/cluster/software` (validation and upgrade) and
//! `/api/cluster/software/packages`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::engine::rules::{Behaviour, Tx};
use crate::error::{Refusal, codes};
use crate::http::{Answer, Call, Input, JobStart, Mutation, Started, answer_job, mutation_query, parse_bool_param};
use crate::inventory::{CLUSTER, PACKAGES, SOFTWARE, version_object};
use crate::jobs::{Job, JobControl, JobFailure, JobSpec, JobState, Svm, complete, spawn_job};
use crate::state::Shared;
use crate::util::now_string;
use crate::version::Release;

const SOFTWARE_DESCRIPTION: &str = "PATCH /api/cluster/software";

/// Changes one of the cluster's records (`/api/cluster`, `/api/cluster/software`) through
/// its JSON. A change the model refuses is a defect of this module: it is logged.
fn edit(shared: &Shared, path: &str, f: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    if let Err(e) = shared.engine.update_json(path, &[], f) {
        tracing::error!(path, error = %e.message, target = ?e.target, "a software record change was refused");
    }
}

fn cluster_svm(shared: &Shared) -> Option<Svm> {
    Some(Svm {
        name: shared.config.cluster_name.clone(),
        uuid: shared.config.cluster_svm_uuid.clone(),
    })
}

// ---------------------------------------------------------------------------------------
// /api/cluster

/// `/api/cluster` in the engine: every field the model lets a PATCH set, by a job as
/// ONTAP does; a checked name; `POST /api/cluster` (which creates a cluster from nodes
/// that are in none) refused, as this one exists (409, code 1).
#[derive(Debug)]
pub(crate) struct Cluster;

impl Behaviour for Cluster {
    fn create(&self, _tx: &Tx<'_>, _record: &mut serde_json::Map<String, Value>) -> Result<(), Refusal> {
        Err(Refusal::duplicate(
            "The cluster already exists: its nodes are in the cluster \"sim-cluster\".",
            "name",
        ))
    }

    fn modify(
        &self,
        _tx: &Tx<'_>,
        _current: &serde_json::Map<String, Value>,
        change: &mut serde_json::Map<String, Value>,
    ) -> Result<(), Refusal> {
        match change.get("name").and_then(Value::as_str) {
            Some(n) if n.trim().is_empty() || n.len() > 44 || n.contains(char::is_whitespace) => {
                Err(Refusal::bad_request(
                    codes::INVALID_ARGUMENT,
                    format!("Invalid cluster name \"{n}\": it must be 1 to 44 characters, without spaces."),
                )
                .target("name"))
            }
            _ => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// /api/cluster/software/packages

fn package_not_found() -> Refusal {
    Refusal::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "entry doesn't exist").target("version")
}

pub(crate) async fn delete_package(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Answer, Refusal> {
    let started = path.map_err(|_| package_not_found()).and_then(|Path(version)| {
        let mutation = mutation_query(call.query(), |_| Ok(false))?;
        let (uuid, control) = start_package_delete(&shared, version)?;
        Ok(JobStart::new(uuid, control, mutation))
    });
    answer_job(call.neg, started, StatusCode::OK).await
}

fn start_package_delete(shared: &Arc<Shared>, version: String) -> Result<(String, Arc<JobControl>), Refusal> {
    {
        let inv = shared.inventory.read();
        if !inv.package_files.contains_key(&version) {
            return Err(package_not_found());
        }
        let software = shared.engine.json(SOFTWARE, &[]).unwrap_or_default();
        let target = software.get("pending_version").and_then(Value::as_str);
        if inv.upgrade_job.is_some() && target == Some(version.as_str()) {
            return Err(Refusal::bad_request(
                codes::PACKAGE_DELETE_UPDATING,
                format!(
                    "Package delete failed since an update is in progress: the cluster is being updated to {version}."
                ),
            ));
        }
    }
    let spec = JobSpec {
        description: format!("DELETE /api/cluster/software/packages/{version}"),
        svm: cluster_svm(shared),
        running_message: format!("Deleting package {version}"),
    };
    Ok(spawn_job(shared, spec, move |shared| {
        let mut inv = shared.inventory.write();
        inv.package_files.remove(&version);
        match shared.engine.remove(PACKAGES, &[&version]) {
            true => Ok(()),
            false => Err(JobFailure::new(
                codes::PACKAGE_NOT_FOUND,
                format!("Package does not exist on the system: {version}."),
            )),
        }
    }))
}

// ---------------------------------------------------------------------------------------
// /api/cluster/software

/// A validated `PATCH /api/cluster/software`.
struct SoftwarePatch {
    target: Release,
    validate_only: bool,
    mutation: Mutation,
}

pub(crate) async fn patch_software(State(shared): State<Arc<Shared>>, call: Call) -> Result<Answer, Refusal> {
    let started = parse_software_patch(&call).and_then(|p| start_software_job(&shared, p));
    answer_job(call.neg, started, StatusCode::OK).await
}

fn stabilize_minutes(v: i64) -> Result<(), Refusal> {
    if (1..=60).contains(&v) {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The value \"{v}\" is invalid for field \"stabilize_minutes\": it must be between 1 and 60."),
        )
        .target("stabilize_minutes"))
    }
}

fn parse_software_patch(call: &Call) -> Result<SoftwarePatch, Refusal> {
    let mut validate_only = false;
    let mutation = mutation_query(call.query(), |p| {
        match p.key.as_str() {
            "validate_only" => validate_only = parse_bool_param("validate_only", &p.value)?,
            // Accepted: warnings never block an upgrade here.
            "skip_warnings" => {
                parse_bool_param("skip_warnings", &p.value)?;
            }
            "stabilize_minutes" => {
                let v = p.value.trim().parse::<i64>().unwrap_or(0);
                stabilize_minutes(v)?;
            }
            "action" => {
                return Err(Refusal::bad_request(
                    codes::INVALID_ARGUMENT,
                    "The simulator does not support pause, resume or cancel of a software upgrade.",
                )
                .target("action"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let mut input = Input::new(call.doc()?);
    let version = input.string("version")?;
    if let Some(v) = input.int("stabilize_minutes")? {
        stabilize_minutes(v)?;
    }
    input.finish(&[
        "pending_version",
        "state",
        "nodes",
        "validation_results",
        "status_details",
        "update_details",
        "elapsed_duration",
        "estimated_duration",
        "_links",
    ])?;
    let Some(version) = version else {
        return Err(
            Refusal::bad_request(codes::MISSING_VALUE, "Missing value for required field \"version\".")
                .target("version"),
        );
    };
    let target = version.trim().parse::<Release>().map_err(|_| {
        Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!("Invalid value for field \"version\": \"{version}\" is not an ONTAP version such as \"9.16.1\"."),
        )
        .target("version")
    })?;
    Ok(SoftwarePatch {
        target,
        validate_only,
        mutation,
    })
}

/// The checks a validation runs, as `validation_results` reports them.
fn validation_results() -> Value {
    json!([{
        "update_check": "Manual checks",
        "status": "warning",
        "issue": {
            "message": "Manual validation checks need to be performed. Refer to the Upgrade Advisor Plan for the remaining validation checks that need to be performed before update."
        },
        "action": {
            "message": "Refer to the Upgrade Advisor Plan for the remaining validation checks that need to be performed before update."
        }
    }])
}

/// Checks the request against the cluster (under the inventory lock) and starts the job.
fn start_software_job(shared: &Arc<Shared>, p: SoftwarePatch) -> Started {
    let mut inv = shared.inventory.write();
    if inv.upgrade_job.is_some() {
        return Err(Refusal::bad_request(
            codes::UPDATE_IN_PROGRESS,
            "Cannot perform an update when a previous update is still in progress.",
        ));
    }
    let Some(package) = inv.package_key(&p.target).map(str::to_owned) else {
        return Err(Refusal::bad_request(
            codes::PACKAGE_NOT_FOUND,
            format!(
                "Package does not exist on the system: no package of version {} is in the repository; download it first (POST /api/cluster/software/download).",
                p.target
            ),
        )
        .target("version"));
    };
    if p.target <= inv.version {
        return Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!(
                "Package version {} is not newer than the cluster version {}: the simulator only upgrades.",
                p.target, inv.version
            ),
        )
        .target("version"));
    }
    if p.validate_only {
        drop(inv);
        let spec = JobSpec {
            description: SOFTWARE_DESCRIPTION.to_owned(),
            svm: cluster_svm(shared),
            running_message: format!("Validating package {package}"),
        };
        let (uuid, control) = spawn_job(shared, spec, |shared| {
            edit(shared, SOFTWARE, |sw| {
                sw.insert("validation_results".to_owned(), validation_results());
                sw.insert("elapsed_duration".to_owned(), Value::from(1));
            });
            Ok(())
        });
        return Ok(JobStart::new(uuid, control, p.mutation));
    }

    // The upgrade: registered under the inventory lock, so a second PATCH sees it.
    let uuid = shared.engine.uuids.next_uuid();
    let control = JobControl::waitable();
    shared.jobs.insert(
        Job {
            uuid: uuid.clone(),
            description: SOFTWARE_DESCRIPTION.to_owned(),
            state: JobState::Running,
            message: format!("Validating package {package}"),
            code: 0,
            start_time: Some(now_string()),
            end_time: None,
            svm: cluster_svm(shared),
            node: Some(shared.config.node_names[0].clone()),
            error: None,
        },
        Some(control.clone()),
    );
    let estimated = shared.config.upgrade_duration.as_secs().max(1);
    inv.upgrade_job = Some(uuid.clone());
    let details: Vec<Value> = shared
        .config
        .node_names
        .iter()
        .map(|n| json!({"phase": "Pre-update checks", "state": "waiting", "node": {"name": n}, "elapsed_duration": 0, "estimated_duration": estimated}))
        .collect();
    edit(shared, SOFTWARE, |sw| {
        sw.insert("pending_version".to_owned(), Value::from(p.target.to_string()));
        sw.insert("state".to_owned(), Value::from("in_progress"));
        sw.insert("elapsed_duration".to_owned(), Value::from(0));
        sw.insert("estimated_duration".to_owned(), Value::from(estimated));
        sw.insert("validation_results".to_owned(), validation_results());
        sw.insert("status_details".to_owned(), Value::Array(Vec::new()));
        sw.insert("update_details".to_owned(), Value::Array(details));
    });
    drop(inv);
    let task = (shared.clone(), uuid.clone(), control.clone());
    shared.spawn(async move {
        let (shared, uuid, control) = task;
        run_upgrade(&shared, &uuid, &p.target).await;
        control.done.send_replace(true);
    });
    Ok(JobStart::new(uuid, control, p.mutation))
}

/// Updates the job message and one node's entry of `update_details`.
fn progress(shared: &Shared, job: &str, node: usize, phase: &str, state: &str, message: String, elapsed: u64) {
    edit(shared, SOFTWARE, |sw| {
        sw.insert("elapsed_duration".to_owned(), Value::from(elapsed));
        if let Some(Value::Array(details)) = sw.get_mut("update_details")
            && let Some(Value::Object(d)) = details.get_mut(node)
        {
            d.insert("phase".to_owned(), Value::from(phase));
            d.insert("state".to_owned(), Value::from(state));
            d.insert("elapsed_duration".to_owned(), Value::from(elapsed));
        }
    });
    shared.jobs.update(job, |j| j.message = message);
}

fn push_status(shared: &Shared, name: &str, node: &str, state: &str, message: &str, code: u64, start: &str) {
    let entry = json!({
        "name": name,
        "state": state,
        "node": {"name": node},
        "issue": {"message": message, "code": code},
        "start_time": start,
        "end_time": now_string(),
    });
    edit(shared, SOFTWARE, |sw| {
        if let Some(Value::Array(list)) = sw.get_mut("status_details") {
            list.push(entry);
        }
    });
}

/// The upgrade: pre-update checks, then node by node the image install and the reboot, each
/// step visible in the job message and in `/api/cluster/software`; at the end the cluster
/// runs the new version.
async fn run_upgrade(shared: &Shared, job: &str, target: &Release) {
    let total = shared.config.upgrade_duration;
    let started = tokio::time::Instant::now();
    let elapsed = || started.elapsed().as_secs();
    let nodes = shared.config.node_names.clone();
    // Pre-update checks take a tenth; each node then an install and a reboot of equal share.
    let step = (total.saturating_sub(total / 10)) / (2 * nodes.len() as u32).max(1);
    tokio::time::sleep(total / 10).await;
    for (i, node) in nodes.iter().enumerate() {
        let start = now_string();
        progress(
            shared,
            job,
            i,
            "Data ONTAP updates",
            "in_progress",
            format!(
                "Installing software image {target} on node \"{node}\" ({} of {})",
                i + 1,
                nodes.len()
            ),
            elapsed(),
        );
        tokio::time::sleep(step).await;
        {
            push_status(
                shared,
                "do-download-job",
                node,
                "completed",
                "Image update complete.",
                0,
                &start,
            );
        }
        progress(
            shared,
            job,
            i,
            "Data ONTAP updates",
            "in_progress",
            format!("Rebooting node \"{node}\" into {target} ({} of {})", i + 1, nodes.len()),
            elapsed(),
        );
        tokio::time::sleep(step).await;
        {
            edit(shared, SOFTWARE, |sw| {
                if let Some(Value::Array(list)) = sw.get_mut("nodes")
                    && let Some(Value::Object(n)) = list.get_mut(i)
                {
                    n.insert("version".to_owned(), Value::from(target.to_string()));
                }
            });
            push_status(
                shared,
                "do-update",
                node,
                "completed",
                "Node update complete.",
                0,
                &start,
            );
        }
        progress(
            shared,
            job,
            i,
            "Data ONTAP updates",
            "completed",
            format!(
                "Node \"{node}\" runs {target} ({} of {} nodes updated)",
                i + 1,
                nodes.len()
            ),
            elapsed(),
        );
    }
    {
        let mut inv = shared.inventory.write();
        inv.version = *target;
        edit(shared, CLUSTER, |cluster| {
            cluster.insert("version".to_owned(), version_object(target));
        });
        edit(shared, SOFTWARE, |sw| {
            sw.insert("version".to_owned(), Value::from(target.to_string()));
            sw.remove("pending_version");
            sw.insert("state".to_owned(), Value::from("completed"));
            sw.insert("elapsed_duration".to_owned(), Value::from(elapsed()));
        });
        inv.upgrade_job = None;
        // The job ends under the lock too: whoever sees it succeed sees the new version.
        complete(&shared.jobs, job, Ok(()));
    }
    tracing::debug!(job, version = %target, "software upgrade completed");
}
