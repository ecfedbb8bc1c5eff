//! Reading an object by its keys ([`ResourceExt::fetch`]): [`IntoKeys`],
//! the instance path the keys fill, and the keys an answer leaves out, set
//! from the call.

use std::fmt::Display;

use http::Method;
use serde_json::Value;
use tracing::Instrument as _;

#[cfg(doc)]
use super::ResourceExt;
use super::operation_span;
use crate::connection::HostConnection;
use crate::error::Error;
use crate::request::{self, Query, RequestSpec, is_dot_segment};
use crate::resource::Resource;
use crate::response::Response;

/// The keys [`ResourceExt::fetch`] reads an object by, in the order of its
/// instance path: the parent keys of the collection path's placeholders,
/// then [`Resource::KEYS`].
///
/// Implemented for one key (`&str`, `String`, `&String`, an integer), for
/// lists of keys (`[T; N]`, `&[T; N]`, `&[T]`, `Vec<T>` of any `T` that
/// displays as the key: `&str`, `String`, integers), and for `()`, the no
/// key of a singleton. Sealed: its method is not part of the API.
///
/// ```
/// fn takes_keys(_: impl ontap_core::IntoKeys) {}
/// takes_keys("028baa66");
/// takes_keys(["0a1b2c3d", "admin"]);
/// takes_keys(vec![String::from("policy"), String::from("rule")]);
/// takes_keys([7_i64, 1]);
/// takes_keys(());
/// ```
pub trait IntoKeys: sealed::Sealed {
    #[doc(hidden)]
    fn into_keys(self) -> Vec<String>;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! one_key {
    ($($key:ty),*) => {$(
        impl sealed::Sealed for $key {}
        impl IntoKeys for $key {
            fn into_keys(self) -> Vec<String> {
                vec![self.to_string()]
            }
        }
    )*};
}

one_key!(&str, String, &String, i32, i64, u32, u64);

impl sealed::Sealed for () {}
impl IntoKeys for () {
    fn into_keys(self) -> Vec<String> {
        Vec::new()
    }
}

impl<T: Display, const N: usize> sealed::Sealed for [T; N] {}
impl<T: Display, const N: usize> IntoKeys for [T; N] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display, const N: usize> sealed::Sealed for &[T; N] {}
impl<T: Display, const N: usize> IntoKeys for &[T; N] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display> sealed::Sealed for &[T] {}
impl<T: Display> IntoKeys for &[T] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display> sealed::Sealed for Vec<T> {}
impl<T: Display> IntoKeys for Vec<T> {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

/// The keys of `R`'s instance path, in order: the placeholders of
/// [`Resource::PATH`], then [`Resource::KEYS`].
fn path_keys<R: Resource>() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = R::PATH
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    names.extend_from_slice(R::KEYS);
    names
}

/// The instance path of `R` with `keys` for `names`, refused before any
/// request when the count is wrong, a key empty or a dot segment.
fn keyed_path<R: Resource>(names: &[&'static str], keys: &[String]) -> Result<String, Error> {
    if keys.len() != names.len() {
        return Err(Error::KeyCount {
            resource: R::NAME,
            keys: names.to_vec(),
            given: keys.len(),
        });
    }
    for (name, value) in names.iter().zip(keys) {
        if value.is_empty() {
            return Err(Error::MissingKey {
                resource: R::NAME,
                key: (*name).to_owned(),
            });
        }
        if is_dot_segment(value) {
            return Err(Error::InvalidKey {
                resource: R::NAME,
                key: (*name).to_owned(),
                value: value.clone(),
            });
        }
    }
    // The parent keys fill the placeholders in order (`names` begins with
    // them), then each of the object's own keys is one more segment.
    let (parents, own) = keys.split_at(names.len() - R::KEYS.len());
    let mut path = String::with_capacity(R::PATH.len() + keys.iter().map(|k| k.len() + 1).sum::<usize>());
    let mut parents = parents.iter();
    let mut segments = R::PATH.split('{');
    path.push_str(segments.next().unwrap_or_default());
    for segment in segments {
        let Some((_, after)) = segment.split_once('}') else {
            continue;
        };
        if let Some(value) = parents.next() {
            request::push_component(&mut path, value);
        }
        path.push_str(after);
    }
    for value in own {
        path.push('/');
        request::push_component(&mut path, value);
    }
    Ok(path)
}

pub(super) async fn fetch_by_keys<R: Resource>(
    conn: &HostConnection,
    keys: Vec<String>,
    query: Query,
) -> Result<R, Error> {
    let names = path_keys::<R>();
    let path = keyed_path::<R>(&names, &keys)?;
    let span = operation_span::<R>("get", || Ok(path.clone()));
    crate::guard::check::<R>(conn, crate::guard::Op::Get, &query, None).await?;
    let response = conn
        .execute(&RequestSpec::new(Method::GET, &path, &query).with_route(crate::request::instance_route::<R>()))
        .instrument(span)
        .await?;
    decode_keyed(&response, &names, &keys)
}

/// The object of an answer to a GET by keys, with each key the answer does
/// not carry set from `keys`: as text, or, when the field does not read
/// from text (an integer key), as the number the text is.
fn decode_keyed<R: Resource>(response: &Response, names: &[&str], keys: &[String]) -> Result<R, Error> {
    // Most answers have their keys: the object is decoded once, typed, and its
    // keys are looked at in it. Only an answer that lacks one is read again.
    let resource: R = response.decode()?;
    if names.iter().all(|name| has_key_set(&resource, name)) {
        return Ok(resource);
    }
    let json: Value = response.decode()?;
    let Value::Object(object) = &json else {
        return Err(response.decode_error_text("the answer to a GET of one object is not a JSON object"));
    };
    let missing: Vec<(&str, &str)> = names
        .iter()
        .zip(keys)
        .filter(|(name, _)| !has_key(object, name))
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    if missing.is_empty() {
        return Ok(resource);
    }
    let numeric = missing
        .iter()
        .any(|(_, text)| text.parse::<serde_json::Number>().is_ok());
    match serde_json::from_value(with_keys(json.clone(), &missing, false)) {
        Ok(resource) => Ok(resource),
        Err(err) if numeric => {
            serde_json::from_value(with_keys(json, &missing, true)).map_err(|_| response.decode_error(err))
        }
        Err(err) => Err(response.decode_error(err)),
    }
}

/// Whether `value` has a value at `key` (`uuid`, `owner.uuid`) that can fill a
/// path: a non-empty string, a number or a boolean. Read through its
/// `Serialize`: only the members on the key's path are looked at, none is
/// encoded.
fn has_key_set<T: serde::Serialize>(value: &T, key: &str) -> bool {
    value.serialize(KeyAt { path: key, name: false }).unwrap_or(false)
}

/// A serializer that answers a question about what it is given: with `name`,
/// whether it is the member name `path`; otherwise whether it holds, at the
/// dotted `path` (`""` for itself), a value that can fill a path.
struct KeyAt<'a> {
    path: &'a str,
    name: bool,
}

/// Encodes nothing: a list is neither a key nor a member name.
type NotKey = serde::ser::Impossible<bool, serde_json::Error>;

fn not_key<T>() -> Result<T, serde_json::Error> {
    Err(serde::ser::Error::custom("not a key"))
}

macro_rules! scalar_keys {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, _: $ty) -> Result<bool, serde_json::Error> {
            Ok(!self.name && self.path.is_empty())
        })*
    };
}

