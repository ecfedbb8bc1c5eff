//! Parsing, checking and expansion of `#[derive(OpenEnum)]`, without rustc.

use super::ast::{Container, snake_case};
use super::check::check;
use super::derive;
use crate::internals::Ctxt;
use quote::quote;
use syn::{DeriveInput, parse_quote};

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
fn snake_cases_variant_names() {
    for (ident, wire) in [
        ("Queued", "queued"),
        ("NotStarted", "not_started"),
        ("HTTPServer", "http_server"),
        ("Sha256", "sha256"),
        ("V2Beta", "v2_beta"),
        ("Nfs3Mount", "nfs3_mount"),
        ("already_snake", "already_snake"),
        ("A", "a"),
    ] {
        assert_eq!(snake_case(ident), wire, "{ident}");
    }
}

#[test]
fn reads_wire_names() {
    let input: DeriveInput = parse_quote! {
        enum JobState {
            Queued,
            #[open_enum(rename = "not_started")] NotStarted,
            r#Type,
            #[open_enum(other)] Unknown(String),
        }
    };
    assert_eq!(errors(&input), Vec::<String>::new());
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, &input);
    assert!(cx.check().is_ok());
    let wires: Vec<String> = cont.known().map(|(_, wire)| wire).collect();
    assert_eq!(wires, ["queued", "not_started", "type"]);
    assert_eq!(cont.other().map(|v| v.ident.to_string()).as_deref(), Some("Unknown"));
}

#[test]
fn expands_to_the_contract() {
    let out = derive(quote!(
        enum JobState {
            Queued,
            #[open_enum(other)]
            Unknown(String),
        }
    ))
    .to_string();
    for expected in [
        "const _ : () =",
        "impl JobState",
        "pub const KNOWN : & 'static [JobState] = & [JobState :: Queued]",
        "pub fn as_str (& self) -> & str",
        "JobState :: Queued => \"queued\"",
        "JobState :: Unknown (value) => value . as_str ()",
        "impl :: core :: fmt :: Display for JobState",
        "impl :: core :: str :: FromStr for JobState",
        "type Err = :: core :: convert :: Infallible",
        "impl :: ontap :: __private :: OpenValue for JobState",
        "const EXPECTING : & 'static str = \"a JobState as a string, such as \\\"queued\\\"\"",
        "\"queued\" => :: core :: option :: Option :: Some (JobState :: Queued) ,",
        "fn unknown (value : :: std :: string :: String) -> Self { JobState :: Unknown (value) }",
        ":: core :: result :: Result :: Ok (:: ontap :: __private :: parse_open (value))",
        "impl :: ontap :: __private :: serde :: Serialize for JobState",
        ":: ontap :: __private :: serialize_open (self , serializer)",
        "impl < 'de > :: ontap :: __private :: serde :: Deserialize < 'de > for JobState",
        ":: ontap :: __private :: deserialize_open (deserializer)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // One call each into the runtime: no visitor of its own.
    for absent in ["compile_error", "Visitor", "visit_str", "fn known"] {
        assert!(!out.contains(absent), "unexpected {absent:?} in\n{out}");
    }
}

#[test]
fn honours_the_crate_override() {
    let out = derive(quote!(
        #[open_enum(crate = "sdk::rt")]
        enum S {
            #[open_enum(other)]
            U(String),
        }
    ))
    .to_string();
    assert!(
        out.contains("impl sdk :: rt :: __private :: serde :: Serialize for S"),
        "{out}"
    );
}

#[test]
fn falls_back_on_errors() {
    let out = derive(quote!(
        enum S {
            A,
            B,
        }
    ))
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("impl :: core :: str :: FromStr for S"), "{out}");
    assert!(out.contains("pub fn as_str"), "{out}");
    let out = derive(quote!(
        struct S;
    ))
    .to_string();
    assert!(out.contains("compile_error") && !out.contains("impl"), "{out}");
}

