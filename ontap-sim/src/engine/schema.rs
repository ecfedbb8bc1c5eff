//! The vendored model compiled for serving: every definition as a type in one arena, field
//! names interned, every resource with its path templates, keys and operations.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ontap_model::{AsyncMode, Method, Operation, Property, Release, ResourceSpec, Roles, Schema, Spec};

/// An index into [`Catalog::types`].
pub(crate) type TypeId = u32;
/// An interned field name ([`Catalog::name`]).
pub(crate) type Sym = u32;

/// The type of a value, compiled from the model.
#[derive(Debug, Clone)]
pub(crate) enum Ty {
    Str {
        values: Option<Box<[Box<str>]>>,
    },
    Int {
        values: Option<Box<[i64]>>,
    },
    Num,
    Bool,
    Array(TypeId),
    Object(Box<[FieldDef]>),
    /// Any JSON value (the model gives no shape).
    Any,
}

/// Bounds a property states (only kept when it states some).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Limits {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_len: Option<u64>,
    pub max_len: Option<u64>,
}

/// One property of an object type.
#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub sym: Sym,
    pub ty: TypeId,
    pub roles: Roles,
    pub required: bool,
    pub limits: Option<Box<Limits>>,
}

/// A segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Lit(Box<str>),
    Var(Box<str>),
}

/// A path template below `/api` (`/storage/volumes/{volume.uuid}/snapshots`).
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub text: String,
    pub segs: Vec<Seg>,
}

impl Template {
    fn new(text: &str) -> Template {
        let segs = text
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(var) => Seg::Var(var.into()),
                None => Seg::Lit(s.into()),
            })
            .collect();
        Template {
            text: text.to_owned(),
            segs,
        }
    }

    /// The placeholders' values when `path` matches, and how many segments were literal.
    pub fn matches(&self, path: &[String]) -> Option<(Vec<String>, usize)> {
        if path.len() != self.segs.len() {
            return None;
        }
        let mut vars = Vec::new();
        let mut literal = 0;
        for (seg, part) in self.segs.iter().zip(path) {
            match seg {
                Seg::Lit(l) if **l == **part => literal += 1,
                Seg::Lit(_) => return None,
                Seg::Var(_) => vars.push(part.clone()),
            }
        }
        Some((vars, literal))
    }

    /// The path with the placeholders filled in, percent-encoded, below `/api`.
    pub fn fill(&self, values: &[&str]) -> String {
        let mut out = String::new();
        self.fill_into(values.iter().copied(), &mut out);
        out
    }

    /// [`Template::fill`] appended to `out` (a missing value is empty).
    pub fn fill_into<'v>(&self, mut values: impl Iterator<Item = &'v str>, out: &mut String) {
        out.push_str("/api");
        for seg in &self.segs {
            out.push('/');
            match seg {
                Seg::Lit(l) => out.push_str(l),
                Seg::Var(_) => out.extend(percent_encoding::utf8_percent_encode(
                    values.next().unwrap_or_default(),
                    crate::util::PATH_SEGMENT,
                )),
            }
        }
    }

    fn shape(&self) -> Vec<Option<&str>> {
        self.segs
            .iter()
            .map(|s| match s {
                Seg::Lit(l) => Some(&**l),
                Seg::Var(_) => None,
            })
            .collect()
    }
}

/// A query parameter an operation takes besides the shared ones and the filters.
#[derive(Debug, Clone)]
pub(crate) struct QueryParam {
    pub name: String,
    pub kind: ParamKind,
}

/// How a query parameter's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    Bool,
    Int,
    Num,
    Text,
}

/// One operation of a resource.
#[derive(Debug)]
pub(crate) struct Op {
    /// May answer with a job (`x-ntap-async: both`).
    pub asynchronous: bool,
    /// The type of its body, when it takes one.
    pub body: Option<TypeId>,
    pub params: Vec<QueryParam>,
    /// For a GET: the fields `fields=*` leaves out, as paths in the record.
    pub expensive: Vec<Vec<Sym>>,
}

