//! What volumes and their snapshots add to the generic engine: ONTAP's name rules, sizes,
//! defaults, and space accounting.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::rules::{Behaviour, Tx, required};
use crate::error::{Refusal, codes};
use crate::util::{format_time, now_string};

/// The volume collection (below `/api`).
pub(crate) const VOLUMES: &str = "/storage/volumes";
/// The snapshot collection under a volume (below `/api`).
pub(crate) const SNAPSHOTS: &str = "/storage/volumes/{volume.uuid}/snapshots";
/// The LUN collection (below `/api`).
pub(crate) const LUNS: &str = "/storage/luns";
/// The aggregate collection (below `/api`).
pub(crate) const AGGREGATES: &str = "/storage/aggregates";

const MIB: i64 = 1 << 20;
/// The smallest and largest volume sizes accepted (20 MiB, as ONTAP; 100 TiB).
pub(crate) const MIN_SIZE: i64 = 20 * MIB;
const MAX_SIZE: i64 = 100 * (1 << 40);
/// The space a new, empty volume uses.
const NEW_VOLUME_USED: i64 = 344_064;

/// ONTAP's volume names: a letter or `_` first, then letters, digits and `_`; at most 203
/// characters. Otherwise 917888.
fn check_volume_name(name: &str) -> Result<(), Refusal> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 203;
    if ok {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_VOLUME_NAME,
            format!(
                "Invalid volume name \"{name}\": it must start with a letter or \"_\" and contain only letters, digits and \"_\" (at most 203 characters)."
            ),
        )
        .target("name"))
    }
}

fn check_size(size: i64) -> Result<(), Refusal> {
    if (MIN_SIZE..=MAX_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The value \"{size}\" is invalid for field \"size\": it must be between {MIN_SIZE} (20 MiB) and {MAX_SIZE} (100 TiB) bytes."),
        )
        .target("size"))
    }
}

/// Snapshot names: 1 to 255 characters.
fn check_snapshot_name(name: &str) -> Result<(), Refusal> {
    if !name.is_empty() && name.chars().count() <= 255 {
        Ok(())
    } else {
        Err(Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!("Invalid snapshot name \"{name}\": it must be 1 to 255 characters."),
        )
        .target("name"))
    }
}

/// Reads an RFC 3339 time and writes it as ONTAP does.
fn check_time(field: &str, value: &str) -> Result<String, Refusal> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .map(format_time)
        .map_err(|_| {
            Refusal::bad_request(
                codes::INVALID_ARGUMENT,
                format!("Invalid value \"{value}\" for field \"{field}\": expected an RFC 3339 time such as 2025-01-31T12:00:00+00:00."),
            )
            .target(field)
        })
}

/// `space` from a size and the bytes used (available never goes below zero).
pub(crate) fn space(size: i64, used: i64) -> Value {
    let used = used.clamp(0, size.max(0));
    json!({"size": size, "available": size - used, "used": used})
}

/// Volumes: checked names (917888) and sizes (20 MiB..=100 TiB, default 20 MiB), the first
/// aggregate by name unless given, `space` and `autosize` limits that follow from `size`,
/// and `create_time` (the other defaults are in `data/defaults.json`).
#[derive(Debug)]
pub(crate) struct Volumes;

