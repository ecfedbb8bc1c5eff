//! From the model to a plan of Rust items: every struct, enum and field,
//! with its name, type, verbs, features and file.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use ontap_model::{Method, Property, ResourceSpec, Roles, Schema, Spec};

use crate::names::{self, Registry};
use crate::overlay::{self, Overlay};

/// Where a struct's fields come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A definition, by name.
    Definition(String),
    /// The union of the narrowed views (`x-ntap-restricts`) of a definition.
    Reference(String),
    /// An object described in place: the owner's type name and the field.
    Inline(String, String),
    /// A resource the model gives no definition.
    Bare(String),
}

/// A field's Rust type (inside its `Option`).
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `String`.
    String,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// `ontap::Timestamp`.
    Timestamp,
    /// `ontap::Secret`.
    Secret,
    /// `serde_json::Value`.
    Json,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// A generated struct, boxed when it closes a cycle.
    Struct {
        /// Index into [`Plan::structs`].
        index: usize,
        /// Whether it is written `Box<T>`.
        boxed: bool,
    },
    /// A generated enum: index into [`Plan::enums`].
    Enum(usize),
    /// A type of the runtime (`ontap::Links`).
    External(String),
}

/// One field of a struct.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// The JSON name.
    pub wire: String,
    /// The Rust name.
    pub ident: String,
    /// Its type.
    pub ty: Ty,
    /// The verbs that carry it (for a resource, only the verbs it has).
    pub verbs: Roles,
    /// For a key field: the paths below the field that are keys, in path
    /// order (`[""]` when the field is the key itself, `["uuid"]` for
    /// `owner.uuid`, `["name", "index"]` for `identity.name` and
    /// `identity.index`); empty for any other field.
    pub key: Vec<String>,
    /// Whether the field holds a path placeholder of an enclosing object.
    pub parent_key: bool,
    /// The model's property, for the facts in its doc comment.
    pub property: Property,
    /// A curated doc comment.
    pub doc: Option<Vec<String>>,
    /// Why a field the model lacks was added.
    pub evidence: Option<String>,
}

/// A resource's facts, for the struct that carries it.
#[derive(Debug, Clone)]
pub struct ResourceInfo {
    /// The model's resource.
    pub spec: ResourceSpec,
    /// The cargo feature that compiles it.
    pub feature: String,
    /// The field each own key names ([`ResourceSpec::key_fields`]), the type's `KEYS`.
    pub key_fields: Vec<String>,
    /// The methods among POST, PATCH and DELETE whose answer the client may
    /// ask the server to hold until their job ends, the type's `HOLD`
    /// (`hold(...)`): the operation may start a job, and no known quirk of
    /// ONTAP forbids holding it.
    pub hold: Vec<Method>,
    /// The releases of its parts later than 9.6, sorted by key, the type's `SINCE`
    /// (`since = ...`).
    pub since: Vec<(String, ontap_model::Release)>,
}

/// One struct to write.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Its Rust name.
    pub name: String,
    /// Where its fields come from.
    pub origin: Origin,
    /// Set for a resource.
    pub resource: Option<ResourceInfo>,
    /// Its fields, keys first.
    pub fields: Vec<FieldDef>,
    /// The features that need it.
    pub features: BTreeSet<String>,
    /// Its file below `src/generated/`, without `.rs`.
    pub file: String,
    /// The structs and fields that hold it.
    pub used_by: BTreeSet<(String, String)>,
    /// Curated doc comment and example.
    pub doc: Option<Vec<String>>,
    /// A curated example.
    pub example: Option<Vec<String>>,
}