impl Op {
    pub fn param(&self, name: &str) -> Option<&QueryParam> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A key of a resource: its placeholder name and where it sits in a record.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: String,
    /// The field path in the record, when the record's type has it.
    pub path: Option<Vec<Sym>>,
    /// How the server fills it when a POST does not give it.
    pub assign: Assign,
    /// The record holds it as a number (`policy.id`), not as text.
    pub integer: bool,
}

/// How a key absent from a POST body is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assign {
    /// A new UUID.
    Uuid,
    /// The next number of a counter, as an integer or as text.
    Counter {
        /// The key is a string.
        text: bool,
    },
    /// The client must give it.
    Required,
    /// A place in an ordered list (`index` of an export policy's rules): numbered from 1
    /// among the records with the same other keys, a new record last unless it names its
    /// place; the records after a place taken or left move by one (`new_index`).
    Position,
}

/// One resource of the model.
#[derive(Debug)]
pub(crate) struct Res {
    pub name: String,
    pub path: Template,
    pub instance: Option<Template>,
    /// The keys of the enclosing objects (placeholders of `path`).
    pub parent_keys: Vec<Key>,
    /// Its own keys (the placeholders `instance` adds).
    pub keys: Vec<Key>,
    /// The type of one record.
    pub ty: TypeId,
    /// The resource whose instance path encloses this one's path.
    pub parent: Option<usize>,
    pub get: Option<Op>,
    pub get_collection: Option<Op>,
    pub post: Option<Op>,
    pub patch: Option<Op>,
    pub delete: Option<Op>,
    pub patch_collection: Option<Op>,
    pub delete_collection: Option<Op>,
}

impl Res {
    /// One object at its path (not a collection, even one without instances).
    pub fn is_singleton(&self) -> bool {
        self.instance.is_none() && self.get_collection.is_none()
    }

    /// Every key of a record, the parents' first.
    pub fn all_keys(&self) -> impl Iterator<Item = &Key> {
        self.parent_keys.iter().chain(&self.keys)
    }

    /// The methods a collection (or singleton) path answers, for `Allow`.
    pub fn collection_methods(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.get_collection.is_some() || (self.is_singleton() && self.get.is_some()) {
            m.push("GET");
        }
        if self.post.is_some() {
            m.push("POST");
        }
        if self.patch_collection.is_some() || (self.is_singleton() && self.patch.is_some()) {
            m.push("PATCH");
        }
        if self.delete_collection.is_some() || (self.is_singleton() && self.delete.is_some()) {
            m.push("DELETE");
        }
        m
    }

    /// The methods an instance path answers, for `Allow`.
    pub fn instance_methods(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        for (op, name) in [(&self.get, "GET"), (&self.patch, "PATCH"), (&self.delete, "DELETE")] {
            if op.is_some() {
                m.push(name);
            }
        }
        m
    }
}

/// A POST on an object that acts on it rather than creating one (`.../restore`).
#[derive(Debug)]
pub(crate) struct Action {
    pub path: Template,
    /// The resource whose instance the action's path extends.
    pub target: Option<usize>,
    pub op: Op,
}

/// The compiled model.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub types: Vec<Ty>,
    names: Vec<Box<str>>,
    /// Each name as a JSON object key, indentation first (see [`Catalog::json_key`]).
    json_keys: Vec<Box<[u8]>>,
    syms: HashMap<Box<str>, Sym>,
    pub resources: Vec<Res>,
    pub actions: Vec<Action>,
    /// GET paths that are no resource (the CLI passthrough, `/private/cli/{command}`).
    pub passthroughs: Vec<Template>,
    /// The release the model was cut down to, when older than the model's own
    /// ([`at_release`]). The simulator's own records (seed data, defaults, behaviours)
    /// are written for the whole model: on such a catalog what they name that the
    /// release lacks is left out rather than refused.
    pub cut_to: Option<Release>,
}

