//! Records kept as JSON objects and described by a static schema: the schema gives the
//! field order of ONTAP's answers, the names `fields=` accepts, and the simple fields that
//! filters and `order_by` can use. Keys of a record that the schema does not name are never
//! written.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::api::SelfLink;
use crate::collection::{Listing, Scalar, ScalarKind};

/// A stored record: a JSON object.
pub(crate) type Doc = serde_json::Map<String, Value>;

/// The type of a field in a schema.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Str,
    Int,
    Object(&'static [Field]),
    /// An array of objects.
    Array(&'static [Field]),
}

/// A named field of a schema.
#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

impl Field {
    pub const fn str(name: &'static str) -> Field {
        Field { name, kind: Kind::Str }
    }

    pub const fn int(name: &'static str) -> Field {
        Field { name, kind: Kind::Int }
    }

    pub const fn object(name: &'static str, children: &'static [Field]) -> Field {
        Field {
            name,
            kind: Kind::Object(children),
        }
    }

    pub const fn array(name: &'static str, children: &'static [Field]) -> Field {
        Field {
            name,
            kind: Kind::Array(children),
        }
    }
}

/// Which fields of a record an answer carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sel {
    All,
    Some(Vec<(&'static str, Sel)>),
}

impl Sel {
    fn child(&self, name: &str) -> Option<&Sel> {
        match self {
            Sel::All => Some(&Sel::All),
            Sel::Some(v) => v.iter().find(|(n, _)| *n == name).map(|(_, s)| s),
        }
    }
}

fn children(kind: Kind) -> Option<&'static [Field]> {
    match kind {
        Kind::Object(c) | Kind::Array(c) => Some(c),
        _ => None,
    }
}

fn valid_path(fields: &'static [Field], segs: &[&str]) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        return false;
    };
    let Some(f) = fields.iter().find(|f| f.name == *first) else {
        return false;
    };
    rest.is_empty() || children(f.kind).is_some_and(|c| valid_path(c, rest))
}

/// Adds an already validated path to a selection.
fn add_path(sel: &mut Sel, fields: &'static [Field], segs: &[&str]) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    let Some(f) = fields.iter().find(|f| f.name == *first) else {
        return;
    };
    let Sel::Some(entries) = sel else { return };
    let idx = match entries.iter().position(|(n, _)| *n == f.name) {
        Some(i) => i,
        None => {
            entries.push((f.name, Sel::Some(Vec::new())));
            entries.len() - 1
        }
    };
    let entry = &mut entries[idx].1;
    match children(f.kind) {
        Some(c) if !rest.is_empty() => add_path(entry, c, rest),
        _ => *entry = Sel::All,
    }
}

/// Parses a `fields=` value against a schema (`*`, `**`, names, `a.b`, comma lists).
/// `Err` names the first unknown field.
pub(crate) fn parse_selection(schema: &'static [Field], value: &str) -> Result<Sel, String> {
    let mut sel = Sel::Some(Vec::new());
    for raw in value.split(',') {
        let name = raw.trim();
        match name {
            "" | "_links" | "_links.self" => {}
            "*" | "**" => sel = Sel::All,
            _ => {
                let segs: Vec<&str> = name.split('.').collect();
                if !valid_path(schema, &segs) {
                    return Err(name.to_owned());
                }
                add_path(&mut sel, schema, &segs);
            }
        }
    }
    Ok(sel)
}

/// A simple field named by a dotted path (at most four levels deep).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldPath {
    segs: [&'static str; 4],
    len: usize,
}

impl FieldPath {
    /// Resolves a dotted name to a simple (string, number or boolean) field.
    pub fn resolve(schema: &'static [Field], name: &str) -> Option<(FieldPath, ScalarKind)> {
        let mut path = FieldPath { segs: [""; 4], len: 0 };
        let mut fields = schema;
        let mut parts = name.split('.').peekable();
        while let Some(part) = parts.next() {
            let f = fields.iter().find(|f| f.name == part)?;
            *path.segs.get_mut(path.len)? = f.name;
            path.len += 1;
            match (f.kind, parts.peek().is_some()) {
                (Kind::Object(c) | Kind::Array(c), true) => fields = c,
                (Kind::Str, false) => return Some((path, ScalarKind::Str)),
                (Kind::Int, false) => return Some((path, ScalarKind::Int)),
                _ => return None,
            }
        }
        None
    }

    fn segs(&self) -> &[&'static str] {
        &self.segs[..self.len]
    }
}

