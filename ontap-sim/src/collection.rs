//! Collection GETs for every resource: `fields`, `max_records` with an opaque `_links.next`
//! cursor, `return_records=false`, `order_by=<field> [asc|desc]` and ONTAP's filters.
//!
//! A resource takes part by implementing [`Listing`] over the records of its store (a
//! `BTreeMap` ordered by the resource's key). Paging is stable: the cursor names the first
//! record of the next page by its sort value and its key, never by a position, so every
//! record is returned exactly once, in order, even while records come and go between pages.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use axum::http::{StatusCode, header};

use crate::error::{Refusal, codes};
use crate::http::{Answer, Links, Negotiated, parse_fields_error, parse_return_records, parse_return_timeout};
use crate::json::JsonOut;
use crate::util::{QueryParam, parse_bool, parse_query, wildcard_match};

/// One value of a simple field, as filters and `order_by` see it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    Int(i64),
    Num(f64),
    Bool(bool),
}

/// The type of a simple field (how a cursor value is read back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarKind {
    Str,
    Int,
    Num,
    Bool,
}

/// What a resource provides so that its collection can be listed.
pub(crate) trait Listing {
    /// A stored record.
    type Record;
    /// A simple field filters and `order_by` can name.
    type Field: Copy;
    /// A parsed `fields=` value.
    type Fields;

    /// The key field's name (`uuid`, `version`): the cursor parameter is `start.<key>`.
    fn key_name(&self) -> &str;
    /// Resolves a simple field by its dotted name.
    fn field(&self, name: &str) -> Option<(Self::Field, ScalarKind)>;
    /// Resolves the field a query filter names: a simple field, or what the resource
    /// also reads as one (a reference by its name).
    fn filter(&self, name: &str) -> Option<(Self::Field, ScalarKind)> {
        self.field(name)
    }
    /// Calls `visit` on each value the field has in the record (none when it is absent,
    /// one per element below an array) until it returns true; true if one did.
    fn any_value(&self, record: &Self::Record, field: Self::Field, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool;
    /// The field's first value in the record (its sort value), if it has one.
    fn value<'r>(&self, record: &'r Self::Record, field: Self::Field) -> Option<Scalar<'r>>;
    /// Parses `fields=`; `Err` names the first unknown field.
    fn parse_fields(&self, value: &str) -> Result<Self::Fields, String>;
    /// The fields of a record in a collection when the query names none.
    fn default_fields(&self) -> Self::Fields;
    /// Adds a field to a selection: the records carry the fields a query filters on.
    fn include(&self, fields: &mut Self::Fields, field: Self::Field);
    /// Writes one record (stored under `key`) with the selected fields, with or without
    /// `_links`, into `out` at `depth` (as serde_json's pretty writer would, see
    /// [`crate::json`]).
    fn write(
        &self,
        key: &str,
        record: &Self::Record,
        fields: &Self::Fields,
        links: bool,
        out: &mut JsonOut,
        depth: usize,
    );
}

// ---------------------------------------------------------------------------------------
// filters: field=value with `*`, `!`, `|`, `<`, `>`, `<=`, `>=`, `a..b`

/// A filter operand, pre-parsed once for every type it may be compared with.
#[derive(Debug, Clone)]
struct Operand {
    lower: String,
    int: Option<i64>,
    float: Option<f64>,
    boolean: Option<bool>,
}

impl Operand {
    fn new(raw: &str) -> Operand {
        let t = raw.trim();
        Operand {
            lower: raw.to_lowercase(),
            // Sizes may carry a unit (`size=>1G`, `size=<500MB`), as in ONTAP's filters.
            int: crate::util::parse_int_text(t),
            float: t.parse().ok(),
            boolean: parse_bool(t),
        }
    }

