//! The software-download flows through the public API against the simulator,
//! over HTTPS and HTTP: success, ONTAP's failure codes, `return_timeout`,
//! purge, TLS verification and authentication.

use std::time::Duration;

use ontap::prelude::*;
use ontap::resources::{DownloadState, Job, SoftwarePackageDownload};
use ontap::{CallOptions, Error, HostConnection, JobOutcome, JobState, PollOptions, Scheme};
use ontap_sim::{PackageServer, Simulator, SimulatorBuilder};

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(60);

struct Setup {
    sim: Simulator,
    packages: PackageServer,
}

impl Setup {
    async fn start(sim: SimulatorBuilder) -> Setup {
        let files = [
            ("a-9.15.1.tgz", vec![7u8; 256 * 1024]),
            ("b-9.16.1.tgz", vec![9u8; 512 * 1024]),
        ];
        let packages = PackageServer::start(files, Some(("web", "web-secret"))).await.unwrap();
        Setup {
            sim: sim.start().await.unwrap(),
            packages,
        }
    }

    fn connection(&self) -> ontap::HostConnectionBuilder {
        let addr = self.sim.addr();
        let scheme = if self.sim.base_url().starts_with("https") {
            Scheme::Https
        } else {
            Scheme::Http
        };
        HostConnection::builder(addr.ip().to_string())
            .port(addr.port())
            .scheme(scheme)
            .basic_auth(self.sim.username(), self.sim.password())
            .poll_interval(Duration::from_millis(50))
            .poll_timeout(Duration::from_secs(30))
    }

    fn download(&self, name: &str) -> SoftwarePackageDownload {
        SoftwarePackageDownload {
            url: Some(self.packages.url(name)),
            username: Some("web".into()),
            password: Some("web-secret".into()),
            ..Default::default()
        }
    }
}

async fn three_flows(setup: &Setup, conn: &HostConnection) {
    let mut download = setup.download("a-9.15.1.tgz");
    let response = download
        .post_with(conn, CallOptions::default().hydrate(true).return_timeout(0))
        .await
        .expect("the download succeeds");
    assert_eq!(response.status(), 202);
    assert_eq!(download.state, Some(DownloadState::Success));
    assert!(download.to_string().contains(r#""password": "*********""#));

    let uuid = response.job().unwrap().uuid.clone();
    let mut job = Job {
        uuid: Some(uuid.clone()),
        ..Default::default()
    };
    job.get(conn).await.unwrap();
    assert_eq!(job.state, Some(JobState::Success));
    assert_eq!(job.description.as_deref(), Some("POST /api/cluster/software/download"));
    assert!(job.end_time >= job.start_time && job.end_time.is_some());

    let mut status = SoftwarePackageDownload::default();
    status.get(conn).await.unwrap();
    assert_eq!(status.state, Some(DownloadState::Success));

    // The package really arrived, whole.
    let packages = setup.sim.packages();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].name, "a-9.15.1.tgz");
    assert_eq!(packages[0].size, 256 * 1024);
}

#[tokio::test]
async fn the_three_flows_over_https_without_verification() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(true)).await;
        let conn = setup.connection().verify(false).build().unwrap();
        three_flows(&setup, &conn).await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_three_flows_over_https_trusting_the_simulators_certificate() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(true)).await;
        let pem = setup.sim.certificate_pem().unwrap().to_owned();
        let conn = setup.connection().add_root_certificate_pem(pem).build().unwrap();
        three_flows(&setup, &conn).await;
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_three_flows_over_http() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(false)).await;
        let conn = setup.connection().build().unwrap();
        three_flows(&setup, &conn).await;
    })
    .await
    .unwrap();
}

