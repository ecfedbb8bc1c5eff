//! What the simulated cluster holds: the cluster itself, its software and packages, SVMs,
//! aggregates, volumes and their snapshots. One lock guards it all, so that checks (a
//! duplicate name) and changes (a volume and its snapshots disappearing) are atomic.

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::Package;
use crate::doc::{Doc, DocKind, Field};
use crate::util::now_string;
use crate::version::Version;

// ---------------------------------------------------------------------------------------
// schemas (ONTAP's field order)

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

/// Percent-encodes a path segment.
pub(crate) fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, crate::util::PATH_SEGMENT).to_string()
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
}

/// What the inventory starts with.
pub(crate) struct Seed<'a> {
    pub cluster_name: &'a str,
    pub cluster_uuid: String,
    pub version: Version,
    pub nodes: [&'a str; 2],
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

impl Inventory {
    pub fn new(seed: &Seed<'_>) -> Inventory {
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

    #[test]
    fn seeds_the_cluster_and_packages() {
        let seed = Seed {
            cluster_name: "c",
            cluster_uuid: "u".into(),
            version: Version::parse("9.15.1").unwrap(),
            nodes: ["n1", "n2"],
            packages: &[Version::parse("9.16.1").unwrap()],
        };
        let inv = Inventory::new(&seed);
        assert_eq!(inv.cluster["name"], "c");
        assert!(inv.package_key(&Version::parse("9.16.1").unwrap()).is_some());
        assert_eq!(inv.package_list().len(), 1);
    }

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("9.16.1"), "9.16.1");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}
