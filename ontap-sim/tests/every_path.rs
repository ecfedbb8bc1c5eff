//! Every path and verb of the vendored model answers: never "API not found" (404 code 3),
//! never 405, never a 5xx, whatever the body or the keys.

mod common;

use common::{Api, bounded};
use ontap_model::{Method, Spec};
use ontap_sim::Simulator;
use reqwest::StatusCode;

#[tokio::test]
async fn every_path_and_verb_of_the_model_answers() {
    bounded(async {
        let spec = Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ontap-9.19.1.json")).expect("the model");
        let sim = Simulator::builder()
            .tls(false)
            .job_duration(std::time::Duration::from_millis(1))
            .request_log(0)
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let mut answered = 0;
        let mut failures = Vec::new();
        for path in spec.paths() {
            // Placeholders get values no record has: the answer may be 404 code 4.
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "zz-none" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            for method in [Method::Get, Method::Post, Method::Patch, Method::Delete] {
                if spec.operation(path, method).is_none() {
                    continue;
                }
                let url = api.url(&format!("/api{concrete}"));
                let req = match method {
                    Method::Get => api.client.get(url),
                    Method::Post => api.client.post(url).body("{}"),
                    Method::Patch => api.client.patch(url).body("{}"),
                    Method::Delete => api.client.delete(url),
                };
                let r = api
                    .send(
                        req.basic_auth(&api.user, Some(&api.pass))
                            .header("Content-Type", "application/json"),
                    )
                    .await;
                let code = r.json["error"]["code"].as_str().unwrap_or_default().to_owned();
                let unknown = r.status == StatusCode::METHOD_NOT_ALLOWED
                    || (r.status == StatusCode::NOT_FOUND && code == "3")
                    || r.status.is_server_error();
                if unknown {
                    failures.push(format!("{} {path}: {} {}", method.as_upper(), r.status, r.text));
                }
                answered += 1;
            }
        }
        println!("{answered} operations of {} paths answered", spec.paths().count());
        assert!(answered >= 1_445, "{answered} operations");
        assert!(
            failures.is_empty(),
            "{} failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    })
    .await;
}
