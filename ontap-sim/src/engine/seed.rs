//! Seed data: a JSON object that maps collection paths below `/api` (as the model spells
//! them, `/network/ethernet/ports`) to arrays of records, seeded in the file's order so
//! that parents come before their children. `data/cluster.json` is the simulator's
//! default cluster, written out with fixed UUIDs so its cross references hold.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::Engine;

/// The default cluster `sim-cluster`: two AFF A250 nodes running 9.15.1, an aggregate
/// per node, their ports, broadcast domains and IPspaces, the cluster, node-management,
/// cluster-interconnect and data LIFs, the data SVM `vs0` with NFS and its default export
/// policy, licenses, disks, schedules and snapshot policies.
pub(crate) const DEFAULT_CLUSTER: &str = include_str!("../../data/cluster.json");

/// The paths of a seed file with their records, in the file's order (`serde_json`'s own
/// map sorts its keys, which would seed children before their parents).
struct Ordered(Vec<(String, Vec<Value>)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Reads the top-level object entry by entry.
        struct Entries;

        impl<'de> Visitor<'de> for Entries {
            type Value = Ordered;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping collection paths to arrays of records")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, Vec<Value>>()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(Entries)
    }
}

/// Seeds every record of the seed data `text` into `engine` (each checked against the
/// model with every field allowed, missing UUID keys assigned), path by path in the
/// file's order. Returns how many records were seeded; `Err` names an unknown path, or
/// the path, index, message and target of a record the model refuses.
pub(crate) fn load(engine: &Engine, text: &str) -> Result<usize, String> {
    let Ordered(paths) = serde_json::from_str(text).map_err(|e| format!("seed data: {e}"))?;
    let mut seeded = 0;
    for (path, records) in &paths {
        let res = match engine.resource(path) {
            Some(res) => res,
            // A collection the release does not have yet.
            None if engine.cat.cut_to.is_some() => continue,
            None => return Err(format!("seed data: the model has no collection \"{path}\"")),
        };
        for (i, record) in records.iter().enumerate() {
            engine.seed(res, record).map_err(|e| match &e.target {
                Some(target) => format!("seed data: {path}[{i}]: {} (target \"{target}\")", e.message),
                None => format!("seed data: {path}[{i}]: {}", e.message),
            })?;
            seeded += 1;
        }
    }
    Ok(seeded)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{DEFAULT_CLUSTER, Engine, Ordered, load};

    /// An engine over the vendored model with the default cluster loaded.
    fn loaded() -> Engine {
        let engine = Engine::new(super::super::schema::vendored());
        if let Err(e) = load(&engine, DEFAULT_CLUSTER) {
            panic!("the default cluster does not load: {e}");
        }
        engine
    }

    /// The resource at `path`.
    fn res(engine: &Engine, path: &str) -> usize {
        engine
            .resource(path)
            .unwrap_or_else(|| panic!("the model has no {path}"))
    }

    /// The records the default cluster file lists under `path`.
    fn records(path: &str) -> Vec<Value> {
        let Ordered(paths) = serde_json::from_str(DEFAULT_CLUSTER).expect("the default cluster is JSON");
        paths
            .into_iter()
            .find(|(p, _)| p == path)
            .map(|(_, r)| r)
            .unwrap_or_default()
    }

    /// The text at a dotted field path of a JSON record.
    fn text<'v>(v: &'v Value, dotted: &str) -> &'v str {
        dotted
            .split('.')
            .try_fold(v, |v, k| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {dotted} in {v}"))
    }

    /// A record's key at `key`, as text (a string, or a number such as an export
    /// policy's `id`).
    fn key_of(v: &Value, key: &str) -> String {
        match v.get(key) {
            Some(Value::Number(n)) => n.to_string(),
            _ => text(v, key).to_owned(),
        }
    }

    /// The stored record of `path` whose key is `key`, as the engine answers it.
    fn stored(engine: &Engine, path: &str, key: &str) -> Value {
        engine
            .record(res(engine, path), &[key])
            .unwrap_or_else(|| panic!("{path} has no record {key}"))
    }

    /// Asserts that every record of `path` refers, at `field` (`node` for `node.uuid` and
    /// `node.name`), to a record of `target` of that UUID and name.
    fn refers(engine: &Engine, path: &str, key: &str, field: &str, target: &str) {
        let list = records(path);
        assert!(!list.is_empty(), "no records under {path}");
        for r in &list {
            let rec = stored(engine, path, &key_of(r, key));
            let uuid = text(&rec, &format!("{field}.uuid"));
            let other = stored(engine, target, uuid);
            assert_eq!(
                text(&other, "name"),
                text(&rec, &format!("{field}.name")),
                "{path} {}: {field} names another record than its UUID",
                key_of(r, key)
            );
        }
    }

    /// Every record of the file passes the model, and none replaces another.
    #[test]
    fn every_record_of_the_default_cluster_is_accepted() {
        let engine = Engine::new(super::super::schema::vendored());
        assert_eq!(load(&engine, DEFAULT_CLUSTER), Ok(86));
        let Ordered(paths) = serde_json::from_str(DEFAULT_CLUSTER).expect("the default cluster is JSON");
        for (path, list) in &paths {
            assert_eq!(engine.count(res(&engine, path)), list.len(), "{path}: keys collide");
        }
        assert_eq!(engine.count(res(&engine, "/cluster/nodes")), 2);
        assert_eq!(engine.count(res(&engine, "/network/ethernet/ports")), 8);
        assert_eq!(engine.count(res(&engine, "/svm/svms")), 1);
    }

    /// References by `{name, uuid}` lead to a record of that UUID and name.
    #[test]
    fn cross_references_hold() {
        let engine = loaded();
        const NODES: &str = "/cluster/nodes";
        const PORTS: &str = "/network/ethernet/ports";
        const DOMAINS: &str = "/network/ethernet/broadcast-domains";
        const IPSPACES: &str = "/network/ipspaces";
        const LIFS: &str = "/network/ip/interfaces";
        const SVMS: &str = "/svm/svms";
        // (collection, its key, the reference field, the collection it refers to)
        let references = [
            ("/storage/aggregates", "uuid", "node", NODES),
            ("/storage/aggregates", "uuid", "home_node", NODES),
            ("/storage/disks", "name", "home_node", NODES),
            (PORTS, "uuid", "node", NODES),
            (PORTS, "uuid", "broadcast_domain", DOMAINS),
            (DOMAINS, "uuid", "ipspace", IPSPACES),
            (LIFS, "uuid", "ipspace", IPSPACES),
            (LIFS, "uuid", "location.home_node", NODES),
            (LIFS, "uuid", "location.home_port", PORTS),
            (LIFS, "uuid", "location.broadcast_domain", DOMAINS),
            (LIFS, "uuid", "service_policy", "/network/ip/service-policies"),
            (SVMS, "uuid", "ipspace", IPSPACES),
            (SVMS, "uuid", "snapshot_policy", "/storage/snapshot-policies"),
            ("/protocols/nfs/export-policies", "id", "svm", SVMS),
            ("/protocols/nfs/services", "svm.uuid", "svm", SVMS),
            ("/storage/volumes", "uuid", "svm", SVMS),
        ];
        for (path, key, field, target) in references {
            refers(&engine, path, key, field, target);
        }
    }

    /// The built-in records belong to the admin SVM (named after the cluster, with the
    /// simulator's fixed UUID) or to `vs0`; an SVM's login message has the SVM's UUID.
    #[test]
    fn built_in_records_belong_to_the_admin_svm_or_vs0() {
        let admin = crate::inventory::ADMIN_SVM_UUID;
        let vs0 = key_of(&records("/svm/svms")[0], "uuid");
        for path in ["/security/accounts", "/security/roles"] {
            for r in records(path) {
                let owner = text(&r, "owner.uuid");
                assert!(owner == admin || owner == vs0, "{path}: {r}");
                let scope = if owner == admin { "cluster" } else { "svm" };
                assert_eq!(text(&r, "scope"), scope, "{path}: {r}");
            }
        }
        let messages = records("/security/login/messages");
        assert_eq!(key_of(&messages[0], "uuid"), admin);
        assert_eq!(key_of(&messages[1], "uuid"), vs0);
        assert_eq!(text(&messages[1], "svm.uuid"), vs0);
        let roots: Vec<Value> = records("/storage/volumes");
        assert_eq!(text(&roots[0], "name"), "vs0_root");
        assert_eq!(roots[0]["is_svm_root"], true);
    }

    /// Interfaces sit on ports of their home node and broadcast domain; broadcast
    /// domains list the ports that name them.
    #[test]
    fn ports_and_interfaces_agree() {
        let engine = loaded();
        // A port's node is its interfaces' node, and the data LIFs belong to vs0.
        for lif in records("/network/ip/interfaces") {
            let rec = stored(&engine, "/network/ip/interfaces", text(&lif, "uuid"));
            let port = stored(
                &engine,
                "/network/ethernet/ports",
                text(&rec, "location.home_port.uuid"),
            );
            assert_eq!(text(&port, "node.uuid"), text(&rec, "location.home_node.uuid"));
            assert_eq!(
                text(&port, "broadcast_domain.uuid"),
                text(&rec, "location.broadcast_domain.uuid")
            );
            if rec.get("scope").and_then(Value::as_str) == Some("svm") {
                assert_eq!(
                    text(&stored(&engine, "/svm/svms", text(&rec, "svm.uuid")), "name"),
                    "vs0"
                );
            }
        }
        // Each broadcast domain lists exactly the ports that name it.
        for bd in records("/network/ethernet/broadcast-domains") {
            let listed: Vec<&str> = bd["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| text(p, "uuid"))
                .collect();
            let naming: Vec<String> = records("/network/ethernet/ports")
                .iter()
                .filter(|p| text(p, "broadcast_domain.uuid") == text(&bd, "uuid"))
                .map(|p| text(p, "uuid").to_owned())
                .collect();
            assert_eq!(listed, naming, "broadcast domain {}", text(&bd, "name"));
        }
    }

    /// The nodes and aggregates are the ones the simulator documents.
    #[test]
    fn nodes_and_aggregates_are_as_documented() {
        let engine = loaded();
        let nodes: Vec<String> = records("/cluster/nodes")
            .iter()
            .map(|n| text(&stored(&engine, "/cluster/nodes", text(n, "uuid")), "name").to_owned())
            .collect();
        assert_eq!(nodes, ["sim-cluster-01", "sim-cluster-02"]);
        let aggr1 = records("/storage/aggregates")
            .into_iter()
            .find(|a| text(a, "name") == "aggr1")
            .expect("aggr1");
        assert_eq!(text(&aggr1, "node.name"), "sim-cluster-01");
        assert_eq!(text(&aggr1, "state"), "online");
    }

    /// `load` names an unknown path, and the path and index of a refused record.
    #[test]
    fn load_names_what_it_refuses() {
        let engine = Engine::new(super::super::schema::vendored());
        let unknown = load(&engine, r#"{"/no/such/things": [{}]}"#).expect_err("an unknown path");
        assert!(unknown.contains("/no/such/things"), "{unknown}");
        let refused = load(
            &engine,
            r#"{"/network/ipspaces": [{"name": "Default"}, {"name": "x", "colour": 1}]}"#,
        )
        .expect_err("an unknown field");
        assert!(
            refused.contains("/network/ipspaces[1]") && refused.contains("colour"),
            "{refused}"
        );
        let bad_enum = load(&engine, r#"{"/cluster/nodes": [{"name": "n", "state": "sleeping"}]}"#)
            .expect_err("a value outside the enum");
        assert!(
            bad_enum.contains("/cluster/nodes[0]") && bad_enum.contains("state"),
            "{bad_enum}"
        );
        assert!(load(&engine, "[]").is_err());
    }
}
