//! The bytes the simulator serves, pinned: collection pages (with `fields=*`, selections,
//! paging, ordering, no records, counts only), single records and singletons, as HAL and as
//! plain JSON, compared byte for byte with `tests/golden/bodies.txt`. Collections that mix
//! records with fixed UUIDs (`data/cluster.json`) and generated ones are ordered by name:
//! generated UUIDs start with the clock, so their key order against fixed ones varies.
//!
//! Only what changes from run to run is replaced before the comparison: every UUID by
//! `<uuid-N>` (numbered in order of first appearance, so that which record refers to which
//! stays pinned), every RFC 3339 time and the build time in `version.full` by `<time>`.
//! Anything else that changes the bytes (the field order, the indentation, escapes, number
//! formatting, links) fails the test.
//!
//! After an intended change of the served bodies (or of `data/cluster.json`), rewrite the
//! file with `ONTAP_SIM_BLESS=1 cargo test -p ontap-sim --test golden` and review its diff.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use common::{Api, bounded};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::json;

const VOLUMES: &str = "/api/storage/volumes";

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bodies.txt")
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lowercase hex) at the start of `s`.
fn is_uuid(s: &[u8]) -> bool {
    s.len() >= 36
        && s[..36].iter().enumerate().all(|(i, &b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                is_hex(b)
            }
        })
}