/// The vendored model, as the generator reads it.
const MODEL: &str = include_str!("../../spec/ontap-9.19.1.json");

/// The release the vendored model describes.
pub(crate) const MODEL_RELEASE: Release = Release::new(9, 19, 1);

/// The vendored model, parsed once per process.
fn model() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        // The vendored model is tested to parse; an empty model is the fallback.
        Spec::parse(MODEL)
            .unwrap_or_else(|_| Spec::parse(r#"{"swagger": "2.0"}"#).expect("a minimal Swagger 2.0 document parses"))
    })
}

/// The catalog of the vendored model, compiled once per process.
#[cfg(test)]
pub(crate) fn vendored() -> Arc<Catalog> {
    at_release(MODEL_RELEASE)
}

/// The catalog of the API as `release` has it ([`Spec::at_release`]): compiled once per
/// release line per process. A release at or past the model's is the whole model.
pub(crate) fn at_release(release: Release) -> Arc<Catalog> {
    /// The catalogs compiled so far, by release line (`(9, 8)`).
    type Compiled = std::sync::Mutex<HashMap<(u16, u16), Arc<Catalog>>>;
    static CATALOGS: OnceLock<Compiled> = OnceLock::new();
    let line = if release >= MODEL_RELEASE.line() {
        MODEL_RELEASE
    } else {
        Release::new(release.generation(), release.major(), 0)
    };
    let mut cache = CATALOGS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry((line.generation(), line.major()))
        .or_insert_with(|| {
            if line == MODEL_RELEASE {
                Arc::new(Catalog::compile(model()))
            } else {
                let mut cat = Catalog::compile(&model().at_release(line));
                cat.cut_to = Some(line);
                Arc::new(cat)
            }
        })
        .clone()
}

struct Compiler<'s> {
    spec: &'s Spec,
    cat: Catalog,
    defs: HashMap<String, TypeId>,
}

impl Catalog {
    /// Compiles every resource and action of a model.
    pub fn compile(spec: &Spec) -> Catalog {
        let mut c = Compiler {
            spec,
            cat: Catalog {
                types: vec![Ty::Any],
                names: Vec::new(),
                json_keys: Vec::new(),
                syms: HashMap::new(),
                resources: Vec::new(),
                actions: Vec::new(),
                passthroughs: Vec::new(),
                cut_to: None,
            },
            defs: HashMap::new(),
        };
        for r in spec.resources() {
            let res = c.resource(r);
            c.cat.resources.push(res);
        }
        // Parents: the resource whose instance template has the shape of this one's
        // path without its last literal segments.
        let shapes: Vec<Option<Vec<Option<&str>>>> = c
            .cat
            .resources
            .iter()
            .map(|r| r.instance.as_ref().map(Template::shape))
            .collect();
        let parent_of = |path: &Template| -> Option<usize> {
            let shape = path.shape();
            (1..shape.len()).rev().find_map(|cut| {
                let prefix = &shape[..cut];
                if prefix.last().is_some_and(Option::is_some) {
                    return None;
                }
                shapes.iter().position(|s| s.as_deref() == Some(prefix))
            })
        };
        let parents: Vec<Option<usize>> = c
            .cat
            .resources
            .iter()
            .map(|r| {
                if r.parent_keys.is_empty() {
                    None
                } else {
                    parent_of(&r.path)
                }
            })
            .collect();
        let mut actions = Vec::new();
        let known: std::collections::HashSet<&str> = spec
            .resources()
            .iter()
            .flat_map(|r| [Some(r.path.as_str()), r.instance_path.as_deref()])
            .flatten()
            .collect();
        for path in spec.paths() {
            if known.contains(path) {
                continue;
            }
            if let Some(op) = spec.operation(path, Method::Post) {
                let template = Template::new(path);
                let target = parent_of(&template);
                actions.push((template, target, op));
            } else if spec.operation(path, Method::Get).is_some() {
                c.cat.passthroughs.push(Template::new(path));
            }
        }
        for (res, parent) in c.cat.resources.iter_mut().zip(parents) {
            res.parent = parent;
        }
        for (path, target, op) in actions {
            // The body: its definition, with the arguments the operation documents beside
            // it (`signing_request`), each taking any JSON.
            let body_ty = op.body.as_deref().map(|d| {
                let def = c.definition(d);
                let extra: Vec<&str> = op
                    .extra_arguments
                    .iter()
                    .map(|a| a.split('.').next().unwrap_or(a))
                    .collect();
                match c.cat.types[def as usize].clone() {
                    Ty::Object(fields) if !extra.is_empty() => {
                        let mut fields = fields.into_vec();
                        for name in extra {
                            let sym = c.intern(name);
                            if !fields.iter().any(|f| f.sym == sym) {
                                fields.push(FieldDef {
                                    sym,
                                    ty: 0,
                                    roles: ontap_model::Roles::ALL,
                                    required: false,
                                    limits: None,
                                });
                            }
                        }
                        c.push(Ty::Object(fields.into_boxed_slice()))
                    }
                    _ => def,
                }
            });
            let compiled = c.op(&op, body_ty);
            c.cat.actions.push(Action {
                path,
                target,
                op: compiled,
            });
        }
        c.cat.json_keys = c.cat.names.iter().map(|name| crate::json::padded_key(name)).collect();
        c.cat
    }

