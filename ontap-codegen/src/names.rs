//! Rust names for the model's names: types, fields, enum variants, files.

use std::collections::BTreeSet;

/// Words that cannot name a field as they are.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Type names the generated code itself uses, which a model must not take.
pub const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Resource",
    "Model",
    "OpenEnum",
    "Secret",
    "Timestamp",
    "Links",
    "Href",
    "Self",
    "Error",
    "Value",
];

/// `volume_autosize` → `VolumeAutosize`; `ip-interface.v2` → `IpInterfaceV2`.
pub fn camel(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper = true;
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else if c.is_ascii_uppercase() && !prev_lower {
                // `BMC` stays one word, written `Bmc`.
                out.extend(c.to_lowercase());
            } else {
                out.push(c);
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            upper = false;
        } else {
            upper = true;
            prev_lower = false;
        }
    }
    out
}

/// A field name for a wire name: `_links` → `links`, `resync-progress` →
/// `resync_progress`, `isDnsTTLEnabled` → `is_dns_ttl_enabled`, `type` → `type_`.
pub fn field(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len() + 2);
    let chars: Vec<char> = wire.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let starts_word = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        out.push_str("value");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A variant name for an enum value: `not_started` → `NotStarted`,
/// `10m` → `V10m`, `""` → `Empty`.
pub fn variant(value: &str) -> String {
    let name = camel(value);
    if name.is_empty() {
        "Empty".to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

/// The wire name `#[derive(OpenEnum)]` gives a variant without `rename`
/// (the derive's own rule, kept in step with it).
pub fn open_enum_default_wire(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let next = chars.get(i + 1);
            let starts_word = match prev {
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                _ => false,
            };
            if starts_word {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A file name for a path: `/storage/volumes/{volume.uuid}/snapshots` →
/// `storage_volumes_snapshots`.
pub fn path_file(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(field)
        .collect();
    let name = parts.join("_");
    if name.is_empty() { "root".to_owned() } else { name }
}

/// The words of a type name: `IpInterfaceState` → `Ip`, `Interface`, `State`.
pub fn words(type_name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in type_name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            out.push(&type_name[start..i]);
            start = i;
        }
    }
    if start < type_name.len() {
        out.push(&type_name[start..]);
    }
    out
}

/// `VolumeAutosize` → `volume_autosize`.
pub fn snake(type_name: &str) -> String {
    open_enum_default_wire(type_name)
}

/// Hands out names that are unique in one scope, adding `2`, `3`, ... to a
/// name already taken.
#[derive(Debug, Default)]
pub struct Registry {
    taken: BTreeSet<String>,
}

impl Registry {
    /// A registry where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Registry {
        Registry {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Takes `name` when it is free; false when it is taken.
    pub fn take(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_owned())
    }

    /// Frees `name`.
    pub fn release(&mut self, name: &str) {
        self.taken.remove(name);
    }

    /// `wanted`, or the first free `wanted2`, `wanted3`, ...
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        (2..)
            .map(|n| format!("{wanted}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(camel("volume_autosize"), "VolumeAutosize");
        assert_eq!(camel("ip-interface"), "IpInterface");
        assert_eq!(camel("BMC"), "Bmc");
        assert_eq!(camel("nfs4.1"), "Nfs41");
    }

    #[test]
    fn field_names() {
        assert_eq!(field("_links"), "links");
        assert_eq!(field("resync-progress"), "resync_progress");
        assert_eq!(field("isDnsTTLEnabled"), "is_dns_ttl_enabled");
        assert_eq!(field("type"), "type_");
        assert_eq!(field("self"), "self_");
        assert_eq!(field("node.name"), "node_name");
        assert_eq!(field("1st"), "n1st");
    }

    #[test]
    fn variants() {
        assert_eq!(variant("not_started"), "NotStarted");
        assert_eq!(variant("10m"), "V10m");
        assert_eq!(variant(""), "Empty");
        assert_eq!(variant("PT15S"), "Pt15S");
        assert_eq!(variant("ja_jp.pck_v2.utf_8"), "JaJpPckV2Utf8");
        assert_eq!(open_enum_default_wire("NotStarted"), "not_started");
    }

    #[test]
    fn files_and_registry() {
        assert_eq!(
            path_file("/storage/volumes/{volume.uuid}/snapshots"),
            "storage_volumes_snapshots"
        );
        assert_eq!(path_file("/name-services/dns"), "name_services_dns");
        let mut names = Registry::with_reserved(&["Error"]);
        assert_eq!(names.claim("Error"), "Error2");
        assert_eq!(names.claim("Volume"), "Volume");
        assert_eq!(names.claim("Volume"), "Volume2");
    }
}
