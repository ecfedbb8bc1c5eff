//! The `metrics` feature: a call's requests, retries, slot waits and job waits
//! reach the application's recorder, with their labels.
#![cfg(feature = "metrics")]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use ontap::Verb;
use ontap::mock::{MockTransport, Reply};
use ontap::prelude::*;
use ontap::resources::Volume;
use serde_json::json;

/// What was recorded: each metric's key (name and sorted labels) and its values.
type Recorded = Arc<Mutex<BTreeMap<String, Vec<f64>>>>;

/// A recorder that keeps every value, for assertions.
#[derive(Default)]
struct TestRecorder {
    recorded: Recorded,
}

struct Handle {
    key: String,
    recorded: Recorded,
}

impl Handle {
    fn push(&self, value: f64) {
        self.recorded
            .lock()
            .unwrap()
            .entry(self.key.clone())
            .or_default()
            .push(value);
    }
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        self.push(value as f64);
    }
    fn absolute(&self, value: u64) {
        self.push(value as f64);
    }
}

impl HistogramFn for Handle {
    fn record(&self, value: f64) {
        self.push(value);
    }
}

impl TestRecorder {
    fn handle(&self, key: &Key) -> Arc<Handle> {
        let mut labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        labels.sort();
        Arc::new(Handle {
            key: format!("{}{{{}}}", key.name(), labels.join(",")),
            recorded: self.recorded.clone(),
        })
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle(key))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle(key))
    }
}

#[test]
fn a_calls_requests_retries_slot_waits_and_job_waits_are_recorded() {
    let recorder = TestRecorder::default();
    let recorded = recorder.recorded.clone();
    metrics::with_local_recorder(&recorder, || {
        // One thread: the connection's tasks run where the recorder is installed.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mock = MockTransport::new();
            mock.on_resource::<Volume>(Verb::Get)
                .reply(Reply::error(503, "2", "busy"))
                .reply(Reply::ok(json!({"uuid": "v1", "name": "vol1"})));
            mock.on_resource::<Volume>(Verb::Post).reply(Reply::job("j1"));
            mock.job("j1").running("Creating").success("Complete");
            let conn = mock.connection();
            Volume::fetch(&conn, "v1").await.unwrap();
            let mut vol = Volume {
                name: Some("vol2".into()),
                ..Default::default()
            };
            vol.post(&conn).await.unwrap();
        });
    });
    let recorded = recorded.lock().unwrap();
    let count = |key: &str| recorded.get(key).map_or(0, Vec::len);
    let read = "route=/storage/volumes/{uuid},server=cluster.mock";
    assert_eq!(
        count(&format!(
            "ontap_request_duration_seconds{{method=GET,{read},status=503}}"
        )),
        1,
        "{recorded:#?}"
    );
    assert_eq!(
        count(&format!(
            "ontap_request_duration_seconds{{method=GET,{read},status=200}}"
        )),
        1
    );
    assert_eq!(
        recorded[&format!("ontap_request_retries_total{{method=GET,{read}}}")],
        [1.0]
    );
    assert_eq!(
        count("ontap_request_duration_seconds{method=POST,route=/storage/volumes,server=cluster.mock,status=202}"),
        1
    );
    assert_eq!(
        recorded["ontap_job_waits_total{outcome=success,server=cluster.mock}"],
        [1.0]
    );
    assert_eq!(
        count("ontap_job_wait_duration_seconds{outcome=success,server=cluster.mock}"),
        1
    );
    // Each attempt and job read waited for its slot: two reads, a POST, two job reads.
    assert_eq!(
        count("ontap_slot_wait_seconds{server=cluster.mock}"),
        5,
        "{recorded:#?}"
    );
}
