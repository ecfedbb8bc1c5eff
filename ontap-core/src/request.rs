//! Request building, without I/O: paths, queries and bodies are plain values
//! that one small layer ([`crate::HostConnection`]) sends.

use std::fmt;

use http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::Error;
use crate::resource::{Resource, Verb, fields_json, resource_json};

/// Everything but RFC 3986's unreserved characters is encoded: a space is
/// `%20` (never `+`), a `/` inside a key is `%2F`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment or query component.
///
/// ```
/// assert_eq!(ontap_core::encode_component("vol 1/a|b"), "vol%201%2Fa%7Cb");
/// ```
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_component(&mut out, text);
    out
}

/// Appends `text` to `out`, percent-encoded as [`encode_component`] does.
pub(crate) fn push_component(out: &mut String, text: &str) {
    out.extend(utf8_percent_encode(text, COMPONENT));
}

/// Query parameters, in order (a name may repeat), and the parent keys of
/// a nested collection's path.
///
/// Filters take ONTAP's operators in the value: `*` wildcard, `!` not, `|`
/// or, `<`, `>`, `<=`, `>=`, and `a..b` ranges; [`filter`] writes them.
/// Every name and value is percent-encoded when sent.
///
/// ```
/// use ontap_core::{Order, Query, filter};
/// let query = Query::new()
///     .fields(["name", "size"])
///     .filter("name", "vol*")
///     .filter("size", filter::gt(1 << 30))
///     .order_by("size", Order::Desc)
///     .max_records(100);
/// assert_eq!(
///     query.encode(),
///     "fields=name%2Csize&name=vol%2A&size=%3E1073741824&order_by=size%20desc&max_records=100"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
    parents: Vec<(String, String)>,
    max_empty_pages: Option<u32>,
}

/// The direction of [`Query::order_by`].
///
/// ```
/// assert_eq!(ontap_core::Order::Desc.as_str(), "desc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl Order {
    /// The word ONTAP takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

/// Filter values with ONTAP's query operators, for [`Query::filter`].
///
/// ```
/// use ontap_core::filter;
/// assert_eq!(filter::not("offline"), "!offline");
/// assert_eq!(filter::any_of(["vol1", "vol2"]), "vol1|vol2");
/// assert_eq!(filter::range(10, 20), "10..20");
/// assert_eq!(filter::le(5), "<=5");
/// ```
pub mod filter {
    use std::fmt::Display;

    /// Not equal to `value`: `!value`.
    pub fn not(value: impl Display) -> String {
        format!("!{value}")
    }

    /// Equal to any of `values`: `a|b|c`.
    pub fn any_of<I, V>(values: I) -> String
    where
        I: IntoIterator<Item = V>,
        V: Display,
    {
        values.into_iter().map(|v| v.to_string()).collect::<Vec<_>>().join("|")
    }

    /// From `low` to `high`, both included: `low..high`.
    pub fn range(low: impl Display, high: impl Display) -> String {
        format!("{low}..{high}")
    }

    /// Less than `value`: `<value`.
    pub fn lt(value: impl Display) -> String {
        format!("<{value}")
    }

    /// At most `value`: `<=value`.
    pub fn le(value: impl Display) -> String {
        format!("<={value}")
    }

    /// More than `value`: `>value`.
    pub fn gt(value: impl Display) -> String {
        format!(">{value}")
    }

    /// At least `value`: `>=value`.
    pub fn ge(value: impl Display) -> String {
        format!(">={value}")
    }
}

impl Query {
    /// How many empty pages in a row a collection stream reads, when each
    /// points to another page, before it stops with [`Error::EmptyPages`]
    /// (see [`Query::max_empty_pages`]).
    pub const DEFAULT_MAX_EMPTY_PAGES: u32 = 10;

