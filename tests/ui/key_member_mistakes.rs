use ontap::{Model, Resource};

#[derive(Debug, Clone, Default, Model)]
pub struct Owner {
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/security/accounts", collection)]
pub struct Account {
    #[resource(get, key = "")]
    pub owner: Option<Owner>,
    #[resource(get, key = "svm uuid")]
    pub scope: Option<Owner>,
    #[key]
    #[resource(get, key = "uuid")]
    pub role: Option<Owner>,
    #[resource(post, key = "uuid")]
    pub home: Option<Owner>,
}

fn main() {}
