//! Looking into field types by their spelling (a derive sees tokens, not
//! resolved types).

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// Looks through invisible groups, which macro_rules! inputs introduce.
pub fn ungroup(mut ty: &Type) -> &Type {
    while let Type::Group(group) = ty {
        ty = &group.elem;
    }
    ty
}

/// The `T` of `Option<T>` (also spelled `std::option::Option<T>` or
/// `core::option::Option<T>`); `None` for any other type.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungroup(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segments = &path.path.segments;
    let last = segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let prefix: Vec<String> = segments
        .iter()
        .take(segments.len() - 1)
        .map(|segment| segment.ident.to_string())
        .collect();
    let known_prefix = prefix.is_empty()
        || prefix == ["std", "option"]
        || prefix == ["core", "option"]
        || prefix == ["alloc", "option"];
    if !known_prefix || segments.iter().take(segments.len() - 1).any(|s| !s.arguments.is_none()) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match args.args.first() {
        Some(GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}

/// Whether the last segment of the type's path is `name` (`Secret`,
/// `ontap::Secret`, ...).
pub fn last_segment_is(ty: &Type, name: &str) -> bool {
    match ungroup(ty) {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name && segment.arguments.is_none()),
        _ => false,
    }
}

/// The type as a person would write it (`Vec<String>`, not `Vec < String >`),
/// for use in messages.
pub fn display(ty: &Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let prev = out.chars().last();
            let next = chars.peek().copied();
            let glue_before = matches!(next, Some('<' | '>' | ',' | ':' | ')' | ']'));
            let glue_after = matches!(prev, Some('<' | ':' | '&' | '(' | '['));
            if glue_before || glue_after {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn finds_option_inner() {
        let ty: Type = parse_quote!(Option<String>);
        assert_eq!(display(option_inner(&ty).unwrap()), "String");
        let ty: Type = parse_quote!(::core::option::Option<Vec<u8>>);
        assert_eq!(display(option_inner(&ty).unwrap()), "Vec<u8>");
        let ty: Type = parse_quote!(std::option::Option<ontap::Secret>);
        assert!(last_segment_is(option_inner(&ty).unwrap(), "Secret"));
    }

    #[test]
    fn rejects_other_types() {
        for ty in [
            parse_quote!(String),
            parse_quote!(Vec<Option<String>>),
            parse_quote!(Option),
            parse_quote!(my::Option<String>),
            parse_quote!(Option<String, u8>),
            parse_quote!(&'static Option<String>),
        ] {
            let ty: Type = ty;
            assert!(option_inner(&ty).is_none(), "{}", display(&ty));
        }
    }

    #[test]
    fn displays_types_compactly() {
        let ty: Type = parse_quote!(std::collections::HashMap<String, Vec<u8>>);
        assert_eq!(display(&ty), "std::collections::HashMap<String, Vec<u8>>");
        let ty: Type = parse_quote!(&'static [u8]);
        assert_eq!(display(&ty), "&'static [u8]");
    }
}