    /// The name of an interned symbol.
    pub fn name(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map_or("", |n| n)
    }

    /// The name of an interned symbol as a JSON object key for
    /// [`JsonOut::padded_key`](crate::json::JsonOut::padded_key) (indentation, the quoted
    /// and escaped name, `": "`), as serde_json's pretty writer writes it.
    pub fn json_key(&self, sym: Sym) -> &[u8] {
        // Every symbol has its key: the catalog makes them together.
        self.json_keys.get(sym as usize).map_or(&[], |k| k)
    }

    /// The symbol of a field name, if any type has a field of that name.
    pub fn sym(&self, name: &str) -> Option<Sym> {
        self.syms.get(name).copied()
    }

    pub fn ty(&self, id: TypeId) -> &Ty {
        self.types.get(id as usize).unwrap_or(&Ty::Any)
    }

    /// The fields of an object type (none for other types).
    pub fn fields(&self, id: TypeId) -> &[FieldDef] {
        match self.ty(id) {
            Ty::Object(f) => f,
            _ => &[],
        }
    }

    /// The field named `name` of an object type.
    pub fn field(&self, id: TypeId, name: &str) -> Option<&FieldDef> {
        let sym = self.sym(name)?;
        self.fields(id).iter().find(|f| f.sym == sym)
    }

    /// The innermost item type of an array type, else the type itself.
    pub fn item(&self, mut id: TypeId) -> TypeId {
        while let Ty::Array(inner) = self.ty(id) {
            id = *inner;
        }
        id
    }

    /// Resolves a dotted field path from an object type (through arrays).
    pub fn resolve(&self, root: TypeId, dotted: &str) -> Option<(Vec<Sym>, &FieldDef)> {
        let mut ty = root;
        let mut path = Vec::new();
        let mut found = None;
        for part in dotted.split('.') {
            let f = self.field(self.item(ty), part)?;
            path.push(f.sym);
            ty = f.ty;
            found = Some(f);
        }
        found.map(|f| (path, f))
    }
}

