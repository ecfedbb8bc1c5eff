//! What the simulated cluster holds: the cluster itself, its software and packages, SVMs,
//! aggregates, volumes and their snapshots. One lock guards it all, so that checks (a
//! duplicate name) and changes (a volume and its snapshots disappearing) are atomic.

use std::collections::{BTreeMap, HashSet};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::Package;
use crate::doc::{Doc, DocKind, Field};
use crate::util::{UuidGen, format_time, now_string};
use crate::version::Version;

// ---------------------------------------------------------------------------------------
// schemas (ONTAP's field order)

const REF: &[Field] = &[Field::str("name"), Field::str("uuid")];
const NODE_REF: &[Field] = &[Field::str("name")];

/// `/api/cluster`.
pub(crate) static CLUSTER: DocKind = DocKind {
    schema: &[
        Field::str("name"),
        Field::str("uuid"),
        Field::object(
            "version",
            &[
                Field::str("full"),
                Field::int("generation"),
                Field::int("major"),
                Field::int("minor"),
            ],
        ),
        Field::str("location"),
        Field::str("contact"),
    ],
    key: "uuid",
    always: &[],
    href: |_| "/api/cluster".to_owned(),
};

/// `/api/cluster/software`.
pub(crate) static SOFTWARE: DocKind = DocKind {
    schema: &[
        Field::str("version"),
        Field::str("pending_version"),
        Field::str("state"),
        Field::int("elapsed_duration"),
        Field::int("estimated_duration"),
        Field::array(
            "validation_results",
            &[
                Field::str("update_check"),
                Field::str("status"),
                Field::object("issue", &[Field::str("message"), Field::int("code")]),
                Field::object("action", &[Field::str("message")]),
            ],
        ),
        Field::array(
            "status_details",
            &[
                Field::str("name"),
                Field::str("state"),
                Field::object("node", NODE_REF),
                Field::object("issue", &[Field::str("message"), Field::int("code")]),
                Field::str("start_time"),
                Field::str("end_time"),
            ],
        ),
        Field::array(
            "update_details",
            &[
                Field::str("phase"),
                Field::str("state"),
                Field::object("node", NODE_REF),
                Field::int("elapsed_duration"),
                Field::int("estimated_duration"),
            ],
        ),
        Field::array("nodes", &[Field::str("name"), Field::str("version")]),
    ],
    key: "version",
    always: &[],
    href: |_| "/api/cluster/software".to_owned(),
};

/// `/api/cluster/software/packages`.
pub(crate) static PACKAGES: DocKind = DocKind {
    schema: &[Field::str("version"), Field::str("create_time")],
    key: "version",
    always: &["version"],
    href: |d| {
        format!(
            "/api/cluster/software/packages/{}",
            encode(DocKind::str_of(d, "version"))
        )
    },
};

/// `/api/svm/svms`.
pub(crate) static SVMS: DocKind = DocKind {
    schema: &[
        Field::str("uuid"),
        Field::str("name"),
        Field::str("state"),
        Field::str("subtype"),
        Field::str("language"),
        Field::str("comment"),
    ],
    key: "uuid",
    always: &["uuid", "name"],
    href: |d| format!("/api/svm/svms/{}", DocKind::str_of(d, "uuid")),
};

/// `/api/storage/aggregates` (read-only).
pub(crate) static AGGREGATES: DocKind = DocKind {
    schema: &[
        Field::str("uuid"),
        Field::str("name"),
        Field::object("node", NODE_REF),
        Field::str("state"),
    ],
    key: "uuid",
    always: &["uuid", "name"],
    href: |d| format!("/api/storage/aggregates/{}", DocKind::str_of(d, "uuid")),
};

/// `/api/storage/volumes`.
pub(crate) static VOLUMES: DocKind = DocKind {
    schema: &[
        Field::str("uuid"),
        Field::str("name"),
        Field::object("svm", REF),
        Field::array("aggregates", REF),
        Field::int("size"),
        Field::str("state"),
        Field::str("type"),
        Field::str("style"),
        Field::str("comment"),
        Field::object(
            "space",
            &[Field::int("size"), Field::int("available"), Field::int("used")],
        ),
        Field::str("create_time"),
    ],
    key: "uuid",
    always: &["uuid", "name"],
    href: |d| format!("/api/storage/volumes/{}", DocKind::str_of(d, "uuid")),
};

