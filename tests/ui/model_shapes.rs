use ontap::Model;

#[derive(Model)]
pub struct Tuple(Option<String>);

#[derive(Model)]
pub enum State {
    Up,
}

#[derive(Model)]
pub struct Generic<T> {
    pub value: Option<T>,
}

fn main() {}
