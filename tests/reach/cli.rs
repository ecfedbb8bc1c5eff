//! The private CLI passthrough against the simulator: a `show` read page by page with
//! the CLI's field names, a command that starts a job, and what is refused before any
//! request.

use std::time::Duration;

use crate::common::{simulated, volume};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::Volume;
use ontap::{Cli, Error, JobState, PrivilegeLevel, Query};
use ontap_sim::Simulator;
use serde_json::{Value, json};

const LIMIT: Duration = Duration::from_secs(120);

fn cli_gets(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/private/cli/"))
        .map(|r| format!("{}?{}", r.path, r.query.unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn a_volume_show_reads_every_page_with_the_cli_names() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        for name in ["cli1", "cli2", "cli3"] {
            volume(name).post(&conn).await.unwrap();
        }
        sim.clear_requests();
        let query = Query::new()
            .fields(["size", "state", "aggr-list"])
            .filter("volume", "cli*")
            .max_records(2);
        let rows: Vec<Value> = Cli::get("volume")
            .query(query)
            .privilege_level(PrivilegeLevel::Advanced)
            .rows(&conn)
            .try_collect()
            .await
            .expect("volume show");
        let names: Vec<&str> = rows.iter().filter_map(|r| r["volume"].as_str()).collect();
        assert_eq!(names, ["cli1", "cli2", "cli3"]);
        for row in &rows {
            assert_eq!(row["vserver"], "vs0", "the keys come always: {row}");
            assert_eq!(row["size"], json!(1u64 << 30), "{row}");
            assert_eq!(row["state"], "online", "{row}");
            assert!(row["aggr_list"].is_array(), "{row}");
            assert!(row.get("instance_uuid").is_none(), "only what was asked: {row}");
        }
        let gets = cli_gets(&sim);
        assert_eq!(gets.len(), 2, "two pages: {gets:?}");
        assert!(gets[0].starts_with("/api/private/cli/volume?"), "{gets:?}");
        assert!(gets[0].contains("privilege_level=advanced"), "{gets:?}");

        // Without fields, only the keys; another command's rows.
        let svms: Vec<Value> = Cli::get("vserver").rows(&conn).try_collect().await.unwrap();
        assert!(svms.iter().any(|r| r == &json!({"vserver": "vs0"})), "{svms:?}");
        let lifs: Vec<Value> = Cli::get("network interface")
            .query(Query::new().fields(["address", "status_admin"]))
            .rows(&conn)
            .try_collect()
            .await
            .unwrap();
        assert!(
            lifs.iter().all(|r| r["lif"].is_string() && r["vserver"].is_string()),
            "{lifs:?}"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_volume_create_through_the_cli_is_waited_for() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = simulated(Simulator::builder()).await;
        let response = Cli::post("volume")
            .body(json!({"vserver": "vs0", "volume": "from_cli", "aggregate": "aggr1", "size": "2g"}))
            .send(&conn)
            .await
            .expect("volume create");
        assert_eq!(
            response.job_status().and_then(|s| s.state.clone()),
            Some(JobState::Success)
        );
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert!(
            body["cli_output"]
                .as_str()
                .unwrap_or_default()
                .contains("Job is queued: Create from_cli")
        );
        let created = Volume::find(&conn, Query::new().filter("name", "from_cli").fields(["size"]))
            .await
            .unwrap()
            .expect("the volume exists");
        assert_eq!(created.size, Some(2 << 30));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn what_cannot_be_a_cli_request_is_refused_before_sending() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        sim.clear_requests();
        let err = Cli::get(" ").rows::<Value>(&conn).try_next().await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let err = Cli::get("volume ..").send(&conn).await.unwrap_err();
        assert!(matches!(err, Error::InvalidKey { .. }), "{err:?}");
        let err = Cli::post("volume offline")
            .rows::<Value>(&conn)
            .try_next()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "rows read a show: {err:?}");
        assert!(sim.requests().is_empty());

        // A secret in a CLI body never shows in the error.
        let err = Cli::post("security login password")
            .body(json!({"username": "admin", "new_password": "Cli-Secret-123"}))
            .send(&conn)
            .await
            .unwrap_err();
        assert!(!format!("{err} {err:?}").contains("Cli-Secret-123"));
    })
    .await
    .unwrap();
}