#[test]
fn never_panics_on_odd_input() {
    for input in [
        quote!(),
        quote!(enum),
        quote!(
            #[open_enum]
            enum S {}
        ),
        quote!(
            #[open_enum(crate)]
            enum S {}
        ),
        quote!(
            #[open_enum(crate = 1)]
            enum S {}
        ),
        quote!(
            enum S {
                #[open_enum(other = 1)]
                U(String),
            }
        ),
        quote!(
            enum S {
                #[open_enum(rename)]
                A,
                #[open_enum(other)]
                U(String),
            }
        ),
        quote!(
            enum S {
                #[open_enum(other)]
                U,
            }
        ),
        quote!(
            enum S {
                #[open_enum(other)]
                U { a: String },
            }
        ),
        quote!(
            enum S<T> {
                A(T),
            }
        ),
        quote!(union S { a: u8 }),
    ] {
        let _ = derive(input);
    }
}

#[test]
fn needs_an_other_variant() {
    assert_one_error(
        parse_quote!(
            enum S {
                A,
                B,
            }
        ),
        "`S` needs a variant that keeps the values it does not name",
    );
}

#[test]
fn only_one_other_variant() {
    assert_one_error(
        parse_quote!(
            enum S {
                #[open_enum(other)]
                U(String),
                #[open_enum(other)]
                V(String),
            }
        ),
        "only one variant can be `other`, and `U` already is",
    );
}

#[test]
fn other_holds_one_string() {
    for input in [
        parse_quote!(
            enum S {
                A,
                #[open_enum(other)]
                U,
            }
        ),
        parse_quote!(
            enum S {
                A,
                #[open_enum(other)]
                U(u32),
            }
        ),
        parse_quote!(
            enum S {
                A,
                #[open_enum(other)]
                U(String, String),
            }
        ),
        parse_quote!(
            enum S {
                A,
                #[open_enum(other)]
                U {
                    value: String,
                },
            }
        ),
    ] {
        assert_one_error(input, "declare it `U(String)`");
    }
    assert_one_error(
        parse_quote!(
            enum S {
                #[open_enum(other, rename = "x")]
                U(String),
            }
        ),
        "the `other` variant has no wire name of its own",
    );
}

#[test]
fn other_variants_carry_no_data() {
    assert_one_error(
        parse_quote!(
            enum S {
                A(u8),
                #[open_enum(other)]
                U(String),
            }
        ),
        "`A` carries data, but only the `#[open_enum(other)]` variant may",
    );
    assert_one_error(
        parse_quote!(
            enum S {
                A {
                    x: u8,
                },
                #[open_enum(other)]
                U(String),
            }
        ),
        "`A` carries data",
    );
}

#[test]
fn wire_names_are_unique() {
    assert_one_error(
        parse_quote!(
            enum S {
                NotStarted,
                #[open_enum(rename = "not_started")]
                Pending,
                #[open_enum(other)]
                U(String),
            }
        ),
        "`Pending` and `NotStarted` both have the wire name `not_started`",
    );
    assert_one_error(
        parse_quote!(
            enum S {
                #[open_enum(rename = "")]
                A,
                #[open_enum(other)]
                U(String),
            }
        ),
        "`rename` needs the value's wire name",
    );
}

#[test]
fn attribute_mistakes() {
    assert_one_error(
        parse_quote!(
            enum S {
                #[open_enum(othr)]
                U(String),
            }
        ),
        "unknown open_enum variant attribute `othr`: did you mean `other`?",
    );
    assert_one_error(
        parse_quote!(
            #[open_enum(rename = "x")]
            enum S {
                #[open_enum(other)]
                U(String),
            }
        ),
        "`rename` belongs on a variant, not on the enum",
    );
    assert_one_error(
        parse_quote!(
            #[open_enum(crat = "x")]
            enum S {
                #[open_enum(other)]
                U(String),
            }
        ),
        "did you mean `crate`?",
    );
    assert_one_error(
        parse_quote!(
            enum S {
                #[open_enum(other, other)]
                U(String),
            }
        ),
        "duplicate `other`",
    );
}

#[test]
fn only_enums() {
    assert_one_error(
        parse_quote!(
            struct S {
                a: u8,
            }
        ),
        "needs an enum, not a struct",
    );
    assert_one_error(parse_quote!(union S { a: u8 }), "needs an enum, not a union");
    assert_one_error(
        parse_quote!(
            enum S<T> {
                A,
                #[open_enum(other)]
                U(String),
            }
        ),
        "does not support generics",
    );
}
