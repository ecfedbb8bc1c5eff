//! Definitions and their properties, with ONTAP's role markers resolved.

use serde_json::Value;

use crate::Spec;

/// Which verbs carry a property, from ONTAP's role markers.
///
/// | marker | GET | POST | PATCH |
/// |---|---|---|---|
/// | `readOnly: true` | yes | | |
/// | none | yes | yes | yes |
/// | `x-ntap-readCreate` | yes | yes | |
/// | `x-ntap-createOnly` | | yes | |
/// | `x-ntap-readModify` | yes | | yes |
/// | `x-ntap-modifyOnly` | | | yes |
/// | `x-ntap-writeOnly` | | yes | yes |
///
/// ```
/// let roles = ontap_model::Roles::of(&serde_json::json!({"type": "string", "x-ntap-readCreate": true}));
/// assert_eq!((roles.get, roles.post, roles.patch), (true, true, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Roles {
    /// Read back by GET.
    pub get: bool,
    /// Sent by POST.
    pub post: bool,
    /// Sent by PATCH.
    pub patch: bool,
}

impl Roles {
    /// Every verb.
    pub const ALL: Roles = Roles {
        get: true,
        post: true,
        patch: true,
    };

    /// The roles a property's markers give it.
    pub fn of(property: &Value) -> Roles {
        let flag = |name: &str| property.get(name).and_then(Value::as_bool).unwrap_or(false);
        let (get, post, patch) = if flag("readOnly") {
            (true, false, false)
        } else if flag("x-ntap-createOnly") {
            (false, true, false)
        } else if flag("x-ntap-readCreate") {
            (true, true, false)
        } else if flag("x-ntap-readModify") {
            (true, false, true)
        } else if flag("x-ntap-modifyOnly") {
            (false, false, true)
        } else if flag("x-ntap-writeOnly") {
            (false, true, true)
        } else {
            (true, true, true)
        };
        Roles { get, post, patch }
    }
}

/// Bounds and format facts of a property, as the model states them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `default`.
    pub default: Option<Value>,
}

impl Bounds {
    pub(crate) fn of(raw: &Value) -> Bounds {
        let num = |name: &str| raw.get(name).and_then(Value::as_f64);
        let int = |name: &str| raw.get(name).and_then(Value::as_u64);
        Bounds {
            minimum: num("minimum"),
            maximum: num("maximum"),
            min_length: int("minLength"),
            max_length: int("maxLength"),
            min_items: int("minItems"),
            max_items: int("maxItems"),
            default: raw.get("default").cloned(),
        }
    }
}

/// The type of a property or parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    /// A string, with its `format` (`date-time`, `password`, `uuid`, ...)
    /// and its allowed values when the model lists them.
    String {
        /// `format`.
        format: Option<String>,
        /// `enum`.
        values: Option<Vec<String>>,
    },
    /// An integer; `values` when the model lists them.
    Integer {
        /// `enum`.
        values: Option<Vec<i64>>,
    },
    /// A floating-point number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list.
    Array(Box<Schema>),
    /// A reference to a definition, by name.
    Ref(String),
    /// An object limited to some fields of the definition it narrows
    /// (`x-ntap-restricts`), e.g. `svm: {name, uuid}`.
    Restricted {
        /// The definition it narrows.
        narrows: String,
        /// Its properties.
        properties: Vec<Property>,
    },
    /// An object described in place, with no definition of its own.
    Inline(Vec<Property>),
    /// An object of any shape.
    Object,
    /// The model does not say.
    Unknown,
}

impl Schema {
    /// Reads a property or item schema.
    pub fn of(spec: &Spec, raw: &Value) -> Schema {
        if let Some(reference) = raw.get("$ref").and_then(Value::as_str) {
            return match Spec::ref_name(reference) {
                Some(name) => Schema::Ref(name.to_owned()),
                None => Schema::Unknown,
            };
        }
        if let Some(all_of) = raw.get("allOf").and_then(Value::as_array) {
            let refs: Vec<&str> = all_of
                .iter()
                .filter_map(|part| part.get("$ref").and_then(Value::as_str))
                .filter_map(Spec::ref_name)
                .collect();
            return match refs.as_slice() {
                [one] if raw.get("properties").is_none() => Schema::Ref((*one).to_owned()),
                _ => Schema::Unknown,
            };
        }
        match raw.get("type").and_then(Value::as_str) {
            Some("string") => Schema::String {
                format: raw.get("format").and_then(Value::as_str).map(str::to_owned),
                values: raw.get("enum").and_then(Value::as_array).map(|values| {
                    values
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect()
                }),
            },
            Some("integer") => Schema::Integer {
                values: raw
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|values| values.iter().filter_map(Value::as_i64).collect()),
            },
            Some("number") => Schema::Number,
            Some("boolean") => Schema::Boolean,
            Some("array") => match raw.get("items") {
                Some(items) => Schema::Array(Box::new(Schema::of(spec, items))),
                None => Schema::Array(Box::new(Schema::Unknown)),
            },
            Some("object") | None if raw.get("properties").is_some() => {
                let properties = properties(spec, raw);
                match raw
                    .get("x-ntap-restricts")
                    .and_then(Value::as_str)
                    .and_then(Spec::ref_name)
                {
                    Some(narrows) => Schema::Restricted {
                        narrows: narrows.to_owned(),
                        properties,
                    },
                    None => Schema::Inline(properties),
                }
            }
            Some("object") => Schema::Object,
            _ => Schema::Unknown,
        }
    }

    /// Calls `f` with every definition this schema names, directly or in
    /// nested objects and lists.
    pub fn visit_refs(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Schema::Ref(name) => f(name),
            Schema::Array(items) => items.visit_refs(f),
            Schema::Restricted { properties, .. } | Schema::Inline(properties) => {
                for property in properties {
                    property.schema.visit_refs(f);
                }
            }
            _ => {}
        }
    }

    /// The list's item schema for an array, else the schema itself.
    pub fn item(&self) -> &Schema {
        match self {
            Schema::Array(items) => items.item(),
            other => other,
        }
    }
}