/// `/api/storage/volumes/{volume.uuid}/snapshots`.
pub(crate) static SNAPSHOTS: DocKind = DocKind {
    schema: &[
        Field::str("uuid"),
        Field::str("name"),
        Field::object("volume", &[Field::str("uuid"), Field::str("name")]),
        Field::str("create_time"),
        Field::str("comment"),
        Field::str("expiry_time"),
        Field::str("state"),
    ],
    key: "uuid",
    // The parent's key is part of a snapshot's key: every answer carries it.
    always: &["uuid", "name", "volume"],
    href: |d| {
        let vol = d
            .get("volume")
            .and_then(|v| v.get("uuid"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        format!("/api/storage/volumes/{vol}/snapshots/{}", DocKind::str_of(d, "uuid"))
    },
};

/// The characters percent-encoded in a path segment (all but RFC 3986's unreserved ones).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment.
pub(crate) fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Turns a `json!` object into a record.
pub(crate) fn doc(v: Value) -> Doc {
    match v {
        Value::Object(map) => map,
        _ => Doc::new(),
    }
}

// ---------------------------------------------------------------------------------------
// the inventory

/// Everything the simulated cluster holds besides its jobs.
#[derive(Debug)]
pub(crate) struct Inventory {
    pub cluster: Doc,
    /// The running version (also in `cluster.version` and `software.version`).
    pub version: Version,
    pub software: Doc,
    /// The upgrade job running now, if any.
    pub upgrade_job: Option<String>,
    pub packages: BTreeMap<String, Doc>,
    /// The downloaded file behind each package, and the order they arrived in.
    pub package_files: BTreeMap<String, (u64, Package)>,
    next_package: u64,
    pub svms: BTreeMap<String, Doc>,
    pub aggregates: BTreeMap<String, Doc>,
    pub volumes: BTreeMap<String, Doc>,
    /// Snapshots by volume UUID, then by snapshot UUID.
    pub snapshots: BTreeMap<String, BTreeMap<String, Doc>>,
    /// Names taken by creations and renames whose jobs have not ended (see [`Names`]).
    reserved: HashSet<String>,
}

/// The namespaces that names are unique in.
#[derive(Debug, Clone)]
pub(crate) enum Names<'a> {
    Svm,
    /// Volume names, per SVM UUID.
    Volume(&'a str),
    /// Snapshot names, per volume UUID.
    Snapshot(&'a str),
}

impl Names<'_> {
    fn reservation(&self, name: &str) -> String {
        match self {
            Names::Svm => format!("svm\u{0}{name}"),
            Names::Volume(svm) => format!("vol\u{0}{svm}\u{0}{name}"),
            Names::Snapshot(vol) => format!("snap\u{0}{vol}\u{0}{name}"),
        }
    }
}

/// What the inventory starts with.
pub(crate) struct Seed<'a> {
    pub cluster_name: &'a str,
    pub cluster_uuid: String,
    pub version: Version,
    pub nodes: [&'a str; 2],
    pub extra_svms: usize,
    pub volumes: usize,
    pub packages: &'a [Version],
}

/// `version.full` as ONTAP writes it: `NetApp Release 9.16.1: Tue Jan 07 10:00:00 UTC 2025`.
pub(crate) fn full_version(v: &Version) -> String {
    let fmt = format_description!("[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]");
    let built = OffsetDateTime::now_utc().format(&fmt).unwrap_or_default();
    format!("NetApp Release {v}: {built}")
}

/// The `version` object of `/api/cluster`.
pub(crate) fn version_object(v: &Version) -> Value {
    json!({
        "full": full_version(v),
        "generation": v.generation,
        "major": v.major,
        "minor": v.minor,
    })
}

/// One volume record.
pub(crate) struct NewVolume<'a> {
    pub uuid: String,
    pub name: &'a str,
    pub svm: &'a Doc,
    pub aggregates: Vec<Value>,
    pub size: i64,
    pub used: i64,
    pub state: &'a str,
    pub comment: Option<&'a str>,
    pub create_time: String,
}

impl NewVolume<'_> {
    pub fn into_doc(self) -> Doc {
        let mut d = doc(json!({
            "uuid": self.uuid,
            "name": self.name,
            "svm": {"name": DocKind::str_of(self.svm, "name"), "uuid": DocKind::str_of(self.svm, "uuid")},
            "aggregates": self.aggregates,
            "size": self.size,
            "state": self.state,
            "type": "rw",
            "style": "flexvol",
            "create_time": self.create_time,
        }));
        if let Some(c) = self.comment {
            d.insert("comment".to_owned(), Value::from(c));
        }
        set_space(&mut d, self.size, self.used);
        d
    }
}

