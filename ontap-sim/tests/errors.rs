//! Authentication, ONTAP error bodies, content negotiation.

mod common;

use common::{Api, bounded};
use ontap_sim::Simulator;
use reqwest::StatusCode;

async fn sim() -> Simulator {
    Simulator::builder()
        .credentials("admin", "netapp1!")
        .seed_jobs(2)
        .start()
        .await
        .expect("start")
}

#[tokio::test]
async fn requests_without_or_with_wrong_credentials_get_401_with_no_body() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        for path in [
            "/api/cluster/jobs",
            "/api/cluster/software/download",
            "/api/nothing/here",
        ] {
            let none = api.send(api.client.get(api.url(path))).await;
            assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{path}");
            assert!(none.text.is_empty(), "401 body must be empty: {:?}", none.text);
            let challenge = none.headers["www-authenticate"].to_str().unwrap();
            assert!(challenge.starts_with("Basic realm="), "{challenge}");

            let wrong = api
                .send(api.client.get(api.url(path)).basic_auth("admin", Some("wrong")))
                .await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
            assert!(wrong.text.is_empty());

            let wrong_user = api
                .send(api.client.get(api.url(path)).basic_auth("root", Some("netapp1!")))
                .await;
            assert_eq!(wrong_user.status, StatusCode::UNAUTHORIZED);

            let bearer = api.send(api.client.get(api.url(path)).bearer_auth("netapp1!")).await;
            assert_eq!(bearer.status, StatusCode::UNAUTHORIZED);
        }
        // POST without credentials starts nothing.
        let post = api
            .send(
                api.client
                    .post(api.url("/api/cluster/software/download"))
                    .body(r#"{"url": "http://127.0.0.1:9/p.tgz"}"#),
            )
            .await;
        assert_eq!(post.status, StatusCode::UNAUTHORIZED);
        let status = api.get("/api/cluster/software/download").await;
        assert_eq!(status.json["state"], "not_started");
        assert_eq!(status.json["code"], 10551384);

        // The right credentials pass.
        let ok = api.get("/api/cluster/jobs").await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert_eq!(ok.json["num_records"], 2);
    })
    .await;
}

#[tokio::test]
async fn unknown_paths_answer_404_with_an_ontap_body() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        for path in [
            "/api/storage/lunz",
            "/api",
            "/",
            "/api/cluster/jobs/x/y",
            "/api/storage/volumes/x/y",
        ] {
            let r = api.get(path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
            assert_eq!(r.error_code(), "3");
            assert_eq!(r.json["error"]["message"], "API not found");
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_job_answers_404_code_4_target_uuid() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        let r = api.get("/api/cluster/jobs/f587d316-5feb-11e8-b0e0-005056956dfc").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            r.json,
            serde_json::json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}})
        );
        let r = api.patch("/api/cluster/jobs/nope?action=cancel", "{}").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "4");
    })
    .await;
}

#[tokio::test]
async fn unsupported_methods_answer_405_code_3() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        let cases = [
            // The methods the model gives each path.
            (reqwest::Method::DELETE, "/api/cluster/jobs", "GET, PATCH"),
            (reqwest::Method::POST, "/api/cluster/jobs", "GET, PATCH"),
            (reqwest::Method::DELETE, "/api/cluster/software/download", "GET, POST"),
            (reqwest::Method::PATCH, "/api/cluster/software/download", "GET, POST"),
            (reqwest::Method::DELETE, "/api/cluster/jobs/abc", "GET, PATCH"),
            (reqwest::Method::POST, "/api/cluster/jobs/abc", "GET, PATCH"),
        ];
        for (method, path, allow) in cases {
            let r = api
                .send(
                    api.client
                        .request(method.clone(), api.url(path))
                        .basic_auth(&api.user, Some(&api.pass)),
                )
                .await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_eq!(r.error_code(), "3", "{method} {path}");
            assert_eq!(r.headers["allow"], allow);
        }
    })
    .await;
}

#[tokio::test]
async fn bad_json_answers_ontaps_codes_on_every_path_never_a_plain_rejection() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        // Not JSON: 262199; JSON but not an object: 262255 (GS), on the download as on
        // every engine path.
        let bodies = [
            ("{\"url\": ", "262199"),
            ("not json", "262199"),
            ("[1, 2]", "262255"),
            ("\"http://x/y.tgz\"", "262255"),
            ("{\"url\": \"http://x/y.tgz\"} trailing", "262199"),
        ];
        for (body, code) in bodies {
            for path in ["/api/cluster/software/download", "/api/storage/volumes", "/api/cluster"] {
                let r = if path == "/api/cluster" {
                    api.patch(path, body).await
                } else {
                    api.post(path, body).await
                };
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {body}: {}", r.text);
                assert_eq!(r.error_code(), code, "{path} {body}");
                assert!(r.content_type().contains("json"));
            }
        }
        // Invalid UTF-8 too.
        let r = api
            .send(
                api.client
                    .post(api.url("/api/cluster/software/download"))
                    .basic_auth(&api.user, Some(&api.pass))
                    .body(vec![b'{', 0xff, 0xfe, b'}']),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262199");

        let jobs = api.get("/api/cluster/jobs?max_records=1").await;
        let uuid = jobs.json["records"][0]["uuid"].as_str().unwrap().to_owned();
        let r = api
            .patch(&format!("/api/cluster/jobs/{uuid}?action=cancel"), "{oops")
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262199");

        // Nothing was started by any of these.
        let status = api.get("/api/cluster/software/download").await;
        assert_eq!(status.json["state"], "not_started");
    })
    .await;
}

