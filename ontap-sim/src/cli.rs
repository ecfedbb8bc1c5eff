//! The private CLI passthrough (`/api/private/cli/...`): a documented set of everyday
//! `show` commands answered from the simulator's own records with the CLI's field names,
//! and `volume create` as a job.
//!
//! What ONTAP does, and where it is known from (NetApp's Python client `netapp_ontap`
//! `resources/cli.py`, NetApp's "private CLI passthrough" pages, NetApp Harvest's REST
//! templates and a real `volume show` capture in its test data, Ansible's `netapp.ontap`
//! modules):
//! - a command's words are the path (`network interface show` is `GET
//!   /api/private/cli/network/interface`); show is GET, create POST;
//! - `fields` names CLI fields (`percent-used` and `percent_used` alike; answers use
//!   `_`); a record carries its key fields always, the others only when asked for, and
//!   leaves out what has no value; filters name CLI fields; `max_records` pages with
//!   `_links.next`; the answer is `{"records", "num_records"}`;
//! - a create that starts a job answers `{"job", "cli_output": "[Job N] Job is queued:
//!   Create vol1."}`.
//!
//! Each field below names the REST field it is read from. Where the mapping is inferred
//! rather than shown by a source, its line says so; `job show`'s CLI names are the least
//! certain (the ONTAP job fields without their ZAPI `job-` prefix). Any other command
//! answers as before: a GET no records, another verb 405.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::collection::{self, Listing, Scalar, ScalarKind};
use crate::error::{Refusal, codes};
use crate::http::{Answer, Negotiated};
use crate::jobs::{JobFailure, JobSpec, spawn_job};
use crate::json::JsonOut;
use crate::state::Shared;

/// How a CLI field's value is read from a REST record.
#[derive(Debug, Clone, Copy)]
enum Read {
    /// The value at a dotted path.
    Path(&'static str),
    /// The names of the objects of an array: `aggregates[].name`.
    Each(&'static str, &'static str),
    /// The first of those.
    First(&'static str, &'static str),
    /// Whether the value at a path is this text.
    Is(&'static str, &'static str),
    /// `up` or `down` from a boolean.
    UpDown(&'static str),
    /// The same text for every record.
    Const(&'static str),
    /// The SVM that owns the object: its `svm.name`; for a cluster-scoped object (which
    /// REST gives no SVM), the `Cluster` SVM in the `Cluster` IPspace and the admin SVM
    /// (named after the cluster) otherwise, as the CLI lists them.
    Vserver,
}

/// Where a command's records come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The records of a REST collection.
    Rest(&'static str),
    /// The jobs.
    Jobs,
}

struct Command {
    /// The path's words, as `/`-joined segments (`network/interface`).
    words: &'static str,
    source: Source,
    /// The key fields, always in a record.
    keys: &'static [&'static str],
    /// Every field: its CLI name, where it is read from, and its kind for filters.
    fields: &'static [(&'static str, Read, ScalarKind)],
}

use Read::{Const, Each, First, Is, Path, UpDown, Vserver};
use ScalarKind::{Bool, Int, Str};

