//! Records in a compact form: objects are slices of (interned name, value) in the model's
//! field order, so a million records fit in memory and answers come out in ONTAP's order.
//! Bodies are checked against the model while they are converted.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use super::schema::{Catalog, Sym, Ty, TypeId};
use crate::error::{Refusal, codes};
use crate::http::SelfLink;
use crate::json::JsonOut;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    /// A string of up to [`Short::CAPACITY`] bytes, kept in place (names, states, types).
    Short(Short),
    /// A longer string.
    Long(Box<str>),
    Arr(Box<[V]>),
    /// Fields in the model's order.
    Obj(Box<[(Sym, V)]>),
    /// A value the model gives no shape to, kept as sent.
    Json(Box<Value>),
}

/// A short string kept inside the value: no allocation for most names and enum values.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    len: u8,
    buf: [u8; Short::CAPACITY],
}

impl Short {
    /// The longest string kept in place (a value stays 24 bytes).
    pub const CAPACITY: usize = 22;

    fn new(s: &str) -> Option<Short> {
        let len = s.len();
        (len <= Self::CAPACITY).then(|| {
            let mut buf = [0; Self::CAPACITY];
            buf[..len].copy_from_slice(s.as_bytes());
            Short { len: len as u8, buf }
        })
    }

    fn as_str(&self) -> &str {
        // Built from a `&str` cut at its end: always UTF-8.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl V {
    /// A string value (in place when it is short).
    pub fn text(s: &str) -> V {
        match Short::new(s) {
            Some(short) => V::Short(short),
            None => V::Long(s.into()),
        }
    }

    /// An object without fields.
    pub fn empty() -> V {
        V::Obj(Box::default())
    }

    /// The field `sym` of an object.
    pub fn get(&self, sym: Sym) -> Option<&V> {
        match self {
            V::Obj(fields) => fields.iter().find(|(s, _)| *s == sym).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at a field path (the first element's, below an array).
    pub fn at(&self, path: &[Sym]) -> Option<&V> {
        let mut v = self;
        for sym in path {
            if let V::Arr(items) = v {
                v = items.first()?;
            }
            v = v.get(*sym)?;
        }
        Some(v)
    }

    /// The text of a string or number value (how keys are compared and written in paths).
    pub fn key_text(&self) -> Option<String> {
        match self {
            V::Short(_) | V::Long(_) => self.as_str().map(str::to_owned),
            V::Int(i) => Some(i.to_string()),
            V::Num(n) => Some(n.to_string()),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Short(s) => Some(s.as_str()),
            V::Long(s) => Some(s),
            _ => None,
        }
    }

    /// Sets the value at a field path, creating the objects on the way (keeping `cat`'s
    /// field order under `ty`).
    pub fn set_path(&mut self, cat: &Catalog, ty: TypeId, path: &[Sym], value: V) {
        let Some((first, rest)) = path.split_first() else {
            *self = value;
            return;
        };
        if !matches!(self, V::Obj(_)) {
            *self = V::empty();
        }
        let field_ty = cat
            .fields(cat.item(ty))
            .iter()
            .find(|f| f.sym == *first)
            .map_or(0, |f| f.ty);
        let V::Obj(fields) = self else { return };
        let mut list: Vec<(Sym, V)> = std::mem::take(fields).into_vec();
        match list.iter_mut().find(|(s, _)| s == first) {
            Some((_, child)) => child.set_path(cat, field_ty, rest, value),
            None => {
                let mut child = V::Null;
                child.set_path(cat, field_ty, rest, value);
                list.push((*first, child));
            }
        }
        sort_fields(cat, ty, &mut list);
        *fields = list.into_boxed_slice();
    }

    /// Applies a PATCH: fields replace, `null` removes, objects merge.
    pub fn merge(&mut self, cat: &Catalog, ty: TypeId, patch: V) {
        match (self, patch) {
            (V::Obj(fields), V::Obj(changes)) => {
                let mut list: Vec<(Sym, V)> = std::mem::take(fields).into_vec();
                for (sym, change) in changes.into_vec() {
                    let pos = list.iter().position(|(s, _)| *s == sym);
                    match (pos, change) {
                        (Some(i), V::Null) => {
                            list.remove(i);
                        }
                        (None, V::Null) => {}
                        (Some(i), change @ V::Obj(_)) if matches!(list[i].1, V::Obj(_)) => {
                            let field_ty = cat
                                .fields(cat.item(ty))
                                .iter()
                                .find(|f| f.sym == sym)
                                .map_or(0, |f| f.ty);
                            list[i].1.merge(cat, field_ty, change);
                        }
                        (Some(i), change) => list[i].1 = change,
                        (None, change) => list.push((sym, change)),
                    }
                }
                sort_fields(cat, ty, &mut list);
                *fields = list.into_boxed_slice();
            }
            (target, patch) => *target = patch,
        }
    }

    /// The value as JSON.
    pub fn to_json(&self, cat: &Catalog) -> Value {
        match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Int(i) => Value::from(*i),
            V::Num(n) => Value::from(*n),
            V::Short(_) | V::Long(_) => Value::String(self.as_str().unwrap_or_default().to_owned()),
            V::Arr(items) => Value::Array(items.iter().map(|v| v.to_json(cat)).collect()),
            V::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(s, v)| (cat.name(*s).to_owned(), v.to_json(cat)))
                    .collect(),
            ),
            V::Json(v) => (**v).clone(),
        }
    }
}

fn sort_fields(cat: &Catalog, ty: TypeId, list: &mut [(Sym, V)]) {
    let fields = cat.fields(cat.item(ty));
    list.sort_by_key(|(s, _)| fields.iter().position(|f| f.sym == *s).unwrap_or(usize::MAX));
}

/// Which verb a body is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Post,
    Patch,
    /// Seeded data: every field the model has, whatever its roles.
    Seed,
    /// A change the engine completed (every field, `null` kept).
    Change,
}