#[tokio::test]
async fn post_body_and_query_validation() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        let path = "/api/cluster/software/download";

        // A missing required value: 262212 (GS), as on every path.
        let r = api.post(path, "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262212");
        assert_eq!(r.error_target(), Some("url"));

        let r = api.post(path, "").await;
        assert_eq!(r.error_code(), "262212");
        assert_eq!(r.error_target(), Some("url"));

        let r = api.post(path, r#"{"url": 42}"#).await;
        assert_eq!(r.error_code(), "262197");
        assert_eq!(r.error_target(), Some("url"));

        let r = api.post(path, r#"{"url": "http://x/p.tgz", "color": "red"}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262179");
        assert_eq!(r.error_target(), Some("color"));

        let r = api
            .post(&format!("{path}?bogus=1"), r#"{"url": "http://x/p.tgz"}"#)
            .await;
        assert_eq!(r.error_code(), "262179");
        assert_eq!(r.json["error"]["message"], "Unexpected argument \"bogus\".");

        for bad in ["121", "abc", "-1", "1.5", ""] {
            let r = api
                .post(&format!("{path}?return_timeout={bad}"), r#"{"url": "http://x/p.tgz"}"#)
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "return_timeout={bad}");
            assert_eq!(r.error_code(), "262197", "return_timeout={bad}");
            assert_eq!(r.error_target(), Some("return_timeout"));
        }
        let r = api.get("/api/cluster/jobs?return_timeout=500").await;
        assert_eq!(r.error_code(), "262197");
        let r = api.get("/api/cluster/jobs?max_records=0").await;
        assert_eq!(r.error_code(), "262197");
        assert_eq!(r.error_target(), Some("max_records"));
        let r = api.get("/api/cluster/jobs?return_records=maybe").await;
        assert_eq!(r.error_code(), "262197");
        let r = api.get("/api/cluster/jobs?colour=blue").await;
        assert_eq!(r.error_code(), "262179");
        let r = api.get("/api/cluster/jobs?order_by=colour").await;
        assert_eq!(r.error_code(), "262268");
        assert_eq!(r.error_target(), Some("order_by"));

        // None of the rejected POSTs started a download.
        let status = api.get(path).await;
        assert_eq!(status.json["state"], "not_started");
    })
    .await;
}

#[tokio::test]
async fn content_type_follows_accept() {
    bounded(async {
        let sim = sim().await;
        let api = Api::new(&sim);
        let hal = api.get("/api/cluster/jobs").await;
        assert_eq!(hal.content_type(), "application/hal+json");
        let plain = api
            .send(
                api.client
                    .get(api.url("/api/cluster/jobs"))
                    .basic_auth(&api.user, Some(&api.pass))
                    .header("Accept", "application/json"),
            )
            .await;
        assert_eq!(plain.content_type(), "application/json");
        let none = api
            .send(
                api.client
                    .get(api.url("/api/nope"))
                    .basic_auth(&api.user, Some(&api.pass)),
            )
            .await;
        // No Accept is ONTAP's default type, as is `*/*` (what many clients send).
        assert_eq!(none.content_type(), "application/hal+json");
        let any = api
            .send(
                api.client
                    .get(api.url("/api/cluster/jobs"))
                    .basic_auth(&api.user, Some(&api.pass))
                    .header("Accept", "*/*"),
            )
            .await;
        assert_eq!(any.content_type(), "application/hal+json");
        let err_hal = api.get("/api/nope").await;
        assert_eq!(err_hal.content_type(), "application/hal+json");
        // Bodies are 2-space indented JSON, as ONTAP's.
        assert!(hal.text.starts_with("{\n  \""), "{}", hal.text);
    })
    .await;
}

#[tokio::test]
async fn certificate_is_trusted_for_127_0_0_1_and_localhost() {
    bounded(async {
        let sim = sim().await;
        let pem = sim.certificate_pem().expect("TLS is the default").to_owned();
        let api = Api::with_client(&sim, common::trusting_client(&pem));
        let r = api.get("/api/cluster/software/download").await;
        assert_eq!(r.status, StatusCode::OK);
        let localhost = api
            .send(
                api.client
                    .get(format!("https://localhost:{}/api/cluster/jobs", sim.addr().port()))
                    .basic_auth(&api.user, Some(&api.pass)),
            )
            .await;
        assert_eq!(localhost.status, StatusCode::OK);
        // A client that trusts nothing extra must refuse the self-signed certificate.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let strict = reqwest::Client::builder().tls_certs_only([]).build().unwrap();
        assert!(strict.get(api.url("/api/cluster/jobs")).send().await.is_err());
    })
    .await;
}

#[tokio::test]
async fn plain_http_mode_and_shutdown() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        assert!(sim.base_url().starts_with("http://127.0.0.1:"));
        assert!(sim.certificate_pem().is_none());
        let api = Api::new(&sim);
        let r = api.get("/api/cluster/jobs").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json["num_records"], 0);
        let addr = sim.addr();
        sim.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    })
    .await;
}