/// One open enum to write.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Its Rust name.
    pub name: String,
    /// The struct that owns it (index into [`Plan::structs`]).
    pub owner: usize,
    /// The field it types.
    pub wire: String,
    /// Its values: variant name and wire value, in the model's order.
    pub values: Vec<(String, String)>,
    /// Curated doc comments.
    pub doc: Option<Vec<String>>,
    /// Curated doc comments of the values, by wire value.
    pub value_docs: BTreeMap<String, String>,
    /// Curated doc comment of the unknown-value variant.
    pub unknown_doc: Option<String>,
    /// For the values of a query parameter: the parameters' struct.
    pub of_params: Option<String>,
    /// Every struct with a field of this type (the owner first); a field of
    /// the same name with the same values shares one enum.
    pub users: BTreeSet<usize>,
    /// The features that need it.
    pub features: BTreeSet<String>,
    /// Its file below `src/generated/`: its owner's, or its own when
    /// several structs share it.
    pub file: String,
}

/// One typed query parameter of an operation.
#[derive(Debug, Clone)]
pub struct ParamField {
    /// The name on the wire (`restore_to.snapshot.name`).
    pub wire: String,
    /// The Rust name (`restore_to_snapshot_name`).
    pub ident: String,
    /// Its type.
    pub ty: Ty,
    /// The model's facts about it.
    pub param: ontap_model::Param,
}

/// The typed query parameters of one operation of a resource.
#[derive(Debug, Clone)]
pub struct ParamsDef {
    /// Its Rust name (`VolumePatchParams`).
    pub name: String,
    /// The resource (index into [`Plan::structs`]).
    pub owner: usize,
    /// The verb as the derive names it (`post`, `patch`, `delete`,
    /// `patch_collection`, `delete_collection`).
    pub verb: &'static str,
    /// The operation's method and path.
    pub method: &'static str,
    /// The operation's path below `/api`.
    pub path: String,
    /// Its parameters, in the model's order.
    pub fields: Vec<ParamField>,
}

/// Everything to write.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Structs: resources first, in path order, then models.
    pub structs: Vec<StructDef>,
    /// Enums.
    pub enums: Vec<EnumDef>,
    /// Features and the resources behind each.
    pub features: BTreeMap<String, Vec<usize>>,
    /// Typed query parameters, per resource and operation.
    pub params: Vec<ParamsDef>,
    /// What the model holds that the plan leaves out, for the record.
    pub notes: Vec<String>,
}

/// The cargo feature of a resource at `path`: its first segment, or
/// `protocols-<second>` below `/protocols`.
///
/// ```
/// assert_eq!(ontap_codegen::feature_of("/storage/volumes"), "storage");
/// assert_eq!(ontap_codegen::feature_of("/protocols/nfs/export-policies"), "protocols-nfs");
/// ```
pub fn feature_of(path: &str) -> String {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or("");
    match (first, segments.next()) {
        ("protocols", Some(second)) if !second.starts_with('{') => format!("protocols-{second}"),
        _ => first.to_owned(),
    }
}

struct Builder<'a> {
    spec: &'a Spec,
    overlay: &'a Overlay,
    plan: Plan,
    names: Registry,
    by_origin: HashMap<Origin, usize>,
    /// Per narrowed definition, the union of its narrowed views.
    references: BTreeMap<String, Vec<Property>>,
    /// The narrowed definitions whose views together hold every field:
    /// those are written as the definition itself.
    full_views: BTreeSet<String>,
    /// The structs whose fields are still to be planned.
    queue: VecDeque<usize>,
    /// Properties of inline objects, by origin.
    inline: HashMap<Origin, Vec<Property>>,
    /// Enums by field name and values, so that the same field shares one.
    shared_enums: HashMap<(String, Vec<String>), usize>,
    /// The definitions read for the release tables.
    definitions: crate::since::Definitions,
}

