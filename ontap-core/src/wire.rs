//! The serde runtime that `#[derive(Resource)]`, `#[derive(Model)]` and
//! `#[derive(OpenEnum)]` share (reached as `ontap::__private`).
//!
//! A derived struct describes itself with a small table ([`Fields`]): its
//! wire names, sorted, and two generated methods that read or write one field
//! by index. The visitor, the key lookup and the map writing are written once,
//! here, so that each of thousands of generated types adds little code of its
//! own. The same holds for open enums ([`OpenValue`]).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A struct whose fields travel as the members of one JSON object, each an
/// `Option`: implemented by `#[derive(Resource)]` and `#[derive(Model)]`, and
/// read and written by [`deserialize_fields`] and [`serialize_fields`].
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::__private::{Fields, deserialize_fields, serialize_fields};
/// use serde::de::MapAccess;
/// use serde::ser::SerializeMap;
///
/// #[derive(Debug, PartialEq)]
/// struct Link {
///     href: Option<String>,
///     kind: Option<i64>,
/// }
///
/// impl Fields for Link {
///     const EXPECTING: &'static str = "a Link object";
///     const EMPTY: Self = Link { href: None, kind: None };
///     // Sorted by name: looked up by binary search.
///     const WIRE: &'static [(&'static str, u16)] = &[("href", 0), ("type", 1)];
///
///     fn deserialize_field<'de, A: MapAccess<'de>>(&mut self, index: u16, map: &mut A) -> Result<(), A::Error> {
///         match index {
///             0 => self.href = map.next_value()?,
///             1 => self.kind = map.next_value()?,
///             _ => {}
///         }
///         Ok(())
///     }
///
///     fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
///         if let Some(v) = &self.href { map.serialize_entry("href", v)?; }
///         if let Some(v) = &self.kind { map.serialize_entry("type", v)?; }
///         Ok(())
///     }
/// }
///
/// let mut de = serde_json::Deserializer::from_str(r#"{"type": 3, "other": [1], "href": null}"#);
/// let link: Link = deserialize_fields(&mut de).unwrap();
/// assert_eq!(link, Link { href: None, kind: Some(3) });
/// let mut out = Vec::new();
/// serialize_fields(&link, &mut serde_json::Serializer::new(&mut out)).unwrap();
/// assert_eq!(out, br#"{"type":3}"#);
/// ```
pub trait Fields: Sized {
    /// What the input should have been, for errors: `a Job object`.
    const EXPECTING: &'static str;
    /// The value with every field `None`: where decoding starts.
    const EMPTY: Self;
    /// Every wire name with the index of its field, sorted by name (byte
    /// order), so that a key is found by binary search.
    const WIRE: &'static [(&'static str, u16)];
    /// Where each first byte's names begin in [`Self::WIRE`] ([`buckets`]).
    const BUCKETS: [u16; 130] = buckets(Self::WIRE);

    /// Reads the value of the field at `index` (an index of [`Self::WIRE`])
    /// from `map` into `self`.
    fn deserialize_field<'de, A: MapAccess<'de>>(&mut self, index: u16, map: &mut A) -> Result<(), A::Error>;

    /// Writes every field that is set, by wire name, into `map`.
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// Where each first byte's names begin in a sorted [`Fields::WIRE`]: entry `b` is
/// the index of the first name whose first byte is `b` or more (a byte of 128 or
/// more counts as 128, an empty name as 0), entry 129 the table's length. Computed
/// at compile time, once per type that is decoded.
///
/// ```
/// let wire = [("_links", 0), ("name", 1), ("node", 2), ("size", 3)];
/// let buckets = ontap_core::__private::buckets(&wire);
/// assert_eq!(buckets[b'n' as usize]..buckets[b'n' as usize + 1], 1..3);
/// assert_eq!(buckets[129], 4);
/// ```
pub const fn buckets(wire: &[(&'static str, u16)]) -> [u16; 130] {
    let mut out = [0u16; 130];
    let mut byte = 0;
    let mut at = 0;
    while byte < 130 {
        while at < wire.len() && first_byte(wire[at].0.as_bytes()) < byte {
            at += 1;
        }
        out[byte] = at as u16;
        byte += 1;
    }
    out[129] = wire.len() as u16;
    out
}

/// A name's first byte as a bucket: 0 for an empty name, at most 128.
const fn first_byte(name: &[u8]) -> usize {
    match name.first() {
        Some(&b) if b < 128 => b as usize,
        Some(_) => 128,
        None => 0,
    }
}

/// The index of the field whose wire name is `key`, when there is one: among the
/// names that begin with its first byte ([`buckets`]), the one of its length and
/// bytes.
#[inline]
fn lookup(wire: &[(&'static str, u16)], buckets: &[u16; 130], key: &[u8]) -> Option<u16> {
    let bucket = first_byte(key);
    let (start, end) = (buckets[bucket] as usize, buckets[bucket + 1] as usize);
    wire.get(start..end)?
        .iter()
        .find(|(name, _)| name.len() == key.len() && name.as_bytes() == key)
        .map(|(_, index)| *index)
}

/// Reads one key of a map and looks it up, without copying it: a borrowed,
/// a transient (unescaped) and an owned key are all only compared.
struct Key(&'static [(&'static str, u16)], &'static [u16; 130]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<u16>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<u16>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(lookup(self.0, self.1, key.as_bytes()))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(lookup(self.0, self.1, key))
    }
}

struct FieldsVisitor<T>(PhantomData<T>);

impl<'de, T: Fields> Visitor<'de> for FieldsVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::EMPTY;
        while let Some(key) = map.next_key_seed(Key(T::WIRE, &T::BUCKETS))? {
            match key {
                Some(index) => value.deserialize_field(index, &mut map)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(value)
    }
}

/// Decodes a [`Fields`] type from a map: members are found by wire name,
/// members the type does not have are skipped, a member that is missing or
/// `null` leaves its field `None`, and of two members with the same name the
/// last one wins.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::Model;
///
/// #[derive(Debug, Default, PartialEq, Model)]
/// struct Node {
///     name: Option<String>,
/// }
///
/// let node: Node = serde_json::from_str(r#"{"name": "a", "uptime": 3, "name": "b"}"#).unwrap();
/// assert_eq!(node.name.as_deref(), Some("b"));
/// ```
pub fn deserialize_fields<'de, T: Fields, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(FieldsVisitor(PhantomData))
}