impl Behaviour for Volumes {
    fn create(&self, tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), Refusal> {
        required(record, "name")?;
        check_volume_name(record["name"].as_str().unwrap_or_default())?;
        required(record, "svm")?;
        let size = record.get("size").and_then(Value::as_i64).unwrap_or(MIN_SIZE);
        check_size(size)?;
        record.insert("size".to_owned(), Value::from(size));
        // autosize: at most 120 % of the size, at least the size (every volume of a lab
        // cluster in realworld/bodies/harvest_volumes_fields_star.json; `volume autosize`
        // documents the 120 %).
        let autosize = record.entry("autosize").or_insert_with(|| json!({}));
        if let Value::Object(autosize) = autosize {
            autosize.entry("maximum").or_insert_with(|| Value::from(size / 5 * 6));
            autosize.entry("minimum").or_insert_with(|| Value::from(size));
        }
        if !record.contains_key("aggregates")
            && let Some(first) = tx.first_by_name(AGGREGATES)
        {
            record.insert(
                "aggregates".to_owned(),
                json!([{"name": first.get("name"), "uuid": first.get("uuid")}]),
            );
        }
        // The space a body sets (`space.snapshot.reserve_percent`) stays beside the sizes.
        let mut given = match record.remove("space") {
            Some(Value::Object(given)) => given,
            _ => Map::new(),
        };
        if let Value::Object(sizes) = space(size, NEW_VOLUME_USED) {
            given.extend(sizes);
        }
        record.insert("space".to_owned(), Value::Object(given));
        record.insert("create_time".to_owned(), Value::from(now_string()));
        Ok(())
    }

    fn modify(
        &self,
        _tx: &Tx<'_>,
        current: &Map<String, Value>,
        change: &mut Map<String, Value>,
    ) -> Result<(), Refusal> {
        if let Some(Value::String(name)) = change.get("name") {
            check_volume_name(name)?;
        }
        if let Some(size) = change.get("size").and_then(Value::as_i64) {
            check_size(size)?;
            let used = current
                .get("space")
                .and_then(|s| s.get("used"))
                .and_then(Value::as_i64)
                .unwrap_or_default();
            change.insert("space".to_owned(), space(size, used));
        }
        Ok(())
    }
}

/// Snapshots: checked names, `expiry_time` written as ONTAP does, `create_time` and
/// `state` `valid`.
#[derive(Debug)]
pub(crate) struct Snapshots;

impl Behaviour for Snapshots {
    fn create(&self, _tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), Refusal> {
        required(record, "name")?;
        check_snapshot_name(record["name"].as_str().unwrap_or_default())?;
        normalize_expiry(record)?;
        record.insert("create_time".to_owned(), Value::from(now_string()));
        record.insert("state".to_owned(), Value::from("valid"));
        Ok(())
    }

    fn modify(
        &self,
        _tx: &Tx<'_>,
        _current: &Map<String, Value>,
        change: &mut Map<String, Value>,
    ) -> Result<(), Refusal> {
        if let Some(Value::String(name)) = change.get("name") {
            check_snapshot_name(name)?;
        }
        normalize_expiry(change)
    }
}

fn normalize_expiry(record: &mut Map<String, Value>) -> Result<(), Refusal> {
    if let Some(Value::String(expiry)) = record.get("expiry_time") {
        let written = check_time("expiry_time", expiry)?;
        record.insert("expiry_time".to_owned(), Value::from(written));
    }
    Ok(())
}

/// Seeds `n` volumes (`vol00001`, ...) in the SVM `svm` (name and UUID) over the
/// aggregates: sizes of 1 to 100 GiB, every 50th offline or restricted, every 10th with a
/// comment, created a minute apart up to now.
pub(crate) fn seed_volumes(
    engine: &crate::engine::Engine,
    n: usize,
    svm: &Value,
    aggregates: &[Value],
) -> Result<(), Refusal> {
    const GIB: i64 = 1 << 30;
    let Some(res) = engine.resource(VOLUMES) else {
        return Ok(());
    };
    let now = OffsetDateTime::now_utc();
    for i in 0..n {
        let size = GIB * (1 + (i % 100) as i64);
        let state = match i % 50 {
            49 => "offline",
            24 => "restricted",
            _ => "online",
        };
        let created = now.checked_sub(time::Duration::minutes((n - i) as i64)).unwrap_or(now);
        let mut v = json!({
            "name": format!("vol{:05}", i + 1),
            "svm": svm,
            "size": size,
            "state": state,
            "type": "rw",
            "style": "flexvol",
            "space": space(size, size / 100 * (i % 90) as i64),
            "create_time": format_time(created),
        });
        if let Some(a) = aggregates.get(i % aggregates.len().max(1)) {
            v["aggregates"] = json!([a]);
        }
        if i % 10 == 0 {
            v["comment"] = Value::from(format!("seeded volume {}", i + 1));
        }
        engine.seed(res, &v)?;
    }
    Ok(())
}

