//! The derive macros of ontap-rs: [`Resource`](derive@Resource) turns an
//! annotated struct into a typed view of an ONTAP REST object,
//! [`Model`](derive@Model) does the same for the objects nested in it, and
//! [`OpenEnum`](derive@OpenEnum) turns an enum into a set of server values
//! that tolerates values it does not know.
//!
//! Use them through the `ontap` crate (`use ontap::{Model, OpenEnum, Resource};`),
//! which also holds the traits and types the generated code names.
//!
//! The macros only describe: they generate metadata (the path, a table of
//! fields with their wire names and verbs, which fields are keys or secrets)
//! and marker impls of the verb traits. Requests are built and sent by
//! `ontap`'s runtime, written once for every resource; decoding and encoding
//! too are one generic routine in the runtime that each derived type calls
//! with its table of wire names, so that a crate of thousands of derived
//! types stays quick to compile.

mod internals;
mod model;
mod open_enum;
mod resource;

use proc_macro::TokenStream;

/// Derives `ontap::Resource`, `serde::Deserialize`, `serde::Serialize`,
/// `Display` and the verb traits (`Get`, `Post`, `Patch`, `Delete`,
/// `Collection`, `PatchCollection`, `DeleteCollection`) for a struct that
/// describes one kind of ONTAP object.
///
/// ```
/// use ontap::{Resource, Secret};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/software/download")]
/// pub struct SoftwarePackageDownload {
///     #[get]
///     pub state: Option<String>,
///     #[get]
///     pub message: Option<String>,
///     #[post]
///     pub url: Option<String>,
///     #[post]
///     pub username: Option<String>,
///     #[post]
///     pub password: Option<Secret>,
/// }
///
/// assert_eq!(SoftwarePackageDownload::PATH, "/cluster/software/download");
/// assert_eq!(SoftwarePackageDownload::FIELDS[4].wire, "password");
/// assert!(SoftwarePackageDownload::FIELDS[4].secret);
/// ```
///
/// The struct must have named fields, no generic parameters, and every field
/// must be an `Option<T>`: a resource is a partial view of the server's
/// object, and any field may be absent. The struct must also implement
/// `Default` (a request starts from an empty object). `T` must implement
/// `serde::Serialize` (a field's value goes into request bodies) and
/// `serde::Deserialize` (responses are read into it).
///
/// # What is generated
///
/// * `ontap::Resource`: `NAME` (the struct's name), `PATH` (the `path`
///   attribute), `FIELDS` (one `ontap::FieldMeta` per field, in declaration
///   order: Rust name, wire name, verbs, key, secret), `KEYS` (the key paths
///   of the instance path, in declaration order), `HOLD` (the `hold` verbs,
///   only when given) and `merge` (copy the fields set in another value, as
///   a GET refreshes an object).
/// * `serde::Deserialize`: reads the wire names straight from the input,
///   ignores members the struct does not have, leaves members that are
///   missing or `null` as `None`, and of a repeated member keeps the last.
/// * `serde::Serialize`: the object of the fields that are set, by wire name
///   (secrets masked unless a request body is being built; see
///   `ontap::to_json` and `ontap::to_request_json`).
/// * `Display`: the resource as NetApp's Python library prints it,
///   `Job({"state": "success", ...})`, with secrets masked.
/// * The verb traits the resource supports, which give it its methods:
///   `Get`, `Post` and `Patch` when the struct declares them or a field is
///   `#[get]`, `#[post]` or `#[patch]`; `Delete`, `Collection`,
///   `PatchCollection` and `DeleteCollection` when the struct declares them.
///   Calling `.post(..)` on a resource without POST does not compile.
///
/// The field types are decoded and encoded by their own serde impls: nested
/// objects are `#[derive(Model)]` structs, enums of server values
/// `#[derive(OpenEnum)]` enums. Decoding and encoding go through one generic
/// routine of the runtime, and the generated trait methods are `#[inline]`:
/// a crate of thousands of resources compiles only the ones it uses.
///
/// Everything is generated inside `const _: () = { ... };`, so nothing is
/// added to the surrounding module.
///
/// # Struct attributes: `#[resource(...)]`
///
/// ## `path = "/..."` (required)
///
/// The collection path below `/api`. It starts with `/`, does not end with
/// `/`, and holds no query string. The instance path of one object is
/// `path` followed by `/{key}` for each key (`#[key]` or `key = "..."`
/// field), in order.
///
/// A path may contain placeholders that fields fill in: `{uuid}` is filled by
/// the field whose wire name is `uuid`; `{volume.uuid}` by the `uuid` member of
/// the field whose wire name is `volume` (an object). Each placeholder must
/// name a field.
///
/// ```
/// use ontap::Resource;
/// # #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
/// # pub struct VolumeRef { pub uuid: Option<String> }
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
/// pub struct Snapshot {
///     #[get]
///     pub volume: Option<VolumeRef>,
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
///     #[get]
///     #[post]
///     pub name: Option<String>,
/// }
///
/// assert_eq!(Snapshot::PATH, "/storage/volumes/{volume.uuid}/snapshots");
/// assert!(Snapshot::FIELDS[1].key);
/// ```
///
/// ## `get`, `post`, `patch`
///
/// ONTAP reads, creates or modifies these objects: implements `ontap::Get`,
/// `ontap::Post` or `ontap::Patch` whatever the fields say. A field marked
/// `#[get]`, `#[post]` or `#[patch]` implies the verb too; declaring it on
/// the struct is for a resource whose fields do not say it (a PATCH that
/// takes only query parameters, say).
///
/// ```
/// use ontap::{Patch, Resource};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs", patch)]
/// pub struct Job {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
/// }
///
/// fn modifiable<R: Patch>() {}
/// modifiable::<Job>();
/// ```
///
/// ## `collection`
///
/// ONTAP lists these objects with a GET of `path`: implements
/// `ontap::Collection`.
///
/// ```
/// use ontap::{Collection, Resource};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs", collection)]
/// pub struct Job {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
/// }
///
/// fn listable<R: Collection>() {}
/// listable::<Job>();
/// ```
///
/// ## `delete`
///
/// ONTAP deletes these objects with a DELETE of the instance path:
/// implements `ontap::Delete`.
///
/// ```
/// use ontap::{Delete, Resource};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/storage/volumes", collection, delete)]
/// pub struct Volume {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
/// }
///
/// fn deletable<R: Delete>() {}
/// deletable::<Volume>();
/// ```
///
/// ## `patch_collection`, `delete_collection`
///
/// ONTAP modifies or deletes, with one PATCH or DELETE of `path`, every
/// object a query selects: implements `ontap::PatchCollection` or
/// `ontap::DeleteCollection`.
///
/// ```
/// use ontap::{DeleteCollection, PatchCollection, Resource};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/storage/volumes", collection, patch_collection, delete_collection)]
/// pub struct Volume {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
///     #[resource(get, patch)]
///     pub comment: Option<String>,
/// }
///
/// fn in_bulk<R: PatchCollection + DeleteCollection>() {}
/// in_bulk::<Volume>();
/// ```
///
/// ## `hold(post, patch, delete)`
///
/// The verbs whose requests may start an ONTAP job (the model's operation
/// is `x-ntap-async: both`) and whose answer the client may ask the server
/// to hold until that job ends, by sending `return_timeout`: sets
/// `ontap::Resource::HOLD`. Any of `post`, `patch` and `delete`, at least
/// one, each once, and each a verb the resource has. Without `hold`, `HOLD`
/// is empty, and no answer is held unless the caller sets `return_timeout`
/// itself. The generated resources take it from the model, leaving out the
/// operations ONTAP is known to mishandle when held.
///
/// ```
/// use ontap::{Resource, Verb};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/storage/volumes", collection, delete, hold(patch, delete))]
/// pub struct Volume {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
///     #[resource(get, post, patch)]
///     pub name: Option<String>,
/// }
///
/// assert!(Volume::HOLD.contains(Verb::Patch));
/// assert!(Volume::HOLD.contains(Verb::Delete));
/// assert!(!Volume::HOLD.contains(Verb::Post));
/// ```
///
/// ## `since = TABLE`
///
/// The constant that lists, sorted by key, the releases that brought the
/// resource's verbs (`#post`), fields at any depth (`space.size`), enum
/// values (`state=paused`) and operation parameters (`#patch?validate_only`),
/// where later than the oldest release: sets `ontap::Resource::SINCE`, which
/// the client's release guard reads. The generated resources take it from
/// the model. Without `since`, `SINCE` is empty and nothing is guarded.
///
/// ```
/// use ontap::{Release, Resource};
///
/// const JOB_SINCE: &[(&str, Release)] = &[("error", Release::new(9, 9, 0)), ("svm", Release::new(9, 8, 0))];
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs", since = JOB_SINCE)]
/// pub struct Job {
///     #[get]
///     pub uuid: Option<String>,
/// }
///
/// assert_eq!(Job::SINCE[0].0, "error");
/// ```
///
/// ## `crate = "path"`
///
/// Where the generated code finds the `ontap` crate, for a crate that
/// re-exports it under another name (the default is `::ontap`).
///
/// ```
/// mod sdk {
///     pub use ontap as runtime;
/// }
/// use sdk::runtime::Resource;
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/nodes", crate = "sdk::runtime")]
/// pub struct Node {
///     #[get]
///     pub name: Option<String>,
/// }
///
/// assert_eq!(Node::NAME, "Node");
/// ```
///
/// # Field attributes
///
/// Each has a short form (`#[get]`) and a long form inside `#[resource(...)]`
/// (`#[resource(get)]`); they mean the same and can be mixed. Prefer the long
/// form in a module that also imports a web framework's `get` or `post`
/// attribute macros: rustc resolves `#[get]` on a field of the derived struct
/// to this derive's helper, so the short form still compiles there, but only
/// `#[resource(get)]` cannot be mistaken for the framework's by a reader.
/// (A short attribute written on the struct above `#[derive(Resource)]` is
/// ambiguous to rustc too; it belongs on a field anyway.)
///
/// ## `#[get]`
///
/// The server returns this field: GET reads it back. Any `#[get]` field makes
/// the resource implement `ontap::Get`.
///
/// ## `#[post]`
///
/// A POST (creation) body carries this field when it is set. Any `#[post]`
/// field makes the resource implement `ontap::Post`.
///
/// ## `#[patch]`
///
/// A PATCH (modification) body carries this field when it is set. Any
/// `#[patch]` field makes the resource implement `ontap::Patch`.
///
/// ```
/// use ontap::{Resource, Verb};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/nodes", collection)]
/// pub struct Node {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
///     #[get]
///     #[post]
///     #[patch]
///     pub name: Option<String>,
/// }
///
/// let verbs = Node::FIELDS[1].verbs;
/// assert!(verbs.contains(Verb::Get) && verbs.contains(Verb::Post) && verbs.contains(Verb::Patch));
/// ```
///
/// ## `#[key]`
///
/// The field identifies one object of the collection: the instance path is
/// `path` followed by `/{key}` for each key, in declaration order. A key is
/// read back from the server, so it must also be `#[get]`.
///
/// ```
/// use ontap::Resource;
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs", collection)]
/// pub struct Job {
///     #[get]
///     #[key]
///     pub uuid: Option<String>,
///     #[get]
///     pub description: Option<String>,
/// }
///
/// assert!(Job::FIELDS[0].key);
/// assert!(!Job::FIELDS[1].key);
/// assert_eq!(Job::KEYS, ["uuid"]);
/// ```
///
/// ## `#[resource(key = "member")]`
///
/// The key is a member of this field, an object: the instance path takes
/// the value of `field.member` (`member` may itself be a dotted path). ONTAP's
/// `/security/accounts/{owner.uuid}/{name}` is keyed so:
///
/// ```
/// use ontap::{Model, Resource};
///
/// #[derive(Debug, Clone, Default, Model)]
/// pub struct Owner {
///     pub uuid: Option<String>,
///     pub name: Option<String>,
/// }
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/security/accounts", collection)]
/// pub struct Account {
///     #[resource(get, key = "uuid")]
///     pub owner: Option<Owner>,
///     #[get]
///     #[key]
///     pub name: Option<String>,
/// }
///
/// assert_eq!(Account::KEYS, ["owner.uuid", "name"]);
/// assert!(Account::FIELDS[0].key);
/// let account = Account {
///     owner: Some(Owner { uuid: Some("7c3d".into()), ..Default::default() }),
///     name: Some("admin".into()),
/// };
/// assert_eq!(ontap::instance_path(&account).unwrap(), "/security/accounts/7c3d/admin");
/// ```
///
/// ## `#[secret]`
///
/// The field holds a secret: it prints as `*********` everywhere but in the
/// request body. A field of type `Option<Secret>` is a secret without the
/// attribute; `#[secret]` states it, and fails to compile on any other type.
///
/// ```
/// use ontap::{Resource, Secret};
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/security/accounts")]
/// pub struct Account {
///     #[post]
///     pub name: Option<String>,
///     #[post]
///     #[secret]
///     pub password: Option<Secret>,
/// }
///
/// assert!(Account::FIELDS[1].secret);
/// ```
///
/// ## `#[resource(rename = "...")]`
///
/// The JSON name on the wire when it differs from the field's name (a raw
/// identifier's `r#` is never part of the wire name).
///
/// ```
/// use ontap::Resource;
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs")]
/// pub struct Job {
///     #[get]
///     #[resource(rename = "_links")]
///     pub links: Option<serde_json::Value>,
///     #[get]
///     pub r#type: Option<String>,
/// }
///
/// assert_eq!(Job::FIELDS[0].wire, "_links");
/// assert_eq!(Job::FIELDS[1].name, "type");
/// ```
///
/// ## The long form
///
/// `#[resource(get, post, patch, key, secret, rename = "...")]` on a field is
/// the same as the short attributes, in any combination (and `key = "..."`
/// exists only in the long form):
///
/// ```
/// use ontap::Resource;
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs", collection)]
/// pub struct Job {
///     #[resource(get, key)]
///     pub uuid: Option<String>,
///     #[resource(get, patch, rename = "description")]
///     pub text: Option<String>,
/// }
///
/// assert_eq!(Job::FIELDS[1].wire, "description");
/// ```
///
/// # Mistakes
///
/// Each is a compile error pointing at the offending token, and all of them
/// are reported at once: a missing or malformed `path`, a placeholder no field
/// fills, a field that is not an `Option`, a `#[key]` without `#[get]`, an
/// unknown or repeated attribute (with the nearest valid name), an empty
/// `rename` or `key`, an empty `hold()`, a verb in `hold` other than `post`,
/// `patch` and `delete`, repeated, or that the resource does not have,
/// `#[secret]` on a type other than `Secret`, generics, and inputs other
/// than a struct with named fields.
///
/// ```compile_fail
/// use ontap::Resource;
///
/// #[derive(Debug, Clone, Default, Resource)]
/// #[resource(path = "/cluster/jobs/{uuid}")]
/// pub struct Job {
///     #[get]
///     pub uuid: String, // every field must be an `Option<T>`
/// }
/// ```
#[proc_macro_derive(Resource, attributes(resource, get, post, patch, key, secret))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    resource::derive(input.into()).into()
}

