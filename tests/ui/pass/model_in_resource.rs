// A model nested in a resource, with container verbs and a dotted key;
// nothing warns.
#![deny(warnings)]

use ontap::prelude::*;
use ontap::{Model, OpenEnum, Resource, Secret};

#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Owner {
    pub uuid: Option<String>,
    #[model(rename = "_links")]
    pub links: Option<ontap::Links>,
    pub password: Option<Secret>,
    pub kind: Option<Kind>,
}

#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Nothing {}

#[derive(Debug, Clone, PartialEq, OpenEnum)]
pub enum Kind {
    #[open_enum(other)]
    Unknown(String),
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/security/accounts", collection, patch, delete_collection)]
pub struct Account {
    #[resource(get, key = "uuid")]
    pub owner: Option<Owner>,
    #[resource(get, key)]
    pub name: Option<String>,
    #[get]
    pub nothing: Option<Nothing>,
}

fn main() {
    fn all<R: Get + Patch + Collection + DeleteCollection>() {}
    all::<Account>();
    assert_eq!(Account::KEYS, ["owner.uuid", "name"]);
    let _ = Kind::KNOWN;
}