/// Plans every resource of `spec`.
pub fn plan(spec: &Spec, overlay: &Overlay) -> Plan {
    let mut reserved: Vec<&str> = names::RESERVED_TYPES.to_vec();
    let curated: Vec<String> = overlay.enums.values().map(|e| e.name.clone()).collect();
    reserved.extend(curated.iter().map(String::as_str));
    let mut builder = Builder {
        spec,
        overlay,
        plan: Plan::default(),
        names: Registry::with_reserved(&reserved),
        by_origin: HashMap::new(),
        full_views: BTreeSet::new(),
        references: collect_references(spec),
        queue: VecDeque::new(),
        inline: HashMap::new(),
        shared_enums: HashMap::new(),
        definitions: HashMap::new(),
    };
    builder.full_views = full_views(spec, &builder.references);
    builder.resources();
    while let Some(index) = builder.queue.pop_front() {
        builder.fill(index);
    }
    builder.name_shared_enums();
    builder.params();
    builder.box_cycles();
    builder.features();
    builder.plan
}

/// The union, per narrowed definition, of the properties of its narrowed
/// views, in a fixed order (definitions by name, properties in order).
fn collect_references(spec: &Spec) -> BTreeMap<String, Vec<Property>> {
    fn walk(schema: &Schema, out: &mut BTreeMap<String, Vec<Property>>) {
        match schema {
            Schema::Restricted { narrows, properties } => {
                let union = out.entry(narrows.clone()).or_default();
                for property in properties {
                    if !union.iter().any(|p| p.wire == property.wire) {
                        union.push(property.clone());
                    }
                }
                for property in properties {
                    walk(&property.schema, out);
                }
            }
            Schema::Inline(properties) => {
                for property in properties {
                    walk(&property.schema, out);
                }
            }
            Schema::Array(items) => walk(items, out),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for name in spec.definition_names() {
        if let Some(def) = spec.definition(name) {
            for property in &def.properties {
                walk(&property.schema, &mut out);
            }
        }
    }
    for union in out.values_mut() {
        union.sort_by(|a, b| a.wire.cmp(&b.wire));
    }
    out
}

/// The narrowed definitions whose views, together, name every field of the
/// definition.
fn full_views(spec: &Spec, references: &BTreeMap<String, Vec<Property>>) -> BTreeSet<String> {
    references
        .iter()
        .filter(|(narrows, union)| {
            spec.definition(narrows).is_some_and(|d| {
                let all: BTreeSet<&str> = d.properties.iter().map(|p| p.wire.as_str()).collect();
                let seen: BTreeSet<&str> = union.iter().map(|p| p.wire.as_str()).collect();
                all == seen
            })
        })
        .map(|(narrows, _)| narrows.clone())
        .collect()
}

/// The methods of `spec`'s POST, PATCH and DELETE whose answer may be held.
fn hold_methods(spec: &ResourceSpec) -> Vec<Method> {
    [&spec.post, &spec.patch, &spec.delete]
        .into_iter()
        .flatten()
        .filter(|op| overlay::holds(op))
        .map(|op| op.method)
        .collect()
}

impl Builder<'_> {
    fn resources(&mut self) {
        for spec in self.spec.resources() {
            let name = self.names.claim(&spec.name);
            let origin = match &spec.definition {
                Some(def) => Origin::Definition(def.clone()),
                None => Origin::Bare(spec.path.clone()),
            };
            let curated = self.overlay.resources.get(&spec.path);
            let since = crate::since::table(self.spec, spec, &mut self.definitions);
            let index = self.push(StructDef {
                name,
                origin: origin.clone(),
                resource: Some(ResourceInfo {
                    spec: spec.clone(),
                    feature: feature_of(&spec.path),
                    key_fields: spec.key_fields(self.spec),
                    hold: hold_methods(spec),
                    since,
                }),
                fields: Vec::new(),
                features: BTreeSet::new(),
                file: names::path_file(&spec.path),
                used_by: BTreeSet::new(),
                doc: curated.map(|c| c.doc.clone()).filter(|d| !d.is_empty()),
                example: curated.map(|c| c.example.clone()).filter(|d| !d.is_empty()),
            });
            self.by_origin.insert(origin, index);
        }
        let mut files = Registry::default();
        for s in &mut self.plan.structs {
            s.file = files.claim(&s.file);
        }
    }

    fn push(&mut self, def: StructDef) -> usize {
        self.plan.structs.push(def);
        let index = self.plan.structs.len() - 1;
        self.queue.push_back(index);
        index
    }

    /// The properties of the struct at `index`.
    fn properties(&self, index: usize) -> (Vec<Property>, Option<String>) {
        let s = &self.plan.structs[index];
        match &s.origin {
            Origin::Definition(def) => (
                self.spec.definition(def).map(|d| d.properties).unwrap_or_default(),
                Some(def.clone()),
            ),
            Origin::Reference(def) => (self.references.get(def).cloned().unwrap_or_default(), None),
            Origin::Inline(..) => (self.inline.get(&s.origin).cloned().unwrap_or_default(), None),
            Origin::Bare(_) => (Vec::new(), None),
        }
    }

    fn fill(&mut self, index: usize) {
        let (mut properties, definition) = self.properties(index);
        let owner_name = self.plan.structs[index].name.clone();
        let resource = self.plan.structs[index].resource.clone();
        let curated = resource.as_ref().and_then(|r| self.overlay.resources.get(&r.spec.path));
        let mut evidence = BTreeMap::new();
        if let Some(curated) = curated {
            for (wire, extra) in &curated.extra_fields {
                if !properties.iter().any(|p| &p.wire == wire) {
                    properties.push(Property::of(self.spec, wire, &extra.schema));
                    evidence.insert(wire.clone(), extra.evidence.clone());
                }
            }
        }
        let mut idents = Registry::default();
        let mut fields = Vec::new();
        for property in properties {
            let field_key = definition.as_ref().map(|d| format!("{d}.{}", property.wire));
            let ty = match field_key.as_ref().and_then(|k| self.overlay.field_types.get(k)) {
                Some(external) => Ty::External(external.clone()),
                None => self.ty(
                    &property.schema,
                    property.sensitive,
                    index,
                    &owner_name,
                    &property.wire,
                    definition.as_deref(),
                ),
            };
            let ident = idents.claim(&names::field(&property.wire));
            let doc = curated.and_then(|c| c.fields.get(&property.wire)).cloned();
            fields.push(FieldDef {
                evidence: evidence.get(&property.wire).cloned(),
                wire: property.wire.clone(),
                ident,
                ty,
                verbs: property.roles,
                key: Vec::new(),
                parent_key: false,
                property,
                doc,
            });
        }
        if let Some(resource) = &resource {
            self.resource_fields(&resource.spec, &mut fields, index);
        }
        self.plan.structs[index].fields = fields;
    }

    /// Verbs limited to the resource's operations; keys marked and first.
    fn resource_fields(&mut self, spec: &ResourceSpec, fields: &mut Vec<FieldDef>, index: usize) {
        let owner = self.plan.structs[index].name.clone();
        let owner = owner.as_str();
        let has_get = spec.get.is_some() || spec.get_collection.is_some();
        let has_post = spec.post.is_some();
        let has_patch = spec.patch.is_some() || spec.patch_collection.is_some();
        for field in fields.iter_mut() {
            field.verbs.get &= has_get;
            field.verbs.post &= has_post;
            field.verbs.patch &= has_patch;
        }
        self.synthesize_key_fields(spec, fields, index);
        let mut order = Vec::new();
        for key in &spec.key_fields(self.spec) {
            let (head, rest) = key.split_once('.').unwrap_or((key, ""));
            match fields.iter().position(|f| f.wire == head) {
                Some(at) => {
                    let field = &mut fields[at];
                    field.key.push(rest.to_owned());
                    field.verbs.get = true;
                    if !order.contains(&at) {
                        order.push(at);
                    }
                }
                None => self.plan.notes.push(format!("{owner}: no field holds the key `{key}`")),
            }
        }
        for key in &spec.parent_keys {
            let head = key.split('.').next().unwrap_or(key);
            if let Some(field) = fields.iter_mut().find(|f| f.wire == head) {
                field.parent_key = true;
            }
        }
        let mut sorted: Vec<FieldDef> = order.iter().map(|&i| fields[i].clone()).collect();
        sorted.extend(
            fields
                .iter()
                .enumerate()
                .filter(|(i, _)| !order.contains(i))
                .map(|(_, f)| f.clone()),
        );
        *fields = sorted;
    }

    /// A field for each key or parent key of the path that the model's
    /// definition lacks: a string, or an object holding the key's parts.
    fn synthesize_key_fields(&mut self, spec: &ResourceSpec, fields: &mut Vec<FieldDef>, index: usize) {
        let owner = self.plan.structs[index].name.clone();
        let owner = owner.as_str();
        let mut missing: Vec<(String, Vec<String>)> = Vec::new();
        for key in spec.parent_keys.iter().chain(&spec.key_fields(self.spec)) {
            let (head, rest) = match key.split_once('.') {
                Some((head, rest)) => (head, Some(rest)),
                None => (key.as_str(), None),
            };
            if fields.iter().any(|f| f.wire == head) {
                continue;
            }
            match missing.iter_mut().find(|(h, _)| h == head) {
                Some((_, parts)) => parts.extend(rest.map(str::to_owned)),
                None => missing.push((head.to_owned(), rest.map(str::to_owned).into_iter().collect())),
            }
        }
        let mut idents = Registry::default();
        for f in fields.iter() {
            idents.claim(&f.ident);
        }
        let none = Roles {
            get: false,
            post: false,
            patch: false,
        };
        for (head, parts) in missing {
            let string = |wire: &str| Property {
                wire: wire.to_owned(),
                schema: Schema::String {
                    format: None,
                    values: None,
                },
                roles: none,
                sensitive: false,
                required: false,
                bounds: Default::default(),
                introduced: None,
                values_introduced: Vec::new(),
            };
            let property = if parts.is_empty() {
                string(&head)
            } else {
                Property {
                    schema: Schema::Inline(parts.iter().map(|p| string(p)).collect()),
                    ..string(&head)
                }
            };
            let ty = self.ty(&property.schema, false, index, owner, &head, None);
            fields.push(FieldDef {
                wire: head.clone(),
                ident: idents.claim(&names::field(&head)),
                ty,
                verbs: none,
                key: Vec::new(),
                parent_key: false,
                property,
                doc: None,
                evidence: Some(format!(
                    "it holds the `{head}` placeholder of the path `{}`.",
                    spec.instance_path.as_deref().unwrap_or(&spec.path)
                )),
            });
        }
    }

    fn ty(
        &mut self,
        schema: &Schema,
        sensitive: bool,
        owner: usize,
        owner_name: &str,
        wire: &str,
        definition: Option<&str>,
    ) -> Ty {
        match schema {
            Schema::String { format, values } => match (format.as_deref(), values) {
                _ if sensitive => Ty::Secret,
                (Some("date-time"), _) => Ty::Timestamp,
                (_, Some(values)) if !values.is_empty() => {
                    Ty::Enum(self.enumeration(values, owner, owner_name, wire, definition))
                }
                _ => Ty::String,
            },
            Schema::Integer { .. } => Ty::I64,
            Schema::Number => Ty::F64,
            Schema::Boolean => Ty::Bool,
            Schema::Array(items) => Ty::Vec(Box::new(self.ty(items, sensitive, owner, owner_name, wire, definition))),
            Schema::Ref(def) => self.definition_ty(def, owner_name, wire),
            Schema::Restricted { narrows, .. } => {
                if self.full_views.contains(narrows) {
                    return self.definition_ty(narrows, owner_name, wire);
                }
                let origin = Origin::Reference(narrows.clone());
                let index = match self.by_origin.get(&origin) {
                    Some(&index) => index,
                    None => {
                        let base = self.definition_type_name(narrows);
                        let name = self.names.claim(&format!("{base}Reference"));
                        self.model(name, origin)
                    }
                };
                self.used(index, owner_name, wire)
            }
            Schema::Inline(properties) if !properties.is_empty() => {
                let origin = Origin::Inline(owner_name.to_owned(), wire.to_owned());
                let name = self.names.claim(&format!("{owner_name}{}", names::camel(wire)));
                self.inline.insert(origin.clone(), properties.clone());
                let index = self.model(name, origin);
                self.used(index, owner_name, wire)
            }
            Schema::Inline(_) | Schema::Object | Schema::Unknown => Ty::Json,
        }
    }

    fn used(&mut self, index: usize, owner: &str, wire: &str) -> Ty {
        self.plan.structs[index]
            .used_by
            .insert((owner.to_owned(), wire.to_owned()));
        Ty::Struct { index, boxed: false }
    }

    fn definition_ty(&mut self, def: &str, owner_name: &str, wire: &str) -> Ty {
        if let Some(external) = self.overlay.external_types.get(def) {
            return Ty::External(external.clone());
        }
        let origin = Origin::Definition(def.to_owned());
        if let Some(&index) = self.by_origin.get(&origin) {
            return self.used(index, owner_name, wire);
        }
        let empty = self.spec.definition(def).is_none_or(|d| d.properties.is_empty());
        if empty {
            return Ty::Json;
        }
        let name = self.names.claim(&names::camel(def));
        let index = self.model(name, origin);
        self.used(index, owner_name, wire)
    }

    /// The name a definition's struct has or will have (for `...Reference`).
    fn definition_type_name(&self, def: &str) -> String {
        match self.by_origin.get(&Origin::Definition(def.to_owned())) {
            Some(&index) => self.plan.structs[index].name.clone(),
            None => names::camel(def),
        }
    }

    fn model(&mut self, name: String, origin: Origin) -> usize {
        let file = format!("models/{}", names::field(&names::snake(&name)));
        let index = self.push(StructDef {
            name,
            origin: origin.clone(),
            resource: None,
            fields: Vec::new(),
            features: BTreeSet::new(),
            file,
            used_by: BTreeSet::new(),
            doc: None,
            example: None,
        });
        self.by_origin.insert(origin, index);
        index
    }

    fn enumeration(
        &mut self,
        values: &[String],
        owner: usize,
        owner_name: &str,
        wire: &str,
        definition: Option<&str>,
    ) -> usize {
        let curated = definition.and_then(|d| self.overlay.enums.get(&format!("{d}.{wire}")));
        // A field of the same name with the same values is the same enum.
        let shared_key = (wire.to_owned(), values.to_vec());
        if curated.is_none()
            && let Some(&index) = self.shared_enums.get(&shared_key)
        {
            self.plan.enums[index].users.insert(owner);
            return index;
        }
        let name = match curated {
            Some(c) => c.name.clone(),
            None => self.names.claim(&format!("{owner_name}{}", names::camel(wire))),
        };
        let mut variants = Registry::default();
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for value in values {
            // An empty value has no name of its own: it reads as `Unknown("")`
            // and is written back unchanged.
            if value.is_empty() || !seen.insert(value.clone()) {
                continue;
            }
            // `Unknown` keeps the values the model does not list; a variant
            // named after a standard type would make rustc spell that type
            // out in full (`std::string::String`) in every diagnostic.
            let wanted = match names::variant(value) {
                v if matches!(v.as_str(), "Unknown" | "String" | "Vec" | "Box" | "Option" | "Result") => {
                    format!("{v}Value")
                }
                v => v,
            };
            out.push((variants.claim(&wanted), value.clone()));
        }
        self.plan.enums.push(EnumDef {
            name,
            owner,
            wire: wire.to_owned(),
            values: out,
            doc: curated.map(|c| c.doc.clone()).filter(|d| !d.is_empty()),
            value_docs: curated.map(|c| c.values.clone()).unwrap_or_default(),
            unknown_doc: curated.and_then(|c| c.unknown.clone()),
            of_params: None,
            users: BTreeSet::from([owner]),
            features: BTreeSet::new(),
            file: String::new(),
        });
        let index = self.plan.enums.len() - 1;
        if curated.is_none() && definition.is_some() {
            self.shared_enums.insert(shared_key, index);
        }
        index
    }

    /// A shared enum is named after what its users have in common: the
    /// words their names end with (`FcInterface`, `IpInterface` →
    /// `InterfaceState`), else those they start with, else the field alone.
    fn name_shared_enums(&mut self) {
        for index in 0..self.plan.enums.len() {
            let e = &self.plan.enums[index];
            if e.users.len() < 2 {
                continue;
            }
            let users: Vec<Vec<&str>> = e
                .users
                .iter()
                .map(|&u| names::words(&self.plan.structs[u].name))
                .collect();
            let field = names::camel(&e.wire);
            let stem = match (common_words(&users, true), common_words(&users, false)) {
                (suffix, _) if !suffix.is_empty() => suffix,
                (_, prefix) => prefix,
            };
            let wanted = format!("{stem}{field}");
            let old = e.name.clone();
            self.names.release(&old);
            if !stem.is_empty() && self.names.take(&wanted) {
                self.plan.enums[index].name = wanted;
            } else {
                // Nothing in common to name it by: each user keeps its own.
                self.names.take(&old);
                self.unshare_enum(index);
            }
        }
    }

    /// Gives every user but the owner of a shared enum an enum of its own.
    fn unshare_enum(&mut self, index: usize) {
        let users: Vec<usize> = self.plan.enums[index].users.iter().copied().collect();
        let owner = self.plan.enums[index].owner;
        self.plan.enums[index].users = BTreeSet::from([owner]);
        for user in users.into_iter().filter(|&u| u != owner) {
            let mut copy = self.plan.enums[index].clone();
            copy.owner = user;
            copy.users = BTreeSet::from([user]);
            copy.name = self
                .names
                .claim(&format!("{}{}", self.plan.structs[user].name, names::camel(&copy.wire)));
            self.plan.enums.push(copy);
            let new = self.plan.enums.len() - 1;
            for field in &mut self.plan.structs[user].fields {
                retarget_enum(&mut field.ty, index, new);
            }
        }
    }

    /// The typed query parameters of each operation that has its own.
    fn params(&mut self) {
        for owner in 0..self.plan.structs.len() {
            let Some(resource) = self.plan.structs[owner].resource.clone() else {
                continue;
            };
            let spec = &resource.spec;
            let resource_name = self.plan.structs[owner].name.clone();
            for (verb, camel, op) in [
                ("post", "Post", &spec.post),
                ("patch", "Patch", &spec.patch),
                ("delete", "Delete", &spec.delete),
                ("patch_collection", "PatchCollection", &spec.patch_collection),
                ("delete_collection", "DeleteCollection", &spec.delete_collection),
            ] {
                let Some(op) = op else { continue };
                let own: Vec<ontap_model::Param> = op.own_query_params().cloned().collect();
                if own.is_empty() {
                    continue;
                }
                let base = format!("{resource_name}{camel}");
                let name = self.names.claim(&format!("{base}Params"));
                let mut idents = Registry::default();
                let mut fields = Vec::new();
                for param in own {
                    let ty = self.param_ty(&param.schema, owner, &base, &param.name, &name);
                    fields.push(ParamField {
                        wire: param.name.clone(),
                        ident: idents.claim(&names::field(&param.name)),
                        ty,
                        param,
                    });
                }
                self.plan.params.push(ParamsDef {
                    name,
                    owner,
                    verb,
                    method: op.method.as_upper(),
                    path: op.path.clone(),
                    fields,
                });
            }
        }
    }

    fn param_ty(&mut self, schema: &Schema, owner: usize, base: &str, wire: &str, params: &str) -> Ty {
        match schema {
            Schema::String {
                values: Some(values), ..
            } if !values.is_empty() => {
                let index = self.enumeration(values, owner, base, wire, None);
                self.plan.enums[index].of_params = Some(params.to_owned());
                Ty::Enum(index)
            }
            Schema::Integer { .. } => Ty::I64,
            Schema::Number => Ty::F64,
            Schema::Boolean => Ty::Bool,
            Schema::Array(items) => Ty::Vec(Box::new(self.param_ty(items, owner, base, wire, params))),
            _ => Ty::String,
        }
    }

    /// For each struct, the structs its fields hold (directly or in lists).
    fn struct_edges(&self) -> Vec<Vec<usize>> {
        self.plan
            .structs
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                for f in &s.fields {
                    collect_struct_refs(&f.ty, &mut out);
                }
                out
            })
            .collect()
    }

    /// Boxes every direct (not listed) field whose struct is in the same
    /// strongly connected component as its owner: the cycles of the model.
    fn box_cycles(&mut self) {
        let n = self.plan.structs.len();
        let edges = self.struct_edges();
        let component = tarjan(n, &edges);
        for (owner, s) in self.plan.structs.iter_mut().enumerate() {
            for field in &mut s.fields {
                if let Ty::Struct { index, boxed } = &mut field.ty
                    && component[*index] == component[owner]
                {
                    *boxed = true;
                }
            }
        }
    }

    fn features(&mut self) {
        let edges = self.struct_edges();
        for start in 0..self.plan.structs.len() {
            let Some(resource) = &self.plan.structs[start].resource else {
                continue;
            };
            let feature = resource.feature.clone();
            self.plan.features.entry(feature.clone()).or_default().push(start);
            let mut todo = vec![start];
            let mut seen = BTreeSet::new();
            while let Some(next) = todo.pop() {
                if !seen.insert(next) {
                    continue;
                }
                self.plan.structs[next].features.insert(feature.clone());
                todo.extend(edges[next].iter().copied());
            }
        }
        for e in &mut self.plan.enums {
            for &user in &e.users {
                e.features.extend(self.plan.structs[user].features.iter().cloned());
            }
            e.file = if e.users.len() > 1 {
                format!("models/{}", names::field(&names::snake(&e.name)))
            } else {
                self.plan.structs[e.owner].file.clone()
            };
        }
    }
}

