//! Every documented body under `tests/examples/` (NetApp's examples, each
//! with a `.md` naming its source) decodes into its generated type, and the
//! facts the examples show come through.

use ontap_core::{ApiError, JobLink, JobState, Links};
use serde_json::Value;

fn body(name: &str) -> Value {
    let path = format!("{}/tests/examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    T::deserialize(value).unwrap_or_else(|e| panic!("{value}: {e}"))
}

/// Every example is named in a test below.
#[test]
fn every_example_is_covered() {
    let dir = format!("{}/tests/examples", env!("CARGO_MANIFEST_DIR"));
    let this = include_str!("examples.rs");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                this.contains(&format!("\"{stem}\"")),
                "{stem} is not decoded by any test"
            );
        }
    }
}

#[cfg(feature = "cluster")]
mod cluster {
    use super::*;
    use ontap_resources::{DownloadState, Job, SoftwarePackageDownload};
    use serde::Deserialize;

    #[test]
    fn jobs() {
        for name in [
            "job_get_running",
            "mcc_job_running_complete_message",
            "mcc_job_running_nonzero_code",
            "mcc_job_success",
            "mcc_switchover_job_success",
            "sw_download_job_get_success",
        ] {
            let job: Job = decode(&body(name));
            assert!(job.uuid.is_some() && job.state.is_some(), "{name}");
        }
        let running: Job = decode(&body("mcc_job_running_complete_message"));
        assert_eq!(running.state, Some(JobState::Running));
        assert_eq!(running.code, Some(2432849));
        assert_eq!(running.start_time.unwrap().0.offset().whole_hours(), -5);
        // The spec's own example holds placeholders ("string") where a
        // cluster writes times: a timestamp that is not RFC 3339 is a clear
        // error, and the rest of the shape decodes.
        let mut page = body("job_collection_spec_example");
        let err = Job::deserialize(&page["records"][0]).unwrap_err().to_string();
        assert!(err.contains("`string` is not an RFC 3339 time"), "{err}");
        for placeholder in ["start_time", "end_time"] {
            page["records"][0].as_object_mut().unwrap().remove(placeholder);
        }
        let jobs: Vec<Job> = decode(&page["records"]);
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].state, Some(JobState::Unknown("string".into())));
        assert_eq!(jobs[0].error.as_ref().and_then(|e| e.code.as_deref()), Some("4"));
        let links: Links = decode(&page["_links"]);
        assert!(links.next.is_some());
    }

    #[test]
    fn software_download() {
        for name in ["sw_download_get_running", "sw_download_get_running_older_spec"] {
            let status: SoftwarePackageDownload = decode(&body(name));
            assert_eq!(status.state, Some(DownloadState::Running), "{name}");
            assert_eq!(
                status.links.and_then(|l| l.self_link).map(|h| h.href).as_deref(),
                Some("/api/cluster/software/download")
            );
        }
        let request: SoftwarePackageDownload = decode(&body("sw_download_post_request"));
        assert_eq!(request.url.as_deref(), Some("http://server/package"));
        assert_eq!(request.password.as_ref().map(|p| p.expose()), Some("*********"));
        let started = body("sw_download_post_response_202");
        let job: JobLink = decode(&started["job"]);
        assert_eq!(job.uuid, "f587d316-5feb-11e8-b0e0-005056956dfc");
    }
}

#[cfg(feature = "storage")]
#[test]
fn volumes_of_an_svm() {
    let page = body("collection_svm_volumes");
    let volumes: Vec<ontap_resources::Volume> = decode(&page["records"]);
    let names: Vec<&str> = volumes.iter().filter_map(|v| v.name.as_deref()).collect();
    assert!(names.contains(&"vol1"), "{names:?}");
    assert!(volumes.iter().all(|v| v.uuid.is_some() && v.links.is_some()));
}

#[cfg(feature = "protocols-san")]
#[test]
fn job_results_are_luns() {
    let page = body("job_results_with_errors");
    let luns: Vec<ontap_resources::Lun> = decode(&page["records"]);
    assert_eq!(luns[0].space.as_ref().and_then(|s| s.size), Some(1073741824));
    assert_eq!(luns[0].svm.as_ref().and_then(|s| s.name.as_deref()), Some("svm1"));
}

#[test]
fn errors_links_and_job_lists() {
    let error: ApiError = decode(&body("error_response_spec_example")["error"]);
    assert_eq!(
        (error.code.as_deref(), error.target.as_deref()),
        (Some("4"), Some("uuid"))
    );
    let next: Links = decode(&body("pagination_next_link_fragment")["_links"]);
    assert!(next.next.unwrap().href.contains("start.aggregate=aggr25"));
    for name in ["query_delete_jobs_array", "private_cli_delete_jobs_cli_output"] {
        let jobs: Vec<JobLink> = decode(&body(name)["jobs"]);
        assert_eq!(jobs.len(), 1, "{name}");
    }
    for name in [
        "mcc_post_202_job",
        "private_cli_post_job_cli_output",
        "records_post_job_with_results_link",
    ] {
        let job: JobLink = decode(&body(name)["job"]);
        assert!(job.href().starts_with("/api/cluster/jobs/"), "{name}");
    }
}
