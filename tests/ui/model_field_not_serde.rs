use ontap::Model;

#[derive(Debug, Clone, Default)]
pub struct Opaque;

#[derive(Debug, Clone, Default, Model)]
pub struct Holder {
    pub name: Option<String>,
    pub opaque: Option<Opaque>,
}

fn main() {}