const COMMANDS: &[Command] = &[
    // `version`: one record per node (a health-check script's `fields=node,version`);
    // `version` is the full text (Cinder's client reads it as a string).
    Command {
        words: "version",
        source: Source::Rest("/cluster/nodes"),
        keys: &["node"],
        fields: &[("node", Path("name"), Str), ("version", Path("version.full"), Str)],
    },
    // `cluster show` lists the cluster's members (ONTAP's CLI reference): node, health,
    // eligibility. Health from the node's state (inferred); eligibility is true for a
    // node that is up (inferred).
    Command {
        words: "cluster",
        source: Source::Rest("/cluster/nodes"),
        keys: &["node"],
        fields: &[
            ("node", Path("name"), Str),
            ("node_uuid", Path("uuid"), Str),
            ("health", Is("state", "up"), Bool),
            ("eligibility", Is("state", "up"), Bool),
        ],
    },
    // `node show` (Harvest's node template joins CLI `node` with REST `name`; the
    // others by name, inferred).
    Command {
        words: "node",
        source: Source::Rest("/cluster/nodes"),
        keys: &["node"],
        fields: &[
            ("node", Path("name"), Str),
            ("uuid", Path("uuid"), Str),
            ("model", Path("model"), Str),
            ("serialnumber", Path("serial_number"), Str),
            ("location", Path("location"), Str),
            ("uptime", Path("uptime"), Int),
            ("system_id", Path("system_id"), Str),
            ("health", Is("state", "up"), Bool),
        ],
    },
    // `vserver show` (Harvest's SVM templates, public and CLI, share `name`/`vserver`,
    // `state`/`operational_state`); REST lists data SVMs only, so `type` is `data`.
    Command {
        words: "vserver",
        source: Source::Rest("/svm/svms"),
        keys: &["vserver"],
        fields: &[
            ("vserver", Path("name"), Str),
            ("uuid", Path("uuid"), Str),
            ("type", Const("data"), Str),
            ("subtype", Path("subtype"), Str),
            ("operational_state", Path("state"), Str),
            ("comment", Path("comment"), Str),
            ("language", Path("language"), Str),
            ("max_volumes", Path("max_volumes"), Str),
            (
                "anti_ransomware_default_volume_state",
                Path("anti_ransomware_default_volume_state"),
                Str,
            ),
        ],
    },
    // `volume show` (Harvest's volume templates, public and CLI, field by field; a real
    // capture keys every record by `vserver` and `volume`).
    Command {
        words: "volume",
        source: Source::Rest("/storage/volumes"),
        keys: &["vserver", "volume"],
        fields: &[
            ("vserver", Path("svm.name"), Str),
            ("volume", Path("name"), Str),
            ("aggregate", First("aggregates", "name"), Str),
            ("aggr_list", Each("aggregates", "name"), Str),
            ("instance_uuid", Path("uuid"), Str),
            ("state", Path("state"), Str),
            ("type", Path("type"), Str),
            ("volume_style_extended", Path("style"), Str),
            ("vsroot", Path("is_svm_root"), Bool),
            ("junction_path", Path("nas.path"), Str),
            ("snapshot_policy", Path("snapshot_policy.name"), Str),
            ("size", Path("space.size"), Int),
            ("available", Path("space.available"), Int),
            ("used", Path("space.used"), Int),
            ("percent_used", Path("space.percent_used"), Int),
            ("comment", Path("comment"), Str),
        ],
    },
    // `network interface show` (Harvest's LIF template joins `lif`/`name`,
    // `vserver`/`svm.name`, `address`/`ip.address`; the location fields by name, inferred).
    Command {
        words: "network/interface",
        source: Source::Rest("/network/ip/interfaces"),
        keys: &["vserver", "lif"],
        fields: &[
            ("vserver", Vserver, Str),
            ("lif", Path("name"), Str),
            ("address", Path("ip.address"), Str),
            ("netmask", Path("ip.netmask"), Str),
            ("curr_node", Path("location.node.name"), Str),
            ("curr_port", Path("location.port.name"), Str),
            ("home_node", Path("location.home_node.name"), Str),
            ("home_port", Path("location.home_port.name"), Str),
            ("is_home", Path("location.is_home"), Bool),
            ("status_oper", Path("state"), Str),
            ("status_admin", UpDown("enabled"), Str),
            ("ipspace", Path("ipspace.name"), Str),
            ("auto_revert", Path("location.auto_revert"), Bool),
            ("failover_policy", Path("location.failover"), Str),
            ("broadcast_domain", Path("location.broadcast_domain.name"), Str),
        ],
    },
    // `job show` (NetApp's ZAPI-to-REST map of jobs: completion is `message`, status code
    // `code`; CLI names inferred; keyed here by the job's uuid, which REST has).
    Command {
        words: "job",
        source: Source::Jobs,
        keys: &["uuid"],
        fields: &[
            ("uuid", Path("uuid"), Str),
            ("description", Path("description"), Str),
            ("state", Path("state"), Str),
            ("code", Path("code"), Int),
            ("completion", Path("message"), Str),
            ("vserver", Path("svm.name"), Str),
            ("start_time", Path("start_time"), Str),
            ("end_time", Path("end_time"), Str),
        ],
    },
];

/// The value at a dotted path of a JSON object.
fn at<'v>(record: &'v Map<String, Value>, dotted: &str) -> Option<&'v Value> {
    let mut parts = dotted.split('.');
    let mut v = record.get(parts.next()?)?;
    for part in parts {
        v = v.get(part)?;
    }
    Some(v).filter(|v| !v.is_null())
}