    /// An empty query.
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds `name=value`, keeping any earlier parameter of the same name.
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.push(name, value);
        self
    }

    /// Adds `name=value` in place.
    pub fn push(&mut self, name: impl Into<String>, value: impl ToString) {
        self.pairs.push((name.into(), value.to_string()));
    }

    /// Adds the filter `field=value`; `value` may use ONTAP's operators
    /// (see [`filter`]).
    pub fn filter(self, field: impl Into<String>, value: impl ToString) -> Self {
        self.param(field, value)
    }

    /// Adds `order_by=field asc|desc`; repeat it to sort by several fields.
    pub fn order_by(self, field: &str, order: Order) -> Self {
        self.param("order_by", format!("{field} {}", order.as_str()))
    }

    /// Adds `max_records=n`: the most records one page holds.
    pub fn max_records(self, n: u32) -> Self {
        self.param("max_records", n)
    }

    /// Adds `return_records=true|false`; false asks only for `num_records`.
    pub fn return_records(self, return_records: bool) -> Self {
        self.param("return_records", return_records)
    }

    /// Adds `return_timeout=seconds` (0..=120): how long the server may wait
    /// for a job to finish before it answers.
    pub fn return_timeout(self, seconds: u32) -> Self {
        self.param("return_timeout", seconds)
    }

    /// Gives the key of an enclosing object that a nested collection's path
    /// needs, e.g. `volume.uuid` for `/storage/volumes/{volume.uuid}/snapshots`.
    /// It fills the path; it is not sent as a parameter.
    ///
    /// ```
    /// let q = ontap_core::Query::new().parent("volume.uuid", "3c5d-11");
    /// assert_eq!(q.encode(), "");
    /// ```
    pub fn parent(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.parents.push((key.into(), value.to_string()));
        self
    }

    /// How many empty pages in a row
    /// [`get_collection`](crate::ResourceExt::get_collection) reads, each
    /// with a `next` link, before it ends with [`Error::EmptyPages`]
    /// ([`Query::DEFAULT_MAX_EMPTY_PAGES`], 10, unless set; 0 counts as 1).
    /// A server that answers empty pages with a new cursor each time would
    /// otherwise be read for ever. Like [`Query::parent`], it is not sent.
    ///
    /// ```
    /// let q = ontap_core::Query::new().max_empty_pages(3);
    /// assert_eq!(q.get_max_empty_pages(), 3);
    /// assert_eq!(q.encode(), "");
    /// assert_eq!(ontap_core::Query::new().get_max_empty_pages(), 10);
    /// ```
    pub fn max_empty_pages(mut self, pages: u32) -> Self {
        self.max_empty_pages = Some(pages.max(1));
        self
    }

    /// The limit of [`Query::max_empty_pages`].
    pub fn get_max_empty_pages(&self) -> u32 {
        self.max_empty_pages.unwrap_or(Self::DEFAULT_MAX_EMPTY_PAGES)
    }

    /// Adds `fields=a,b,c` (`*` for all default fields, `**` for every field).
    pub fn fields<I, S>(self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let list: Vec<String> = fields.into_iter().map(|f| f.as_ref().to_owned()).collect();
        self.param("fields", list.join(","))
    }

    /// Appends every parameter of `other` (and takes its
    /// [`Query::max_empty_pages`], when it sets one).
    pub fn extend(&mut self, other: &Query) {
        self.pairs.extend(other.pairs.iter().cloned());
        self.parents.extend(other.parents.iter().cloned());
        if other.max_empty_pages.is_some() {
            self.max_empty_pages = other.max_empty_pages;
        }
    }

    /// The first value of `name`.
    ///
    /// ```
    /// let q = ontap_core::Query::new().param("return_timeout", 0);
    /// assert_eq!(q.get("return_timeout"), Some("0"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The parameters in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The parent key given for `key`, if any.
    pub fn parent_key(&self, key: &str) -> Option<&str> {
        self.parents
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A copy with the parent keys only.
    pub(crate) fn parents_only(&self) -> Query {
        Query {
            pairs: Vec::new(),
            parents: self.parents.clone(),
            max_empty_pages: self.max_empty_pages,
        }
    }

    /// A copy without the parameters named `name`.
    pub(crate) fn without(&self, name: &str) -> Query {
        let pairs = self.pairs.iter().filter(|(n, _)| n != name).cloned().collect();
        Query {
            pairs,
            parents: self.parents.clone(),
            max_empty_pages: self.max_empty_pages,
        }
    }

    /// The encoded query string, without the leading `?`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&encode_component(name));
            out.push('=');
            out.push_str(&encode_component(value));
        }
        out
    }
}