    /// How `v` compares with this operand: numbers as numbers, strings ignoring case.
    fn cmp_value(&self, v: Scalar<'_>) -> Option<Ordering> {
        match v {
            Scalar::Int(i) => match self.int {
                Some(o) => Some(i.cmp(&o)),
                None => self.float.and_then(|o| (i as f64).partial_cmp(&o)),
            },
            Scalar::Num(n) => self.float.and_then(|o| n.partial_cmp(&o)),
            Scalar::Str(s) => Some(s.chars().flat_map(char::to_lowercase).cmp(self.lower.chars())),
            Scalar::Bool(b) => self.boolean.map(|o| b.cmp(&o)),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// `null`: the field is absent (`!null`: present).
    Null,
    Eq(Operand),
    Wild(String),
    Lt(Operand),
    Le(Operand),
    Gt(Operand),
    Ge(Operand),
    Range(Operand, Operand),
    /// A quoted value, compared as text exactly.
    Literal(String),
}

impl Op {
    fn parse(a: &str) -> Op {
        if a.trim() == "null" {
            Op::Null
        } else if let Some(r) = a.strip_prefix("<=") {
            Op::Le(Operand::new(r))
        } else if let Some(r) = a.strip_prefix(">=") {
            Op::Ge(Operand::new(r))
        } else if let Some(r) = a.strip_prefix('<') {
            Op::Lt(Operand::new(r))
        } else if let Some(r) = a.strip_prefix('>') {
            Op::Gt(Operand::new(r))
        } else if let Some((lo, hi)) = a.split_once("..") {
            Op::Range(Operand::new(lo), Operand::new(hi))
        } else if a.contains('*') {
            Op::Wild(a.to_owned())
        } else {
            Op::Eq(Operand::new(a))
        }
    }

    fn holds(&self, v: Scalar<'_>) -> bool {
        use Ordering::*;
        match self {
            // Only reached with a value: a present field is not null.
            Op::Null => false,
            Op::Eq(o) => o.cmp_value(v) == Some(Equal),
            Op::Wild(p) => match v {
                Scalar::Str(s) => wildcard_match(p, s),
                Scalar::Int(i) => wildcard_match(p, &i.to_string()),
                Scalar::Num(n) => wildcard_match(p, &n.to_string()),
                Scalar::Bool(b) => wildcard_match(p, if b { "true" } else { "false" }),
            },
            Op::Lt(o) => o.cmp_value(v) == Some(Less),
            Op::Le(o) => matches!(o.cmp_value(v), Some(Less | Equal)),
            Op::Gt(o) => o.cmp_value(v) == Some(Greater),
            Op::Ge(o) => matches!(o.cmp_value(v), Some(Greater | Equal)),
            Op::Range(lo, hi) => {
                matches!(lo.cmp_value(v), Some(Greater | Equal)) && matches!(hi.cmp_value(v), Some(Less | Equal))
            }
            Op::Literal(text) => match v {
                Scalar::Str(s) => s == text,
                Scalar::Int(i) => i.to_string() == *text,
                Scalar::Num(n) => n.to_string() == *text,
                Scalar::Bool(b) => b.to_string() == *text,
            },
        }
    }
}

#[derive(Debug, Clone)]
struct Alt {
    negate: bool,
    op: Op,
}

/// One `field=value` query filter: alternatives separated by `|`, each maybe negated by
/// `!`. A field below an array matches when any element does; an absent field matches
/// only negated alternatives (`comment=!*` finds records without a comment).
#[derive(Debug, Clone)]
pub(crate) struct Filter<F> {
    field: F,
    alts: Vec<Alt>,
    /// When every alternative is a plain value (`uuid=a|b|c`, as a client
    /// reading many jobs at once sends): the values, lowercased, so that a
    /// string is looked up once instead of compared with each.
    values: Option<HashSet<String>>,
}

impl<F: Copy> Filter<F> {
    pub fn new(field: F, value: &str) -> Filter<F> {
        // A value in double quotes is the value itself: no operator, wildcard or `|`
        // (GS, "Escaping"; Ansible's na_ontap_qtree quotes names).
        if let Some(literal) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            return Filter {
                field,
                alts: vec![Alt {
                    negate: false,
                    op: Op::Literal(literal.to_owned()),
                }],
                values: None,
            };
        }
        let alts = value
            .split('|')
            .map(|a| {
                let (negate, a) = match a.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, a),
                };
                Alt {
                    negate,
                    op: Op::parse(a),
                }
            })
            .collect::<Vec<Alt>>();
        let plain = alts.len() > 4 && alts.iter().all(|alt| !alt.negate && matches!(alt.op, Op::Eq(_)));
        let values = plain.then(|| {
            alts.iter()
                .filter_map(|alt| match &alt.op {
                    Op::Eq(operand) => Some(operand.lower.clone()),
                    _ => None,
                })
                .collect()
        });
        Filter { field, alts, values }
    }

    /// The field filtered on.
    pub fn field(&self) -> F {
        self.field
    }

    /// True when the record matches: `values(field, visit)` enumerates the field's values.
    pub fn matches(&self, values: impl Fn(F, &mut dyn FnMut(Scalar<'_>) -> bool) -> bool) -> bool {
        if let Some(set) = &self.values {
            return values(self.field, &mut |v| match v {
                Scalar::Str(s) => set.contains(&s.to_lowercase()),
                // Numbers and booleans compare as such: each alternative in turn.
                other => self.alts.iter().any(|alt| alt.op.holds(other)),
            });
        }
        self.alts.iter().any(|alt| {
            let hit = match alt.op {
                // `null` holds when the field has no value at all.
                Op::Null => !values(self.field, &mut |_| true),
                _ => values(self.field, &mut |v| alt.op.holds(v)),
            };
            hit != alt.negate
        })
    }
}

// ---------------------------------------------------------------------------------------
// ordering

/// A float that orders totally, for sorting.
#[derive(Debug, Clone, Copy)]
struct Float(f64);

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}