/// Converts a JSON body to a stored value, checking it against the model: unknown fields,
/// fields the verb cannot set, types, enum values and bounds. `null` is kept in a PATCH
/// (it clears the field) and dropped elsewhere. Fields GET never returns are dropped.
pub(crate) fn convert(cat: &Catalog, ty: TypeId, body: &Value, verb: Verb) -> Result<V, Refusal> {
    Converter { cat, verb }.value(ty, body, "")
}

/// Converts a change the engine completed (trusted: every field; `null` clears).
pub(crate) fn convert_change(cat: &Catalog, ty: TypeId, body: &Value) -> Result<V, Refusal> {
    convert(cat, ty, body, Verb::Change)
}

struct Converter<'c> {
    cat: &'c Catalog,
    verb: Verb,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn wrong_type(path: &str, what: &str) -> Refusal {
    Refusal::bad_request(
        codes::INVALID_VALUE,
        format!("Invalid value for field \"{path}\": expected {what}."),
    )
    .target(path)
}

impl Converter<'_> {
    fn value(&self, ty: TypeId, v: &Value, path: &str) -> Result<V, Refusal> {
        let cat = self.cat;
        Ok(match (cat.ty(ty), v) {
            (_, Value::Null) => V::Null,
            (Ty::Any, v) => V::Json(Box::new(v.clone())),
            (Ty::Str { values }, Value::String(s)) => {
                if let Some(values) = values
                    && !values.iter().any(|allowed| **allowed == **s)
                {
                    let list: Vec<&str> = values.iter().map(|v| &**v).collect();
                    return Err(Refusal::bad_request(
                        codes::INVALID_VALUE,
                        format!(
                            "\"{s}\" is an invalid value for field \"{path}\". Valid values: {}.",
                            list.join(", ")
                        ),
                    )
                    .target(path));
                }
                V::text(s)
            }
            // ONTAP reads a number or a boolean given for a text field as its text.
            (Ty::Str { .. }, Value::Number(_) | Value::Bool(_)) => {
                self.value(ty, &Value::String(v.to_string()), path)?
            }
            (Ty::Str { .. }, _) => return Err(wrong_type(path, "a string")),
            (Ty::Int { values }, Value::Number(_) | Value::String(_)) => {
                let i = match v {
                    Value::Number(n) => n.as_i64(),
                    // A number as text (`"755"`), a size with its unit (`"1G"`).
                    _ => v.as_str().and_then(crate::util::parse_int_text),
                }
                .ok_or_else(|| wrong_type(path, "an integer"))?;
                if let Some(values) = values
                    && !values.contains(&i)
                {
                    return Err(Refusal::bad_request(
                        codes::INVALID_VALUE,
                        format!("{i} is an invalid value for field \"{path}\"."),
                    )
                    .target(path));
                }
                V::Int(i)
            }
            (Ty::Int { .. }, _) => return Err(wrong_type(path, "an integer")),
            (Ty::Num, Value::Number(n)) => match n.as_i64() {
                Some(i) => V::Int(i),
                None => V::Num(n.as_f64().unwrap_or_default()),
            },
            (Ty::Num, Value::String(s)) => match crate::util::parse_int_text(s) {
                Some(i) => V::Int(i),
                None => V::Num(
                    s.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .ok_or_else(|| wrong_type(path, "a number"))?,
                ),
            },
            (Ty::Num, _) => return Err(wrong_type(path, "a number")),
            (Ty::Bool, Value::Bool(b)) => V::Bool(*b),
            (Ty::Bool, Value::String(s)) => {
                V::Bool(crate::util::parse_bool(s.trim()).ok_or_else(|| wrong_type(path, "a boolean"))?)
            }
            (Ty::Bool, _) => return Err(wrong_type(path, "a boolean")),
            (Ty::Array(item), Value::Array(items)) => V::Arr(
                items
                    .iter()
                    .map(|v| self.value(*item, v, path))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_boxed_slice(),
            ),
            // A list of objects given field by field (`"users.name": ["a", "b"]`, which
            // Ansible's na_ontap_quotas sends): one object per value.
            (Ty::Array(item), Value::Object(map)) if matches!(cat.ty(*item), Ty::Object(_)) => {
                let len = map
                    .values()
                    .filter_map(Value::as_array)
                    .map(Vec::len)
                    .max()
                    .unwrap_or(1);
                let objects: Vec<Value> = (0..len)
                    .map(|i| {
                        Value::Object(
                            map.iter()
                                .map(|(k, v)| {
                                    let one = match v {
                                        Value::Array(values) => values.get(i).cloned().unwrap_or(Value::Null),
                                        other => other.clone(),
                                    };
                                    (k.clone(), one)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                self.value(ty, &Value::Array(objects), path)?
            }
            (Ty::Array(_), _) => return Err(wrong_type(path, "an array")),
            (Ty::Object(_), Value::Object(map)) => self.object(ty, map, path)?,
            // A reference named by a string (`"snapshot_policy": "default"`) is the
            // reference with that name.
            (Ty::Object(_), Value::String(name)) if cat.field(ty, "name").is_some() => {
                let mut map = serde_json::Map::new();
                map.insert("name".to_owned(), Value::String(name.clone()));
                self.object(ty, &map, path)?
            }
            (Ty::Object(_), _) => return Err(wrong_type(path, "an object")),
        })
    }

    fn object(&self, ty: TypeId, map: &serde_json::Map<String, Value>, path: &str) -> Result<V, Refusal> {
        let cat = self.cat;
        let fields = cat.fields(ty);
        let mut out: Vec<(usize, Sym, V)> = Vec::with_capacity(map.len());
        for (name, v) in map {
            if name == "_links" {
                continue;
            }
            let here = join(path, name);
            let Some((index, f)) = cat
                .sym(name)
                .and_then(|sym| fields.iter().enumerate().find(|(_, f)| f.sym == sym))
            else {
                // The simulator's own records name fields of the whole model.
                if self.verb == Verb::Seed && cat.cut_to.is_some() {
                    continue;
                }
                return Err(Refusal::unexpected_argument(&here));
            };
            let allowed = match self.verb {
                Verb::Post => f.roles.post,
                Verb::Patch => f.roles.patch,
                Verb::Seed | Verb::Change => true,
            };
            // A reference's own fields (`svm.name`) carry no markers: the reference's
            // role decided on the way down.
            if !allowed {
                return Err(Refusal::bad_request(
                    codes::NOT_SETTABLE,
                    format!("Field \"{here}\" cannot be set in this operation."),
                )
                .target(here));
            }
            let value = self.value(f.ty, v, &here)?;
            if let Some(limits) = &f.limits {
                check_limits(limits, &value, &here)?;
            }
            if !f.roles.get && matches!(self.verb, Verb::Post | Verb::Patch) {
                // Never read back (passwords, one-shot options): not kept.
                continue;
            }
            if value == V::Null && !matches!(self.verb, Verb::Patch | Verb::Change) {
                continue;
            }
            out.push((index, f.sym, value));
        }
        out.sort_by_key(|(i, _, _)| *i);
        Ok(V::Obj(out.into_iter().map(|(_, s, v)| (s, v)).collect()))
    }
}

fn check_limits(limits: &super::schema::Limits, v: &V, path: &str) -> Result<(), Refusal> {
    let out_of_range = |what: String| {
        Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("Field \"{path}\" is out of range: {what}."),
        )
        .target(path))
    };
    let number = match v {
        V::Int(i) => Some(*i as f64),
        V::Num(n) => Some(*n),
        _ => None,
    };
    if let Some(n) = number {
        if let Some(min) = limits.min
            && n < min
        {
            return out_of_range(format!("{n} is less than {min}"));
        }
        if let Some(max) = limits.max
            && n > max
        {
            return out_of_range(format!("{n} is more than {max}"));
        }
    }
    if let Some(s) = v.as_str() {
        let len = s.chars().count() as u64;
        if let Some(min) = limits.min_len
            && len < min
        {
            return out_of_range(format!("at least {min} characters are needed"));
        }
        if let Some(max) = limits.max_len
            && len > max
        {
            return out_of_range(format!("at most {max} characters are allowed"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// fields=

/// Which fields an answer carries: all of them (`*`), some, and the ones taken out (`!x`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Sel {
    pub all: bool,
    pub children: Vec<(Sym, Sel)>,
    pub removed: bool,
}

impl Sel {
    pub const ALL: Sel = Sel {
        all: true,
        children: Vec::new(),
        removed: false,
    };

    fn child(&self, sym: Sym) -> Option<&Sel> {
        match self.children.iter().find(|(s, _)| *s == sym) {
            Some((_, c)) if c.removed && c.children.is_empty() => None,
            Some((_, c)) => Some(c),
            None if self.all => Some(&ALL),
            None => None,
        }
    }

    fn entry(&mut self, sym: Sym) -> &mut Sel {
        let inherit = self.all;
        let i = match self.children.iter().position(|(s, _)| *s == sym) {
            Some(i) => i,
            None => {
                self.children.push((
                    sym,
                    Sel {
                        all: inherit,
                        ..Sel::default()
                    },
                ));
                self.children.len() - 1
            }
        };
        &mut self.children[i].1
    }

    /// Adds a field path (all of its last field).
    pub fn include(&mut self, path: &[Sym]) {
        let Some((first, rest)) = path.split_first() else {
            self.all = true;
            return;
        };
        let child = self.entry(*first);
        child.removed = false;
        if rest.is_empty() {
            child.all = true;
        } else {
            child.include(rest);
        }
    }

    fn exclude(&mut self, path: &[Sym]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let child = self.entry(*first);
        if rest.is_empty() {
            child.removed = true;
            child.children.clear();
        } else {
            child.exclude(rest);
        }
    }
}

static ALL: Sel = Sel::ALL;

/// Expands `a.{b,c}` groups and splits a `fields=` value at its top-level commas.
fn expand(value: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.checked_sub(1).ok_or_else(|| value.to_owned())?,
            ',' if depth == 0 => {
                items.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(value.to_owned());
    }
    items.push(&value[start..]);
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        match item.find('{') {
            None => out.push(item.to_owned()),
            Some(open) => {
                let close = item.rfind('}').ok_or_else(|| item.to_owned())?;
                if close != item.len() - 1 || close < open {
                    return Err(item.to_owned());
                }
                let prefix = &item[..open];
                for inner in expand(&item[open + 1..close])? {
                    out.push(format!("{prefix}{inner}"));
                }
            }
        }
    }
    Ok(out)
}

/// Parses `fields=` for records of `ty`: `*` (every field but the `expensive` ones), `**`
/// (every field), names, `a.b`, `a.{b,c}`, `!x`. `Err` names the first field the records
/// do not have.
pub(crate) fn parse_fields(cat: &Catalog, ty: TypeId, value: &str, expensive: &[Vec<Sym>]) -> Result<Sel, String> {
    let (mut star, mut double_star) = (false, false);
    let mut included = Vec::new();
    let mut excluded = Vec::new();
    for item in expand(value)? {
        let (negate, name) = match item.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, item.as_str()),
        };
        if name.is_empty() || name == "_links" || name.starts_with("_links.") {
            continue;
        }
        match name {
            "*" => star = true,
            "**" => double_star = true,
            _ => {
                let Some((path, _)) = cat.resolve(ty, name) else {
                    return Err(name.to_owned());
                };
                if negate {
                    excluded.push(path);
                } else {
                    included.push(path);
                }
            }
        }
    }
    let mut sel = Sel {
        all: star || double_star || (included.is_empty() && !excluded.is_empty()),
        ..Sel::default()
    };
    if sel.all && !double_star {
        for path in expensive {
            sel.exclude(path);
        }
    }
    for path in &included {
        sel.include(path);
    }
    for path in &excluded {
        sel.exclude(path);
    }
    Ok(sel)
}

/// Every field but the `expensive` ones: what `fields=*` selects.
pub(crate) fn standard_fields(expensive: &[Vec<Sym>]) -> Sel {
    let mut sel = Sel::ALL;
    for path in expensive {
        sel.exclude(path);
    }
    sel
}

// ---------------------------------------------------------------------------------------
// writing

/// A record written with a selection, `_links.self` last.
pub(crate) struct View<'a> {
    pub cat: &'a Catalog,
    pub v: &'a V,
    pub sel: &'a Sel,
    pub href: Option<&'a str>,
}

impl Serialize for View<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let V::Obj(fields) = self.v {
            for (sym, v) in fields.iter() {
                if let Some(sub) = self.sel.child(*sym) {
                    m.serialize_entry(
                        self.cat.name(*sym),
                        &Part {
                            cat: self.cat,
                            v,
                            sel: sub,
                        },
                    )?;
                }
            }
        }
        if let Some(href) = self.href {
            m.serialize_entry("_links", &SelfLink(href))?;
        }
        m.end()
    }
}

