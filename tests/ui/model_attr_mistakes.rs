use ontap::Model;

#[derive(Debug, Clone, Default, Model)]
#[model(crat = "ontap")]
pub struct SvmReference {
    #[model(renam = "_links")]
    pub links: Option<ontap::Links>,
    #[model(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[model(rename = "")]
    pub uuid: Option<String>,
    #[model(rename = "name")]
    pub label: Option<String>,
}

fn main() {}