fn scalar(v: &Value) -> Option<Scalar<'_>> {
    match v {
        Value::String(s) => Some(Scalar::Str(s)),
        Value::Number(n) => n.as_i64().map(Scalar::Int),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

/// Visits the values at `segs` below `v` (every element of the arrays on the way).
fn visit(v: &Value, segs: &[&str], f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
    match (v, segs.split_first()) {
        (Value::Array(items), _) => items.iter().any(|item| visit(item, segs, f)),
        (Value::Object(map), Some((first, rest))) => map.get(*first).is_some_and(|child| visit(child, rest, f)),
        (_, None) => scalar(v).is_some_and(f),
        _ => false,
    }
}

/// Visits the values of a simple field of a record.
pub(crate) fn visit_doc(doc: &Doc, path: FieldPath, f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
    let segs = path.segs();
    match segs.split_first() {
        Some((first, rest)) => doc.get(*first).is_some_and(|v| visit(v, rest, f)),
        None => false,
    }
}

/// The first value of a simple field of a record (the first element's, below an array).
pub(crate) fn first_value(doc: &Doc, path: FieldPath) -> Option<Scalar<'_>> {
    let (first, rest) = path.segs().split_first()?;
    let mut v = doc.get(*first)?;
    for seg in rest {
        if let Value::Array(items) = v {
            v = items.first()?;
        }
        v = v.get(*seg)?;
    }
    if let Value::Array(items) = v {
        v = items.first()?;
    }
    scalar(v)
}

/// A record written through a schema and a selection, in the schema's order.
pub(crate) struct DocView<'a> {
    pub doc: &'a Doc,
    pub schema: &'static [Field],
    pub sel: &'a Sel,
    /// Top-level fields written whatever the selection (the keys).
    pub always: &'static [&'static str],
    /// `_links.self.href`, when links are written.
    pub href: Option<&'a str>,
}

impl Serialize for DocView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for f in self.schema {
            let sub = match self.sel.child(f.name) {
                Some(sub) => sub,
                None if self.always.contains(&f.name) => &Sel::All,
                None => continue,
            };
            match self.doc.get(f.name) {
                None | Some(Value::Null) => {}
                Some(v) => m.serialize_entry(
                    f.name,
                    &ValueView {
                        v,
                        kind: f.kind,
                        sel: sub,
                    },
                )?,
            }
        }
        if let Some(href) = self.href {
            m.serialize_entry("_links", &SelfLink(href))?;
        }
        m.end()
    }
}

struct ValueView<'a> {
    v: &'a Value,
    kind: Kind,
    sel: &'a Sel,
}

impl Serialize for ValueView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.kind, self.v) {
            (Kind::Object(schema), Value::Object(doc)) => DocView {
                doc,
                schema,
                sel: self.sel,
                always: &[],
                href: None,
            }
            .serialize(s),
            (Kind::Array(schema), Value::Array(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&ValueView {
                        v,
                        kind: Kind::Object(schema),
                        sel: self.sel,
                    })?;
                }
                seq.end()
            }
            (_, v) => v.serialize(s),
        }
    }
}

/// A resource whose records are [`Doc`]s.
#[derive(Debug)]
pub(crate) struct DocKind {
    pub schema: &'static [Field],
    /// The key field (unique in the store, the cursor).
    pub key: &'static str,
    /// Fields every answer carries (the key first), the collection default.
    pub always: &'static [&'static str],
    /// The record's own path (`_links.self.href`).
    pub href: fn(&Doc) -> String,
}

impl DocKind {
    /// A string field of a record (`""` when absent).
    pub fn str_of<'d>(doc: &'d Doc, name: &str) -> &'d str {
        doc.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    /// Writes one record (`fields`: the selection; instance GETs default to all).
    pub fn view<'a>(&self, doc: &'a Doc, sel: &'a Sel, href: Option<&'a str>) -> DocView<'a> {
        DocView {
            doc,
            schema: self.schema,
            sel,
            always: self.always,
            href,
        }
    }
}

/// The [`Listing`] of a [`DocKind`].
pub(crate) struct DocListing<'k>(pub &'k DocKind);