impl View<'_> {
    /// Writes the record as its `Serialize` implementation does, at `depth` (see
    /// [`crate::json`]), straight into `out`.
    #[cfg(test)]
    pub fn write(&self, out: &mut JsonOut, depth: usize) {
        out.scratch.clear();
        if let Some(href) = self.href {
            out.scratch.push_str(href);
        }
        write_record(self.cat, self.v, self.sel, self.href.is_some(), out, depth);
    }
}

/// Writes a record as [`View`] serializes it, at `depth`, straight into `out`: the fields
/// of `v` that `sel` selects, then, with `links`, `_links.self` with the text in
/// `out.scratch` as its `href`.
pub(crate) fn write_record(cat: &Catalog, v: &V, sel: &Sel, links: bool, out: &mut JsonOut, depth: usize) {
    out.open(b'{');
    let any = write_fields(cat, v, sel, out, depth);
    if links {
        out.raw_key(depth, !any, b"\"_links\": ");
        out.open(b'{');
        out.raw_key(depth + 1, true, b"\"self\": ");
        out.open(b'{');
        out.raw_key(depth + 2, true, b"\"href\": ");
        out.scratch_str();
        out.close(depth + 2, b'}', true);
        out.close(depth + 1, b'}', true);
    }
    out.close(depth, b'}', any || links);
}