fn retarget_enum(ty: &mut Ty, from: usize, to: usize) {
    match ty {
        Ty::Enum(index) if *index == from => *index = to,
        Ty::Vec(inner) => retarget_enum(inner, from, to),
        _ => {}
    }
}

/// The words every name has at its end (`from_end`) or at its start.
fn common_words(names: &[Vec<&str>], from_end: bool) -> String {
    let pick = |words: &[&str], depth: usize| -> Option<String> {
        let at = if from_end {
            words.len().checked_sub(depth + 1)?
        } else {
            depth
        };
        words.get(at).map(|w| (*w).to_owned())
    };
    let mut shared = Vec::new();
    for depth in 0.. {
        let Some(word) = pick(&names[0], depth) else { break };
        if names.iter().all(|w| pick(w, depth).as_deref() == Some(word.as_str())) {
            shared.push(word);
        } else {
            break;
        }
    }
    if from_end {
        shared.reverse();
    }
    shared.concat()
}

fn collect_struct_refs(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Struct { index, .. } => out.push(*index),
        Ty::Vec(inner) => collect_struct_refs(inner, out),
        _ => {}
    }
}

/// The strongly connected component of each node (Tarjan's algorithm,
/// iterative so that deep models do not exhaust the stack).
fn tarjan(n: usize, edges: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![NONE; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if *edge == 0 && index[v] == NONE {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*edge) {
                *edge += 1;
                if index[w] == NONE {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        // 0 -> 1 -> 2 -> 1, 3 alone, 4 -> 4.
        let edges = vec![vec![1], vec![2], vec![1], vec![], vec![4]];
        let c = tarjan(5, &edges);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[1]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[3]);
    }

    #[test]
    fn features() {
        assert_eq!(feature_of("/cluster/software/download"), "cluster");
        assert_eq!(feature_of("/name-services/dns"), "name-services");
        assert_eq!(feature_of("/protocols/san/igroups"), "protocols-san");
    }
}
