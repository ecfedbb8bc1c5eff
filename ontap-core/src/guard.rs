//! The release guard: before a typed request is sent, what the cluster's release lacks
//! (a verb, a body field at any depth, a name in `fields` or `order_by`, a filter, an
//! operation parameter, an enum value in the body) ends the call with
//! [`Error::Unsupported`], read from the resource's [`Resource::SINCE`].

use serde_json::Value;

use crate::Release;
use crate::connection::HostConnection;
use crate::error::Error;
use crate::request::Query;
use crate::resource::Resource;

/// What the release guard does with a request the cluster's release lacks
/// ([`HostConnectionBuilder::release_guard`](crate::HostConnectionBuilder::release_guard)).
///
/// ```
/// let conn = ontap_core::HostConnection::builder("10.0.0.5")
///     .release_guard(ontap_core::ReleaseGuard::Warn)
///     .build()
///     .unwrap();
/// # let _ = conn;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReleaseGuard {
    /// End the call with [`Error::Unsupported`]; nothing is sent.
    #[default]
    Refuse,
    /// Log a warning and send it (the cluster then answers 262179 or 262197).
    Warn,
    /// Send it unchecked, and never read the release for the guard.
    Off,
}

/// Which operation of a resource a request is, as `SINCE` keys it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Get,
    Collection,
    Post,
    Patch,
    Delete,
    PatchCollection,
    DeleteCollection,
    /// An action on an object (`sign`): keyed `#sign`.
    Action(&'static str),
}

impl Op {
    fn key(self) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(match self {
            Op::Action(name) => return std::borrow::Cow::Owned(format!("#{name}")),
            Op::Get => "#get",
            Op::Collection => "#collection",
            Op::Post => "#post",
            Op::Patch => "#patch",
            Op::Delete => "#delete",
            Op::PatchCollection => "#patch_collection",
            Op::DeleteCollection => "#delete_collection",
        })
    }
}

/// Checks a request of `R` against the cluster's release, as the connection's guard
/// says: learns the release on first need (a resource without a table is never
/// checked), and refuses, warns or lets it through.
pub(crate) async fn check<R: Resource>(
    conn: &HostConnection,
    op: Op,
    query: &Query,
    body: Option<&Value>,
) -> Result<(), Error> {
    let policy = conn.release_guard();
    if R::SINCE.is_empty() || policy == ReleaseGuard::Off {
        return Ok(());
    }
    // A refused certificate ends the call as its own request would; any other
    // failure to read the release leaves the call unguarded.
    let cluster = match conn.learn_release().await {
        Ok(Some(cluster)) => cluster,
        Err(err) if crate::connection::is_certificate_failure(&err) => return Err(err),
        Ok(None) | Err(_) => return Ok(()),
    };
    // A cluster past every release in the table lacks nothing of it.
    if triple(cluster) > const { newest(R::SINCE) } {
        return Ok(());
    }
    let Some((what, since)) = lacking(R::SINCE, cluster, op, query, body) else {
        return Ok(());
    };
    if policy == ReleaseGuard::Warn {
        tracing::warn!(resource = R::NAME, %what, %since, %cluster, "sent although the cluster's release lacks it");
        return Ok(());
    }
    Err(Error::Unsupported {
        resource: R::NAME,
        what,
        since,
        cluster,
    })
}

/// A release's numbers, `9.12.1` as `(9, 12, 1)`.
const fn triple(release: Release) -> (u16, u16, u16) {
    (release.generation(), release.major(), release.minor())
}

/// The numbers of the latest release in `table` (`(0, 0, 0)` for none).
const fn newest(table: &[(&str, Release)]) -> (u16, u16, u16) {
    let mut out = (0, 0, 0);
    let mut i = 0;
    while i < table.len() {
        let (g, major, minor) = triple(table[i].1);
        if g > out.0 || (g == out.0 && (major > out.1 || (major == out.1 && minor > out.2))) {
            out = (g, major, minor);
        }
        i += 1;
    }
    out
}