impl Listing for DocListing<'_> {
    type Record = Doc;
    type Field = FieldPath;
    type Fields = Sel;

    fn key_name(&self) -> &str {
        self.0.key
    }

    fn field(&self, name: &str) -> Option<(FieldPath, ScalarKind)> {
        FieldPath::resolve(self.0.schema, name)
    }

    fn any_value(&self, record: &Doc, field: FieldPath, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        visit_doc(record, field, visit)
    }

    fn value<'r>(&self, record: &'r Doc, field: FieldPath) -> Option<Scalar<'r>> {
        first_value(record, field)
    }

    fn parse_fields(&self, value: &str) -> Result<Sel, String> {
        parse_selection(self.0.schema, value)
    }

    fn default_fields(&self) -> Sel {
        Sel::Some(Vec::new())
    }

    fn write<S: Serializer>(
        &self,
        _key: &str,
        record: &Doc,
        fields: &Sel,
        links: bool,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let href = links.then(|| (self.0.href)(record));
        self.0.view(record, fields, href.as_deref()).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const REF: &[Field] = &[Field::str("name"), Field::str("uuid")];
    const SCHEMA: &[Field] = &[
        Field::str("uuid"),
        Field::str("name"),
        Field::object("svm", REF),
        Field::array("aggregates", REF),
        Field::int("size"),
        Field::str("comment"),
    ];

    fn doc() -> Doc {
        let v = json!({
            "size": 10, "name": "vol1", "uuid": "u1", "hidden": true,
            "svm": {"uuid": "s1", "name": "vs0"},
            "aggregates": [{"name": "aggr1", "uuid": "a1"}, {"name": "aggr2", "uuid": "a2"}],
        });
        v.as_object().unwrap().clone()
    }

    fn write(sel: &Sel, href: Option<&str>) -> String {
        let d = doc();
        serde_json::to_string(&DocView {
            doc: &d,
            schema: SCHEMA,
            sel,
            always: &["uuid", "name"],
            href,
        })
        .unwrap()
    }

    #[test]
    fn schema_order_keys_and_hidden_fields() {
        assert_eq!(
            write(&Sel::All, Some("/x/u1")),
            r#"{"uuid":"u1","name":"vol1","svm":{"name":"vs0","uuid":"s1"},"aggregates":[{"name":"aggr1","uuid":"a1"},{"name":"aggr2","uuid":"a2"}],"size":10,"_links":{"self":{"href":"/x/u1"}}}"#
        );
        let sel = parse_selection(SCHEMA, "size,svm.name,aggregates.uuid").unwrap();
        assert_eq!(
            write(&sel, None),
            r#"{"uuid":"u1","name":"vol1","svm":{"name":"vs0"},"aggregates":[{"uuid":"a1"},{"uuid":"a2"}],"size":10}"#
        );
        assert_eq!(
            write(&parse_selection(SCHEMA, "").unwrap(), None),
            r#"{"uuid":"u1","name":"vol1"}"#
        );
    }

    #[test]
    fn selection_errors_name_the_field() {
        assert_eq!(parse_selection(SCHEMA, "size,colour"), Err("colour".to_owned()));
        assert_eq!(parse_selection(SCHEMA, "svm.colour"), Err("svm.colour".to_owned()));
        assert_eq!(parse_selection(SCHEMA, "size.x"), Err("size.x".to_owned()));
        assert_eq!(parse_selection(SCHEMA, "**"), Ok(Sel::All));
        // A whole object after one of its fields selects all of it.
        let sel = parse_selection(SCHEMA, "svm.name,svm").unwrap();
        assert_eq!(sel, Sel::Some(vec![("svm", Sel::All)]));
    }

    #[test]
    fn paths_resolve_to_simple_fields_only() {
        assert!(FieldPath::resolve(SCHEMA, "svm.name").is_some());
        assert!(FieldPath::resolve(SCHEMA, "aggregates.name").is_some());
        assert_eq!(FieldPath::resolve(SCHEMA, "size").map(|p| p.1), Some(ScalarKind::Int));
        assert!(FieldPath::resolve(SCHEMA, "svm").is_none());
        assert!(FieldPath::resolve(SCHEMA, "svm.name.x").is_none());
        assert!(FieldPath::resolve(SCHEMA, "nope").is_none());
        assert!(FieldPath::resolve(SCHEMA, "").is_none());
    }

    #[test]
    fn visits_every_array_element() {
        let d = doc();
        let (p, _) = FieldPath::resolve(SCHEMA, "aggregates.name").unwrap();
        let mut seen = Vec::new();
        visit_doc(&d, p, &mut |v| {
            if let Scalar::Str(s) = v {
                seen.push(s.to_owned());
            }
            false
        });
        assert_eq!(seen, ["aggr1", "aggr2"]);
        let (p, _) = FieldPath::resolve(SCHEMA, "comment").unwrap();
        assert!(!visit_doc(&d, p, &mut |_| true));
        assert!(first_value(&d, p).is_none());
        let (p, _) = FieldPath::resolve(SCHEMA, "aggregates.name").unwrap();
        assert!(matches!(first_value(&d, p), Some(Scalar::Str("aggr1"))));
        let (p, _) = FieldPath::resolve(SCHEMA, "svm.uuid").unwrap();
        assert!(matches!(first_value(&d, p), Some(Scalar::Str("s1"))));
    }
}