impl<'a> serde::Serializer for KeyAt<'a> {
    type Ok = bool;
    type Error = serde_json::Error;
    type SerializeSeq = NotKey;
    type SerializeTuple = NotKey;
    type SerializeTupleStruct = NotKey;
    type SerializeTupleVariant = NotKey;
    type SerializeMap = MemberAt<'a>;
    type SerializeStruct = MemberAt<'a>;
    type SerializeStructVariant = NotKey;

    scalar_keys!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char)
    );

    fn serialize_str(self, v: &str) -> Result<bool, serde_json::Error> {
        Ok(if self.name {
            v == self.path
        } else {
            self.path.is_empty() && !v.is_empty()
        })
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<bool, serde_json::Error> {
        Ok(false)
    }
    fn serialize_none(self) -> Result<bool, serde_json::Error> {
        Ok(false)
    }
    fn serialize_some<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<bool, serde_json::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, serde_json::Error> {
        Ok(false)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, serde_json::Error> {
        Ok(false)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<bool, serde_json::Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, serde_json::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: serde::Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, serde_json::Error> {
        Ok(false)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<NotKey, serde_json::Error> {
        not_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<NotKey, serde_json::Error> {
        not_key()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<NotKey, serde_json::Error> {
        not_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<NotKey, serde_json::Error> {
        not_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<MemberAt<'a>, serde_json::Error> {
        if self.name || self.path.is_empty() {
            return not_key();
        }
        let (head, rest) = self.path.split_once('.').unwrap_or((self.path, ""));
        Ok(MemberAt {
            head,
            rest,
            on_path: false,
            found: false,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MemberAt<'a>, serde_json::Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<NotKey, serde_json::Error> {
        not_key()
    }
}

/// The members of an object, looked at for the one named `head`, whose value
/// is looked at for the `rest` of a key's path. The last member so named
/// decides, as in decoding.
struct MemberAt<'a> {
    head: &'a str,
    rest: &'a str,
    /// Whether the member name given last is `head`.
    on_path: bool,
    found: bool,
}

impl MemberAt<'_> {
    fn value<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        self.found = value
            .serialize(KeyAt {
                path: self.rest,
                name: false,
            })
            .unwrap_or(false);
    }
}

impl serde::ser::SerializeMap for MemberAt<'_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_key<T: serde::Serialize + ?Sized>(&mut self, key: &T) -> Result<(), serde_json::Error> {
        self.on_path = key
            .serialize(KeyAt {
                path: self.head,
                name: true,
            })
            .unwrap_or(false);
        Ok(())
    }
    fn serialize_value<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        if self.on_path {
            self.value(value);
        }
        Ok(())
    }
    fn end(self) -> Result<bool, serde_json::Error> {
        Ok(self.found)
    }
}

impl serde::ser::SerializeStruct for MemberAt<'_> {
    type Ok = bool;
    type Error = serde_json::Error;

    fn serialize_field<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), serde_json::Error> {
        if key == self.head {
            self.value(value);
        }
        Ok(())
    }
    fn end(self) -> Result<bool, serde_json::Error> {
        Ok(self.found)
    }
}

