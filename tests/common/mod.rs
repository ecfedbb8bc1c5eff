//! Shared helpers of the integration tests: a scripted ONTAP on 127.0.0.1.
#![allow(dead_code)]

use std::time::Duration;

use ontap::HostConnection;
use serde_json::{Value, json};
pub mod mock;

use mock::MockServer;

/// A simulator over plain HTTP with 20 ms jobs, and a connection to it that polls every
/// 20 ms for at most 30 s.
pub async fn simulated(builder: ontap_sim::SimulatorBuilder) -> (ontap_sim::Simulator, HostConnection) {
    let sim = builder
        .tls(false)
        .job_duration(Duration::from_millis(20))
        .start()
        .await
        .expect("the simulator starts");
    let addr = sim.addr();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(ontap::Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .poll_interval(Duration::from_millis(20))
        .poll_timeout(Duration::from_secs(30))
        .build()
        .expect("the connection builds");
    (sim, conn)
}

/// A volume of 1 GiB named `name` in the simulator's SVM `vs0`, to POST.
pub fn volume(name: &str) -> ontap::resources::Volume {
    ontap::resources::Volume {
        name: Some(name.into()),
        svm: Some(ontap::resources::SvmReference {
            name: Some("vs0".into()),
            ..Default::default()
        }),
        size: Some(1 << 30),
        ..Default::default()
    }
}

/// The password the tests use; no output may contain it.
pub const PASSWORD: &str = "Pa55-w0rd-that-must-not-leak";

pub const JOB_UUID: &str = "f587d316-5feb-11e8-b0e0-005056956dfc";

/// A connection to `server` over plain HTTP, polling fast. The scripted cluster is
/// stated to run the model's release, so that no test's exchange holds a version read.
pub fn connect(server: &MockServer) -> HostConnection {
    let addr = server.address();
    HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(ontap::Scheme::Http)
        .release(ontap::Release::new(9, 19, 1))
        .basic_auth("admin", PASSWORD)
        .poll_interval(Duration::from_millis(20))
        .poll_timeout(Duration::from_secs(5))
        .build()
        .expect("a valid connection")
}

/// `{"job": {"uuid", "_links": {"self": ...}}}`, as a 202 carries it.
pub fn job_body(uuid: &str) -> Value {
    json!({"job": {"uuid": uuid, "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}}})
}

/// A job as `GET /cluster/jobs/{uuid}` answers.
pub fn job_state(uuid: &str, state: &str, message: &str, code: i64) -> Value {
    json!({
        "uuid": uuid,
        "description": "POST /api/cluster/software/download",
        "state": state,
        "message": message,
        "code": code,
        "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}
    })
}
