use ontap::Resource;

#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/security/accounts")]
pub struct Account {
    #[post]
    pub name: Option<String>,
    #[post]
    #[secret]
    pub password: Option<String>,
}

fn main() {}