impl Compiler<'_> {
    fn intern(&mut self, name: &str) -> Sym {
        if let Some(s) = self.cat.syms.get(name) {
            return *s;
        }
        let sym = self.cat.names.len() as Sym;
        self.cat.names.push(name.into());
        self.cat.syms.insert(name.into(), sym);
        sym
    }

    fn push(&mut self, ty: Ty) -> TypeId {
        self.cat.types.push(ty);
        (self.cat.types.len() - 1) as TypeId
    }

    fn definition(&mut self, name: &str) -> TypeId {
        if let Some(id) = self.defs.get(name) {
            return *id;
        }
        let id = self.push(Ty::Any);
        self.defs.insert(name.to_owned(), id);
        if let Some(def) = self.spec.definition(name) {
            let fields = self.properties(&def.properties);
            self.cat.types[id as usize] = Ty::Object(fields);
        }
        id
    }

    /// The fields of an object: its keys `uuid` and `name` first, as ONTAP writes them,
    /// then the model's order.
    fn properties(&mut self, properties: &[Property]) -> Box<[FieldDef]> {
        let mut ordered: Vec<&Property> = properties.iter().filter(|p| p.wire != "_links").collect();
        ordered.sort_by_key(|p| match p.wire.as_str() {
            "uuid" => 0,
            "name" => 1,
            _ => 2,
        });
        ordered
            .into_iter()
            .map(|p| {
                let ty = self.schema(&p.schema);
                let b = &p.bounds;
                let limits =
                    (b.minimum.is_some() || b.maximum.is_some() || b.min_length.is_some() || b.max_length.is_some())
                        .then(|| {
                            Box::new(Limits {
                                min: b.minimum,
                                max: b.maximum,
                                min_len: b.min_length,
                                max_len: b.max_length,
                            })
                        });
                FieldDef {
                    sym: self.intern(&p.wire),
                    ty,
                    roles: p.roles,
                    required: p.required,
                    limits,
                }
            })
            .collect()
    }

    fn schema(&mut self, s: &Schema) -> TypeId {
        match s {
            Schema::String { values, .. } => self.push(Ty::Str {
                values: values.as_ref().map(|v| v.iter().map(|s| s.as_str().into()).collect()),
            }),
            Schema::Integer { values } => self.push(Ty::Int {
                values: values.as_ref().map(|v| v.clone().into_boxed_slice()),
            }),
            Schema::Number => self.push(Ty::Num),
            Schema::Boolean => self.push(Ty::Bool),
            Schema::Array(item) => {
                let item = self.schema(item);
                self.push(Ty::Array(item))
            }
            Schema::Ref(name) => self.definition(name),
            Schema::Restricted { properties, .. } | Schema::Inline(properties) => {
                let fields = self.properties(properties);
                self.push(Ty::Object(fields))
            }
            Schema::Object | Schema::Unknown => 0,
        }
    }

    fn op(&mut self, op: &Operation, body: Option<TypeId>) -> Op {
        let params = op
            .own_query_params()
            .map(|p| QueryParam {
                name: p.name.clone(),
                kind: match p.schema {
                    Schema::Boolean => ParamKind::Bool,
                    Schema::Integer { .. } => ParamKind::Int,
                    Schema::Number => ParamKind::Num,
                    _ => ParamKind::Text,
                },
            })
            .collect();
        let expensive = match body {
            Some(ty) if op.method == Method::Get => op
                .expensive
                .iter()
                .filter_map(|dotted| {
                    let dotted = dotted.strip_suffix(".*").unwrap_or(dotted);
                    self.cat.resolve(ty, dotted).map(|(path, _)| path)
                })
                .collect(),
            _ => Vec::new(),
        };
        Op {
            asynchronous: op.asynchronous == AsyncMode::Both,
            body,
            params,
            expensive,
        }
    }

    /// A key (its placeholder `name`): the record's `field` it names
    /// ([`ResourceSpec::key_fields`]) and how the server assigns it.
    fn key(&mut self, root: TypeId, name: &str, field: &str, own: bool) -> Key {
        let last = name.rsplit('.').next().unwrap_or(name);
        let resolved = self
            .cat
            .resolve(root, field)
            .map(|(path, f)| (path, f.ty, f.roles.post));
        let integer = resolved
            .as_ref()
            .is_some_and(|(_, ty, _)| matches!(self.cat.ty(*ty), Ty::Int { .. } | Ty::Num));
        let settable = resolved.as_ref().is_some_and(|(_, _, post)| *post);
        let assign = if last == "uuid" || last.ends_with("_uuid") {
            Assign::Uuid
        } else if integer {
            Assign::Counter { text: false }
        } else if last == "id" || last == "index" || (own && !settable) {
            // A key the client cannot send is the server's to give.
            Assign::Counter { text: true }
        } else {
            Assign::Required
        };
        Key {
            name: name.to_owned(),
            path: resolved.map(|(p, _, _)| p),
            assign,
            integer,
        }
    }

    fn resource(&mut self, r: &ResourceSpec) -> Res {
        let ty = r.definition.as_deref().map_or(0, |d| self.definition(d));
        let body = |c: &mut Self, op: &Option<Operation>| -> Option<Op> {
            op.as_ref().map(|o| {
                let body = o.body.as_deref().map(|d| c.definition(d)).or(Some(ty));
                c.op(o, body)
            })
        };
        let instance = r.instance_path.as_deref().map(Template::new);
        // Placeholders of the collection path are the parents' keys; the instance
        // path adds the resource's own.
        let path = Template::new(&r.path);
        let parent_names: Vec<String> = path
            .segs
            .iter()
            .filter_map(|s| match s {
                Seg::Var(v) => Some(v.to_string()),
                Seg::Lit(_) => None,
            })
            .collect();
        let own_names: Vec<String> = instance
            .as_ref()
            .map(|t| {
                t.segs
                    .iter()
                    .filter_map(|s| match s {
                        Seg::Var(v) => Some(v.to_string()),
                        Seg::Lit(_) => None,
                    })
                    .skip(parent_names.len())
                    .collect()
            })
            .unwrap_or_default();
        let parent_keys = parent_names.iter().map(|n| self.key(ty, n, n, false)).collect();
        let fields = r.key_fields(self.spec);
        let mut keys: Vec<Key> = own_names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let field = fields.get(i).map_or(n.as_str(), String::as_str);
                self.key(ty, n, field, true)
            })
            .collect();
        // A list whose PATCH moves a record (`new_index`) is ordered by its last key.
        let reorders = r
            .patch
            .as_ref()
            .is_some_and(|op| op.params.iter().any(|p| p.name == "new_index"));
        if reorders && let Some(last) = keys.last_mut().filter(|k| k.integer && k.path.is_some()) {
            last.assign = Assign::Position;
        }
        Res {
            name: r.name.clone(),
            path,
            instance,
            parent_keys,
            keys,
            ty,
            parent: None,
            get: body(self, &r.get),
            get_collection: body(self, &r.get_collection),
            post: body(self, &r.post),
            patch: body(self, &r.patch),
            delete: r.delete.as_ref().map(|o| self.op(o, None)),
            patch_collection: body(self, &r.patch_collection),
            delete_collection: r.delete_collection.as_ref().map(|o| self.op(o, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_model_compiles_with_parents_and_keys() {
        let cat = vendored();
        assert_eq!(cat.resources.len(), 331);
        let snapshots = cat
            .resources
            .iter()
            .find(|r| r.path.text == "/storage/volumes/{volume.uuid}/snapshots")
            .unwrap();
        let parent = &cat.resources[snapshots.parent.unwrap()];
        assert_eq!(parent.path.text, "/storage/volumes");
        assert_eq!(snapshots.keys[0].assign, Assign::Uuid);
        let rules = cat
            .resources
            .iter()
            .find(|r| r.path.text == "/protocols/nfs/export-policies/{policy.id}/rules")
            .unwrap();
        assert_eq!(rules.keys[0].assign, Assign::Position, "rules are an ordered list");
        assert!(
            snapshots.parent_keys[0].path.is_some(),
            "volume.uuid is a field of a snapshot"
        );
        assert!(cat.actions.len() >= 18);
        let volume = &cat.resources[snapshots.parent.unwrap()];
        assert!(cat.resolve(volume.ty, "space.size").is_some());
        assert!(cat.resolve(volume.ty, "svm.name").is_some());
        assert!(cat.resolve(volume.ty, "colour").is_none());
    }
}