/// Derives `serde::Deserialize` and `serde::Serialize` for a plain struct
/// that ONTAP nests inside resources (a reference such as
/// `{"name": "svm1", "uuid": "..."}`, a space summary, ...), through the
/// same table-driven routine as `#[derive(Resource)]`.
///
/// ```
/// use ontap::Model;
///
/// #[derive(Debug, Clone, Default, PartialEq, Model)]
/// pub struct SvmReference {
///     pub name: Option<String>,
///     pub uuid: Option<String>,
///     #[model(rename = "_links")]
///     pub links: Option<ontap::Links>,
/// }
///
/// let svm: SvmReference = serde_json::from_str(r#"{"name": "vs0", "uuid": null, "subtype": "default"}"#).unwrap();
/// assert_eq!(svm, SvmReference { name: Some("vs0".into()), ..Default::default() });
/// assert_eq!(serde_json::to_string(&svm).unwrap(), r#"{"name":"vs0"}"#);
/// ```
///
/// The struct must have named fields, no generic parameters, and every field
/// must be an `Option<T>` whose `T` implements `serde::Serialize` and
/// `serde::Deserialize`: any member of an object may be absent.
///
/// # What is generated
///
/// * `serde::Deserialize`: reads the wire names straight from the input,
///   ignores members the struct does not have, leaves members that are
///   missing or `null` as `None`, and of a repeated member keeps the last.
/// * `serde::Serialize`: the object of the fields that are set, by wire
///   name, in declaration order.
///
/// Both are one call each into the runtime, with a table of the wire names
/// (`ontap::__private::Fields`); nothing is added to the surrounding module.
/// A `Secret` in a model prints masked like one in a resource: it serializes
/// its real value only while a request body is built.
///
/// # Attributes: `#[model(...)]`
///
/// ## `rename = "..."` (on a field)
///
/// The JSON name on the wire when it differs from the field's name (a raw
/// identifier's `r#` is never part of the wire name).
///
/// ```
/// use ontap::Model;
///
/// #[derive(Debug, Clone, Default, Model)]
/// pub struct Href {
///     #[model(rename = "href")]
///     pub target: Option<String>,
///     pub r#type: Option<String>,
/// }
///
/// let link = Href { target: Some("/api/x".into()), r#type: Some("a".into()) };
/// assert_eq!(serde_json::to_string(&link).unwrap(), r#"{"href":"/api/x","type":"a"}"#);
/// ```
///
/// ## `crate = "path"` (on the struct)
///
/// Where the generated code finds the `ontap` crate (the default is
/// `::ontap`), as for `#[derive(Resource)]`.
///
/// ```
/// mod sdk {
///     pub use ontap as runtime;
/// }
///
/// #[derive(Debug, Clone, Default, sdk::runtime::Model)]
/// #[model(crate = "sdk::runtime")]
/// pub struct NodeReference {
///     pub name: Option<String>,
/// }
///
/// let node: NodeReference = serde_json::from_str(r#"{"name": "node1"}"#).unwrap();
/// assert_eq!(node.name.as_deref(), Some("node1"));
/// ```
///
/// # Mistakes
///
/// Each is a compile error pointing at the offending token, and all of them
/// are reported at once: a field that is not an `Option`, an unknown or
/// repeated attribute (with the nearest valid name), an empty `rename`, two
/// fields with the same wire name, generics, and inputs other than a struct
/// with named fields.
///
/// ```compile_fail
/// use ontap::Model;
///
/// #[derive(Model)]
/// pub struct SvmReference {
///     pub name: String, // every field must be an `Option<T>`
/// }
/// ```
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    model::derive(input.into()).into()
}

