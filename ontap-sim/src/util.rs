//! Small helpers: job UUIDs, ONTAP timestamps, raw query parsing.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// RFC 3339 with a numeric offset (`2024-11-26T19:46:42+00:00`), never `Z`.
const ONTAP_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]");

/// The bytes a path segment keeps unencoded: RFC 3986's unreserved characters.
pub(crate) const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Formats a timestamp the way ONTAP does.
pub(crate) fn format_time(t: OffsetDateTime) -> String {
    t.format(ONTAP_TIME).unwrap_or_default()
}

/// The current time, formatted as ONTAP does.
pub(crate) fn now_string() -> String {
    format_time(OffsetDateTime::now_utc())
}

/// A few random bits from the standard library's randomly seeded hasher.
pub(crate) fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// Generates time-based (version 1 style) UUIDs like ONTAP's job UUIDs
/// (`f587d316-5feb-11e8-b0e0-005056956dfc`), unique within a simulator.
#[derive(Debug)]
pub(crate) struct UuidGen {
    next: AtomicU64,
    clock_seq: u16,
    node: u64,
}

impl UuidGen {
    pub fn new() -> Self {
        // 100 ns intervals since 1582-10-15, as in RFC 4122 version 1 UUIDs.
        const GREGORIAN_OFFSET: u64 = 0x01B2_1DD2_1381_4000;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() / 100)
            .unwrap_or_default() as u64;
        let r = random_u64();
        UuidGen {
            next: AtomicU64::new(now.wrapping_add(GREGORIAN_OFFSET)),
            clock_seq: (r as u16 & 0x3fff) | 0x8000,
            // A locally administered MAC-like node id.
            node: ((r >> 16) & 0xffff_ffff_ffff) | 0x0200_0000_0000,
        }
    }

    pub fn next_uuid(&self) -> String {
        let t = self.next.fetch_add(1, Ordering::Relaxed);
        format!(
            "{:08x}-{:04x}-1{:03x}-{:04x}-{:012x}",
            t as u32,
            (t >> 32) as u16,
            (t >> 48) & 0x0fff,
            self.clock_seq,
            self.node
        )
    }
}

/// One `key=value` pair of a query string, decoded, with its raw text kept for links.
#[derive(Debug, Clone)]
pub(crate) struct QueryParam {
    pub key: String,
    pub value: String,
    pub raw: String,
}

/// Splits a raw query string into decoded pairs (order kept). `+` is a space, as in forms.
pub(crate) fn parse_query(raw: Option<&str>) -> Vec<QueryParam> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|piece| {
            let (k, v) = match url::form_urlencoded::parse(piece.as_bytes()).next() {
                Some((k, v)) => (k.into_owned(), v.into_owned()),
                None => (String::new(), String::new()),
            };
            QueryParam {
                key: k,
                value: v,
                raw: piece.to_owned(),
            }
        })
        .collect()
}

/// Parses `true`/`false` as ONTAP does for boolean query parameters.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Parses an integer as ONTAP reads one given as text: digits with an optional sign, and
/// an optional size unit (`K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB`, `P`/`PB`, any case,
/// powers of 1024), so `"755"` is 755 and `"1G"` is 1073741824. `None` for anything
/// else or a value beyond `i64`.
pub(crate) fn parse_int_text(v: &str) -> Option<i64> {
    let t = v.trim();
    let digits_end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    let (number, unit) = t.split_at(digits_end);
    let n: i64 = number.parse().ok()?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" => 0,
        "k" | "kb" => 10,
        "m" | "mb" => 20,
        "g" | "gb" => 30,
        "t" | "tb" => 40,
        "p" | "pb" => 50,
        _ => return None,
    };
    n.checked_mul(1i64 << shift)
}

/// Case-insensitive glob match where `*` matches any run of characters.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_has_numeric_offset() {
        let s = format_time(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(s, "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn uuids_are_unique_and_ordered() {
        let g = UuidGen::new();
        let a = g.next_uuid();
        let b = g.next_uuid();
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
        assert_eq!(&a[14..15], "1");
    }

    #[test]
    fn integers_as_text_with_units() {
        assert_eq!(parse_int_text("755"), Some(755));
        assert_eq!(parse_int_text(" -3 "), Some(-3));
        assert_eq!(parse_int_text("1G"), Some(1 << 30));
        assert_eq!(parse_int_text("20mb"), Some(20 << 20));
        assert_eq!(parse_int_text("2TB"), Some(2 << 40));
        assert_eq!(parse_int_text("1.5G"), None);
        assert_eq!(parse_int_text("10X"), None);
        assert_eq!(parse_int_text("G"), None);
        assert_eq!(parse_int_text("9000000PB"), None, "beyond i64");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("succ*", "success"));
        assert!(wildcard_match("*ESS", "success"));
        assert!(wildcard_match("*c*e*", "success"));
        assert!(wildcard_match("success", "SUCCESS"));
        assert!(!wildcard_match("fail*", "success"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a", ""));
    }

    #[test]
    fn query_pairs_keep_raw_text() {
        let q = parse_query(Some("fields=state,message&description=POST%20%2Fapi*&x"));
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].value, "state,message");
        assert_eq!(q[1].value, "POST /api*");
        assert_eq!(q[1].raw, "description=POST%20%2Fapi*");
        assert_eq!(q[2].key, "x");
    }
}
