//! The derive input as `#[derive(Model)]` sees it: the shared shape
//! ([`crate::internals::ast`]) with the model's attributes.

use super::attr;
use crate::internals::ast;

pub use crate::internals::ast::Data;

pub type Container<'a> = ast::Container<'a, attr::Container, attr::Field>;
pub type Field<'a> = ast::Field<'a, attr::Field>;