/// The seed's flows on an ONTAP 9.8 cluster, which has no job `error` (9.9): the waits
/// and reads ask only for what it has.
#[tokio::test]
async fn the_three_flows_on_ontap_9_8() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(false).cluster_version("9.8")).await;
        let conn = setup.connection().build().unwrap();
        three_flows(&setup, &conn).await;
        assert_eq!(conn.known_release(), Some(ontap::Release::new(9, 8, 0)));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn verification_refuses_a_self_signed_certificate() {
    let setup = Setup::start(Simulator::builder().tls(true)).await;
    let conn = setup.connection().build().unwrap();
    let err = SoftwarePackageDownload::default().get(&conn).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let mut chain = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    assert!(setup.sim.packages().is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_401() {
    let setup = Setup::start(Simulator::builder().tls(false)).await;
    let conn = setup.connection().basic_auth("admin", "wrong").build().unwrap();
    let err = SoftwarePackageDownload::default().get(&conn).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.to_string().contains("credentials were refused"), "{err}");
    assert!(!err.to_string().contains("wrong"));
}

#[tokio::test]
async fn download_failures_carry_ontaps_codes() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(false)).await;
        let conn = setup.connection().build().unwrap();
        let post = |url: &str| {
            let mut d = SoftwarePackageDownload {
                url: Some(url.into()),
                ..Default::default()
            };
            let conn = conn.clone();
            async move { d.post(&conn).await }
        };

        // Refused when posted.
        let bad_syntax = post("http//missing-colon/p.tgz").await.unwrap_err();
        assert_eq!(
            (bad_syntax.status().map(|s| s.as_u16()), bad_syntax.ontap_code()),
            (Some(400), Some("39387137"))
        );
        let bad_scheme = post("gopher://server/p.tgz").await.unwrap_err();
        assert_eq!(bad_scheme.ontap_code(), Some("39387138"));

        // Accepted, then the job fails.
        let missing = post(&setup.packages.url("no-such-9.1.tgz")).await.unwrap_err();
        assert!(matches!(missing, Error::JobFailed { .. }), "{missing:?}");
        assert_eq!(missing.ontap_code(), Some("10551381"));
        let unreachable_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let unreachable = post(&format!("http://127.0.0.1:{unreachable_port}/p-9.1.tgz"))
            .await
            .unwrap_err();
        assert_eq!(unreachable.ontap_code(), Some("10551381"));

        // The same package twice.
        setup.download("a-9.15.1.tgz").post(&conn).await.unwrap();
        let twice = setup.download("a-9.15.1.tgz").post(&conn).await.unwrap_err();
        assert_eq!(twice.ontap_code(), Some("10551327"), "{twice}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_second_download_while_one_runs_is_refused() {
    tokio::time::timeout(LIMIT, async {
        // 512 KiB at 256 KiB/s: the first download runs for about two seconds.
        let setup = Setup::start(Simulator::builder().tls(false).download_rate(Some(256 * 1024))).await;
        let conn = setup.connection().build().unwrap();
        let first = setup
            .download("b-9.16.1.tgz")
            .post_with(&conn, CallOptions::default().poll(false))
            .await
            .unwrap();
        let second = setup.download("a-9.15.1.tgz").post(&conn).await.unwrap_err();
        assert_eq!(second.ontap_code(), Some("10551357"), "{second}");
        let outcome = first.job().unwrap().wait(&conn, &PollOptions::default()).await.unwrap();
        assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn return_timeout_answers_201_when_the_job_ends_in_time_and_202_otherwise() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(Simulator::builder().tls(false).download_rate(Some(256 * 1024))).await;
        let conn = setup.connection().build().unwrap();
        // 256 KiB at 256 KiB/s ends within 10 s.
        let quick = setup
            .download("a-9.15.1.tgz")
            .post_with(&conn, CallOptions::default().return_timeout(10))
            .await
            .unwrap();
        assert_eq!(quick.status(), 201);
        assert_eq!(quick.job_status().unwrap().state, Some(JobState::Success));
        // 512 KiB does not end within 1 s.
        let slow = setup
            .download("b-9.16.1.tgz")
            .post_with(&conn, CallOptions::default().return_timeout(1))
            .await
            .unwrap();
        assert_eq!(slow.status(), 202);
        assert_eq!(slow.job_status().unwrap().state, Some(JobState::Success));
        // Above 120 s is refused by the server.
        let err = setup
            .download("b-9.16.1.tgz")
            .post_with(&conn, CallOptions::default().return_timeout(121))
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262197"));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_purged_job_answers_404_and_a_late_wait_says_it_vanished() {
    tokio::time::timeout(LIMIT, async {
        let setup = Setup::start(
            Simulator::builder()
                .tls(false)
                .job_retention(Duration::from_millis(300)),
        )
        .await;
        let conn = setup.connection().build().unwrap();
        let response = setup.download("a-9.15.1.tgz").post(&conn).await.unwrap();
        let link = response.job().unwrap().clone();
        tokio::time::sleep(Duration::from_millis(1500)).await;

        let mut job = Job {
            uuid: Some(link.uuid.clone()),
            ..Default::default()
        };
        let err = job.get(&conn).await.unwrap_err();
        assert_eq!(
            (err.status().map(|s| s.as_u16()), err.ontap_code()),
            (Some(404), Some("4"))
        );
        let outcome = link.wait(&conn, &PollOptions::default()).await.unwrap();
        assert_eq!(outcome, JobOutcome::Vanished { last: None });
    })
    .await
    .unwrap();
}
