//! The derive input as `#[derive(Resource)]` sees it: the struct, its
//! attributes, and each field with its own.

use super::attr;
use crate::internals::{Ctxt, ty};
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
    /// A struct with named fields: the one shape a resource can have.
    Struct(Vec<Field<'a>>),
    /// Anything else, with the token to point at and what it is.
    Unsupported { span: Span, what: &'static str },
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    /// The field's name without `r#`.
    pub name: String,
    pub ty: &'a syn::Type,
    /// The `T` of `Option<T>`; `None` when the field is not an `Option`.
    pub inner: Option<&'a syn::Type>,
    pub attrs: attr::Field,
}

impl<'a> Container<'a> {
    /// Reads the input; every problem found on the way goes to `cx`.
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Self {
        let attrs = attr::Container::from_ast(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Struct(data) => match &data.fields {
                syn::Fields::Named(fields) => Data::Struct(
                    fields
                        .named
                        .iter()
                        .filter_map(|field| Field::from_ast(cx, field))
                        .collect(),
                ),
                syn::Fields::Unnamed(fields) => Data::Unsupported {
                    span: fields.span(),
                    what: "a tuple struct",
                },
                syn::Fields::Unit => Data::Unsupported {
                    span: input.ident.span(),
                    what: "a unit struct",
                },
            },
            syn::Data::Enum(data) => Data::Unsupported {
                span: data.enum_token.span(),
                what: "an enum",
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

    /// The fields, or none when the input is not a struct with named fields.
    pub fn fields(&self) -> &[Field<'a>] {
        match &self.data {
            Data::Struct(fields) => fields,
            Data::Unsupported { .. } => &[],
        }
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        Some(Field {
            ident,
            name: ident.unraw().to_string(),
            ty: &field.ty,
            inner: ty::option_inner(&field.ty),
            attrs: attr::Field::from_ast(cx, &field.attrs),
        })
    }

    /// The JSON name: `rename`, or else the field's name.
    pub fn wire(&self) -> String {
        match &self.attrs.rename {
            Some(rename) => rename.value(),
            None => self.name.clone(),
        }
    }

    /// The keys this field carries, as `ontap::Resource::KEYS` lists them:
    /// the wire name for `#[key]`, `wire.member` for each `key = "member"`.
    pub fn key_paths(&self) -> Vec<String> {
        if self.attrs.key.is_none() {
            return Vec::new();
        }
        if self.attrs.key_members.is_empty() {
            return vec![self.wire()];
        }
        let wire = self.wire();
        self.attrs
            .key_members
            .iter()
            .map(|member| format!("{wire}.{}", member.value()))
            .collect()
    }

    /// Whether the field holds a secret: marked `#[secret]`, or typed
    /// `Option<Secret>`.
    pub fn is_secret(&self) -> bool {
        self.attrs.secret.is_some() || self.inner.is_some_and(|inner| ty::last_segment_is(inner, "Secret"))
    }
}
