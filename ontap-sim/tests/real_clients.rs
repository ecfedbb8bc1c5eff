//! The forms of requests that ONTAP clients other than this workspace's send (NetApp's
//! Python client `netapp_ontap`, Ansible's `netapp.ontap` collection), in raw HTTP,
//! answered as a cluster answers them. The generated types never send most of them.

mod common;

use std::time::Duration;

use common::{Api, bounded, records};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const VOLUMES: &str = "/api/storage/volumes";

async fn sim() -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .job_duration(Duration::from_millis(5))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

/// Creates a volume from `body` (202, a job) and answers its record (`fields=*`).
async fn create_volume(api: &Api, body: Value) -> Value {
    let name = body["name"].as_str().unwrap().to_owned();
    api.job_ok(api.post(VOLUMES, &body.to_string()).await).await;
    let r = api.get(&format!("{VOLUMES}?name={name}&fields=*")).await;
    assert_eq!(r.json["num_records"], 1, "{}", r.text);
    r.json["records"][0].clone()
}

#[tokio::test]
async fn an_instance_get_takes_the_filters_of_the_create_location() {
    bounded(async {
        let (_sim, api) = sim().await;
        // What `Volume(...).post(hydrate=True)` sends: the POST, then a GET of the new
        // record with the query of the answer's Location.
        let body = json!({"name": "vol1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}], "size": 1 << 30});
        let r = api.post(VOLUMES, &body.to_string()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let location = r.headers["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/api/storage/volumes/?name=vol1");
        api.job_ok(r).await;
        let uuid = api.get(&location).await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let query = location.split_once('?').unwrap().1;

        let r = api.get(&format!("{VOLUMES}/{uuid}?fields=*&{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["name"], "vol1");
        assert_eq!(r.json["size"], 1 << 30);

        let r = api.get(&format!("{VOLUMES}/{uuid}?fields=size&name=other")).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "a filter that does not match: {}",
            r.text
        );
        assert_eq!(r.error_code(), "4");

        let r = api.get(&format!("{VOLUMES}/{uuid}?fields=size&state=online")).await;
        assert_eq!(
            r.json["state"], "online",
            "the field filtered on is returned: {}",
            r.text
        );
        let r = api.get(&format!("{VOLUMES}/{uuid}?colour=red")).await;
        assert_eq!(r.error_code(), "262179");
    })
    .await;
}

#[tokio::test]
async fn collection_parameters_are_accepted_on_every_get() {
    bounded(async {
        let (_sim, api) = sim().await;
        for path in [
            "/api/cluster?max_records=1024&fields=name,version&return_records=true&order_by=name&return_timeout=15",
            "/api/cluster/software?max_records=1024&fields=version",
            "/api/support/autosupport?max_records=1024",
            "/api/storage/aggregates?max_records=1024&return_timeout=15",
        ] {
            let r = api.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        }
        let r = api.get("/api/cluster?max_records=0").await;
        assert_eq!(r.error_code(), "262197", "the values are still checked");
        let r = api.get("/api/cluster?order_by=colour").await;
        assert_eq!(r.error_code(), "262268");
    })
    .await;
}

#[tokio::test]
async fn a_singleton_answers_only_the_fields_asked_for() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api.get("/api/cluster?fields=version").await;
        let mut keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["_links", "version"], "{}", r.text);
    })
    .await;
}