/// Encodes a [`Fields`] type as a map of the fields that are set, by wire name.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::Model;
///
/// #[derive(Debug, Default, Model)]
/// struct Node {
///     #[model(rename = "_name")]
///     name: Option<String>,
///     uptime: Option<u64>,
/// }
///
/// let node = Node { name: Some("a".into()), uptime: None };
/// assert_eq!(serde_json::to_string(&node).unwrap(), r#"{"_name":"a"}"#);
/// ```
pub fn serialize_fields<T: Fields, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    value.serialize_fields(&mut map)?;
    map.end()
}

/// Reads one field's value: `null` leaves it `None`.
#[inline]
pub fn read_field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// Writes one field as `wire: value` when it is set and nothing failed
/// before: the generated `serialize_fields` calls it for each field, then
/// returns `result`. (A chain of calls is cheaper to compile than a `?`
/// after each.)
#[inline]
pub fn write_field<M: SerializeMap, T: Serialize>(
    map: &mut M,
    wire: &'static str,
    value: &Option<T>,
    result: &mut Result<(), M::Error>,
) {
    if let (Some(value), Ok(())) = (value, &*result) {
        *result = map.serialize_entry(wire, value);
    }
}

/// Sets `slot` to `other` when `other` is set: how `Resource::merge` keeps
/// the fields an answer does not have.
///
/// ```
/// let mut slot = Some(1);
/// ontap_core::__private::merge_field(&mut slot, None);
/// assert_eq!(slot, Some(1));
/// ontap_core::__private::merge_field(&mut slot, Some(2));
/// assert_eq!(slot, Some(2));
/// ```
#[inline]
pub fn merge_field<T>(slot: &mut Option<T>, other: Option<T>) {
    if other.is_some() {
        *slot = other;
    }
}

/// An enum of the string values a server sends, that keeps the values it does
/// not name: implemented by `#[derive(OpenEnum)]`, and read and written by
/// [`deserialize_open`], [`serialize_open`] and [`parse_open`].
///
/// ```
/// use ontap_core::__private::{OpenValue, parse_open};
///
/// #[derive(Debug, PartialEq)]
/// enum State {
///     Up,
///     Other(String),
/// }
///
/// impl OpenValue for State {
///     const EXPECTING: &'static str = "a State as a string";
///     fn from_known(value: &str) -> Option<Self> {
///         (value == "up").then_some(State::Up)
///     }
///     fn unknown(value: String) -> Self {
///         State::Other(value)
///     }
///     fn wire(&self) -> &str {
///         match self {
///             State::Up => "up",
///             State::Other(value) => value,
///         }
///     }
/// }
///
/// assert_eq!(parse_open::<State>("up"), State::Up);
/// assert_eq!(parse_open::<State>("down"), State::Other("down".into()));
/// ```
pub trait OpenValue: Sized {
    /// What the input should have been, for errors.
    const EXPECTING: &'static str;