/// LUNs: a name is a path, `/vol/<volume>/<lun>` or `/vol/<volume>/<qtree>/<lun>`, and
/// `location` is the same place in parts; a create gives one and ONTAP answers both
/// (NetApp's LUN documentation). The volume is looked up by name for its UUID.
#[derive(Debug)]
pub(crate) struct Luns;

impl Behaviour for Luns {
    fn create(&self, tx: &Tx<'_>, record: &mut Map<String, Value>) -> Result<(), Refusal> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let location = record.get("location").cloned().unwrap_or_else(|| json!({}));
        let volume = text(location.pointer("/volume/name"));
        let unit = text(location.get("logical_unit"));
        let qtree = text(location.pointer("/qtree/name")).filter(|q| !q.is_empty());
        match (text(record.get("name")), volume, unit) {
            (Some(name), None, None) => {
                let parts: Vec<&str> = name.trim_start_matches('/').split('/').collect();
                let (volume, qtree, unit) = match parts.as_slice() {
                    ["vol", volume, unit] => (*volume, None, *unit),
                    ["vol", volume, qtree, unit] => (*volume, Some(*qtree), *unit),
                    _ => {
                        return Err(Refusal::bad_request(
                            codes::INVALID_ARGUMENT,
                            format!("Invalid LUN name \"{name}\": it must be /vol/<volume>/[<qtree>/]<lun>."),
                        )
                        .target("name"));
                    }
                };
                let mut place = json!({"logical_unit": unit, "volume": {"name": volume}});
                if let Some(qtree) = qtree {
                    place["qtree"] = json!({"name": qtree});
                }
                record.insert("location".to_owned(), place);
            }
            (None, Some(volume), Some(unit)) => {
                let name = match &qtree {
                    Some(q) => format!("/vol/{volume}/{q}/{unit}"),
                    None => format!("/vol/{volume}/{unit}"),
                };
                record.insert("name".to_owned(), Value::from(name));
            }
            _ => {}
        }
        if let Some(Value::Object(place)) = record.get_mut("location")
            && let Some(Value::Object(volume)) = place.get_mut("volume")
            && !volume.contains_key("uuid")
            && let Some(found) = tx.find(VOLUMES, None, volume.get("name").and_then(Value::as_str))
            && let Some(uuid) = found.get("uuid")
        {
            volume.insert("uuid".to_owned(), uuid.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sizes_times() {
        assert!(check_volume_name("vol_1").is_ok());
        assert_eq!(check_volume_name("vol-1").unwrap_err().code, codes::INVALID_VOLUME_NAME);
        assert!(check_volume_name("1vol").is_err());
        assert!(check_volume_name("").is_err());
        assert!(check_size(MIN_SIZE).is_ok());
        assert_eq!(check_size(MIN_SIZE - 1).unwrap_err().code, codes::INVALID_VALUE);
        assert!(check_size(i64::MAX).is_err());
        assert!(check_snapshot_name("daily.2025-01-01_0010").is_ok());
        assert!(check_snapshot_name("daily 0").is_ok());
        assert!(check_snapshot_name("").is_err());
        assert!(check_snapshot_name(&"s".repeat(256)).is_err());
        assert_eq!(
            check_time("expiry_time", "2025-01-31T12:00:00Z").unwrap(),
            "2025-01-31T12:00:00+00:00"
        );
        assert!(check_time("expiry_time", "tomorrow").is_err());
        assert_eq!(space(100, 30), json!({"size": 100, "available": 70, "used": 30}));
        assert_eq!(space(100, 300)["available"], 0);
    }
}