#[tokio::test]
async fn dotted_keys_in_a_body_are_the_nested_fields() {
    bounded(async {
        let (_sim, api) = sim().await;
        // As Ansible's na_ontap_volume sends a create.
        let record = create_volume(
            &api,
            json!({"name": "v1", "svm.name": "vs0", "aggregates": [{"name": "aggr1"}], "guarantee.type": "none", "space": {"snapshot.reserve_percent": 10}}),
        )
        .await;
        assert_eq!(record["svm"]["name"], "vs0");
        assert!(record["svm"]["uuid"].is_string(), "the reference is resolved: {record}");
        let r = api
            .get(&format!("{VOLUMES}/{}?fields=guarantee,space.snapshot", record["uuid"].as_str().unwrap()))
            .await;
        assert_eq!(r.json["guarantee"]["type"], "none", "{}", r.text);
        assert_eq!(r.json["space"]["snapshot"]["reserve_percent"], 10, "{}", r.text);

        let r = api
            .post(VOLUMES, r#"{"name": "v2", "svm.name": "vs0", "svm.colour": "red"}"#)
            .await;
        assert_eq!(r.error_code(), "262179");
        assert_eq!(r.error_target(), Some("svm.colour"), "the error names the dotted field");
    })
    .await;
}

#[tokio::test]
async fn a_reference_given_as_a_string_is_the_reference_by_name() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api
            .post(
                "/api/svm/svms?return_timeout=30",
                r#"{"name": "vs9", "snapshot_policy": "default", "ipspace": "Default"}"#,
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/svm/svms?name=vs9&fields=snapshot_policy,ipspace").await;
        let svm = &r.json["records"][0];
        assert_eq!(svm["snapshot_policy"]["name"], "default", "{}", r.text);
        assert_eq!(svm["ipspace"]["name"], "Default", "{}", r.text);

        // And in a filter: `volume=vol1` is `volume.name=vol1`.
        create_volume(
            &api,
            json!({"name": "vol1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}]}),
        )
        .await;
        let r = api.get("/api/storage/volumes?svm=vs0").await;
        assert_eq!(r.json["num_records"], 2, "vol1 and vs0_root: {}", r.text);
        let r = api.get("/api/storage/qtrees?volume=vol1").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = api.get("/api/storage/volumes?order_by=svm").await;
        assert_eq!(r.error_code(), "262268", "only a filter reads a reference by name");
    })
    .await;
}

#[tokio::test]
async fn numbers_booleans_and_sizes_given_as_text_are_read() {
    bounded(async {
        let (_sim, api) = sim().await;
        let record = create_volume(
            &api,
            json!({"name": "v1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}], "size": "1GB", "nas": {"unix_permissions": "755"}}),
        )
        .await;
        assert_eq!(record["size"], 1 << 30);
        let uuid = record["uuid"].as_str().unwrap();
        let r = api.get(&format!("{VOLUMES}/{uuid}?fields=nas.unix_permissions")).await;
        assert_eq!(r.json["nas"]["unix_permissions"], 755, "{}", r.text);

        let r = api
            .patch(&format!("{VOLUMES}/{uuid}?return_timeout=30"), r#"{"size": "2048MB", "snapshot_directory_access_enabled": "false"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get(&format!("{VOLUMES}/{uuid}")).await;
        assert_eq!(r.json["size"], 2u64 << 30);
        assert_eq!(r.json["snapshot_directory_access_enabled"], false);

        for bad in [r#"{"size": "big"}"#, r#"{"size": "1.5GB"}"#, r#"{"snapshot_directory_access_enabled": "maybe"}"#] {
            let r = api.patch(&format!("{VOLUMES}/{uuid}"), bad).await;
            assert_eq!(r.error_code(), "262197", "{bad}: {}", r.text);
        }
    })
    .await;
}

#[tokio::test]
async fn a_filter_reads_sizes_with_units() {
    bounded(async {
        let sim = Simulator::builder().tls(false).seed_volumes(40).start().await.unwrap();
        let api = Api::new(&sim);
        let all = records(&api.get(&format!("{VOLUMES}?fields=size")).await.json);
        let above = all.iter().filter(|v| v["size"].as_u64().unwrap() > 1 << 30).count();
        let r = api.get(&format!("{VOLUMES}?size=>1GB&return_records=false")).await;
        assert_eq!(r.json["num_records"], above, "{}", r.text);
        assert!(above > 0 && above < all.len());
    })
    .await;
}

#[tokio::test]
async fn a_query_returns_the_fields_it_filters_on() {
    bounded(async {
        let sim = Simulator::builder().tls(false).seed_volumes(3).start().await.unwrap();
        let api = Api::new(&sim);
        let r = api
            .get(&format!("{VOLUMES}?state=online&svm.name=vs0&fields=size"))
            .await;
        let first = &records(&r.json)[0];
        assert_eq!(first["state"], "online", "{}", r.text);
        assert_eq!(first["svm"]["name"], "vs0", "{}", r.text);
        assert!(first["size"].is_number());
    })
    .await;
}

#[tokio::test]
async fn a_trailing_key_may_be_given_in_the_query() {
    bounded(async {
        let (_sim, api) = sim().await;
        let share = json!({"svm": {"name": "vs0"}, "name": "projects", "path": "/"});
        let r = api.post("/api/protocols/cifs/shares", &share.to_string()).await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api
            .get("/api/protocols/cifs/shares?name=projects&fields=svm.uuid")
            .await;
        let svm = records(&r.json)[0]["svm"]["uuid"].as_str().unwrap().to_owned();

        // As Ansible's na_ontap_cifs deletes a share.
        let r = api
            .delete(&format!(
                "/api/protocols/cifs/shares/{svm}?name=projects&return_timeout=30"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = api.get("/api/protocols/cifs/shares?name=projects").await;
        assert_eq!(r.json["num_records"], 0, "{}", r.text);

        let r = api
            .delete(&format!("/api/protocols/cifs/shares/{svm}?name=projects"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "4", "{}", r.text);
        let r = api.delete(&format!("/api/protocols/cifs/shares/{svm}")).await;
        assert_eq!(r.error_code(), "3", "without the key it is no path: {}", r.text);
    })
    .await;
}

#[tokio::test]
async fn a_create_takes_several_records_at_once() {
    bounded(async {
        let (_sim, api) = sim().await;
        let igroup = json!({"name": "hosts", "svm": {"name": "vs0"}, "os_type": "linux", "protocol": "iscsi"});
        let r = api.post("/api/protocols/san/igroups", &igroup.to_string()).await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/protocols/san/igroups?name=hosts").await;
        let uuid = records(&r.json)[0]["uuid"].as_str().unwrap().to_owned();
        let initiators = format!("/api/protocols/san/igroups/{uuid}/initiators");

        // As Ansible's na_ontap_igroup_initiator adds initiators.
        let body =
            json!({"records": [{"name": "iqn.1998-01.com.example:host1"}, {"name": "iqn.1998-01.com.example:host2"}]});
        let r = api
            .post(
                &format!("{initiators}?return_records=true&return_timeout=30"),
                &body.to_string(),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        assert_eq!(r.json["num_records"], 2, "{}", r.text);
        let r = api.get(&initiators).await;
        assert_eq!(r.json["num_records"], 2, "{}", r.text);

        // All or nothing: a duplicate refuses the whole request.
        let body =
            json!({"records": [{"name": "iqn.1998-01.com.example:host3"}, {"name": "iqn.1998-01.com.example:host1"}]});
        let r = api.post(&initiators, &body.to_string()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(api.get(&initiators).await.json["num_records"], 2);

        // Asynchronous creates: one job for all.
        let body = json!({"records": [
            {"name": "va", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}]},
            {"name": "vb", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr2"}]},
        ]});
        let job = api.job_ok(api.post(VOLUMES, &body.to_string()).await).await;
        assert_eq!(job["description"], "POST /api/storage/volumes");
        let r = api.get(&format!("{VOLUMES}?name=va|vb&return_records=false")).await;
        assert_eq!(r.json["num_records"], 2, "{}", r.text);

        for (body, code) in [
            (r#"{"records": []}"#, "262212"),
            (r#"{"records": 5}"#, "262197"),
            (r#"{"records": [1]}"#, "262255"),
        ] {
            let r = api.post(VOLUMES, body).await;
            assert_eq!(r.error_code(), code, "{body}: {}", r.text);
        }
    })
    .await;
}

#[tokio::test]
async fn a_create_fills_in_defaults_and_the_fields_that_follow() {
    bounded(async {
        let (_sim, api) = sim().await;
        // A cron schedule and an interval one: the read-only `type` follows.
        for (name, body, kind) in [
            ("every15", json!({"name": "every15", "cron": {"minutes": [15]}}), "cron"),
            ("hourly2", json!({"name": "hourly2", "interval": "PT1H"}), "interval"),
        ] {
            let r = api.post("/api/cluster/schedules", &body.to_string()).await;
            assert!(r.status.is_success(), "{}", r.text);
            let r = api.get(&format!("/api/cluster/schedules?name={name}&fields=type")).await;
            assert_eq!(records(&r.json)[0]["type"], kind, "{}", r.text);
        }

        let r = api.post("/api/svm/svms?return_timeout=30", r#"{"name": "vs_new"}"#).await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/svm/svms?name=vs_new&fields=*").await;
        let svm = &records(&r.json)[0];
        assert_eq!(svm["ipspace"]["name"], "Default", "{svm}");
        assert_eq!(svm["snapshot_policy"]["name"], "default", "{svm}");
        assert_eq!(svm["state"], "running");
        assert_eq!(svm["nfs"]["enabled"], false);

        // Scope follows from the SVM or owner given.
        let r = api
            .post("/api/storage/snapshot-policies", r#"{"name": "sp1", "svm": {"name": "vs0"}, "copies": [{"count": 2, "schedule": {"name": "hourly"}}]}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/storage/snapshot-policies?scope=svm&name=sp1&fields=enabled").await;
        assert_eq!(r.json["num_records"], 1, "a policy of an SVM has scope svm: {}", r.text);
        assert_eq!(records(&r.json)[0]["enabled"], true, "{}", r.text);
        let r = api
            .post("/api/security/accounts", r#"{"name": "ops", "applications": [{"application": "http", "authentication_methods": ["password"]}], "password": "p4ssw0rd!"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/security/accounts?name=ops&fields=scope,role,locked").await;
        let account = &records(&r.json)[0];
        assert_eq!(account["scope"], "cluster", "{}", r.text);
        assert_eq!(account["role"]["name"], "admin");
        assert_eq!(account["locked"], false);

        // Given values win over defaults; a volume's autosize limits follow its size.
        let record = create_volume(
            &api,
            json!({"name": "v1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}], "size": "10GB", "guarantee": {"type": "none"}}),
        )
        .await;
        let uuid = record["uuid"].as_str().unwrap();
        let r = api
            .get(&format!("{VOLUMES}/{uuid}?fields=guarantee,snapshot_policy,autosize,space.snapshot"))
            .await;
        assert_eq!(r.json["guarantee"]["type"], "none", "{}", r.text);
        assert_eq!(r.json["snapshot_policy"]["name"], "default");
        assert_eq!(r.json["autosize"]["maximum"], 12u64 << 30);
        assert_eq!(r.json["autosize"]["minimum"], 10u64 << 30);
        assert_eq!(r.json["space"]["snapshot"]["reserve_percent"], 5);
    })
    .await;
}

#[tokio::test]
async fn a_star_leaves_out_the_expensive_fields_and_two_stars_bring_them() {
    bounded(async {
        let (_sim, api) = sim().await;
        let record = create_volume(
            &api,
            json!({"name": "v1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}]}),
        )
        .await;
        let uuid = record["uuid"].as_str().unwrap();
        // The model lists `is_svm_root` and `anti_ransomware.*` as expensive for both GETs.
        assert!(record.get("is_svm_root").is_none(), "{record}");
        assert!(record.get("anti_ransomware").is_none(), "{record}");
        let one = api.get(&format!("{VOLUMES}/{uuid}")).await.json;
        assert!(one.get("is_svm_root").is_none(), "an instance GET is fields=*: {one}");
        for path in [
            format!("{VOLUMES}/{uuid}?fields=**"),
            format!("{VOLUMES}?name=v1&fields=**"),
        ] {
            let r = api.get(&path).await;
            let v = if r.json.get("records").is_some() {
                records(&r.json)[0].clone()
            } else {
                r.json.clone()
            };
            assert_eq!(v["is_svm_root"], false, "{path}: {}", r.text);
            assert_eq!(v["anti_ransomware"]["state"], "disabled", "{path}");
        }
        let r = api.get(&format!("{VOLUMES}?name=v1&fields=*,is_svm_root")).await;
        assert_eq!(
            records(&r.json)[0]["is_svm_root"],
            false,
            "named, it comes back: {}",
            r.text
        );
    })
    .await;
}

#[tokio::test]
async fn the_default_cluster_has_the_built_in_records() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api.get("/api/security/accounts?fields=scope,role,locked").await;
        let accounts: Vec<(String, String)> = records(&r.json)
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap().to_owned(),
                    a["scope"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(accounts.contains(&("admin".into(), "cluster".into())), "{accounts:?}");
        assert!(accounts.contains(&("vsadmin".into(), "svm".into())), "{accounts:?}");
        let r = api
            .get("/api/security/roles?builtin=true&name=admin|readonly|vsadmin&return_records=false")
            .await;
        assert_eq!(r.json["num_records"], 3, "{}", r.text);

        // One login message for the cluster, one per SVM under the SVM's UUID.
        let r = api.get("/api/security/login/messages?scope=cluster").await;
        assert_eq!(r.json["num_records"], 1, "{}", r.text);
        let vs0 = api.get("/api/svm/svms?name=vs0").await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = api
            .patch(
                &format!("/api/security/login/messages/{vs0}"),
                r#"{"banner": "Authorized use only", "show_cluster_message": false}"#,
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get(&format!("/api/security/login/messages/{vs0}")).await;
        assert_eq!(r.json["banner"], "Authorized use only");
        assert_eq!(r.json["svm"]["name"], "vs0");

        // Each SVM's root volume; no node root volume (REST does not list them).
        let r = api
            .get(&format!("{VOLUMES}?is_svm_root=true&fields=svm,nas.path"))
            .await;
        let roots = records(&r.json);
        assert_eq!(roots.len(), 1, "{}", r.text);
        assert_eq!(roots[0]["name"], "vs0_root");
        assert_eq!(roots[0]["nas"]["path"], "/");

        let r = api.get("/api/support/autosupport").await;
        assert_eq!(r.json["enabled"], true, "{}", r.text);
        let r = api.get("/api/security/certificates?type=server").await;
        assert_eq!(r.json["num_records"], 1, "{}", r.text);
    })
    .await;
}

#[tokio::test]
async fn an_svm_comes_with_its_root_volume_and_login_message_and_takes_them_along() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api
            .post("/api/svm/svms?return_timeout=30", r#"{"name": "vs-new.1"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let uuid = api.get("/api/svm/svms?name=vs-new.1").await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = api.get(&format!("{VOLUMES}?svm.uuid={uuid}&fields=is_svm_root")).await;
        let roots = records(&r.json);
        assert_eq!(roots.len(), 1, "{}", r.text);
        assert_eq!(roots[0]["name"], "vs_new_1_root");
        let r = api.get(&format!("/api/security/login/messages/{uuid}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["scope"], "svm");

        // A volume of its own blocks the delete; the root volume does not.
        create_volume(
            &api,
            json!({"name": "data1", "svm": {"uuid": uuid}, "aggregates": [{"name": "aggr1"}]}),
        )
        .await;
        let r = api.delete(&format!("/api/svm/svms/{uuid}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        let data1 = api.get(&format!("{VOLUMES}?name=data1")).await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        api.job_ok(api.delete(&format!("{VOLUMES}/{data1}")).await).await;
        api.job_ok(api.delete(&format!("/api/svm/svms/{uuid}")).await).await;
        let r = api.get(&format!("{VOLUMES}?svm.uuid={uuid}")).await;
        assert_eq!(r.json["num_records"], 0, "{}", r.text);
        let r = api.get(&format!("/api/security/login/messages/{uuid}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_admin_svm_is_named_after_the_cluster_and_owns_its_accounts() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api.get("/api/svm/svms?name=sim-cluster").await;
        assert_eq!(r.json["num_records"], 0, "the admin SVM is no data SVM: {}", r.text);
        // A DNS configuration of the admin SVM, named by the cluster's name.
        let r = api
            .post("/api/name-services/dns?return_timeout=30", r#"{"svm.name": "sim-cluster", "domains": ["example.com"], "servers": ["192.0.2.53"]}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/name-services/dns?fields=svm").await;
        let dns = &records(&r.json)[0];
        assert_eq!(dns["svm"]["name"], "sim-cluster");
        assert_eq!(dns["uuid"], dns["svm"]["uuid"], "a DNS configuration has its SVM's UUID: {}", r.text);
        let r = api.delete(&format!("/api/name-services/dns/{}", dns["uuid"].as_str().unwrap())).await;
        assert!(r.status.is_success(), "{}", r.text);

        // An account without an owner belongs to the admin SVM.
        let r = api
            .post("/api/security/accounts", r#"{"name": "ops", "applications": [{"application": "http", "authentication_methods": ["password"]}], "password": "p4ssw0rd!"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/security/accounts?name=ops&fields=owner").await;
        assert_eq!(records(&r.json)[0]["owner"]["name"], "sim-cluster", "{}", r.text);
        // An SVM's account, its owner named (as Ansible sends it).
        let r = api
            .post("/api/security/accounts", r#"{"name": "svmops", "owner.name": "vs0", "applications": [{"application": "http", "authentication_methods": ["password"]}], "password": "p4ssw0rd!"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/security/accounts?name=svmops&fields=owner,scope,role").await;
        let account = &records(&r.json)[0];
        assert!(account["owner"]["uuid"].is_string(), "{account}");
        assert_eq!(account["scope"], "svm");
        assert_eq!(account["role"]["name"], "vsadmin");
    })
    .await;
}

#[tokio::test]
async fn export_rules_are_numbered_per_policy_and_move_with_new_index() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api
            .post(
                "/api/protocols/nfs/export-policies?return_records=true",
                r#"{"name": "exp1", "svm.name": "vs0"}"#,
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let id = r.json["records"][0]["id"].as_u64().expect("the new policy's id");
        let rules = format!("/api/protocols/nfs/export-policies/{id}/rules");
        let rule =
            |client: &str| json!({"clients": [{"match": client}], "ro_rule": ["sys"], "rw_rule": ["none"]}).to_string();
        // As Ansible's na_ontap_export_policy_rule creates one: its index comes back.
        for (client, index) in [("10.0.0.1", 1), ("10.0.0.2", 2), ("10.0.0.3", 3)] {
            let r = api.post(&format!("{rules}?return_records=true"), &rule(client)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            assert_eq!(
                r.json["records"][0]["index"], index,
                "numbered from 1 per policy: {}",
                r.text
            );
        }
        let order = |api: &Api| {
            let rules = rules.clone();
            let api = api.clone();
            async move {
                let r = api.get(&format!("{rules}?fields=clients&order_by=index")).await;
                records(&r.json)
                    .iter()
                    .map(|r| {
                        (
                            r["index"].as_i64().unwrap(),
                            r["clients"][0]["match"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        // Rule 3 to the top: the others move down by one.
        let r = api.patch(&format!("{rules}/3?new_index=1"), "{}").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            order(&api).await,
            [(1, "10.0.0.3".into()), (2, "10.0.0.1".into()), (3, "10.0.0.2".into())]
        );
        // Rule 1 to the bottom: the others move up by one.
        api.patch(&format!("{rules}/1?new_index=3"), "{}").await;
        assert_eq!(
            order(&api).await,
            [(1, "10.0.0.1".into()), (2, "10.0.0.2".into()), (3, "10.0.0.3".into())]
        );
        // A new rule at a place taken goes there; the ones after it move down.
        let r = api
            .post(
                &rules,
                &json!({"index": 2, "clients": [{"match": "10.0.0.9"}], "ro_rule": ["sys"], "rw_rule": ["none"]})
                    .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(
            order(&api).await,
            [
                (1, "10.0.0.1".into()),
                (2, "10.0.0.9".into()),
                (3, "10.0.0.2".into()),
                (4, "10.0.0.3".into())
            ]
        );
        // A delete leaves a gap (ONTAP does not renumber).
        api.delete(&format!("{rules}/1")).await;
        assert_eq!(order(&api).await[0].0, 2);
        let r = api.patch(&format!("{rules}/2?new_index=0"), "{}").await;
        assert_eq!(r.error_code(), "262197");
        // The default rule values.
        let r = api.get(&format!("{rules}/2")).await;
        assert_eq!(r.json["protocols"], json!(["any"]), "{}", r.text);
        assert_eq!(r.json["anonymous_user"], "65534");
    })
    .await;
}

#[tokio::test]
async fn every_field_a_patch_may_set_on_the_cluster_is_set() {
    bounded(async {
        let (_sim, api) = sim().await;
        // As Ansible's na_ontap_dns (cluster scope) and na_ontap_cluster send them.
        let body = json!({"dns_domains": ["example.com"], "name_servers": ["192.0.2.53", "192.0.2.54"], "timezone": {"name": "Europe/Paris"}, "contact": "ops"});
        let r = api.patch("/api/cluster?return_timeout=30", &body.to_string()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = api.get("/api/cluster?fields=dns_domains,name_servers,timezone,contact,version").await;
        assert_eq!(r.json["dns_domains"], json!(["example.com"]), "{}", r.text);
        assert_eq!(r.json["name_servers"][1], "192.0.2.54");
        assert_eq!(r.json["timezone"]["name"], "Europe/Paris");
        assert_eq!(r.json["contact"], "ops");
        assert!(r.json["version"]["full"].is_string(), "the rest stays");
        let r = api.post("/api/cluster", r#"{"name": "other"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    })
    .await;
}

#[tokio::test]
async fn what_ansible_reads_back_is_there() {
    bounded(async {
        let (_sim, api) = sim().await;
        // A snapshot policy's copies without a label read "-"; an account's applications
        // their second authentication method; a new interface is up; quotas are off.
        let r = api
            .post("/api/storage/snapshot-policies", r#"{"name": "sp", "copies": [{"count": 3, "schedule": {"name": "daily"}}]}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/storage/snapshot-policies?name=sp&fields=copies").await;
        assert_eq!(records(&r.json)[0]["copies"][0]["snapmirror_label"], "-", "{}", r.text);
        let r = api
            .post("/api/security/accounts", r#"{"name": "user1", "applications": [{"application": "ssh", "authentication_methods": ["password"]}], "password": "p4ssw0rd!"}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/security/accounts?name=user1&fields=applications,owner").await;
        let account = records(&r.json)[0].clone();
        assert_eq!(account["applications"][0]["second_authentication_method"], "none", "{account}");

        // A PATCH of one record with its keys in the query too (na_ontap_user).
        let (owner, path) = (
            account["owner"]["uuid"].as_str().unwrap().to_owned(),
            format!("/api/security/accounts/{}/user1", account["owner"]["uuid"].as_str().unwrap()),
        );
        let r = api
            .patch(&format!("{path}?name=user1&owner.uuid={owner}"), r#"{"role.name": "readonly"}"#)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = api.patch(&format!("{path}?name=other"), r#"{"locked": true}"#).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "the query must match the record: {}", r.text);

        let r = api
            .post("/api/network/ip/interfaces?return_timeout=30", r#"{"name": "lif9", "svm.name": "vs0", "ip": {"address": "192.0.2.9", "netmask": "24"}, "location": {"home_node": {"name": "sim-cluster-01"}, "home_port": {"name": "e0c", "node": {"name": "sim-cluster-01"}}}}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/network/ip/interfaces?name=lif9&fields=enabled").await;
        assert_eq!(records(&r.json)[0]["enabled"], true, "{}", r.text);

        let r = api.post("/api/support/snmp/users", r#"{"name": "public", "authentication_method": "community"}"#).await;
        assert!(r.status.is_success(), "a community needs no engine_id: {}", r.text);

        let record = create_volume(&api, json!({"name": "vq", "svm.name": "vs0", "aggregates": [{"name": "aggr1"}]})).await;
        let r = api.get(&format!("{VOLUMES}?name=vq&fields=quota.state")).await;
        assert_eq!(records(&r.json)[0]["quota"]["state"], "off", "{}", r.text);

        // A quoted filter value is the value itself.
        let r = api.get(&format!("{VOLUMES}?name=%22vq%22")).await;
        assert_eq!(r.json["num_records"], 1, "{}", r.text);
        assert_eq!(records(&r.json)[0]["uuid"], record["uuid"]);
        let r = api.get(&format!("{VOLUMES}?name=%22v*%22")).await;
        assert_eq!(r.json["num_records"], 0, "no wildcard in quotes: {}", r.text);
    })
    .await;
}

#[tokio::test]
async fn a_luns_name_and_location_are_the_same_place() {
    bounded(async {
        let (_sim, api) = sim().await;
        let volume = create_volume(&api, json!({"name": "vl", "svm.name": "vs0", "aggregates": [{"name": "aggr1"}], "size": "10GB"})).await;
        // By name, as NetApp's Python client creates one.
        let r = api
            .post("/api/storage/luns?return_timeout=30", r#"{"name": "/vol/vl/lun1", "svm.name": "vs0", "os_type": "linux", "space": {"size": "1GB"}}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/storage/luns?name=/vol/vl/lun1&fields=location").await;
        let lun = &records(&r.json)[0];
        assert_eq!(lun["location"]["logical_unit"], "lun1", "{}", r.text);
        assert_eq!(lun["location"]["volume"]["name"], "vl");
        assert_eq!(lun["location"]["volume"]["uuid"], volume["uuid"]);
        // By location, as Ansible's na_ontap_lun does.
        let r = api
            .post("/api/storage/luns?return_timeout=30", r#"{"location.volume.name": "vl", "location.logical_unit": "lun2", "svm.name": "vs0", "os_type": "linux", "space.size": 1073741824}"#)
            .await;
        assert!(r.status.is_success(), "{}", r.text);
        let r = api.get("/api/storage/luns?location.logical_unit=lun2").await;
        assert_eq!(records(&r.json)[0]["name"], "/vol/vl/lun2", "{}", r.text);
        let r = api
            .post("/api/storage/luns", r#"{"name": "lun3", "svm.name": "vs0", "os_type": "linux", "space.size": 1073741824}"#)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    })
    .await;
}

#[tokio::test]
async fn a_list_of_objects_may_come_field_by_field() {
    bounded(async {
        let (_sim, api) = sim().await;
        create_volume(&api, json!({"name": "vq", "svm.name": "vs0", "aggregates": [{"name": "aggr1"}]})).await;
        // As Ansible's na_ontap_quotas sends a user quota rule.
        let body = r#"{"svm.name": "vs0", "volume.name": "vq", "type": "user", "qtree.name": "", "users.name": ["alice", "bob"], "space.hard_limit": "10485760"}"#;
        let r = api.post("/api/storage/quota/rules?return_timeout=30&return_records=true", body).await;
        assert!(r.status.is_success(), "{}", r.text);
        // `return_records` answers the keys and the fields the request gave.
        let created = &r.json["records"][0];
        assert!(created["uuid"].is_string(), "{}", r.text);
        assert_eq!(created["volume"]["name"], "vq", "{}", r.text);
        assert_eq!(created["type"], "user");
        assert!(created.get("files").is_none(), "only what was given: {}", r.text);
        let r = api.get("/api/storage/quota/rules?type=user&fields=users,space").await;
        let rule = &records(&r.json)[0];
        assert_eq!(rule["users"], json!([{"name": "alice"}, {"name": "bob"}]), "{}", r.text);
        assert_eq!(rule["space"]["hard_limit"], 10485760);
    })
    .await;
}