/// One command's row from a REST record: the fields that have a value. `admin` is the
/// admin SVM's name (the cluster's).
fn row(cmd: &Command, record: &Map<String, Value>, admin: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, from, _) in cmd.fields {
        let value = match *from {
            Path(p) => at(record, p).cloned(),
            Each(list, sub) => at(record, list)
                .and_then(Value::as_array)
                .map(|items| Value::Array(items.iter().filter_map(|i| i.get(sub).cloned()).collect())),
            First(list, sub) => at(record, list)
                .and_then(Value::as_array)
                .and_then(|items| items.first()?.get(sub).cloned()),
            Const(text) => Some(json!(text)),
            Vserver => match (at(record, "svm.name"), at(record, "ipspace.name")) {
                (Some(svm), _) => Some(svm.clone()),
                (None, Some(ipspace)) if ipspace == "Cluster" => Some(json!("Cluster")),
                (None, _) => Some(json!(admin)),
            },
            Is(p, text) => at(record, p).map(|v| Value::Bool(v.as_str() == Some(text))),
            UpDown(p) => at(record, p)
                .and_then(Value::as_bool)
                .map(|up| json!(if up { "up" } else { "down" })),
        };
        if let Some(value) = value {
            out.insert((*name).to_owned(), value);
        }
    }
    out
}

/// The fields a request selects, as bits of the command's field list.
type Selected = u64;

/// The field index `privilege_level` stands for (see [`CliListing::filter`]).
const PRIVILEGE: usize = usize::MAX;

/// The levels `privilege_level` takes.
const PRIVILEGE_LEVELS: &[&str] = &["admin", "advanced", "diagnostic"];

struct CliListing<'c> {
    cmd: &'c Command,
}

impl CliListing<'_> {
    fn index(&self, name: &str) -> Option<usize> {
        let name = name.replace('-', "_");
        self.cmd.fields.iter().position(|(n, _, _)| *n == name)
    }

    fn keys(&self) -> Selected {
        self.cmd
            .keys
            .iter()
            .filter_map(|k| self.index(k))
            .fold(0, |bits, i| bits | 1 << i)
    }
}

fn scalar(v: &Value) -> Option<Scalar<'_>> {
    match v {
        Value::String(s) => Some(Scalar::Str(s)),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Number(n) => n.as_i64().map(Scalar::Int).or_else(|| n.as_f64().map(Scalar::Num)),
        _ => None,
    }
}

impl Listing for CliListing<'_> {
    type Record = Map<String, Value>;
    type Field = usize;
    type Fields = Selected;

    fn key_name(&self) -> &str {
        "key"
    }

    fn field(&self, name: &str) -> Option<(usize, ScalarKind)> {
        let i = self.index(name)?;
        Some((i, self.cmd.fields[i].2))
    }

    /// `privilege_level` is read as a filter that every record passes, so that the
    /// `next` links carry it.
    fn filter(&self, name: &str) -> Option<(usize, ScalarKind)> {
        match name {
            "privilege_level" => Some((PRIVILEGE, Str)),
            _ => self.field(name),
        }
    }

    fn any_value(&self, record: &Self::Record, field: usize, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        if field == PRIVILEGE {
            return true;
        }
        match record.get(self.cmd.fields[field].0) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar).any(visit),
            Some(v) => scalar(v).is_some_and(visit),
            None => false,
        }
    }

    fn value<'r>(&self, record: &'r Self::Record, field: usize) -> Option<Scalar<'r>> {
        match record.get(self.cmd.fields.get(field)?.0)? {
            Value::Array(items) => items.first().and_then(scalar),
            v => scalar(v),
        }
    }

    fn parse_fields(&self, value: &str) -> Result<Selected, String> {
        let mut bits = self.keys();
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "*" || name == "**" {
                bits = u64::MAX;
                continue;
            }
            bits |= 1 << self.index(name).ok_or_else(|| name.to_owned())?;
        }
        Ok(bits)
    }

    fn default_fields(&self) -> Selected {
        self.keys()
    }

    fn include(&self, fields: &mut Selected, field: usize) {
        if field != PRIVILEGE {
            *fields |= 1 << field;
        }
    }

    fn write(
        &self,
        _key: &str,
        record: &Self::Record,
        fields: &Selected,
        _links: bool,
        out: &mut JsonOut,
        depth: usize,
    ) {
        let mut shown = Map::new();
        for (i, (name, _, _)) in self.cmd.fields.iter().enumerate() {
            if fields & (1 << i) != 0
                && let Some(v) = record.get(*name)
            {
                shown.insert((*name).to_owned(), v.clone());
            }
        }
        out.serialized(depth, &Value::Object(shown));
    }
}

