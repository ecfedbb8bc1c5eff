//! The derive input as `#[derive(Resource)]` sees it: the shared shape
//! ([`crate::internals::ast`]) with the resource's attributes.

use super::attr;
use crate::internals::ast;
use crate::internals::ty;

pub use crate::internals::ast::Data;

pub type Container<'a> = ast::Container<'a, attr::Container, attr::Field>;
pub type Field<'a> = ast::Field<'a, attr::Field>;

impl ast::Field<'_, attr::Field> {
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