/// A request ready to send: method, path and query below `/api`, and body.
///
/// Its `Debug` never shows the body, which may hold a secret.
///
/// ```
/// use ontap_core::{Query, RequestSpec};
/// let spec = RequestSpec::new(http::Method::GET, "/cluster/jobs/abc", &Query::new().param("fields", "state"));
/// assert_eq!(spec.path_and_query(), "/cluster/jobs/abc?fields=state");
/// ```
#[derive(Clone, PartialEq)]
pub struct RequestSpec {
    method: Method,
    path_and_query: String,
    body: Option<Value>,
    query_timeout: Option<u32>,
    route: Option<String>,
}

impl RequestSpec {
    /// A request for `path` (already encoded) with `query`.
    pub fn new(method: Method, path: &str, query: &Query) -> Self {
        let mut path_and_query = path.to_owned();
        if !query.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(&query.encode());
        }
        let query_timeout = query.get("return_timeout").and_then(|v| v.parse().ok());
        RequestSpec {
            method,
            path_and_query,
            body: None,
            query_timeout,
            route: None,
        }
    }

    /// A GET of a HAL link as the server wrote it (`/api/cluster/jobs/...`),
    /// followed verbatim. `None` when the link does not point into `/api/`
    /// on the same server, its dot segments resolved: `..` and `.` count
    /// percent-encoded too (`%2e%2e`, as URL parsers read them), `\`
    /// separates segments as `/` does, and an encoded separator (`%2F`)
    /// next to a dot segment is refused outright.
    ///
    /// ```
    /// use ontap_core::RequestSpec;
    /// let spec = RequestSpec::from_href("/api/cluster/jobs/1?fields=state").unwrap();
    /// assert_eq!(spec.path_and_query(), "/cluster/jobs/1?fields=state");
    /// assert!(RequestSpec::from_href("https://elsewhere/api/x").is_none());
    /// assert!(RequestSpec::from_href("/api/../../etc/passwd").is_none());
    /// assert!(RequestSpec::from_href("/api/%2e%2e/%2e%2e/secret").is_none());
    /// // Dot segments that stay below /api/ are followed.
    /// assert!(RequestSpec::from_href("/api/storage/../cluster").is_some());
    /// ```
    pub fn from_href(href: &str) -> Option<Self> {
        let rest = href.strip_prefix("/api")?;
        if !rest.starts_with('/') || rest.starts_with("//") || !stays_below_api(rest) {
            return None;
        }
        Some(RequestSpec {
            method: Method::GET,
            path_and_query: rest.to_owned(),
            body: None,
            query_timeout: None,
            route: None,
        })
    }

    /// The same request with a JSON body.
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The same request with the path template it fills (`/storage/volumes/{uuid}`):
    /// the name its spans give it (OpenTelemetry's `otel.name`), the same for every
    /// object. The verbs of resources set it; without it a span names the path.
    ///
    /// ```
    /// use ontap_core::{Query, RequestSpec};
    /// let spec = RequestSpec::new(http::Method::GET, "/storage/volumes/1cd8", &Query::new())
    ///     .with_route("/storage/volumes/{uuid}");
    /// assert_eq!(spec.route(), Some("/storage/volumes/{uuid}"));
    /// ```
    pub fn with_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// The path template it fills, when given ([`RequestSpec::with_route`]).
    pub fn route(&self) -> Option<&str> {
        self.route.as_deref()
    }

    /// The path template it fills, or else its path without the query: what
    /// spans and interceptors name it by.
    pub(crate) fn route_or_path(&self) -> &str {
        self.route()
            .unwrap_or_else(|| self.path_and_query.split('?').next().unwrap_or(&self.path_and_query))
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The encoded path and query below `/api`.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The JSON body, holding real secret values.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The `return_timeout` the server was asked to wait, in seconds.
    pub fn return_timeout(&self) -> Option<u32> {
        self.query_timeout
    }

    /// Whether sending it twice has the effect of sending it once, on ONTAP: a
    /// read (GET, HEAD); only such requests are retried. A DELETE is not: a
    /// second one of what the first deleted answers 404, and a PATCH or DELETE
    /// may start a job each time ([`crate::RetryPolicy`]).
    ///
    /// ```
    /// use ontap_core::{Query, RequestSpec};
    /// assert!(RequestSpec::new(http::Method::GET, "/cluster", &Query::new()).is_idempotent());
    /// assert!(!RequestSpec::new(http::Method::DELETE, "/storage/volumes/u1", &Query::new()).is_idempotent());
    /// ```
    pub fn is_idempotent(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }
}

