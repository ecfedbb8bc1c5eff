//! What the software behaviours keep besides the engine's records: the version the
//! cluster runs, the upgrade in progress, and the files behind the packages. One lock
//! guards it, so that checks (an upgrade already running) and changes are atomic; the
//! records themselves (`/api/cluster`, `/api/cluster/software`, the packages) are the
//! engine's.

use std::collections::BTreeMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::Package;
use crate::engine::Engine;
use crate::error::Refusal;
use crate::util::now_string;
use crate::version::Release;

/// `/api/cluster` (below `/api`).
pub(crate) const CLUSTER: &str = "/cluster";
/// The UUID of the cluster's admin SVM (named after the cluster), fixed so that
/// `data/cluster.json` can name it as the owner of the cluster's accounts and roles and
/// as the key of its login message. `/api/svm/svms` does not list it, as on ONTAP.
pub(crate) const ADMIN_SVM_UUID: &str = "6824545e-1706-51de-98f1-751ec5ab39ee";
/// `/api/cluster/software`.
pub(crate) const SOFTWARE: &str = "/cluster/software";
/// `/api/cluster/software/packages`.
pub(crate) const PACKAGES: &str = "/cluster/software/packages";

/// The software state of the simulated cluster.
#[derive(Debug)]
pub(crate) struct Inventory {
    /// The running version (also in the cluster's `version` and the software's).
    pub version: Release,
    /// The upgrade job running now, if any.
    pub upgrade_job: Option<String>,
    /// The downloaded file behind each package (by version), and the order they arrived in.
    pub package_files: BTreeMap<String, (u64, Package)>,
    next_package: u64,
}

/// What the cluster starts with.
pub(crate) struct Seed<'a> {
    pub cluster_name: &'a str,
    pub cluster_uuid: String,
    pub version: Release,
    pub nodes: [&'a str; 2],
    pub packages: &'a [Release],
}

/// `version.full` as ONTAP writes it: `NetApp Release 9.16.1: Tue Jan 07 10:00:00 UTC 2025`.
pub(crate) fn full_version(v: &Release) -> String {
    let fmt = format_description!("[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]");
    let built = OffsetDateTime::now_utc().format(&fmt).unwrap_or_default();
    format!("NetApp Release {v}: {built}")
}

/// The `version` object of `/api/cluster`.
pub(crate) fn version_object(v: &Release) -> Value {
    json!({
        "full": full_version(v),
        "generation": v.generation(),
        "major": v.major(),
        "minor": v.minor(),
    })
}

impl Inventory {
    /// The state, with the cluster's records written into `engine`: `/api/cluster`,
    /// `/api/cluster/software` and the seeded packages.
    pub fn new(seed: &Seed<'_>, engine: &Engine) -> Result<Inventory, Refusal> {
        engine.put(
            CLUSTER,
            &json!({
                "name": seed.cluster_name,
                "uuid": seed.cluster_uuid,
                "version": version_object(&seed.version),
            }),
        )?;
        engine.put(
            SOFTWARE,
            &json!({
                "version": seed.version.to_string(),
                "nodes": seed.nodes.iter().map(|n| json!({"name": n, "version": seed.version.to_string()})).collect::<Vec<_>>(),
            }),
        )?;
        let mut inv = Inventory {
            version: seed.version,
            upgrade_job: None,
            package_files: BTreeMap::new(),
            next_package: 0,
        };
        for v in seed.packages {
            let name = format!("{v}_image.tgz");
            inv.add_package(
                engine,
                v,
                Package {
                    name,
                    version: v.to_string(),
                    size: 0,
                    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
                    url: String::new(),
                },
            )?;
        }
        Ok(inv)
    }

    /// Adds a package to the repository (keyed by its version), and its record.
    pub fn add_package(&mut self, engine: &Engine, v: &Release, package: Package) -> Result<(), Refusal> {
        engine.put(
            PACKAGES,
            &json!({"version": v.to_string(), "create_time": now_string()}),
        )?;
        self.next_package += 1;
        self.package_files.insert(v.to_string(), (self.next_package, package));
        Ok(())
    }

    /// The package of this version, if it is in the repository (any spelling).
    pub fn package_key(&self, v: &Release) -> Option<&str> {
        self.package_files
            .keys()
            .find(|k| k.parse::<Release>().ok().is_some_and(|p| p == *v))
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
        let engine = Engine::new(crate::engine::schema::vendored());
        let seed = Seed {
            cluster_name: "c",
            cluster_uuid: "u".into(),
            version: "9.15.1".parse::<Release>().unwrap(),
            nodes: ["n1", "n2"],
            packages: &["9.16.1".parse::<Release>().unwrap()],
        };
        let inv = Inventory::new(&seed, &engine).unwrap();
        assert_eq!(engine.json(CLUSTER, &[]).unwrap()["name"], "c");
        assert_eq!(engine.json(SOFTWARE, &[]).unwrap()["nodes"][1]["name"], "n2");
        assert!(engine.json(PACKAGES, &["9.16.1"]).is_some());
        assert!(inv.package_key(&"9.16.1".parse::<Release>().unwrap()).is_some());
        assert_eq!(inv.package_list().len(), 1);
    }
}