/// The selected fields of an object at `depth`, each after its key; true if there was one.
fn write_fields(cat: &Catalog, v: &V, sel: &Sel, out: &mut JsonOut, depth: usize) -> bool {
    let mut first = true;
    if let V::Obj(fields) = v {
        for (sym, v) in fields.iter() {
            if let Some(sub) = sel.child(*sym) {
                out.padded_key(depth, first, cat.json_key(*sym));
                first = false;
                write_part(cat, v, sub, out, depth + 1);
            }
        }
    }
    !first
}

/// A value as [`Part`] serializes it, at `depth`.
fn write_part(cat: &Catalog, v: &V, sel: &Sel, out: &mut JsonOut, depth: usize) {
    match v {
        V::Null => out.bytes.extend_from_slice(b"null"),
        V::Bool(b) => out.bytes.extend_from_slice(if *b { b"true" } else { b"false" }),
        V::Int(i) => out.scalar(i),
        V::Num(n) => out.scalar(n),
        V::Short(t) => out.str(t.as_str()),
        V::Long(t) => out.str(t),
        V::Json(v) => out.serialized(depth, &**v),
        V::Obj(_) => {
            out.open(b'{');
            let any = write_fields(cat, v, sel, out, depth);
            out.close(depth, b'}', any);
        }
        V::Arr(items) => {
            out.open(b'[');
            for (i, v) in items.iter().enumerate() {
                out.item(depth, i == 0);
                write_part(cat, v, sel, out, depth + 1);
            }
            out.close(depth, b']', !items.is_empty());
        }
    }
}