/// Answers a request on `/api/private/cli/<words>`.
pub(crate) async fn answer(
    shared: &Arc<Shared>,
    method: &Method,
    words: &str,
    query: Option<&str>,
    neg: Negotiated,
    body: impl FnOnce() -> Result<Map<String, Value>, Refusal>,
) -> Result<Answer, Refusal> {
    let words = words.trim_end_matches('/');
    for p in crate::util::parse_query(query) {
        if p.key == "privilege_level" && !PRIVILEGE_LEVELS.contains(&p.value.as_str()) {
            return Err(Refusal::bad_request(
                codes::INVALID_VALUE,
                format!("\"{}\" is an invalid value for field \"privilege_level\".", p.value),
            )
            .target("privilege_level"));
        }
    }
    let command = COMMANDS.iter().find(|c| c.words == words);
    match (method.as_str(), command) {
        ("GET", Some(cmd)) => show(shared, cmd, query, neg),
        ("POST", _) if words == "volume" => volume_create(shared, body()?).await,
        // Any other command runs nothing here.
        ("GET", None) => Ok(Answer::json(StatusCode::OK, &json!({"records": [], "num_records": 0}))),
        _ => Err(Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::NOT_SUPPORTED,
            format!("The \"{method}\" method is not supported for \"/api/private/cli/{words}\"."),
        )
        .allow("GET")),
    }
}

fn show(shared: &Arc<Shared>, cmd: &Command, query: Option<&str>, neg: Negotiated) -> Result<Answer, Refusal> {
    let records: Vec<Map<String, Value>> = match cmd.source {
        Source::Rest(path) => shared.engine.records_json(path),
        Source::Jobs => shared.jobs.json_records(),
    };
    let listing = CliListing { cmd };
    let admin = shared
        .engine
        .json("/cluster", &[])
        .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let mut rows = BTreeMap::new();
    for record in &records {
        let row = row(cmd, record, &admin);
        let key: Vec<String> = cmd
            .keys
            .iter()
            .map(|k| match row.get(*k) {
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            })
            .collect();
        rows.insert(key.join("\u{1f}"), row);
    }
    let path = format!("/api/private/cli/{}", cmd.words);
    collection::respond(&listing, &rows, &path, query, neg, None)
}

/// `volume create -vserver -volume -aggregate -size`: a job that creates the volume.
async fn volume_create(shared: &Arc<Shared>, body: Map<String, Value>) -> Result<Answer, Refusal> {
    let text = |name: &str| -> Result<String, Refusal> {
        body.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Refusal::bad_request(
                    codes::MISSING_VALUE,
                    format!("Missing value for required field \"{name}\"."),
                )
                .target(name)
            })
    };
    let (vserver, volume, aggregate) = (text("vserver")?, text("volume")?, text("aggregate")?);
    let size = match body.get("size") {
        None => None,
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => Some(parse_size(s).ok_or_else(|| {
            Refusal::bad_request(
                codes::INVALID_VALUE,
                format!("Invalid value \"{s}\" for field \"size\"."),
            )
            .target("size")
        })?),
        Some(_) => None,
    };
    if shared.engine.find_by_name("/svm/svms", &vserver).is_none() {
        return Err(Refusal::not_found("vserver"));
    }
    let mut rest = json!({"name": volume, "svm": {"name": vserver}, "aggregates": [{"name": aggregate}]});
    if let Some(size) = size {
        rest["size"] = json!(size);
    }
    let spec = JobSpec {
        description: format!("Create {volume}"),
        svm: None,
        running_message: format!("Creating {volume}"),
    };
    let (uuid, _control) = spawn_job(shared, spec, move |s: &Shared| {
        s.engine
            .put("/storage/volumes", &rest)
            .map(|_| ())
            .map_err(|refusal| JobFailure::new(codes::INVALID_ARGUMENT, refusal.message))
    });
    let number = shared.jobs.read().len();
    Ok(Answer::json(
        StatusCode::ACCEPTED,
        &json!({
            "job": {"uuid": uuid, "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}},
            "cli_output": format!("[Job {number}] Job is queued: Create {volume}."),
        }),
    ))
}

/// A CLI size (`10g`, `200MB`, `1073741824`) in bytes.
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        "p" => 50,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_the_cli_writes_them() {
        assert_eq!(parse_size("10g"), Some(10 << 30));
        assert_eq!(parse_size("200MB"), Some(200 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("ten"), None);
    }

    #[test]
    fn a_volume_row_takes_the_cli_names() {
        let cmd = COMMANDS.iter().find(|c| c.words == "volume").unwrap();
        let record = json!({"name": "vol1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}, {"name": "aggr2"}],
            "space": {"size": 1024}, "is_svm_root": false});
        let row = row(cmd, record.as_object().unwrap(), "cluster1");
        assert_eq!(
            Value::Object(row),
            json!({"vserver": "vs0", "volume": "vol1", "aggregate": "aggr1", "aggr_list": ["aggr1", "aggr2"],
                "vsroot": false, "size": 1024})
        );
    }
}