/// The length of an RFC 3339 time (`2024-11-26T19:46:42+00:00`, `...Z`, with fractions)
/// at the start of `s`.
fn time_len(s: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if s.len() < shape.len()
        || !shape
            .iter()
            .zip(s)
            .all(|(&p, &b)| if p == b'd' { b.is_ascii_digit() } else { b == p })
    {
        return None;
    }
    let mut n = shape.len();
    if s.get(n) == Some(&b'.') {
        n += 1;
        while s.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    match s.get(n) {
        Some(b'Z') => Some(n + 1),
        Some(b'+' | b'-') if s.len() >= n + 6 => Some(n + 6),
        _ => Some(n),
    }
}

/// The length of a build time as `version.full` writes it (`Tue Jan 07 10:00:00 UTC 2025`)
/// at the start of `s`.
fn build_time_len(s: &[u8]) -> Option<usize> {
    let shape = b"Aaa Aaa dd dd:dd:dd UTC dddd";
    let fits = s.len() >= shape.len()
        && shape.iter().zip(s).all(|(&p, &b)| match p {
            b'd' => b.is_ascii_digit(),
            b'A' => b.is_ascii_uppercase(),
            b'a' => b.is_ascii_lowercase(),
            _ => b == p,
        });
    fits.then_some(shape.len())
}

/// Replaces UUIDs and times (see the module docs); `uuids` numbers them across the file.
fn normalize(text: &str, uuids: &mut Vec<String>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if is_uuid(&bytes[i..]) {
            let uuid = &text[i..i + 36];
            let n = match uuids.iter().position(|u| u == uuid) {
                Some(n) => n,
                None => {
                    uuids.push(uuid.to_owned());
                    uuids.len() - 1
                }
            };
            write!(out, "<uuid-{n}>").unwrap();
            i += 36;
        } else if let Some(len) = time_len(&bytes[i..]).or_else(|| build_time_len(&bytes[i..])) {
            out.push_str("<time>");
            i += len;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Collects `GET`s: each as its request line, content type and body, as sent.
struct Bodies {
    text: String,
    uuids: Vec<String>,
}

impl Bodies {
    async fn get(&mut self, api: &Api, path: &str, accept: &str) {
        let r = api
            .send(
                api.client
                    .get(api.url(path))
                    .basic_auth(&api.user, Some(&api.pass))
                    .header("Accept", accept),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        let link = r
            .headers
            .get("link")
            .map(|v| format!("link: {}\n", v.to_str().unwrap()))
            .unwrap_or_default();
        let entry = format!(
            "### GET {path} (Accept: {accept})\ncontent-type: {}\n{link}\n{}\n\n",
            r.content_type(),
            r.text
        );
        let normalized = normalize(&entry, &mut self.uuids);
        self.text.push_str(&normalized);
    }
}

#[tokio::test]
async fn served_bodies_are_byte_for_byte_the_pinned_ones() {
    bounded(async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_svms(1)
            .seed_volumes(12)
            .seed_jobs(2)
            .seed_package("9.16.1")
            .job_duration(Duration::from_millis(1))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        // Strings that need escapes, and text beyond ASCII.
        let comment = "a \"quoted\" \\ path\twith tab\nnew line \u{1} \u{7f} é 漢字 😀 </end>";
        let body = json!({"name": "vol_odd", "svm": {"name": "vs1"}, "size": 21474836480u64, "comment": comment});
        api.job_ok(api.post(VOLUMES, &body.to_string()).await).await;
        let r = api.get(&format!("{VOLUMES}?name=vol_odd")).await;
        let odd = r.json["records"][0]["uuid"].as_str().unwrap().to_owned();
        let snapshot = json!({"name": "daily 1/x", "comment": "c", "expiry_time": "2030-01-02T03:04:05Z"});
        let snaps = format!("{VOLUMES}/{odd}/snapshots");
        api.job_ok(api.post(&snaps, &snapshot.to_string()).await).await;

        let hal = "application/hal+json";
        let plain = "application/json";
        let mut bodies = Bodies {
            text: String::new(),
            uuids: Vec::new(),
        };
        for path in [
            // Records come in key (UUID) order: vs0_root's fixed UUID sorts anywhere among
            // generated ones, so lists that would hold it are ordered by name.
            "/api/storage/volumes?fields=*&max_records=5&order_by=name",
            "/api/storage/volumes?fields=**&order_by=size%20desc,name&max_records=4",
            "/api/storage/volumes?fields=*,!space,!svm.uuid&name=vol0000*",
            "/api/storage/volumes?fields=svm.name,space.{used,size},aggregates.name&comment=*",
            "/api/storage/volumes?fields=*&return_records=false",
            "/api/storage/volumes?fields=*&name=nothing",
            "/api/storage/volumes?order_by=name",
            "/api/storage/volumes?fields=*&name=vol_odd",
            &format!("{snaps}?fields=*"),
            "/api/svm/svms?fields=*&order_by=name",
            "/api/cluster/nodes?fields=*",
            "/api/storage/aggregates?fields=*",
            "/api/storage/disks?fields=*",
            "/api/network/ip/interfaces?fields=*",
            "/api/network/ethernet/ports?fields=*&max_records=3",
            "/api/cluster/software/packages?fields=*",
            "/api/cluster/jobs?fields=*&max_records=2",
            "/api/cluster",
            "/api/cluster?fields=*",
            &format!("{VOLUMES}/{odd}"),
            &format!("{VOLUMES}/{odd}?fields=svm,comment"),
        ] {
            bodies.get(&api, path, hal).await;
        }
        bodies
            .get(&api, "/api/storage/volumes?fields=*&max_records=2&order_by=name", plain)
            .await;

        // Without `_links` for plain JSON (except `next`).
        let strict = Simulator::builder().tls(false).seed_volumes(3).start().await.unwrap();
        let api = Api::new(&strict);
        for path in [
            "/api/storage/volumes?fields=*&max_records=2&order_by=name",
            "/api/storage/volumes?fields=*&return_records=false",
            "/api/storage/volumes?fields=name&order_by=name",
        ] {
            bodies.get(&api, path, plain).await;
        }

        let path = golden_path();
        if std::env::var_os("ONTAP_SIM_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bodies.text).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).expect("tests/golden/bodies.txt (ONTAP_SIM_BLESS=1 writes it)");
        if bodies.text != expected {
            let line = bodies
                .text
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| bodies.text.lines().count().min(expected.lines().count()));
            let show = |t: &str| {
                t.lines()
                    .skip(line.saturating_sub(3))
                    .take(7)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "the served bodies differ from the pinned ones from line {}:\n--- served\n{}\n--- pinned\n{}",
                line + 1,
                show(&bodies.text),
                show(&expected)
            );
        }
    })
    .await;
}

#[test]
fn normalizing_replaces_uuids_and_times_only() {
    let mut uuids = Vec::new();
    let text = "\"uuid\": \"0b9e5f1a-1234-11ef-8a2b-02abcdef0123\", \"t\": \"2024-11-26T19:46:42+00:00\", \
                \"again\": \"0b9e5f1a-1234-11ef-8a2b-02abcdef0123\", \"z\": \"2030-01-02T03:04:05Z\", \"n\": 12, \
                \"full\": \"NetApp Release 9.15.1: Wed Dec 02 04:10:32 UTC 2026\"";
    assert_eq!(
        normalize(text, &mut uuids),
        "\"uuid\": \"<uuid-0>\", \"t\": \"<time>\", \"again\": \"<uuid-0>\", \"z\": \"<time>\", \"n\": 12, \"full\": \"NetApp Release 9.15.1: <time>\""
    );
}