impl Eq for Float {}

impl PartialOrd for Float {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Float {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A record's position for `order_by` on a field other than the key: absent values first,
/// numbers as numbers, strings ignoring case (then exactly), and the key breaks ties.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey<'a> {
    Missing,
    Bool(bool),
    Int(i64),
    Num(Float),
    /// The lowercase text (borrowed when it is lowercase already), then the text.
    Str(Cow<'a, str>, &'a str),
}

fn lowercase(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_uppercase) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

impl<'a> SortKey<'a> {
    fn of(v: Option<Scalar<'a>>) -> SortKey<'a> {
        match v {
            None => SortKey::Missing,
            Some(Scalar::Bool(b)) => SortKey::Bool(b),
            Some(Scalar::Int(i)) => SortKey::Int(i),
            Some(Scalar::Num(n)) => SortKey::Num(Float(n)),
            Some(Scalar::Str(s)) => SortKey::Str(lowercase(s), s),
        }
    }

    /// Reads a cursor value back (`None`: the parameter was absent, the value missing).
    fn parse(kind: ScalarKind, raw: Option<&'a str>) -> Option<SortKey<'a>> {
        let Some(raw) = raw else {
            return Some(SortKey::Missing);
        };
        Some(match kind {
            ScalarKind::Str => SortKey::Str(lowercase(raw), raw),
            ScalarKind::Int => match raw.parse() {
                Ok(i) => SortKey::Int(i),
                Err(_) => SortKey::Num(Float(raw.parse().ok()?)),
            },
            ScalarKind::Num => match raw.parse() {
                Ok(i) => SortKey::Int(i),
                Err(_) => SortKey::Num(Float(raw.parse().ok()?)),
            },
            ScalarKind::Bool => SortKey::Bool(parse_bool(raw)?),
        })
    }

    /// The cursor text; `None` for a missing value (the parameter is left out).
    fn cursor(&self) -> Option<String> {
        match self {
            SortKey::Missing => None,
            SortKey::Bool(b) => Some(b.to_string()),
            SortKey::Int(i) => Some(i.to_string()),
            SortKey::Num(n) => Some(n.0.to_string()),
            SortKey::Str(_, raw) => Some((*raw).to_owned()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// the query

struct Order<F> {
    field: F,
    kind: ScalarKind,
    name: String,
    descending: bool,
}

struct CollectionQuery<L: Listing> {
    fields: L::Fields,
    max_records: Option<usize>,
    return_records: bool,
    /// Empty: ordered by the key.
    order: Vec<Order<L::Field>>,
    /// The key's direction (descending when `order_by=<key> desc`).
    key_descending: bool,
    start_key: Option<String>,
    start_values: Vec<Option<String>>,
    filters: Vec<Filter<L::Field>>,
    /// The raw parameters other than the cursor, carried into `_links.next`.
    carried: Vec<String>,
}

/// Parses `max_records`: a positive integer, else 262197.
pub(crate) fn parse_max_records(value: &str) -> Result<usize, Refusal> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The value \"{value}\" is invalid for field \"max_records\": it must be a positive integer."),
        )
        .target("max_records")),
    }
}

fn bad_order_by(value: &str, key: &str) -> Refusal {
    Refusal::bad_request(
        codes::ORDER_BY_NOT_SUPPORTED,
        format!(
            "order_by \"{value}\" is not supported: name simple fields of the records, each optionally followed by \"asc\" or \"desc\" (e.g. \"{key} desc\")."
        ),
    )
    .target("order_by")
}

fn parse_collection_query<L: Listing>(
    l: &L,
    params: Vec<QueryParam>,
    scope: Option<&(String, String)>,
) -> Result<CollectionQuery<L>, Refusal> {
    let mut q = CollectionQuery::<L> {
        fields: l.default_fields(),
        max_records: None,
        return_records: true,
        order: Vec::new(),
        key_descending: false,
        start_key: None,
        start_values: Vec::new(),
        filters: Vec::new(),
        carried: Vec::new(),
    };
    if let Some((name, value)) = scope
        && let Some((f, _)) = l.field(name)
    {
        q.filters.push(Filter::new(f, value));
    }
    let mut cursor = Vec::new();
    let mut filtered = Vec::new();
    for p in params {
        match p.key.as_str() {
            "fields" => q.fields = l.parse_fields(&p.value).map_err(|bad| parse_fields_error(&bad))?,
            "max_records" => q.max_records = Some(parse_max_records(&p.value)?),
            "return_records" => q.return_records = parse_return_records(&p.value)?,
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            "order_by" => {
                q.order.clear();
                for item in p.value.split(',') {
                    let mut words = item.split_whitespace();
                    let name = words.next().unwrap_or_default();
                    let descending = match (words.next(), words.next()) {
                        (None | Some("asc"), None) => false,
                        (Some("desc"), None) => true,
                        _ => return Err(bad_order_by(&p.value, l.key_name())),
                    };
                    if name == l.key_name() {
                        // The key orders last anyway; it only sets the direction.
                        q.key_descending = descending;
                        continue;
                    }
                    let (field, kind) = l.field(name).ok_or_else(|| bad_order_by(&p.value, l.key_name()))?;
                    if q.order.is_empty() {
                        q.key_descending = descending;
                    }
                    q.order.push(Order {
                        field,
                        kind,
                        name: name.to_owned(),
                        descending,
                    });
                }
            }
            key if key.starts_with("start.") => {
                cursor.push(p);
                continue;
            }
            key => match l.filter(key) {
                Some((f, _)) => {
                    q.filters.push(Filter::new(f, &p.value));
                    filtered.push(f);
                }
                None => return Err(Refusal::unexpected_argument(key)),
            },
        }
        q.carried.push(p.raw);
    }
    for f in filtered {
        l.include(&mut q.fields, f);
    }
    q.start_values = vec![None; q.order.len()];
    for p in cursor {
        let name = &p.key["start.".len()..];
        if name == l.key_name() {
            q.start_key = Some(p.value);
        } else if let Some(i) = q.order.iter().position(|o| o.name == name) {
            q.start_values[i] = Some(p.value);
        } else {
            return Err(Refusal::unexpected_argument(&p.key));
        }
    }
    Ok(q)
}

// ---------------------------------------------------------------------------------------
// the answer

/// One record's place in an ordered listing: its sort values, then its key.
struct Sorted<'a, R> {
    values: Vec<SortKey<'a>>,
    key: &'a str,
    record: &'a R,
}

/// Compares two positions field by field, each in its own direction, the key last.
fn compare(a: (&[SortKey<'_>], &str), b: (&[SortKey<'_>], &str), desc: &[bool], key_desc: bool) -> Ordering {
    for ((x, y), d) in a.0.iter().zip(b.0).zip(desc) {
        let o = x.cmp(y);
        if o != Ordering::Equal {
            return if *d { o.reverse() } else { o };
        }
    }
    let o = a.1.cmp(b.1);
    if key_desc { o.reverse() } else { o }
}

/// Answers a collection GET on `path` (the collection's own path, used in the links) over
/// the records of `store`. `scope` is a filter the request's headers add
/// (`X-Dot-SVM-Name`: `("svm.name", name)`).
pub(crate) fn respond<L: Listing, K: std::borrow::Borrow<str> + Ord>(
    l: &L,
    store: &BTreeMap<K, L::Record>,
    path: &str,
    raw_query: Option<&str>,
    neg: Negotiated,
    scope: Option<&(String, String)>,
) -> Result<Answer, Refusal> {
    let q = parse_collection_query(l, parse_query(raw_query), scope)?;
    let this = match raw_query {
        Some(r) if !r.is_empty() => format!("{path}?{r}"),
        _ => path.to_owned(),
    };
    let matches = |r: &L::Record| {
        q.filters
            .iter()
            .all(|f| f.matches(|field, visit| l.any_value(r, field, visit)))
    };
    let limit = if q.return_records {
        q.max_records.unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };

    // The page, and the first record after it (the next cursor).
    let mut page: Vec<(&str, &L::Record)> = Vec::new();
    let mut next: Option<(Vec<Option<String>>, &str)> = None;
    let mut count = 0usize;
    if q.order.is_empty() {
        let lower = q.start_key.as_deref();
        let range: Box<dyn Iterator<Item = (&K, &L::Record)>> = match (lower, q.key_descending) {
            (None, false) => Box::new(store.iter()),
            (None, true) => Box::new(store.iter().rev()),
            (Some(s), false) => Box::new(store.range::<str, _>((Bound::Included(s), Bound::Unbounded))),
            (Some(s), true) => Box::new(store.range::<str, _>((Bound::Unbounded, Bound::Included(s))).rev()),
        };
        let mut matching = range.filter(|(_, r)| matches(r));
        if !q.return_records {
            count = matching.count();
        } else {
            for (k, r) in matching.by_ref() {
                page.push((k.borrow(), r));
                if page.len() == limit {
                    break;
                }
            }
            if page.len() == limit {
                next = matching.next().map(|(k, _)| (Vec::new(), k.borrow()));
            }
        }
    } else {
        let desc: Vec<bool> = q.order.iter().map(|o| o.descending).collect();
        let mut sorted: Vec<Sorted<'_, L::Record>> = store
            .iter()
            .filter(|(_, r)| matches(r))
            .map(|(k, r)| Sorted {
                values: q.order.iter().map(|o| SortKey::of(l.value(r, o.field))).collect(),
                key: k.borrow(),
                record: r,
            })
            .collect();
        sorted.sort_unstable_by(|a, b| compare((&a.values, a.key), (&b.values, b.key), &desc, q.key_descending));
        let from = match &q.start_key {
            None => 0,
            Some(key) => {
                let values = q
                    .order
                    .iter()
                    .zip(&q.start_values)
                    .map(|(o, raw)| {
                        SortKey::parse(o.kind, raw.as_deref()).ok_or_else(|| {
                            Refusal::bad_request(
                                codes::INVALID_VALUE,
                                format!("The value of \"start.{}\" is invalid.", o.name),
                            )
                            .target(format!("start.{}", o.name))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                sorted.partition_point(|e| {
                    compare((&e.values, e.key), (&values, key), &desc, q.key_descending) == Ordering::Less
                })
            }
        };
        let rest = sorted.get(from..).unwrap_or_default();
        if !q.return_records {
            count = rest.len();
        } else {
            let end = rest.len().min(limit);
            page.extend(rest[..end].iter().map(|e| (e.key, e.record)));
            next = rest
                .get(end)
                .map(|e| (e.values.iter().map(SortKey::cursor).collect(), e.key));
        }
    }

    let next_href = next.map(|(values, key)| {
        let enc = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let mut href = format!("{path}?");
        for (order, value) in q.order.iter().zip(values) {
            if let Some(value) = value {
                href.push_str(&format!("start.{}={}&", enc(&order.name), enc(&value)));
            }
        }
        href.push_str(&format!("start.{}={}", l.key_name(), enc(key)));
        for raw in &q.carried {
            href.push('&');
            href.push_str(raw);
        }
        href
    });
    let links = Links {
        this: &this,
        next: next_href.as_deref(),
        with_self: neg.links,
    };
    let body = write_page(l, q.return_records.then_some(&page[..]), count, &q.fields, &links);
    let answer = Answer::bytes(StatusCode::OK, body);
    Ok(match next_href {
        Some(next) => answer.header(header::LINK, &format!("<{next}>; rel=\"next\"")),
        None => answer,
    })
}

/// The body of a collection page, as serde_json's pretty writer would write
/// `{"records"?, "num_records", "_links"?}`: `records` when they are returned (then
/// `num_records` counts them, else it is `count`), `_links` unless it is empty.
fn write_page<L: Listing>(
    l: &L,
    records: Option<&[(&str, &L::Record)]>,
    count: usize,
    fields: &L::Fields,
    links: &Links<'_>,
) -> Vec<u8> {
    let mut out = JsonOut::with_capacity(4096);
    out.open(b'{');
    let num_records = match records {
        None => {
            out.raw_key(0, true, b"\"num_records\": ");
            count
        }
        Some(records) => {
            out.raw_key(0, true, b"\"records\": ");
            out.open(b'[');
            for (i, (key, record)) in records.iter().enumerate() {
                let start = out.bytes.len();
                out.item(1, i == 0);
                l.write(key, record, fields, links.with_self, &mut out, 2);
                if i == 0 {
                    // One buffer for the page: the first record's size for each of the
                    // others, and an eighth more (a longer record grows it once).
                    let each = out.bytes.len() - start;
                    out.bytes.reserve((each + each / 8) * (records.len() - 1) + 1024);
                }
            }
            out.close(1, b']', !records.is_empty());
            out.raw_key(0, false, b"\"num_records\": ");
            records.len()
        }
    };
    out.scalar(&num_records);
    if !links.is_empty() {
        out.raw_key(0, false, b"\"_links\": ");
        out.serialized(1, links);
    }
    out.close(0, b'}', true);
    out.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(filter: &str, v: Scalar<'_>) -> bool {
        Filter::new((), filter).matches(|_, visit| visit(v))
    }

    #[test]
    fn operators() {
        assert!(holds("vol1", Scalar::Str("VOL1")));
        assert!(holds("vol*", Scalar::Str("vol1")));
        assert!(holds("!vol2", Scalar::Str("vol1")));
        assert!(holds("vol2|vol1", Scalar::Str("vol1")));
        assert!(holds(">9", Scalar::Int(10)), "numbers compare as numbers");
        assert!(!holds(">9", Scalar::Str("10")), "strings compare as strings");
        assert!(holds("<=10", Scalar::Int(10)));
        assert!(holds("5..10", Scalar::Int(7)));
        assert!(!holds("5..10", Scalar::Int(11)));
        assert!(holds("1*", Scalar::Int(123)));
        assert!(holds("true", Scalar::Bool(true)));
        assert!(holds(">1G", Scalar::Int((1 << 30) + 1)), "sizes with units");
        assert!(!holds(">1GB", Scalar::Int(1 << 30)));
        assert!(holds("<=20mb", Scalar::Int(20 << 20)));
        assert!(holds("\"q1\"", Scalar::Str("q1")), "a quoted value is itself");
        assert!(holds("\"a*|b\"", Scalar::Str("a*|b")));
        assert!(!holds("\"a*\"", Scalar::Str("abc")), "no wildcard inside quotes");
        assert!(!holds("nonsense", Scalar::Int(1)));
    }

    #[test]
    fn absent_fields_match_only_negations() {
        let f = Filter::new((), "*");
        assert!(!f.matches(|_, _| false));
        let f = Filter::new((), "!*");
        assert!(f.matches(|_, _| false));
    }

    #[test]
    fn sort_keys_order_missing_first_and_ignore_case() {
        let mut keys = [
            SortKey::of(Some(Scalar::Str("b"))),
            SortKey::of(None),
            SortKey::of(Some(Scalar::Str("A"))),
        ];
        keys.sort();
        assert_eq!(keys[0], SortKey::Missing);
        assert_eq!(keys[1].cursor().as_deref(), Some("A"));
        assert_eq!(SortKey::parse(ScalarKind::Int, Some("12")), Some(SortKey::Int(12)));
        assert_eq!(SortKey::parse(ScalarKind::Int, Some("x")), None);
        assert_eq!(SortKey::parse(ScalarKind::Str, None), Some(SortKey::Missing));
    }
}
