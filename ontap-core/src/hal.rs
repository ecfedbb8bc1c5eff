//! HAL links (`_links`) and timestamps, as ONTAP writes them.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One link: `{"href": "/api/cluster/jobs/..."}`.
///
/// ```
/// let href: ontap_core::Href = serde_json::from_str(r#"{"href": "/api/cluster"}"#).unwrap();
/// assert_eq!(href.href, "/api/cluster");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct Href {
    /// The link's target, a path starting with `/api/`.
    pub href: String,
}

/// An object's `_links`: `self`, and `next` on a collection page.
///
/// ```
/// let links: ontap_core::Links =
///     serde_json::from_str(r#"{"self": {"href": "/api/cluster/jobs/1"}}"#).unwrap();
/// assert_eq!(links.self_link.unwrap().href, "/api/cluster/jobs/1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct Links {
    /// The object itself.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<Href>,
    /// The next page of a collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Href>,
}

/// A point in time with its UTC offset, as ONTAP writes it
/// (`2024-11-26T19:46:42+00:00`). Any RFC 3339 text is read; it is written
/// back with a numeric offset.
///
/// ```
/// let t: ontap_core::Timestamp = serde_json::from_str(r#""2020-01-09T15:38:08-05:00""#).unwrap();
/// assert_eq!(t.0.offset().whole_hours(), -5);
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2020-01-09T15:38:08-05:00""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub OffsetDateTime);

const ONTAP_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(ONTAP_FORMAT) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339)
            .map(Timestamp)
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time: {e}")))
    }
}
