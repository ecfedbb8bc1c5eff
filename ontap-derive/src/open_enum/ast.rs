//! The derive input as `#[derive(OpenEnum)]` sees it.

use super::attr;
use crate::internals::Ctxt;
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub attrs: attr::Container,
    pub generics: &'a syn::Generics,
    pub data: Data<'a>,
}

pub enum Data<'a> {
    Enum(Vec<Variant<'a>>),
    /// A struct or union, with the token to point at.
    Unsupported {
        span: Span,
        what: &'static str,
    },
}

pub struct Variant<'a> {
    pub ident: &'a syn::Ident,
    pub fields: &'a syn::Fields,
    pub attrs: attr::Variant,
}

impl<'a> Container<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Self {
        let attrs = attr::Container::from_ast(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Enum(data) => Data::Enum(
                data.variants
                    .iter()
                    .map(|variant| Variant {
                        ident: &variant.ident,
                        fields: &variant.fields,
                        attrs: attr::Variant::from_ast(cx, &variant.attrs),
                    })
                    .collect(),
            ),
            syn::Data::Struct(data) => Data::Unsupported {
                span: data.struct_token.span(),
                what: "a struct",
            },
            syn::Data::Union(data) => Data::Unsupported {
                span: data.union_token.span(),
                what: "a union",
            },
        };
        Container {
            ident: &input.ident,
            attrs,
            generics: &input.generics,
            data,
        }
    }

    pub fn variants(&self) -> &[Variant<'a>] {
        match &self.data {
            Data::Enum(variants) => variants,
            Data::Unsupported { .. } => &[],
        }
    }

    /// The variant that keeps unknown values, when there is one.
    pub fn other(&self) -> Option<&Variant<'a>> {
        self.variants().iter().find(|v| v.attrs.other.is_some())
    }

    /// The variants ONTAP names, each with its wire name.
    pub fn known(&self) -> impl Iterator<Item = (&Variant<'a>, String)> {
        self.variants()
            .iter()
            .filter(|v| v.attrs.other.is_none())
            .map(|v| (v, v.wire()))
    }
}

impl Variant<'_> {
    /// The wire name: `rename`, or else the snake_case of the variant.
    pub fn wire(&self) -> String {
        match &self.attrs.rename {
            Some(rename) => rename.value(),
            None => snake_case(&self.ident.unraw().to_string()),
        }
    }
}

/// `NotStarted` → `not_started`, `HTTPServer` → `http_server`,
/// `Sha256` → `sha256`: a word starts at an uppercase letter that follows a
/// lowercase letter or a digit, or that ends a run of capitals.
pub fn snake_case(ident: &str) -> String {
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