/// One property of a definition or of an object in place.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The JSON name.
    pub wire: String,
    /// Its type.
    pub schema: Schema,
    /// Which verbs carry it.
    pub roles: Roles,
    /// A secret (`x-ntap-sensitive`): a password, key, token...
    pub sensitive: bool,
    /// Whether the model lists it as required.
    pub required: bool,
    /// Bounds, format facts and default.
    pub bounds: Bounds,
    /// The release that introduced it here (`x-ntap-introduced`), when the model says.
    pub introduced: Option<crate::Release>,
    /// Its enum values newer than itself, with their release (`x-ntap-enum-introduced`).
    pub values_introduced: Vec<(String, crate::Release)>,
}

/// A definition: a named object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// Its name in `definitions`.
    pub name: String,
    /// Its properties, in the document's order.
    pub properties: Vec<Property>,
    /// Whether the model built it as a wrapper (`x-ntap-synthesized`).
    pub synthesized: bool,
}

pub(crate) fn definition(spec: &Spec, name: &str, raw: &Value) -> Definition {
    let mut props = properties(spec, raw);
    // `allOf` at the top of a definition composes it from others.
    if let Some(all_of) = raw.get("allOf").and_then(Value::as_array) {
        for part in all_of {
            let part = match part.get("$ref").and_then(Value::as_str).and_then(Spec::ref_name) {
                Some(name) => spec.raw_definition(name),
                None => Some(part),
            };
            if let Some(part) = part {
                for property in properties(spec, part) {
                    if !props.iter().any(|p| p.wire == property.wire) {
                        props.push(property);
                    }
                }
            }
        }
    }
    let required = required_names(raw);
    for property in &mut props {
        property.required |= required.iter().any(|r| *r == property.wire);
    }
    Definition {
        name: name.to_owned(),
        properties: props,
        synthesized: raw.get("x-ntap-synthesized").is_some(),
    }
}

fn required_names(raw: &Value) -> Vec<&str> {
    raw.get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The properties of a schema object, with the releases its
/// `x-ntap-properties-introduced` gives those that are a bare `$ref`.
pub(crate) fn properties(spec: &Spec, object: &Value) -> Vec<Property> {
    let Some(raw) = object.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let marks = object.get("x-ntap-properties-introduced");
    raw.iter()
        .filter(|(_, value)| value.is_object())
        .map(|(wire, value)| {
            let mut p = property(spec, wire, value);
            p.introduced = crate::history::property_introduced(marks, wire, value);
            p
        })
        .collect()
}

impl Property {
    /// Reads the property `wire` from its schema as the model writes it
    /// (markers, `allOf`, `x-ntap-sensitive`, bounds).
    ///
    /// ```
    /// let spec = ontap_model::Spec::parse(r#"{"swagger": "2.0"}"#).unwrap();
    /// let raw = serde_json::json!({"type": "string", "format": "password", "x-ntap-createOnly": true});
    /// let password = ontap_model::Property::of(&spec, "password", &raw);
    /// assert!(password.sensitive && password.roles.post && !password.roles.get);
    /// ```
    pub fn of(spec: &Spec, wire: &str, raw: &Value) -> Property {
        property(spec, wire, raw)
    }
}

fn property(spec: &Spec, wire: &str, raw: &Value) -> Property {
    let sensitive = raw.get("x-ntap-sensitive").and_then(Value::as_bool).unwrap_or(false)
        || (raw.get("type").and_then(Value::as_str) == Some("string")
            && raw.get("format").and_then(Value::as_str) == Some("password"));
    Property {
        wire: wire.to_owned(),
        schema: Schema::of(spec, raw),
        roles: Roles::of(raw),
        sensitive,
        required: false,
        bounds: Bounds::of(raw),
        introduced: crate::history::introduced(raw),
        values_introduced: crate::history::values_introduced(raw.get("items").unwrap_or(raw)),
    }
}