struct Part<'a> {
    cat: &'a Catalog,
    v: &'a V,
    sel: &'a Sel,
}

impl Serialize for Part<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.v {
            V::Null => s.serialize_unit(),
            V::Bool(b) => s.serialize_bool(*b),
            V::Int(i) => s.serialize_i64(*i),
            V::Num(n) => s.serialize_f64(*n),
            V::Short(t) => s.serialize_str(t.as_str()),
            V::Long(t) => s.serialize_str(t),
            V::Json(v) => v.serialize(s),
            V::Obj(_) => View {
                cat: self.cat,
                v: self.v,
                sel: self.sel,
                href: None,
            }
            .serialize(s),
            V::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items.iter() {
                    seq.serialize_element(&Part {
                        cat: self.cat,
                        v,
                        sel: self.sel,
                    })?;
                }
                seq.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::vendored;
    use super::*;
    use serde_json::json;

    fn volume_ty(cat: &Catalog) -> TypeId {
        cat.resources
            .iter()
            .find(|r| r.path.text == "/storage/volumes")
            .unwrap()
            .ty
    }

    #[test]
    fn bodies_are_checked_and_kept_in_the_models_order() {
        let cat = vendored();
        let ty = volume_ty(&cat);
        let body = json!({"size": 1024, "name": "vol1", "svm": {"name": "vs0"}, "comment": null});
        let v = convert(&cat, ty, &body, Verb::Post).unwrap();
        let out = serde_json::to_value(View {
            cat: &cat,
            v: &v,
            sel: &Sel::ALL,
            href: None,
        })
        .unwrap();
        assert_eq!(out, json!({"name": "vol1", "size": 1024, "svm": {"name": "vs0"}}));
        let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).collect();
        let name_pos = cat.fields(ty).iter().position(|f| cat.name(f.sym) == "name").unwrap();
        let size_pos = cat.fields(ty).iter().position(|f| cat.name(f.sym) == "size").unwrap();
        assert_eq!(keys[0], if name_pos < size_pos { "name" } else { "size" });

