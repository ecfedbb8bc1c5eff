//! Parsing, checking and expansion of `#[derive(Model)]`, without rustc.

use super::ast::Container;
use super::check::check;
use super::derive;
use crate::internals::Ctxt;
use quote::quote;
use syn::{DeriveInput, parse_quote};

/// The messages of every error `input` produces.
fn errors(input: &DeriveInput) -> Vec<String> {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    check(&cx, &cont);
    match cx.check() {
        Ok(()) => Vec::new(),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[track_caller]
fn assert_one_error(input: DeriveInput, needle: &str) {
    let errors = errors(&input);
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    assert!(
        errors[0].contains(needle),
        "{:?} does not contain {needle:?}",
        errors[0]
    );
}

#[test]
fn reads_a_valid_model() {
    let input: DeriveInput = parse_quote! {
        pub struct SvmReference {
            pub name: Option<String>,
            #[model(rename = "_links")] pub links: Option<ontap::Links>,
            pub r#type: ::core::option::Option<String>,
        }
    };
    assert_eq!(errors(&input), Vec::<String>::new());
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, &input);
    assert!(cx.check().is_ok());
    let wires: Vec<String> = cont.fields().iter().map(|f| f.wire()).collect();
    assert_eq!(wires, ["name", "_links", "type"]);
}

#[test]
fn expands_to_a_field_table() {
    let out = derive(quote!(
        pub struct SvmReference {
            pub uuid: Option<String>,
            pub name: Option<String>,
            #[model(rename = "_links")]
            pub links: Option<Links>,
        }
    ))
    .to_string();
    for expected in [
        "const _ : () =",
        "impl :: ontap :: __private :: Fields for SvmReference",
        "const EXPECTING : & 'static str = \"a SvmReference object\"",
        "const WIRE : & 'static [(& 'static str , u16)] = & [(\"_links\" , 2) , (\"name\" , 1) , (\"uuid\" , 0)]",
        "# [inline] fn deserialize_field < 'de , __A : :: ontap :: __private :: serde :: de :: MapAccess < 'de >>",
        "1 => :: ontap :: __private :: read_field (__map , & mut self . name) ,",
        "_ => :: core :: result :: Result :: Ok (()) ,",
        "# [inline] fn serialize_fields < __M : :: ontap :: __private :: serde :: ser :: SerializeMap >",
        "let mut __result = :: core :: result :: Result :: Ok (()) ;",
        ":: ontap :: __private :: write_field (__map , \"_links\" , & self . links , & mut __result) ; __result }",
        "impl < 'de > :: ontap :: __private :: serde :: Deserialize < 'de > for SvmReference",
        "impl :: ontap :: __private :: serde :: Serialize for SvmReference",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    for absent in ["compile_error", "# [derive", "Visitor", "Resource", "Display"] {
        assert!(!out.contains(absent), "unexpected {absent:?} in\n{out}");
    }
}

#[test]
fn an_empty_model_expands() {
    let out = derive(quote!(
        struct Nothing {}
    ))
    .to_string();
    assert!(out.contains("const EMPTY : Self = Nothing { }"), "{out}");
    assert!(
        out.contains("const WIRE : & 'static [(& 'static str , u16)] = & []"),
        "{out}"
    );
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn honours_the_crate_override() {
    let out = derive(quote!(
        #[model(crate = "my::sdk")]
        struct Node {
            name: Option<String>,
        }
    ))
    .to_string();
    assert!(out.contains("impl my :: sdk :: __private :: Fields for Node"), "{out}");
    assert!(!out.contains(":: ontap ::"), "{out}");
}

#[test]
fn falls_back_on_errors() {
    let out = derive(quote!(
        struct Node {
            name: String,
        }
    ))
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(
        out.contains("impl < 'de > :: ontap :: __private :: serde :: Deserialize < 'de > for Node"),
        "{out}"
    );
    assert!(
        out.contains("impl :: ontap :: __private :: serde :: Serialize for Node"),
        "{out}"
    );
    assert!(!out.contains("Fields for"), "{out}");
    for input in [
        quote!(
            enum Node {
                A,
            }
        ),
        quote!(
            struct Node(Option<String>);
        ),
        quote!(
            struct Node<T> {
                t: Option<T>,
            }
        ),
    ] {
        let out = derive(input).to_string();
        assert!(out.contains("compile_error") && !out.contains("impl"), "{out}");
    }
}

#[test]
fn never_panics_on_odd_input() {
    for input in [
        quote!(),
        quote!(struct),
        quote!(
            #[model]
            struct A {}
        ),
        quote!(
            #[model = 1]
            struct A {}
        ),
        quote!(
            #[model(crate)]
            struct A {}
        ),
        quote!(
            #[model(crate = "not a path")]
            struct A {}
        ),
        quote!(
            struct A {
                #[model(rename)]
                a: Option<u8>,
            }
        ),
        quote!(
            struct A {
                #[model(rename = b"x")]
                a: Option<u8>,
            }
        ),
        quote!(
            struct A {
                #[model(rename = "a", 2)]
                a: Option<u8>,
            }
        ),
        quote!(union U { a: Option<u8> }),
    ] {
        let _ = derive(input);
    }
}

#[test]
fn fields_must_be_options() {
    assert_one_error(
        parse_quote!(
            struct Space {
                size: u64,
            }
        ),
        "every field of a model must be an `Option<T>`: ONTAP may leave out any member of an object; write `Option<u64>`",
    );
}

#[test]
fn attribute_mistakes() {
    assert_one_error(
        parse_quote!(
            struct S {
                #[model(renam = "x")]
                a: Option<u8>,
            }
        ),
        "unknown model field attribute `renam`: did you mean `rename`?",
    );
    assert_one_error(
        parse_quote!(
            struct S {
                #[model(skip)]
                a: Option<u8>,
            }
        ),
        "unknown model field attribute `skip`: expected `rename`",
    );
    assert_one_error(
        parse_quote!(
            #[model(crat = "x")]
            struct S {}
        ),
        "unknown model attribute `crat`: did you mean `crate`?",
    );
    assert_one_error(
        parse_quote!(
            #[model(rename = "x")]
            struct S {}
        ),
        "`rename` belongs on a field, not on the struct",
    );
    assert_one_error(
        parse_quote!(
            struct S {
                #[model(crate = "x")]
                a: Option<u8>,
            }
        ),
        "`crate` belongs on the struct, not on a field",
    );
    assert_one_error(
        parse_quote!(
            struct S {
                #[model(rename = "a", rename = "b")]
                a: Option<u8>,
            }
        ),
        "duplicate `rename`: this field already has one",
    );
    assert_one_error(
        parse_quote!(
            struct S {
                #[model(rename = "")]
                a: Option<u8>,
            }
        ),
        "`rename` needs the field's JSON name",
    );
}

#[test]
fn wire_names_are_unique() {
    assert_one_error(
        parse_quote!(
            struct S {
                name: Option<u8>,
                #[model(rename = "name")]
                other: Option<u8>,
            }
        ),
        "the wire name `name` is already taken by field `name`",
    );
}

#[test]
fn unsupported_shapes_and_generics() {
    assert_one_error(
        parse_quote!(
            struct S(Option<u8>);
        ),
        "`#[derive(Model)]` needs a struct with named fields, not a tuple struct",
    );
    assert_one_error(
        parse_quote!(
            struct S;
        ),
        "not a unit struct",
    );
    assert_one_error(
        parse_quote!(
            enum S {
                A,
            }
        ),
        "not an enum",
    );
    assert_one_error(
        parse_quote!(
            struct S<T> {
                a: Option<T>,
            }
        ),
        "`#[derive(Model)]` does not support generics",
    );
}

#[test]
fn reports_every_mistake_at_once() {
    let input: DeriveInput = parse_quote! {
        #[model(crat = "x")]
        struct S {
            a: String,
            #[model(rename = "")] b: Option<u8>,
            #[model(renme = "c")] c: Option<u8>,
        }
    };
    assert_eq!(errors(&input).len(), 4, "{:#?}", errors(&input));
}