/// Whether `object` has a value at `key` (`uuid`, `owner.uuid`) that can
/// fill a path: a non-empty string, a number or a boolean.
fn has_key(object: &serde_json::Map<String, Value>, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(mut value) = parts.next().and_then(|first| object.get(first)) else {
        return false;
    };
    for part in parts {
        match value.get(part) {
            Some(inner) => value = inner,
            None => return false,
        }
    }
    match value {
        Value::String(text) => !text.is_empty(),
        Value::Number(_) | Value::Bool(_) => true,
        _ => false,
    }
}

/// `json` with each of `keys` set at its path, as a string, or as a number
/// when `numbers` and the text is one.
fn with_keys(mut json: Value, keys: &[(&str, &str)], numbers: bool) -> Value {
    for (key, text) in keys {
        let value = match text.parse::<serde_json::Number>() {
            Ok(number) if numbers => Value::Number(number),
            _ => Value::String((*text).to_owned()),
        };
        set_at(&mut json, key, value);
    }
    json
}

/// Sets the value at `key` (`owner.uuid`) when it is missing, null or
/// empty; a path through a value that is not an object is left alone.
fn set_at(json: &mut Value, key: &str, value: Value) {
    let mut slot = json;
    for part in key.split('.') {
        if slot.is_null() {
            *slot = Value::Object(serde_json::Map::new());
        }
        let Value::Object(object) = slot else {
            return;
        };
        slot = object.entry(part).or_insert(Value::Null);
    }
    if slot.is_null() || slot.as_str() == Some("") {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[derive(Debug, Clone, Default, PartialEq, crate::Model)]
    struct Reference {
        uuid: Option<String>,
        name: Option<String>,
    }

    /// Two keys, the second an integer, the first a member of a field.
    #[derive(Debug, Clone, Default, PartialEq, crate::Resource)]
    #[resource(path = "/storage/qtrees", collection, delete)]
    struct Qtree {
        #[resource(get, key = "uuid")]
        volume: Option<Reference>,
        #[resource(get, key)]
        id: Option<i64>,
        #[get]
        name: Option<String>,
    }

    /// A parent key in the path, then its own.
    #[derive(Debug, Clone, Default, PartialEq, crate::Resource)]
    #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection, delete)]
    struct Snapshot {
        #[get]
        volume: Option<Reference>,
        #[resource(get, key)]
        uuid: Option<String>,
        #[get]
        name: Option<String>,
    }

    #[test]
    fn a_key_is_found_in_the_decoded_object_as_in_its_json() {
        let names = path_keys::<Qtree>();
        for body in [
            r#"{"volume": {"uuid": "v1"}, "id": 7}"#,
            r#"{"volume": {"uuid": ""}, "id": 0}"#,
            r#"{"volume": {"name": "n"}, "id": null}"#,
            r#"{"volume": null}"#,
            r#"{"name": "q", "volume": {"uuid": "a"}, "volume": {"uuid": "b"}}"#,
            r#"{"volume": {"uuid": "a"}, "volume": {"name": "b"}}"#,
            "{}",
        ] {
            let typed: Qtree = serde_json::from_str(body).unwrap();
            let Value::Object(json) = serde_json::from_str(body).unwrap() else {
                unreachable!()
            };
            for name in &names {
                assert_eq!(has_key_set(&typed, name), has_key(&json, name), "{name} in {body}");
            }
        }
        let qtree = Qtree {
            volume: Some(Reference {
                uuid: Some("v".into()),
                name: None,
            }),
            id: Some(7),
            name: None,
        };
        assert!(has_key_set(&qtree, "volume.uuid") && has_key_set(&qtree, "id"));
        assert!(!has_key_set(&qtree, "volume.name") && !has_key_set(&qtree, "name"));
        assert!(!has_key_set(&qtree, "volume") && !has_key_set(&qtree, "id.x") && !has_key_set(&qtree, ""));
    }

    fn answer(body: &str) -> Response {
        Response::new(
            Method::GET,
            "/x".into(),
            StatusCode::OK,
            http::HeaderMap::new(),
            bytes::Bytes::copy_from_slice(body.as_bytes()),
        )
    }

    fn keys(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn the_path_of_keys_fills_the_placeholders_then_appends_the_keys() {
        let names = path_keys::<Snapshot>();
        assert_eq!(names, ["volume.uuid", "uuid"]);
        assert_eq!(
            keyed_path::<Snapshot>(&names, &keys(&["v 1", "s/2"])).unwrap(),
            "/storage/volumes/v%201/snapshots/s%2F2"
        );
        let names = path_keys::<Qtree>();
        assert_eq!(names, ["volume.uuid", "id"]);
        assert_eq!(
            keyed_path::<Qtree>(&names, &keys(&["v", "7"])).unwrap(),
            "/storage/qtrees/v/7"
        );
        let err = keyed_path::<Qtree>(&names, &keys(&["v"])).unwrap_err();
        assert!(matches!(err, Error::KeyCount { given: 1, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Qtree is read by 2 keys, `volume.uuid` then `id`; 1 given"
        );
        let err = keyed_path::<Qtree>(&names, &keys(&["v", ""])).unwrap_err();
        assert!(matches!(&err, Error::MissingKey { key, .. } if key == "id"), "{err:?}");
        let err = keyed_path::<Qtree>(&names, &keys(&["..", "1"])).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKey { key, .. } if key == "volume.uuid"),
            "{err:?}"
        );
    }

    #[test]
    fn the_keys_an_answer_leaves_out_are_set_from_the_call() {
        let names = path_keys::<Qtree>();
        // Neither key in the answer: a member of a field, and an integer.
        let qtree: Qtree = decode_keyed(&answer(r#"{"name": "q"}"#), &names, &keys(&["v1", "7"])).unwrap();
        assert_eq!(qtree.id, Some(7));
        assert_eq!(qtree.volume.as_ref().and_then(|v| v.uuid.as_deref()), Some("v1"));
        assert_eq!(crate::instance_path(&qtree).unwrap(), "/storage/qtrees/v1/7");
        // What the answer says wins; a parent object keeps its other members.
        let qtree: Qtree = decode_keyed(
            &answer(r#"{"volume": {"name": "vol1"}, "id": 8, "name": "q"}"#),
            &names,
            &keys(&["v1", "7"]),
        )
        .unwrap();
        assert_eq!(qtree.id, Some(8));
        assert_eq!(
            qtree.volume,
            Some(Reference {
                uuid: Some("v1".into()),
                name: Some("vol1".into())
            })
        );

        let names = path_keys::<Snapshot>();
        let snapshot: Snapshot = decode_keyed(
            &answer(r#"{"uuid": "s1", "volume": null}"#),
            &names,
            &keys(&["v1", "s1"]),
        )
        .unwrap();
        assert_eq!(
            crate::instance_path(&snapshot).unwrap(),
            "/storage/volumes/v1/snapshots/s1"
        );
        // A key that is a number as text stays text where the field is text.
        let snapshot: Snapshot = decode_keyed(&answer("{}"), &names, &keys(&["12", "34"])).unwrap();
        assert_eq!(snapshot.uuid.as_deref(), Some("34"));

        // An answer that is not one object is a decoding error.
        let err = decode_keyed::<Snapshot>(&answer("[]"), &names, &keys(&["v1", "s1"])).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }
}