    /// The variant whose wire name is `value`, if any.
    fn from_known(value: &str) -> Option<Self>;

    /// The variant that keeps a value no other names.
    fn unknown(value: String) -> Self;

    /// The wire name, or the text kept by the `unknown` variant.
    fn wire(&self) -> &str;
}

/// The value named `value`, or the `unknown` variant holding it.
pub fn parse_open<T: OpenValue>(value: &str) -> T {
    T::from_known(value).unwrap_or_else(|| T::unknown(value.to_owned()))
}

struct OpenVisitor<T>(PhantomData<T>);

impl<'de, T: OpenValue> Visitor<'de> for OpenVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(parse_open(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<T, E> {
        Ok(match T::from_known(&value) {
            Some(known) => known,
            None => T::unknown(value),
        })
    }
}

/// Decodes an open enum from a string (borrowed or owned); anything but a
/// string is an error.
pub fn deserialize_open<'de, T: OpenValue, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_str(OpenVisitor(PhantomData))
}

/// Encodes an open enum as its wire name.
pub fn serialize_open<T: OpenValue, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.wire())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::MapAccess;
    use serde_json::json;

    /// A hand-written implementation, as the derive writes it.
    #[derive(Debug, Default, Clone, PartialEq)]
    struct Svm {
        name: Option<String>,
        uuid: Option<String>,
        links: Option<serde_json::Value>,
        size: Option<i64>,
    }

    impl Fields for Svm {
        const EXPECTING: &'static str = "an Svm object";
        const EMPTY: Self = Svm {
            name: None,
            uuid: None,
            links: None,
            size: None,
        };
        const WIRE: &'static [(&'static str, u16)] = &[("_links", 2), ("name", 0), ("size", 3), ("uuid", 1)];

        fn deserialize_field<'de, A: MapAccess<'de>>(&mut self, index: u16, map: &mut A) -> Result<(), A::Error> {
            match index {
                0 => self.name = map.next_value()?,
                1 => self.uuid = map.next_value()?,
                2 => self.links = map.next_value()?,
                3 => self.size = map.next_value()?,
                _ => {}
            }
            Ok(())
        }

        fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
            if let Some(v) = &self.name {
                map.serialize_entry("name", v)?;
            }
            if let Some(v) = &self.uuid {
                map.serialize_entry("uuid", v)?;
            }
            if let Some(v) = &self.links {
                map.serialize_entry("_links", v)?;
            }
            if let Some(v) = &self.size {
                map.serialize_entry("size", v)?;
            }
            Ok(())
        }
    }

    impl<'de> serde::Deserialize<'de> for Svm {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_fields(d)
        }
    }

    impl serde::Serialize for Svm {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize_fields(self, s)
        }
    }

    fn svm(name: &str, uuid: &str) -> Svm {
        Svm {
            name: Some(name.into()),
            uuid: Some(uuid.into()),
            ..Svm::default()
        }
    }

    #[test]
    fn the_table_is_sorted_and_found_by_binary_search() {
        assert!(Svm::WIRE.windows(2).all(|w| w[0].0 < w[1].0));
        for (name, index) in Svm::WIRE {
            assert_eq!(lookup(Svm::WIRE, &Svm::BUCKETS, name.as_bytes()), Some(*index));
        }
        for missing in ["", "Name", "names", "nam", "zzz", "_link", "_links_"] {
            assert_eq!(lookup(Svm::WIRE, &Svm::BUCKETS, missing.as_bytes()), None, "{missing}");
        }
        assert_eq!(lookup(&[], &buckets(&[]), b"name"), None);
        assert_eq!(lookup(&[], &buckets(&[]), b""), None);
        let odd = [("", 0), ("zz", 2), ("été", 1)];
        assert_eq!(lookup(&odd, &buckets(&odd), b""), Some(0));
        assert_eq!(lookup(&odd, &buckets(&odd), "été".as_bytes()), Some(1));
    }

    #[test]
    fn unknown_members_are_skipped_whatever_they_hold() {
        let text = r#"{"comment": "x", "name": "vs0", "nested": {"deep": [1, {"a": null}]}, "list": [], "uuid": "u1", "n": 1.5}"#;
        let value: Svm = serde_json::from_str(text).unwrap();
        assert_eq!(value, svm("vs0", "u1"));
    }

    #[test]
    fn null_and_missing_members_leave_none() {
        let value: Svm = serde_json::from_str(r#"{"name": null, "size": 4}"#).unwrap();
        assert_eq!(
            value,
            Svm {
                size: Some(4),
                ..Svm::default()
            }
        );
        let empty: Svm = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Svm::default());
    }

    #[test]
    fn of_duplicate_members_the_last_wins() {
        let value: Svm = serde_json::from_str(r#"{"name": "a", "uuid": "u", "name": "b"}"#).unwrap();
        assert_eq!(value, svm("b", "u"));
        let value: Svm = serde_json::from_str(r#"{"name": "a", "name": null}"#).unwrap();
        assert_eq!(value.name, None);
    }

    #[test]
    fn borrowed_escaped_and_owned_keys() {
        // Borrowed from the input.
        let value: Svm = serde_json::from_str(r#"{"name": "a", "_links": {"self": 1}}"#).unwrap();
        assert_eq!(value.links, Some(json!({"self": 1})));
        // Escaped: unescaped into a scratch buffer, then only compared.
        let value: Svm = serde_json::from_str(r#"{"n\u0061me": "a", "\u005flinks": 2}"#).unwrap();
        assert_eq!(value.name.as_deref(), Some("a"));
        assert_eq!(value.links, Some(json!(2)));
        // Owned: from a `serde_json::Value`, whose keys are `String`s.
        let value: Svm = serde_json::from_value(json!({"name": "a", "uuid": "u", "other": true})).unwrap();
        assert_eq!(value, svm("a", "u"));
        // From a byte slice, as a reader-based deserializer gives them.
        let value: Svm = serde_json::from_reader(&br#"{"uuid": "u", "name": "a"}"#[..]).unwrap();
        assert_eq!(value, svm("a", "u"));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let err = serde_json::from_str::<Svm>("[1]").unwrap_err().to_string();
        assert!(err.contains("expected an Svm object"), "{err}");
        let err = serde_json::from_str::<Svm>(r#"{"size": "big"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type: string \"big\", expected i64"), "{err}");
        assert!(serde_json::from_str::<Svm>("null").is_err());
    }

    #[test]
    fn only_set_fields_are_written_in_declaration_order() {
        let value = Svm {
            size: Some(1),
            ..svm("vs0", "u1")
        };
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"name":"vs0","uuid":"u1","size":1}"#
        );
        assert_eq!(serde_json::to_string(&Svm::default()).unwrap(), "{}");
        let back: Svm = serde_json::from_value(serde_json::to_value(&value).unwrap()).unwrap();
        assert_eq!(back, value);
    }

    #[derive(Debug, PartialEq)]
    enum State {
        Up,
        Down,
        Other(String),
    }

    impl OpenValue for State {
        const EXPECTING: &'static str = "a State as a string";

        fn from_known(value: &str) -> Option<Self> {
            match value {
                "up" => Some(State::Up),
                "down" => Some(State::Down),
                _ => None,
            }
        }

        fn unknown(value: String) -> Self {
            State::Other(value)
        }

        fn wire(&self) -> &str {
            match self {
                State::Up => "up",
                State::Down => "down",
                State::Other(value) => value,
            }
        }
    }

    #[test]
    fn open_values_from_borrowed_and_owned_strings() {
        let de = |text: &str| deserialize_open::<State, _>(&mut serde_json::Deserializer::from_str(text));
        assert_eq!(de(r#""up""#).unwrap(), State::Up);
        assert_eq!(de(r#""d\u006fwn""#).unwrap(), State::Down);
        assert_eq!(de(r#""sideways""#).unwrap(), State::Other("sideways".into()));
        let err = de("3").unwrap_err().to_string();
        assert!(err.contains("expected a State as a string"), "{err}");
        let owned = deserialize_open::<State, _>(json!("new")).unwrap();
        assert_eq!(owned, State::Other("new".into()));
        assert_eq!(
            serialize_open(&State::Other("x".into()), serde_json::value::Serializer).unwrap(),
            json!("x")
        );
        assert_eq!(parse_open::<State>("down"), State::Down);
    }
}
