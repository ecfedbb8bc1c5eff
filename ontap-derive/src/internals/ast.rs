//! The derive input as `#[derive(Resource)]` and `#[derive(Model)]` see
//! it: the struct, its attributes, and each field with its own. Each derive
//! reads its own attributes ([`ContainerAttrs`], [`FieldAttrs`]); the shape
//! is shared.

use crate::internals::{Ctxt, ty};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// What a derive reads from the struct's attributes.
pub trait ContainerAttrs {
    fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self;
}

/// What a derive reads from a field's attributes.
pub trait FieldAttrs {
    fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self;
    /// `rename = "..."`, the field's JSON name when it differs.
    fn rename(&self) -> Option<&syn::LitStr>;
}

pub struct Container<'a, C, F> {
    pub ident: &'a syn::Ident,
    pub attrs: C,
    pub generics: &'a syn::Generics,
    pub data: Data<'a, F>,
}

pub enum Data<'a, F> {
    /// A struct with named fields: the one shape a derived struct can have.
    Struct(Vec<Field<'a, F>>),
    /// Anything else, with the token to point at and what it is.
    Unsupported { span: Span, what: &'static str },
}

pub struct Field<'a, F> {
    pub ident: &'a syn::Ident,
    /// The field's name without `r#`.
    pub name: String,
    pub ty: &'a syn::Type,
    /// The `T` of `Option<T>`; `None` when the field is not an `Option`.
    pub inner: Option<&'a syn::Type>,
    pub attrs: F,
}

impl<'a, C: ContainerAttrs, F: FieldAttrs> Container<'a, C, F> {
    /// Reads the input; every problem found on the way goes to `cx`.
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Self {
        let attrs = C::from_ast(cx, &input.attrs);
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
    pub fn fields(&self) -> &[Field<'a, F>] {
        match &self.data {
            Data::Struct(fields) => fields,
            Data::Unsupported { .. } => &[],
        }
    }
}

impl<'a, F: FieldAttrs> Field<'a, F> {
    fn from_ast(cx: &Ctxt, field: &'a syn::Field) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        Some(Field {
            ident,
            name: ident.unraw().to_string(),
            ty: &field.ty,
            inner: ty::option_inner(&field.ty),
            attrs: F::from_ast(cx, &field.attrs),
        })
    }

    /// The JSON name: `rename`, or else the field's name.
    pub fn wire(&self) -> String {
        match self.attrs.rename() {
            Some(rename) => rename.value(),
            None => self.name.clone(),
        }
    }
}