/// Sets `space` from a size and the bytes used (available never goes below zero).
pub(crate) fn set_space(d: &mut Doc, size: i64, used: i64) {
    let used = used.clamp(0, size.max(0));
    d.insert(
        "space".to_owned(),
        json!({"size": size, "available": size - used, "used": used}),
    );
}

/// `{name, uuid}` of a record, as other records refer to it.
pub(crate) fn reference(d: &Doc) -> Value {
    json!({"name": DocKind::str_of(d, "name"), "uuid": DocKind::str_of(d, "uuid")})
}

const GIB: i64 = 1 << 30;

impl Inventory {
    pub fn new(seed: &Seed<'_>, uuids: &UuidGen) -> Inventory {
        let now = OffsetDateTime::now_utc();
        let cluster = doc(json!({
            "name": seed.cluster_name,
            "uuid": seed.cluster_uuid,
            "version": version_object(&seed.version),
        }));
        let software = doc(json!({
            "version": seed.version.as_str(),
            "nodes": seed.nodes.iter().map(|n| json!({"name": n, "version": seed.version.as_str()})).collect::<Vec<_>>(),
        }));
        let mut inv = Inventory {
            cluster,
            version: seed.version.clone(),
            software,
            upgrade_job: None,
            packages: BTreeMap::new(),
            package_files: BTreeMap::new(),
            next_package: 0,
            svms: BTreeMap::new(),
            aggregates: BTreeMap::new(),
            volumes: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            reserved: HashSet::new(),
        };
        for v in seed.packages {
            let name = format!("{v}_image.tgz");
            inv.add_package(
                v,
                Package {
                    name,
                    version: v.as_str().to_owned(),
                    size: 0,
                    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
                    url: String::new(),
                },
            );
        }
        for (i, node) in seed.nodes.iter().enumerate() {
            let uuid = uuids.next_uuid();
            inv.aggregates.insert(
                uuid.clone(),
                doc(json!({"uuid": uuid, "name": format!("aggr{}", i + 1), "node": {"name": node}, "state": "online"})),
            );
        }
        for i in 0..=seed.extra_svms {
            let uuid = uuids.next_uuid();
            let mut svm = doc(json!({
                "uuid": uuid,
                "name": format!("vs{i}"),
                "state": "running",
                "subtype": "default",
                "language": "c.utf_8",
            }));
            if i > 0 {
                svm.insert("comment".to_owned(), Value::from(format!("seeded SVM {i}")));
            }
            inv.svms.insert(uuid, svm);
        }
        let vs0 = inv.svm_by_name("vs0").cloned().unwrap_or_default();
        let aggrs: Vec<Value> = inv.aggregates.values().map(reference).collect();
        let n = seed.volumes;
        for i in 0..n {
            let uuid = uuids.next_uuid();
            let name = format!("vol{:05}", i + 1);
            let size = GIB * (1 + (i % 100) as i64);
            let state = match i % 50 {
                49 => "offline",
                24 => "restricted",
                _ => "online",
            };
            let comment = (i % 10 == 0).then(|| format!("seeded volume {}", i + 1));
            let created = now.checked_sub(time::Duration::minutes((n - i) as i64)).unwrap_or(now);
            let aggregate = aggrs.get(i % aggrs.len().max(1)).cloned().into_iter().collect();
            let vol = NewVolume {
                uuid: uuid.clone(),
                name: &name,
                svm: &vs0,
                aggregates: aggregate,
                size,
                used: size / 100 * (i % 90) as i64,
                state,
                comment: comment.as_deref(),
                create_time: format_time(created),
            };
            inv.volumes.insert(uuid, vol.into_doc());
        }
        inv
    }

    /// Adds a package to the repository (keyed by its version).
    pub fn add_package(&mut self, v: &Version, package: Package) {
        self.next_package += 1;
        self.packages.insert(
            v.as_str().to_owned(),
            doc(json!({"version": v.as_str(), "create_time": now_string()})),
        );
        self.package_files
            .insert(v.as_str().to_owned(), (self.next_package, package));
    }

    /// The package of this version, if it is in the repository (any spelling).
    pub fn package_key(&self, v: &Version) -> Option<&str> {
        self.packages
            .keys()
            .find(|k| Version::parse(k).is_some_and(|p| p == *v))
            .map(String::as_str)
    }