/// Derives, for an enum of the values the server sends, the conversions to
/// and from their wire names, keeping any value it does not name in its
/// `#[open_enum(other)]` variant: a newer ONTAP that adds a value does not
/// fail the response.
///
/// ```
/// use ontap::OpenEnum;
///
/// #[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
/// pub enum JobState {
///     Queued,
///     Running,
///     Paused,
///     Success,
///     Failure,
///     #[open_enum(other)]
///     Unknown(String),
/// }
///
/// assert_eq!(JobState::Running.as_str(), "running");
/// assert_eq!(JobState::Success.to_string(), "success");
/// assert_eq!("paused".parse(), Ok(JobState::Paused));
/// assert_eq!("cancelled".parse(), Ok(JobState::Unknown("cancelled".into())));
/// assert_eq!(JobState::KNOWN.len(), 5);
/// ```
///
/// # What is generated
///
/// * `as_str(&self) -> &str`: the wire name, or for the `other` variant the
///   text that was received; `KNOWN`: every variant but `other`, in order.
/// * `Display` (the wire name) and `FromStr` (never fails: its `Err` is
///   `Infallible`, and an unknown name becomes the `other` variant).
/// * `serde::Serialize` as a string and `serde::Deserialize` from a string
///   (borrowed or owned; an unknown value becomes the `other` variant, a
///   value that is not a string is an error).
///
/// The inherent items `as_str` and `KNOWN` are added to the enum, so it
/// cannot define items of those names itself.
///
/// # Attributes: `#[open_enum(...)]`
///
/// ## Wire names and `rename = "..."` (on a variant)
///
/// A variant's wire name is the snake_case of its name: a new word starts at
/// a capital that follows a lowercase letter or a digit, or that ends a run
/// of capitals (`NotStarted` → `not_started`, `HTTPServer` → `http_server`,
/// `Sha256` → `sha256`). `rename` gives it another.
///
/// ```
/// use ontap::OpenEnum;
///
/// #[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
/// pub enum Protocol {
///     NotStarted,
///     #[open_enum(rename = "nfs3")]
///     NfsV3,
///     #[open_enum(other)]
///     Unknown(String),
/// }
///
/// assert_eq!(Protocol::NotStarted.as_str(), "not_started");
/// assert_eq!(Protocol::NfsV3.as_str(), "nfs3");
/// ```
///
/// ## `other` (on exactly one variant)
///
/// The tuple variant with one `String` that keeps any value the others do not
/// name. Every other variant is a unit variant.
///
/// ```
/// use ontap::OpenEnum;
///
/// #[derive(Debug, Clone, PartialEq, Eq, OpenEnum)]
/// pub enum State {
///     Online,
///     #[open_enum(other)]
///     Other(String),
/// }
///
/// let state: State = serde_json::from_str(r#""degraded""#).unwrap();
/// assert_eq!(state, State::Other("degraded".into()));
/// assert_eq!(serde_json::to_string(&state).unwrap(), r#""degraded""#);
/// ```
///
/// ## `crate = "path"` (on the enum)
///
/// Where the generated code finds the `ontap` crate (the default is
/// `::ontap`), as for `#[derive(Resource)]`.
///
/// ```
/// mod sdk {
///     pub use ontap as runtime;
/// }
///
/// #[derive(Debug, Clone, PartialEq, Eq, sdk::runtime::OpenEnum)]
/// #[open_enum(crate = "sdk::runtime")]
/// pub enum State {
///     Online,
///     #[open_enum(other)]
///     Unknown(String),
/// }
///
/// assert_eq!(State::Online.to_string(), "online");
/// ```
///
/// # Mistakes
///
/// Each is a compile error pointing at the offending token: no `other`
/// variant, two of them, an `other` variant that is not `Name(String)`, a
/// variant other than `other` that carries data, two variants with the same
/// wire name, an empty or unknown attribute, generics, and inputs that are not
/// enums.
///
/// ```compile_fail
/// use ontap::OpenEnum;
///
/// #[derive(OpenEnum)]
/// pub enum State {
///     Online,
///     Offline, // no `#[open_enum(other)] Unknown(String)` variant
/// }
/// ```
#[proc_macro_derive(OpenEnum, attributes(open_enum))]
pub fn derive_open_enum(input: TokenStream) -> TokenStream {
    open_enum::derive(input.into()).into()
}