/// The release of `key` in `table`, when later than `cluster`.
fn newer(table: &[(&str, Release)], cluster: Release, key: &str) -> Option<Release> {
    let i = table.binary_search_by(|(k, _)| (*k).cmp(key)).ok()?;
    Some(table[i].1).filter(|since| *since > cluster)
}

/// The first part of a dotted path (`a`, `a.b`, `a.b.c`) newer than `cluster`.
fn newer_path(table: &[(&str, Release)], cluster: Release, dotted: &str) -> Option<Release> {
    let mut end = 0;
    loop {
        let next = dotted[end..].find('.').map(|i| end + i);
        let prefix = &dotted[..next.unwrap_or(dotted.len())];
        if let Some(since) = newer(table, cluster, prefix) {
            return Some(since);
        }
        end = next? + 1;
    }
}

/// What of a request `cluster` lacks, named as the error names it, and the release
/// that brought it.
pub(crate) fn lacking(
    table: &[(&str, Release)],
    cluster: Release,
    op: Op,
    query: &Query,
    body: Option<&Value>,
) -> Option<(String, Release)> {
    let key = op.key();
    if let Some(since) = newer(table, cluster, &key) {
        let what = match op {
            Op::Action(name) => format!("`{name}` action"),
            _ => format!("{} operation", key.trim_start_matches('#')),
        };
        return Some((what, since));
    }
    for (name, value) in query.iter() {
        match name {
            "fields" => {
                for field in value.split(',').map(str::trim) {
                    if let Some(since) = newer_path(table, cluster, field) {
                        return Some((format!("field `{field}` in `fields`"), since));
                    }
                }
            }
            "order_by" => {
                for item in value.split(',') {
                    let field = item.split_whitespace().next().unwrap_or_default();
                    if let Some(since) = newer_path(table, cluster, field) {
                        return Some((format!("field `{field}` in `order_by`"), since));
                    }
                }
            }
            "max_records" | "return_records" | "return_timeout" => {}
            _ => {
                let param = format!("{}?{name}", op.key());
                if let Some(since) = newer(table, cluster, &param) {
                    return Some((format!("parameter `{name}`"), since));
                }
                if let Some(since) = newer_path(table, cluster, name) {
                    return Some((format!("filter `{name}`"), since));
                }
            }
        }
    }
    let body = body?;
    match body.get("records") {
        // A record-based body: each record as a body of its own.
        Some(Value::Array(records)) if body.as_object().is_some_and(|m| m.len() == 1) => records
            .iter()
            .find_map(|r| lacking_in(table, cluster, r, &mut String::new())),
        _ => lacking_in(table, cluster, body, &mut String::new()),
    }
}