        let err = convert(&cat, ty, &json!({"colour": "red"}), Verb::Post).unwrap_err();
        assert_eq!(
            (err.code, err.target.as_deref()),
            (codes::UNEXPECTED_ARGUMENT, Some("colour"))
        );
        let err = convert(&cat, ty, &json!({"svm": {"colour": "red"}}), Verb::Post).unwrap_err();
        assert_eq!(err.target.as_deref(), Some("svm.colour"));
        let err = convert(&cat, ty, &json!({"uuid": "x"}), Verb::Patch).unwrap_err();
        assert_eq!((err.code, err.target.as_deref()), (codes::NOT_SETTABLE, Some("uuid")));
        let err = convert(&cat, ty, &json!({"size": "big"}), Verb::Post).unwrap_err();
        assert_eq!((err.code, err.target.as_deref()), (codes::INVALID_VALUE, Some("size")));
        let err = convert(&cat, ty, &json!({"state": "sleepy"}), Verb::Patch).unwrap_err();
        assert_eq!((err.code, err.target.as_deref()), (codes::INVALID_VALUE, Some("state")));
    }

    #[test]
    fn values_stay_small_and_short_strings_in_place() {
        assert_eq!(std::mem::size_of::<V>(), 24);
        assert!(matches!(V::text("vol00001"), V::Short(_)));
        assert!(matches!(V::text(&"x".repeat(Short::CAPACITY)), V::Short(_)));
        assert!(matches!(V::text(&"x".repeat(Short::CAPACITY + 1)), V::Long(_)));
        assert_eq!(V::text("é and ü").as_str(), Some("é and ü"));
        assert_eq!(V::text(&"y".repeat(40)).as_str().map(str::len), Some(40));
    }

    #[test]
    fn patches_merge_and_null_clears() {
        let cat = vendored();
        let ty = volume_ty(&cat);
        let mut v = convert(
            &cat,
            ty,
            &json!({"name": "v", "comment": "c", "snapshot_policy": {"name": "default"}}),
            Verb::Seed,
        )
        .unwrap();
        let patch = convert(
            &cat,
            ty,
            &json!({"comment": null, "snapshot_policy": {"uuid": "u"}}),
            Verb::Patch,
        )
        .unwrap();
        v.merge(&cat, ty, patch);
        assert_eq!(
            v.to_json(&cat),
            json!({"name": "v", "snapshot_policy": {"name": "default", "uuid": "u"}})
        );
    }

    /// The fast writer against the `Serialize` implementation, byte for byte, at several
    /// depths, with and without `_links`.
    #[test]
    fn written_records_are_the_serialized_ones() {
        let cat = vendored();
        let ty = volume_ty(&cat);
        let sym = |name: &str| cat.sym(name).unwrap();
        let seeded = convert(
            &cat,
            ty,
            &json!({
                "name": "v\"1\\ é 😀\u{1}",
                "comment": "x".repeat(100),
                "size": 5,
                "svm": {"name": "vs0", "uuid": "u"},
                "aggregates": [{"name": "a1"}, {"name": "a2", "uuid": "u2"}],
                "space": {"size": 10, "used": 0},
                "state": "online",
            }),
            Verb::Seed,
        )
        .unwrap();
        // Values no body converts to: floats (finite or not), raw JSON, nulls, empty
        // containers, arrays of arrays.
        let odd = V::Obj(
            vec![
                (sym("name"), V::Null),
                (sym("comment"), V::Num(1.5)),
                (sym("size"), V::Num(f64::NAN)),
                (sym("state"), V::Num(-0.0)),
                (sym("type"), V::Num(1e300)),
                (sym("style"), V::Num(f64::INFINITY)),
                (sym("uuid"), V::Int(i64::MIN)),
                (sym("svm"), V::empty()),
                (sym("aggregates"), V::Arr(Box::default())),
                (
                    sym("space"),
                    V::Json(Box::new(json!({"b": [1, {"c": {}}, []], "a": "\n", "f": 2.25}))),
                ),
                (
                    sym("snapshot_policy"),
                    V::Arr(vec![V::Arr(vec![V::Bool(true), V::Bool(false)].into()), V::text("t")].into()),
                ),
                (sym("create_time"), V::Json(Box::new(json!(null)))),
            ]
            .into_boxed_slice(),
        );
        let sels = [
            Sel::ALL,
            Sel::default(),
            parse_fields(&cat, ty, "name,svm.name", &[]).unwrap(),
            parse_fields(&cat, ty, "!svm.uuid,!comment", &[]).unwrap(),
            parse_fields(&cat, ty, "svm.uuid,aggregates.uuid,space", &[]).unwrap(),
        ];
        for v in [&seeded, &odd, &V::empty(), &V::Int(3)] {
            for sel in &sels {
                for href in [None, Some("/api/storage/volumes/a%2Fb\"")] {
                    let view = View {
                        cat: &cat,
                        v,
                        sel,
                        href,
                    };
                    for depth in [0, 1, 2, 5] {
                        let mut expected = JsonOut::default();
                        expected.serialized(depth, &view);
                        let mut out = JsonOut::default();
                        view.write(&mut out, depth);
                        assert_eq!(
                            String::from_utf8(out.bytes).unwrap(),
                            String::from_utf8(expected.bytes).unwrap(),
                            "depth {depth}, {sel:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn selections() {
        let cat = vendored();
        let ty = volume_ty(&cat);
        let v = convert(
            &cat,
            ty,
            &json!({"name": "v", "comment": "c", "size": 5, "svm": {"name": "vs0", "uuid": "u"}}),
            Verb::Seed,
        )
        .unwrap();
        let write = |fields: &str| {
            let sel = parse_fields(&cat, ty, fields, &[]).unwrap();
            serde_json::to_value(View {
                cat: &cat,
                v: &v,
                sel: &sel,
                href: None,
            })
            .unwrap()
        };
        assert_eq!(
            write("svm.{name,uuid},size"),
            json!({"size": 5, "svm": {"name": "vs0", "uuid": "u"}})
        );
        assert_eq!(
            write("!comment,!svm.uuid"),
            json!({"name": "v", "size": 5, "svm": {"name": "vs0"}})
        );
        assert_eq!(write("*,!svm"), json!({"name": "v", "comment": "c", "size": 5}));
        assert_eq!(write("svm.name"), json!({"svm": {"name": "vs0"}}));
        assert_eq!(parse_fields(&cat, ty, "svm.colour", &[]), Err("svm.colour".to_owned()));
        assert_eq!(parse_fields(&cat, ty, "svm.{name", &[]), Err("svm.{name".to_owned()));
    }
}