impl fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSpec")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("body", &self.body.as_ref().map(|_| "<not shown>"))
            .finish()
    }
}

/// Whether `rest`, a link's path and query after `/api`, still names a path
/// below `/api/` once its dot segments are resolved the way a URL parser
/// resolves them (WHATWG, as `reqwest` does): ASCII tab and newline are
/// dropped, `\` separates like `/`, `.` and `..` count percent-encoded
/// too. A segment that holds an encoded separator (`%2F`, `%5C`) and a dot
/// segment is refused, for servers that decode before they resolve; the
/// query and fragment are not part of the path.
fn stays_below_api(rest: &str) -> bool {
    let path: String = rest.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    // Segments below `/api`; the first piece is the empty one before the
    // leading `/`.
    let mut depth = 0usize;
    for raw in path.split(['/', '\\']).skip(1) {
        let segment = percent_decode_str(raw).decode_utf8_lossy();
        if segment.contains(['/', '\\']) && segment.split(['/', '\\']).any(is_dot_segment) {
            return false;
        }
        match segment.as_ref() {
            ".." => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return false,
            },
            "." => {}
            _ => depth += 1,
        }
    }
    true
}

/// Whether a path segment is `.` or `..`.
pub(crate) fn is_dot_segment(segment: &str) -> bool {
    segment == "." || segment == ".."
}