/// The first field (at any depth) or enum value of `value` newer than `cluster`.
fn lacking_in(
    table: &[(&str, Release)],
    cluster: Release,
    value: &Value,
    path: &mut String,
) -> Option<(String, Release)> {
    match value {
        Value::Object(map) => {
            let len = path.len();
            for (key, v) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Some(since) = newer(table, cluster, path) {
                    return Some((format!("field `{path}`"), since));
                }
                if let Value::String(text) = v {
                    let entry = format!("{path}={text}");
                    if let Some(since) = newer(table, cluster, &entry) {
                        return Some((format!("value `{text}` of `{path}`"), since));
                    }
                }
                if let Some(found) = lacking_in(table, cluster, v, path) {
                    return Some(found);
                }
                path.truncate(len);
            }
            None
        }
        Value::Array(items) => items.iter().find_map(|item| {
            if let Value::String(text) = item {
                let entry = format!("{path}={text}");
                if let Some(since) = newer(table, cluster, &entry) {
                    return Some((format!("value `{text}` of `{path}`"), since));
                }
            }
            let len = path.len();
            let found = lacking_in(table, cluster, item, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[(&str, Release)] = &[
        ("#delete?force", Release::new(9, 11, 0)),
        ("#patch_collection", Release::new(9, 9, 0)),
        ("aggressive_readahead_mode", Release::new(9, 13, 0)),
        (
            "aggressive_readahead_mode=cross_file_sequential_read",
            Release::new(9, 16, 0),
        ),
        ("analytics", Release::new(9, 8, 0)),
        ("analytics.files_scanned", Release::new(9, 14, 0)),
        ("tiering.policy=all", Release::new(9, 10, 0)),
    ];

    fn at(r: &str) -> Release {
        r.parse().unwrap()
    }

    #[test]
    fn the_newest_release_of_a_table_is_found_at_compile_time() {
        const NEWEST: (u16, u16, u16) = newest(TABLE);
        assert_eq!(NEWEST, (9, 16, 0));
        assert_eq!(newest(&[]), (0, 0, 0));
        assert_eq!(
            newest(&[("a", Release::new(9, 9, 1)), ("b", Release::new(9, 9, 0))]),
            (9, 9, 1)
        );
        // Past it, nothing is lacking; at it, the table is read.
        assert!(
            triple(at("9.16.1")) > NEWEST && lacking(TABLE, at("9.16.1"), Op::Delete, &Query::new(), None).is_none()
        );
        assert!(triple(at("9.16")) <= NEWEST);
    }

    #[test]
    fn names_what_a_release_lacks_and_nothing_it_has() {
        let none = Query::new();
        let body = serde_json::json!({"name": "v1", "analytics": {"state": "on"}});
        assert_eq!(
            lacking(TABLE, at("9.7"), Op::Post, &none, Some(&body)),
            Some(("field `analytics`".into(), at("9.8")))
        );
        assert_eq!(lacking(TABLE, at("9.8"), Op::Post, &none, Some(&body)), None);
        let deep = serde_json::json!({"analytics": {"files_scanned": 1}});
        assert_eq!(
            lacking(TABLE, at("9.12.1"), Op::Patch, &none, Some(&deep)).map(|l| l.0),
            Some("field `analytics.files_scanned`".into())
        );
        let value = serde_json::json!({"aggressive_readahead_mode": "cross_file_sequential_read"});
        assert_eq!(
            lacking(TABLE, at("9.15.1"), Op::Post, &none, Some(&value)).map(|l| l.0),
            Some("value `cross_file_sequential_read` of `aggressive_readahead_mode`".into())
        );
        assert_eq!(lacking(TABLE, at("9.16.1"), Op::Post, &none, Some(&value)), None);
        let records = serde_json::json!({"records": [{"name": "a"}, {"tiering": {"policy": "all"}}]});
        assert_eq!(
            lacking(TABLE, at("9.9.1"), Op::Post, &none, Some(&records)).map(|l| l.1),
            Some(at("9.10"))
        );
        let fields = Query::new().param("fields", "name,analytics.files_scanned");
        assert_eq!(
            lacking(TABLE, at("9.13.1"), Op::Collection, &fields, None).map(|l| l.0),
            Some("field `analytics.files_scanned` in `fields`".into())
        );
        let filter = Query::new().param("aggressive_readahead_mode", "none");
        assert!(lacking(TABLE, at("9.12.1"), Op::Collection, &filter, None).is_some());
        let order = Query::new().param("order_by", "analytics desc");
        assert!(lacking(TABLE, at("9.7"), Op::Collection, &order, None).is_some());
        let force = Query::new().param("force", true);
        assert_eq!(
            lacking(TABLE, at("9.10.1"), Op::Delete, &force, None).map(|l| l.0),
            Some("parameter `force`".into())
        );
        assert_eq!(lacking(TABLE, at("9.11.1"), Op::Delete, &force, None), None);
        assert_eq!(
            lacking(TABLE, at("9.8"), Op::PatchCollection, &none, None).map(|l| l.0),
            Some("patch_collection operation".into())
        );
        let common = Query::new().param("return_timeout", 5).param("max_records", 10);
        assert_eq!(lacking(TABLE, at("9.6"), Op::Collection, &common, None), None);
    }
}
