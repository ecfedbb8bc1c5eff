//! Facts of ONTAP's own spec that real clusters contradict, corrected wherever a
//! document is read ([`Spec::from_value`](crate::Spec::from_value)), each with its
//! evidence. The simulator and the generated resources both read the corrected facts.

use serde_json::{Map, Value};

/// A property whose name the spec spells otherwise than clusters send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rename {
    /// The definition that holds it.
    pub definition: &'static str,
    /// The name in the spec.
    pub from: &'static str,
    /// The name on the wire.
    pub to: &'static str,
    /// Why.
    pub evidence: &'static str,
}

/// A part of the API whose `x-ntap-introduced` marker is later than the release that
/// had it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Introduced {
    /// The definition that holds the property.
    pub definition: &'static str,
    /// The property.
    pub property: &'static str,
    /// The first release that has it (`"9.7"`).
    pub release: &'static str,
    /// Why.
    pub evidence: &'static str,
}

/// The property names corrected. ONTAP's spec (as Trident's bindings and NetApp's Python
/// client carry it) spells ten names with a hyphen, copied from the CLI; these three are
/// shown by real exchanges to travel with an underscore. The other seven (`auth-style`,
/// `resync-progress`, `junction-path` and four DCN certificate names) have no evidence
/// either way and stay as the spec spells them.
///
/// ```
/// let aggregate = ontap_model::Spec::parse(r#"{"swagger": "2.0", "definitions": {"aggregate":
///     {"type": "object", "properties": {"volume-count": {"type": "integer"}}}}}"#).unwrap();
/// assert_eq!(aggregate.definition("aggregate").unwrap().properties[0].wire, "volume_count");
/// assert!(ontap_model::RENAMES.iter().all(|r| !r.evidence.is_empty()));
/// ```
pub const RENAMES: &[Rename] = &[
    Rename {
        definition: "aggregate",
        from: "volume-count",
        to: "volume_count",
        evidence: "NetApp Harvest asks clusters for `volume_count` in its aggregate templates for 9.11 \
                   and 9.12 (conf/rest/9.12.0/aggr.yaml), and its recorded aggregate body carries \
                   `\"volume_count\": 36`; an unknown name in `fields` would fail every poll with 262197.",
    },
    Rename {
        definition: "metrocluster_diagnostics",
        from: "config-replication",
        to: "config_replication",
        evidence: "NetApp's documentation of the MetroCluster diagnostics shows a real exchange \
                   (its Content-Length matches the body) whose body carries `config_replication`.",
    },
    Rename {
        definition: "s3_policy",
        from: "read-only",
        to: "read_only",
        evidence: "NetApp's Terraform provider reads S3 policies with `fields=...,read_only`.",
    },
];

/// The markers corrected.
///
/// ```
/// let spec = ontap_model::Spec::parse(r#"{"swagger": "2.0", "definitions": {"software_package_download":
///     {"type": "object", "properties": {"state": {"type": "string", "x-ntap-introduced": "9.17"}}}}}"#).unwrap();
/// let state = &spec.definition("software_package_download").unwrap().properties[0];
/// assert_eq!(state.introduced, Some(ontap_model::Release::new(9, 7, 0)));
/// ```
pub const INTRODUCED: &[Introduced] = &[
    Introduced {
        definition: "software_package_download",
        property: "state",
        release: "9.7",
        evidence: DOWNLOAD_STATUS,
    },
    Introduced {
        definition: "software_package_download",
        property: "message",
        release: "9.7",
        evidence: DOWNLOAD_STATUS,
    },
    Introduced {
        definition: "software_package_download",
        property: "code",
        release: "9.7",
        evidence: DOWNLOAD_STATUS,
    },
];

const DOWNLOAD_STATUS: &str = "NetApp documents `GET /cluster/software/download` with `state`, `message` \
                               and `code` since ONTAP 9.7 (the GET itself is marked 9.7); NetApp's Python \
                               client, which the marker comes from, added the fields in 9.17.";

/// Applies [`RENAMES`] and [`INTRODUCED`] to a document's raw root.
pub(crate) fn apply(root: &mut Map<String, Value>) {
    if let Some(Value::Object(defs)) = root.get_mut("definitions") {
        for r in RENAMES {
            let Some(Value::Object(def)) = defs.get_mut(r.definition) else {
                continue;
            };
            if let Some(Value::Object(props)) = def.get_mut("properties")
                && let Some(value) = props.remove(r.from)
            {
                props.insert(r.to.to_owned(), value);
            }
            if let Some(Value::Object(marks)) = def.get_mut("x-ntap-properties-introduced")
                && let Some(value) = marks.remove(r.from)
            {
                marks.insert(r.to.to_owned(), value);
            }
            if let Some(Value::Array(required)) = def.get_mut("required") {
                for name in required.iter_mut().filter(|n| n.as_str() == Some(r.from)) {
                    *name = Value::from(r.to);
                }
            }
        }
        for c in INTRODUCED {
            if let Some(prop) = defs
                .get_mut(c.definition)
                .and_then(|d| d.get_mut("properties"))
                .and_then(|p| p.get_mut(c.property))
                .and_then(Value::as_object_mut)
                && prop.contains_key("x-ntap-introduced")
            {
                prop.insert("x-ntap-introduced".to_owned(), Value::from(c.release));
            }
        }
    }
    // The filters named after a renamed property (`GET /storage/aggregates?volume-count=...`).
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                let Some(Value::Array(params)) = op.get_mut("parameters") else {
                    continue;
                };
                for p in params.iter_mut().filter_map(Value::as_object_mut) {
                    let Some(name) = p.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    if let Some(r) = RENAMES.iter().find(|r| name == r.from) {
                        p.insert("name".to_owned(), Value::from(r.to));
                    }
                }
            }
        }
    }
}