/// Refuses a key value that is a dot segment (see [`Error::InvalidKey`]).
pub(crate) fn check_segment(resource: &'static str, key: &str, value: &str) -> Result<(), Error> {
    if is_dot_segment(value) {
        return Err(Error::InvalidKey {
            resource,
            key: key.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// The keys and placeholders of one resource, read from its JSON, which is
/// made once, on first use.
struct KeyValues<'a, R> {
    resource: &'a R,
    json: Option<Map<String, Value>>,
}

impl<'a, R: Resource> KeyValues<'a, R> {
    fn new(resource: &'a R) -> Self {
        KeyValues { resource, json: None }
    }

    /// The value of a key or placeholder (`uuid`, `volume.uuid`) as text.
    fn text(&mut self, key: &str) -> Option<String> {
        let resource = self.resource;
        let json = self
            .json
            .get_or_insert_with(|| resource_json(resource, false).unwrap_or_default());
        let mut parts = key.split('.');
        let mut value = json.get(parts.next()?)?;
        for part in parts {
            value = value.get(part)?;
        }
        match value {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// The path template of `R`'s collection (`/storage/volumes/{volume.uuid}/snapshots`).
pub(crate) fn collection_route<R: Resource>() -> String {
    R::PATH.to_owned()
}

/// The path template of one object of `R` (`/storage/volumes/{uuid}`).
pub(crate) fn instance_route<R: Resource>() -> String {
    let mut route = R::PATH.to_owned();
    for key in R::KEYS {
        route.push_str("/{");
        route.push_str(key);
        route.push('}');
    }
    route
}

/// The placeholders of `R::PATH`, e.g. `volume.uuid`.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// `R::PATH` with its placeholders filled in from `resource`.
///
/// ```
/// # extern crate ontap_core as ontap;
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/cluster/jobs", collection)]
/// struct Job {
///     #[get]
///     #[key]
///     uuid: Option<String>,
/// }
/// assert_eq!(ontap_core::collection_path(&Job::default()).unwrap(), "/cluster/jobs");
/// ```
pub fn collection_path<R: Resource>(resource: &R) -> Result<String, Error> {
    collection_path_with(resource, &Query::new())
}

/// [`collection_path`], with parent keys given in `query` ([`Query::parent`])
/// taking precedence over the resource's own fields.
///
/// ```
/// # extern crate ontap_core as ontap;
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
/// struct Snapshot {
///     #[get]
///     volume: Option<serde_json::Value>,
///     #[get]
///     #[key]
///     uuid: Option<String>,
/// }
/// let query = ontap_core::Query::new().parent("volume.uuid", "v 1");
/// let path = ontap_core::collection_path_with(&Snapshot::default(), &query).unwrap();
/// assert_eq!(path, "/storage/volumes/v%201/snapshots");
/// ```
pub fn collection_path_with<R: Resource>(resource: &R, query: &Query) -> Result<String, Error> {
    collection_path_from(&mut KeyValues::new(resource), query)
}

fn collection_path_from<R: Resource>(keys: &mut KeyValues<'_, R>, query: &Query) -> Result<String, Error> {
    let template = R::PATH;
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let given = query.parent_key(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let value = given.or_else(|| keys.text(name)).ok_or_else(|| Error::MissingKey {
            resource: R::NAME,
            key: name.to_owned(),
        })?;
        check_segment(R::NAME, name, &value)?;
        out.push_str(&encode_component(&value));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The path of one object: the collection path, then the value of each of
/// [`Resource::KEYS`], percent-encoded. A key (or parent key) that is `.` or
/// `..` is refused with [`Error::InvalidKey`]: as a path segment it would
/// name the collection or its parent, and percent-encoding it (`%2E`) does
/// not help, since URL parsers resolve `%2E` as a dot too.
///
/// ```
/// # extern crate ontap_core as ontap;
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/cluster/jobs", collection)]
/// struct Job {
///     #[get]
///     #[key]
///     uuid: Option<String>,
/// }
/// let job = Job { uuid: Some("a b".into()) };
/// assert_eq!(ontap_core::instance_path(&job).unwrap(), "/cluster/jobs/a%20b");
/// assert!(ontap_core::instance_path(&Job::default()).is_err());
/// let up = Job { uuid: Some("..".into()) };
/// assert!(matches!(ontap_core::instance_path(&up), Err(ontap_core::Error::InvalidKey { .. })));
/// ```
pub fn instance_path<R: Resource>(resource: &R) -> Result<String, Error> {
    instance_path_with(resource, &Query::new())
}

/// [`instance_path`], with parent keys given in `query` ([`Query::parent`])
/// taking precedence over the resource's own fields.
///
/// ```
/// # extern crate ontap_core as ontap;
/// #[derive(Debug, Clone, Default, ontap::Model)]
/// struct Owner {
///     uuid: Option<String>,
///     name: Option<String>,
/// }
///
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/security/accounts", collection)]
/// struct Account {
///     #[resource(get, key = "uuid")]
///     owner: Option<Owner>,
///     #[get]
///     #[key]
///     name: Option<String>,
/// }
///
/// let account = Account {
///     owner: Some(Owner { uuid: Some("0a1b".into()), name: Some("vs0".into()) }),
///     name: Some("admin".into()),
/// };
/// assert_eq!(ontap_core::instance_path(&account).unwrap(), "/security/accounts/0a1b/admin");
/// ```
pub fn instance_path_with<R: Resource>(resource: &R, query: &Query) -> Result<String, Error> {
    let mut keys = KeyValues::new(resource);
    let mut path = collection_path_from(&mut keys, query)?;
    for key in R::KEYS {
        let value = keys.text(key).ok_or_else(|| Error::MissingKey {
            resource: R::NAME,
            key: (*key).to_owned(),
        })?;
        check_segment(R::NAME, key, &value)?;
        path.push('/');
        path.push_str(&encode_component(&value));
    }
    Ok(path)
}

/// The body of `verb` for `resource`: the fields that are set and travel
/// with that verb, without the keys that the path already carries (the
/// fields that fill placeholders, and for every verb but POST, the fields
/// that carry keys). Secrets hold their real value, nested ones included.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::{Secret, Verb};
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/cluster/software/download")]
/// struct Download {
///     #[get]
///     state: Option<String>,
///     #[post]
///     url: Option<String>,
///     #[post]
///     password: Option<Secret>,
/// }
/// let d = Download { url: Some("http://x/p".into()), password: Some("pw".into()), state: Some("running".into()) };
/// let body = ontap_core::body(&d, Verb::Post).unwrap();
/// assert_eq!(serde_json::Value::Object(body).to_string(), r#"{"password":"pw","url":"http://x/p"}"#);
/// ```
pub fn body<R: Resource>(resource: &R, verb: Verb) -> Result<Map<String, Value>, Error> {
    let mut map = fields_json(resource, Some(verb), true).map_err(|e| Error::Encode(e.into()))?;
    for name in placeholders(R::PATH) {
        let head = name.split('.').next().unwrap_or(name);
        map.remove(head);
    }
    if verb != Verb::Post {
        for meta in R::FIELDS.iter().filter(|f| f.key) {
            map.remove(meta.wire);
        }
    }
    Ok(map)
}

/// One record of a record-based PATCH or DELETE of a collection: the
/// resource's own keys (which select it), and for a PATCH the fields it
/// changes. A missing key is [`Error::MissingKey`].
pub(crate) fn record_body<R: Resource>(resource: &R, patch: bool) -> Result<Map<String, Value>, Error> {
    let mut record = if patch {
        body(resource, Verb::Patch)?
    } else {
        Map::new()
    };
    let json = resource_json(resource, false).map_err(|e| Error::Encode(e.into()))?;
    for key in R::KEYS {
        let segments: Vec<&str> = key.split('.').collect();
        let value = json
            .get(segments[0])
            .and_then(|first| segments[1..].iter().try_fold(first, |v, s| v.get(*s)))
            .filter(|v| !v.is_null())
            .cloned()
            .ok_or_else(|| Error::MissingKey {
                resource: R::NAME,
                key: (*key).to_owned(),
            })?;
        let mut target = &mut record;
        for s in &segments[..segments.len() - 1] {
            let next = target.entry(s.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !next.is_object() {
                *next = Value::Object(Map::new());
            }
            target = next.as_object_mut().expect("an object");
        }
        target.insert(segments[segments.len() - 1].to_owned(), value);
    }
    Ok(record)
}

/// The body of `verb` with only the fields whose values differ from
/// `before` (or that `before` does not have): what changed since `before`
/// was read.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::Verb;
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes", collection)]
/// struct Volume {
///     #[get]
///     #[key]
///     uuid: Option<String>,
///     #[get]
///     #[patch]
///     comment: Option<String>,
///     #[get]
///     #[patch]
///     size: Option<u64>,
/// }
/// let before = Volume { uuid: Some("u1".into()), comment: Some("old".into()), size: Some(10) };
/// let after = Volume { size: Some(20), ..before.clone() };
/// let body = ontap_core::body_changes(&after, &before, Verb::Patch).unwrap();
/// assert_eq!(serde_json::Value::Object(body), serde_json::json!({"size": 20}));
/// ```
pub fn body_changes<R: Resource>(resource: &R, before: &R, verb: Verb) -> Result<Map<String, Value>, Error> {
    let mut now = body(resource, verb)?;
    let then = body(before, verb)?;
    now.retain(|name, value| then.get(name) != Some(value));
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[derive(Debug, Clone, Default, crate::Resource)]
    #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
    struct Snapshot {
        #[get]
        volume: Option<VolumeRef>,
        #[get]
        #[key]
        uuid: Option<String>,
        #[get]
        #[post]
        #[patch]
        name: Option<String>,
        #[post]
        password: Option<Secret>,
        #[get]
        size: Option<u64>,
    }

    #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct VolumeRef {
        #[serde(skip_serializing_if = "Option::is_none")]
        uuid: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            volume: Some(VolumeRef {
                uuid: Some("v 1/2".into()),
                name: Some("vol1".into()),
            }),
            uuid: Some("s+1".into()),
            name: Some("daily 1".into()),
            password: Some("pw".into()),
            size: Some(10),
        }
    }

    #[test]
    fn keys_and_parent_keys_are_percent_encoded_with_space_as_20() {
        let s = snapshot();
        assert_eq!(collection_path(&s).unwrap(), "/storage/volumes/v%201%2F2/snapshots");
        assert_eq!(instance_path(&s).unwrap(), "/storage/volumes/v%201%2F2/snapshots/s%2B1");
    }

    #[test]
    fn a_missing_key_names_the_key() {
        let mut s = snapshot();
        s.volume = Some(VolumeRef {
            uuid: None,
            name: Some("vol1".into()),
        });
        let err = collection_path(&s).unwrap_err();
        assert_eq!(err.to_string(), "Snapshot needs `volume.uuid` set to build its path");
        let mut s = snapshot();
        s.uuid = None;
        assert!(matches!(instance_path(&s), Err(Error::MissingKey { key, .. }) if key == "uuid"));
        // An empty key is as good as none: `/snapshots/` would name the collection.
        s.uuid = Some(String::new());
        assert!(instance_path(&s).is_err());
    }

    #[test]
    fn bodies_carry_set_fields_of_the_verb_without_path_keys() {
        let s = snapshot();
        let post = body(&s, Verb::Post).unwrap();
        assert_eq!(
            serde_json::Value::Object(post),
            serde_json::json!({"name": "daily 1", "password": "pw"})
        );
        let patch = body(&s, Verb::Patch).unwrap();
        assert_eq!(serde_json::Value::Object(patch), serde_json::json!({"name": "daily 1"}));
        let empty = body(&Snapshot::default(), Verb::Post).unwrap();
        assert!(empty.is_empty());
    }

    /// Keyed by a member of an object field, then by its own name:
    /// `/security/accounts/{owner.uuid}/{name}`.
    #[derive(Debug, Clone, Default, crate::Resource)]
    #[resource(path = "/security/accounts", collection)]
    struct Account {
        #[resource(get, post, key = "uuid")]
        owner: Option<OwnerRef>,
        #[get]
        #[post]
        #[key]
        name: Option<String>,
        #[resource(get, post, patch)]
        role: Option<String>,
        #[resource(post, patch)]
        login: Option<Login>,
    }

    #[derive(Debug, Clone, Default, crate::Model)]
    struct OwnerRef {
        uuid: Option<String>,
        name: Option<String>,
    }

    #[derive(Debug, Clone, Default, crate::Model)]
    struct Login {
        password: Option<Secret>,
    }

    #[test]
    fn member_keys_fill_the_instance_path_and_leave_patch_bodies() {
        let account = Account {
            owner: Some(OwnerRef {
                uuid: Some("o/1".into()),
                name: Some("vs0".into()),
            }),
            name: Some("admin".into()),
            role: Some("admin".into()),
            login: Some(Login {
                password: Some("pw".into()),
            }),
        };
        assert_eq!(Account::KEYS, ["owner.uuid", "name"]);
        assert_eq!(instance_path(&account).unwrap(), "/security/accounts/o%2F1/admin");
        let patch = body(&account, Verb::Patch).unwrap();
        assert_eq!(
            serde_json::Value::Object(patch),
            serde_json::json!({"role": "admin", "login": {"password": "pw"}})
        );
        let post = body(&account, Verb::Post).unwrap();
        assert_eq!(post["owner"], serde_json::json!({"uuid": "o/1", "name": "vs0"}));
        assert_eq!(post["login"]["password"], "pw");
        // Outside a body, the nested secret is masked.
        assert!(!account.to_string().contains("pw\""), "{account}");
        assert!(
            account.to_string().contains(r#""login": {"password": "*********"}"#),
            "{account}"
        );
        let mut no_uuid = account.clone();
        no_uuid.owner = None;
        assert!(matches!(instance_path(&no_uuid), Err(Error::MissingKey { key, .. }) if key == "owner.uuid"));
    }

    #[test]
    fn queries_encode_every_value_and_keep_repeats() {
        let q = Query::new()
            .param("name", "vol 1|vol*")
            .param("size", ">1G")
            .param("name", "é")
            .param("order_by", "name desc");
        assert_eq!(
            q.encode(),
            "name=vol%201%7Cvol%2A&size=%3E1G&name=%C3%A9&order_by=name%20desc"
        );
        let spec = RequestSpec::new(Method::GET, "/storage/volumes", &q);
        assert!(spec.is_idempotent());
        assert_eq!(spec.path_and_query(), format!("/storage/volumes?{}", q.encode()));
    }

    #[test]
    fn ontap_operators_and_non_ascii_names_are_encoded() {
        let q = Query::new()
            .filter("size", filter::range("1G", "10G"))
            .filter("state", filter::not("offline"))
            .filter("space.used", filter::le(5))
            .filter("name", "böse ✓")
            .parent("volume.uuid", "ignored in the query");
        assert_eq!(
            q.encode(),
            "size=1G..10G&state=%21offline&space.used=%3C%3D5&name=b%C3%B6se%20%E2%9C%93"
        );
        assert_eq!(q.parent_key("volume.uuid"), Some("ignored in the query"));
        assert_eq!(
            q.without("state").encode(),
            "size=1G..10G&space.used=%3C%3D5&name=b%C3%B6se%20%E2%9C%93"
        );
    }

    #[test]
    fn parent_keys_from_the_query_fill_the_path() {
        let query = Query::new().parent("volume.uuid", "from query");
        let mut s = snapshot();
        assert_eq!(
            collection_path_with(&s, &query).unwrap(),
            "/storage/volumes/from%20query/snapshots"
        );
        s.volume = None;
        assert_eq!(
            instance_path_with(&s, &query).unwrap(),
            "/storage/volumes/from%20query/snapshots/s%2B1"
        );
        assert!(instance_path(&s).is_err());
    }

    #[test]
    fn only_changed_fields_are_in_a_patch_body() {
        let before = snapshot();
        let mut after = before.clone();
        assert!(body_changes(&after, &before, Verb::Patch).unwrap().is_empty());
        after.name = Some("weekly".into());
        after.size = Some(99);
        let changed = body_changes(&after, &before, Verb::Patch).unwrap();
        assert_eq!(
            serde_json::Value::Object(changed),
            serde_json::json!({"name": "weekly"})
        );
    }

    #[test]
    fn debug_of_a_request_hides_the_body() {
        let spec = RequestSpec::new(Method::POST, "/x", &Query::new())
            .with_body(serde_json::json!({"password": "pw-visible"}));
        assert!(!format!("{spec:?}").contains("pw-visible"));
        assert!(!spec.is_idempotent());
    }

    #[test]
    fn dot_segment_keys_are_refused_and_dotted_names_kept() {
        for dots in [".", ".."] {
            let mut s = snapshot();
            s.uuid = Some(dots.into());
            let err = instance_path(&s).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidKey { resource: "Snapshot", key, value } if key == "uuid" && value == dots),
                "{err:?}"
            );
            let query = Query::new().parent("volume.uuid", dots);
            let err = collection_path_with(&snapshot(), &query).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidKey { key, .. } if key == "volume.uuid"),
                "{err:?}"
            );
        }
        // Only a whole segment of dots is one: these are ordinary names.
        for name in ["...", ".a", "a.", "a..b", "%2e"] {
            let mut s = snapshot();
            s.uuid = Some(name.into());
            let path = instance_path(&s).unwrap();
            assert!(path.ends_with(&format!("/{}", encode_component(name))), "{path}");
        }
    }

    #[test]
    fn links_that_leave_api_after_resolving_dot_segments_are_refused() {
        for href in [
            "/api/../../etc/passwd",
            "/api/%2e%2e/%2e%2e/secret",
            "/api/%2E%2E/secret",
            "/api/.%2e/secret",
            "/api/cluster/../../secret",
            "/api/cluster/%2e%2e/%2E%2E/x",
            "/api/..",
            "/api/..\\secret",
            "/api/x\\..\\..\\secret",
            "/api/.\t./secret",
            "/api/%2e\n%2e/secret",
            "/api/x%2F..%2F..%2Fsecret",
            "/api/x%5C..%5Csecret",
            "/api/./../secret",
            "/api/x/../../y?next=/api/z",
        ] {
            assert!(RequestSpec::from_href(href).is_none(), "{href} was followed");
        }
        for (href, sent) in [
            (
                "/api/storage/volumes?start.uuid=..&max_records=2",
                "/storage/volumes?start.uuid=..&max_records=2",
            ),
            ("/api/storage/../cluster", "/storage/../cluster"),
            ("/api/x/..", "/x/.."),
            ("/api/...", "/..."),
            ("/api/a..b/c", "/a..b/c"),
            ("/api/x?q=../../..", "/x?q=../../.."),
            ("/api/x#../../..", "/x#../../.."),
        ] {
            let spec = RequestSpec::from_href(href).unwrap_or_else(|| panic!("{href} was refused"));
            assert_eq!(spec.path_and_query(), sent);
        }
    }

    #[test]
    fn the_empty_page_limit_travels_with_the_query_but_is_not_sent() {
        let q = Query::new().param("name", "v*").max_empty_pages(0);
        assert_eq!(q.get_max_empty_pages(), 1);
        assert_eq!(q.encode(), "name=v%2A");
        assert_eq!(q.without("name").get_max_empty_pages(), 1);
        let mut other = Query::new();
        other.extend(&q);
        assert_eq!(other.get_max_empty_pages(), 1);
        other.extend(&Query::new());
        assert_eq!(other.get_max_empty_pages(), 1);
        assert_eq!(Query::new().get_max_empty_pages(), Query::DEFAULT_MAX_EMPTY_PAGES);
    }

    #[test]
    fn return_timeout_is_read_from_the_query() {
        let spec = RequestSpec::new(Method::POST, "/x", &Query::new().param("return_timeout", 30));
        assert_eq!(spec.return_timeout(), Some(30));
    }
}