    /// The packages in the repository, oldest first.
    pub fn package_list(&self) -> Vec<Package> {
        let mut list: Vec<&(u64, Package)> = self.package_files.values().collect();
        list.sort_by_key(|(seq, _)| *seq);
        list.into_iter().map(|(_, p)| p.clone()).collect()
    }

    pub fn svm_by_name(&self, name: &str) -> Option<&Doc> {
        self.svms.values().find(|d| DocKind::str_of(d, "name") == name)
    }

    pub fn aggregate_by_name(&self, name: &str) -> Option<&Doc> {
        self.aggregates.values().find(|d| DocKind::str_of(d, "name") == name)
    }

    /// True when `name` is taken in `names`, by a record or by a job still running.
    pub fn name_taken(&self, names: &Names<'_>, name: &str) -> bool {
        if self.reserved.contains(&names.reservation(name)) {
            return true;
        }
        let same = |d: &Doc| DocKind::str_of(d, "name") == name;
        match names {
            Names::Svm => self.svms.values().any(same),
            Names::Volume(svm) => self
                .volumes
                .values()
                .any(|d| same(d) && d.get("svm").and_then(|s| s.get("uuid")).and_then(Value::as_str) == Some(svm)),
            Names::Snapshot(vol) => self.snapshots.get(*vol).is_some_and(|m| m.values().any(same)),
        }
    }

    /// Holds a name for a job that will create or rename a record.
    pub fn reserve(&mut self, names: &Names<'_>, name: &str) {
        self.reserved.insert(names.reservation(name));
    }

    /// Releases a name held by [`Inventory::reserve`].
    pub fn release(&mut self, names: &Names<'_>, name: &str) {
        self.reserved.remove(&names.reservation(name));
    }

    /// Removes a volume and its snapshots; false if it was not there.
    pub fn remove_volume(&mut self, uuid: &str) -> bool {
        self.snapshots.remove(uuid);
        self.volumes.remove(uuid).is_some()
    }
}

/// The inventory behind its lock (poisoning ignored: a panicking task must not take the
/// simulator down).
#[derive(Debug)]
pub(crate) struct Locked(RwLock<Inventory>);

impl Locked {
    pub fn new(inv: Inventory) -> Self {
        Locked(RwLock::new(inv))
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Inventory> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Inventory> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(volumes: usize) -> Inventory {
        let seed = Seed {
            cluster_name: "c",
            cluster_uuid: "u".into(),
            version: Version::parse("9.15.1").unwrap(),
            nodes: ["n1", "n2"],
            extra_svms: 1,
            volumes,
            packages: &[Version::parse("9.16.1").unwrap()],
        };
        Inventory::new(&seed, &UuidGen::new())
    }

    #[test]
    fn seeds_svms_aggregates_volumes_packages() {
        let inv = inventory(120);
        assert!(inv.svm_by_name("vs0").is_some());
        assert!(inv.svm_by_name("vs1").is_some());
        assert!(inv.aggregate_by_name("aggr2").is_some());
        assert_eq!(inv.volumes.len(), 120);
        assert!(inv.package_key(&Version::parse("9.16.1").unwrap()).is_some());
        assert_eq!(inv.package_list().len(), 1);
        let v = inv.volumes.values().next().unwrap();
        let size = v["size"].as_i64().unwrap();
        let space = &v["space"];
        assert_eq!(space["size"], size);
        assert_eq!(
            space["available"].as_i64().unwrap() + space["used"].as_i64().unwrap(),
            size
        );
    }

    #[test]
    fn names_are_unique_per_namespace() {
        let mut inv = inventory(3);
        let vs0 = DocKind::str_of(inv.svm_by_name("vs0").unwrap(), "uuid").to_owned();
        assert!(inv.name_taken(&Names::Volume(&vs0), "vol00001"));
        assert!(!inv.name_taken(&Names::Volume("other"), "vol00001"));
        assert!(!inv.name_taken(&Names::Volume(&vs0), "new"));
        inv.reserve(&Names::Volume(&vs0), "new");
        assert!(inv.name_taken(&Names::Volume(&vs0), "new"));
        inv.release(&Names::Volume(&vs0), "new");
        assert!(!inv.name_taken(&Names::Volume(&vs0), "new"));
        assert!(inv.name_taken(&Names::Svm, "vs1"));
    }

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("9.16.1"), "9.16.1");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}
