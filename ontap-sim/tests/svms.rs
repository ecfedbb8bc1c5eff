//! SVMs: the seeded `vs0`, creation and deletion through jobs, duplicates and missing keys.

mod common;

use std::time::Duration;

use common::{Api, bounded, column, records};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::json;

const SVMS: &str = "/api/svm/svms";

async fn sim(extra_svms: usize) -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .seed_svms(extra_svms)
        .job_duration(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

#[tokio::test]
async fn vs0_is_seeded_and_more_on_request() {
    bounded(async {
        let (_sim, api) = sim(0).await;
        let r = api.get(SVMS).await;
        assert_eq!(r.json["num_records"], 1);
        let vs0 = &r.json["records"][0];
        assert_eq!(vs0["name"], "vs0");
        let uuid = vs0["uuid"].as_str().unwrap();
        // The default cluster's data SVM has far more fields; these are the basics.
        let full = api.get(&format!("{SVMS}/{uuid}")).await;
        assert_eq!(full.json["ipspace"]["name"], "Default");
        assert_eq!(full.json["nfs"]["enabled"], true);
        let one = api
            .get(&format!("{SVMS}/{uuid}?fields=uuid,name,state,subtype,language"))
            .await;
        assert_eq!(
            one.json,
            json!({
                "uuid": uuid,
                "name": "vs0",
                "state": "running",
                "subtype": "default",
                "language": "c.utf_8",
                "_links": {"self": {"href": format!("{SVMS}/{uuid}")}}
            })
        );

        let (_sim, api) = sim(3).await;
        let names = column(&records(&api.get(&format!("{SVMS}?order_by=name")).await.json), "name");
        assert_eq!(names, ["vs0", "vs1", "vs2", "vs3"]);
    })
    .await;
}

#[tokio::test]
async fn create_modify_delete() {
    bounded(async {
        let (_sim, api) = sim(0).await;
        let job = api
            .job_ok(
                api.post(
                    SVMS,
                    r#"{"name": "svm_nfs", "comment": "for NFS", "language": "en_us"}"#,
                )
                .await,
            )
            .await;
        let r = api.get(&format!("{SVMS}?name=svm_nfs&fields=*")).await;
        let svm = &r.json["records"][0];
        // The job names the new SVM (a recorded SVM create job of 9.12.1).
        let uuid = svm["uuid"].as_str().unwrap();
        assert_eq!(job["description"], format!("POST /api/svm/svms/{uuid}"));
        assert_eq!(job["svm"]["uuid"], uuid);
        assert_eq!(job["svm"]["name"], "svm_nfs");
        assert!(job.get("node").is_none(), "{job}");
        assert_eq!(svm["state"], "running");
        assert_eq!(svm["subtype"], "default");
        assert_eq!(svm["comment"], "for NFS");
        assert_eq!(svm["language"], "en_us");
        let uuid = svm["uuid"].as_str().unwrap().to_owned();

        let r = api.post(SVMS, r#"{"name": "svm_nfs"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "1");
        for (body, code, target) in [
            (r#"{}"#, "262212", "name"),
            (r#"{"name": "1bad"}"#, "2", "name"),
            (r#"{"name": "ok", "subtype": "sideways"}"#, "262197", "subtype"),
            (r#"{"name": "ok", "state": "stopped"}"#, "262196", "state"),
            (r#"{"name": "ok", "language": "klingon"}"#, "262197", "language"),
            (r#"{"name": "ok", "colour": "red"}"#, "262179", "colour"),
            (r#"{"name": "ok", "uuid": "u"}"#, "262196", "uuid"),
        ] {
            let r = api.post(SVMS, body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(r.error_code(), code, "{body}: {}", r.text);
            assert_eq!(r.error_target(), Some(target), "{body}");
        }

        api.job_ok(
            api.patch(
                &format!("{SVMS}/{uuid}"),
                r#"{"comment": "changed", "state": "stopped"}"#,
            )
            .await,
        )
        .await;
        let svm = api.get(&format!("{SVMS}/{uuid}")).await.json;
        assert_eq!(svm["comment"], "changed");
        assert_eq!(svm["state"], "stopped");
        let r = api.patch(&format!("{SVMS}/{uuid}"), r#"{"name": "vs0"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // An SVM with volumes cannot go.
        api.job_ok(
            api.post("/api/storage/volumes", r#"{"name": "v", "svm": {"name": "svm_nfs"}}"#)
                .await,
        )
        .await;
        let r = api.delete(&format!("{SVMS}/{uuid}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "2");
        let vol = api.get("/api/storage/volumes?name=v").await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        api.job_ok(api.delete(&format!("/api/storage/volumes/{vol}")).await)
            .await;
        api.job_ok(api.delete(&format!("{SVMS}/{uuid}")).await).await;
        let gone = api.get(&format!("{SVMS}/{uuid}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.error_code(), "4");
        assert_eq!(
            api.delete(&format!("{SVMS}/{uuid}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.patch(&format!("{SVMS}/{uuid}"), "{}").await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}
