//! Parsing, checking and expansion of `#[derive(Resource)]`, without rustc.

use super::ast::Container;
use super::check::{Placeholder, check, parse_path};
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

/// Asserts that `input` produces exactly one error, containing `needle`.
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

fn job() -> DeriveInput {
    parse_quote! {
        #[resource(path = "/cluster/jobs", collection)]
        pub struct Job {
            #[get] #[key] pub uuid: Option<String>,
            #[get] pub state: Option<JobState>,
            #[get] #[resource(rename = "_links")] pub links: Option<ontap::Links>,
            #[post] pub password: Option<Secret>,
            #[resource(get, patch, secret)] pub token: Option<ontap::Secret>,
            #[get] pub r#type: Option<String>,
        }
    }
}

#[test]
fn reads_a_valid_resource() {
    let input = job();
    assert_eq!(errors(&input), Vec::<String>::new());
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, &input);
    assert!(cx.check().is_ok());
    let summary: Vec<(String, String, bool, bool)> = cont
        .fields()
        .iter()
        .map(|f| (f.name.clone(), f.wire(), f.attrs.key.is_some(), f.is_secret()))
        .collect();
    let expected = [
        ("uuid", "uuid", true, false),
        ("state", "state", false, false),
        ("links", "_links", false, false),
        ("password", "password", false, true),
        ("token", "token", false, true),
        ("type", "type", false, false),
    ];
    let expected: Vec<(String, String, bool, bool)> = expected
        .iter()
        .map(|(n, w, k, s)| (n.to_string(), w.to_string(), *k, *s))
        .collect();
    assert_eq!(summary, expected);
    assert_eq!(
        cont.attrs.path.as_ref().map(|p| p.value()).as_deref(),
        Some("/cluster/jobs")
    );
    assert!(cont.attrs.collection.is_some());
    assert!(cont.attrs.delete.is_none());
    let token = &cont.fields()[4];
    assert!(token.attrs.get.is_some() && token.attrs.patch.is_some() && token.attrs.post.is_none());
}

#[test]
fn expands_to_the_contract() {
    let out = derive(quote!(
        #[derive(Resource)]
        #[resource(path = "/cluster/jobs", collection, delete)]
        struct Job {
            #[get]
            #[key]
            uuid: Option<String>,
            #[post]
            url: Option<String>,
            #[patch]
            r#type: Option<String>,
        }
    ))
    .to_string();
    for expected in [
        "const _ : () =",
        "impl :: ontap :: Resource for Job",
        "const NAME : & 'static str = \"Job\"",
        "const PATH : & 'static str = \"/cluster/jobs\"",
        "name : \"type\" , wire : \"type\"",
        ":: ontap :: Verbs :: NONE . with (:: ontap :: Verb :: Get)",
        "impl :: ontap :: Get for Job { }",
        "impl :: ontap :: Post for Job { type Params = :: ontap :: NoParams ; }",
        "impl :: ontap :: Patch for Job { type Params = :: ontap :: NoParams ; }",
        "impl :: ontap :: Delete for Job { type Params = :: ontap :: NoParams ; }",
        "impl :: ontap :: Collection for Job { }",
        "const KEYS : & 'static [& 'static str] = & [\"uuid\"]",
        "impl :: ontap :: __private :: Fields for Job",
        "const EXPECTING : & 'static str = \"a Job object\"",
        "const EMPTY : Self = Job { uuid : :: core :: option :: Option :: None , url : :: core :: option :: Option :: None , r#type : :: core :: option :: Option :: None , }",
        // Sorted by wire name, each with its field's index.
        "const WIRE : & 'static [(& 'static str , u16)] = & [(\"type\" , 2) , (\"url\" , 1) , (\"uuid\" , 0)]",
        "0 => :: ontap :: __private :: read_field (__map , & mut self . uuid) ,",
        "2 => :: ontap :: __private :: read_field (__map , & mut self . r#type) ,",
        ":: ontap :: __private :: write_field (__map , \"type\" , & self . r#type , & mut __result) ;",
        "impl < 'de > :: ontap :: __private :: serde :: Deserialize < 'de > for Job",
        ":: ontap :: __private :: deserialize_fields (__deserializer)",
        "impl :: ontap :: __private :: serde :: Serialize for Job",
        ":: ontap :: __private :: serialize_fields (self , __serializer)",
        "# [inline] fn merge (& mut self , other : Self)",
        ":: ontap :: __private :: merge_field (& mut self . url , other . url) ;",
        "impl :: core :: fmt :: Display for Job { # [inline] fn fmt",
        ":: ontap :: __private :: fmt_resource (self , f)",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    for absent in ["compile_error", "# [derive", "serde (", "field_value", "Visitor"] {
        assert!(!out.contains(absent), "unexpected {absent:?} in\n{out}");
    }
}

#[test]
fn keys_in_declaration_order_with_members() {
    let out = derive(quote!(
        #[resource(path = "/security/accounts", collection)]
        struct Account {
            #[resource(get, key = "uuid")]
            owner: Option<Owner>,
            #[get]
            #[key]
            name: Option<String>,
            #[resource(get, rename = "scope", key = "svm.uuid")]
            applies_to: Option<Scope>,
        }
    ))
    .to_string();
    assert!(
        out.contains("const KEYS : & 'static [& 'static str] = & [\"owner.uuid\" , \"name\" , \"scope.svm.uuid\"]"),
        "{out}"
    );
    assert!(out.contains("name : \"owner\" , wire : \"owner\" , verbs : :: ontap :: Verbs :: NONE . with (:: ontap :: Verb :: Get) , key : true"), "{out}");
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn several_members_of_one_field_are_keys_in_order() {
    // ONTAP's `/network/ethernet/switch/ports/{switch}/{identity.name}/{identity.index}`.
    let out = derive(quote!(
        #[resource(path = "/network/ethernet/switch/ports", collection)]
        struct SwitchPort {
            #[get]
            #[key]
            switch: Option<String>,
            #[resource(get, key = "name", key = "index")]
            identity: Option<Identity>,
        }
    ))
    .to_string();
    assert!(
        out.contains(
            "const KEYS : & 'static [& 'static str] = & [\"switch\" , \"identity.name\" , \"identity.index\"]"
        ),
        "{out}"
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, key = "name", key = "name")]
                identity: Option<Identity>,
            }
        ),
        "duplicate `key = \"name\"` on this field",
    );
}

#[test]
fn typed_params_per_verb() {
    let out = derive(quote!(
        #[resource(path = "/storage/volumes", patch, delete, patch_collection, params(patch = VolumePatchParams, patch_collection = BulkParams))]
        struct Volume {
            #[resource(get, key)]
            uuid: Option<String>,
        }
    ))
    .to_string();
    for expected in [
        "impl :: ontap :: Patch for Volume { type Params = VolumePatchParams ; }",
        "impl :: ontap :: PatchCollection for Volume { type Params = BulkParams ; }",
        "impl :: ontap :: Delete for Volume { type Params = :: ontap :: NoParams ; }",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", params(post = XPostParams))]
            struct X {
                #[get]
                a: Option<String>,
            }
        ),
        "`params(post = ...)` types the query parameters of a verb this resource does not have: add `post` to the struct's `#[resource(...)]`, or remove these parameters",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", patch, params(pach = XPatchParams))]
            struct X {
                #[get]
                a: Option<String>,
            }
        ),
        "unknown verb in `params` `pach`: did you mean `patch`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", patch, params(patch = A, patch = B))]
            struct X {
                #[get]
                a: Option<String>,
            }
        ),
        "duplicate `patch` in `params`",
    );
}

#[test]
fn hold_verbs() {
    let out = derive(quote!(
        #[resource(path = "/storage/volumes", collection, delete, hold(patch, delete, post))]
        struct Volume {
            #[resource(get, key)]
            uuid: Option<String>,
            #[resource(get, post, patch)]
            name: Option<String>,
        }
    ))
    .to_string();
    let expected = "const HOLD : :: ontap :: Verbs = :: ontap :: Verbs :: NONE . with (:: ontap :: Verb :: Patch) \
                    . with (:: ontap :: Verb :: Delete) . with (:: ontap :: Verb :: Post) ;";
    assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    // Without `hold`, the trait's default (no verb) stands.
    let out = derive(quote!(
        #[resource(path = "/x", delete)]
        struct X {
            #[post]
            a: Option<u8>,
        }
    ))
    .to_string();
    assert!(!out.contains("HOLD"), "{out}");
    let out = derive(quote!(
        #[resource(path = "/x", post, hold(post), crate = "my::sdk")]
        struct X {}
    ))
    .to_string();
    assert!(
        out.contains(
            "const HOLD : my :: sdk :: Verbs = my :: sdk :: Verbs :: NONE . with (my :: sdk :: Verb :: Post) ;"
        ),
        "{out}"
    );
}

#[test]
fn hold_mistakes() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(pots))]
            struct X {}
        ),
        "unknown verb in `hold` `pots`: did you mean `post`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(frobnicate))]
            struct X {}
        ),
        "unknown verb in `hold` `frobnicate`: expected `post`, `patch` or `delete`",
    );
    for verb in ["get", "collection", "patch_collection", "delete_collection"] {
        let verb = syn::Ident::new(verb, proc_macro2::Span::call_site());
        assert_one_error(
            parse_quote!(
                #[resource(path = "/x", get, collection, patch_collection, delete_collection, hold(#verb))]
                struct X {}
            ),
            &format!(
                "`{verb}` cannot be in `hold`: `hold` takes `post`, `patch` or `delete`, \
                 the verbs whose answer may wait for the job they start"
            ),
        );
    }
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold())]
            struct X {}
        ),
        "`hold()` is empty: list the verbs whose answer may be held, like `hold(post)`, or remove `hold`",
    );
    for input in [
        parse_quote!(
            #[resource(path = "/x", post, hold)]
            struct X {}
        ),
        parse_quote!(
            #[resource(path = "/x", post, hold = "post")]
            struct X {}
        ),
    ] {
        assert_one_error(input, "`hold` takes a list of verbs, like `hold(post, patch, delete)`");
    }
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(post = true))]
            struct X {}
        ),
        "`post` in `hold` takes no value: write `hold(post)`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(post, post))]
            struct X {}
        ),
        "duplicate `post` in `hold`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(post), hold(post))]
            struct X {}
        ),
        "duplicate `hold`: the struct already has one",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(patch))]
            struct X {}
        ),
        "`hold(patch)` holds the answer of a verb this resource does not have: add `patch` to the struct's \
         `#[resource(...)]` (or mark a field `#[patch]`), or remove it from `hold`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", post, hold(delete))]
            struct X {
                #[patch]
                a: Option<u8>,
            }
        ),
        "`hold(delete)` holds the answer of a verb this resource does not have: add `delete` to the struct's \
         `#[resource(...)]`, or remove it from `hold`",
    );
    // A verb a field declares is enough.
    assert_eq!(
        errors(&parse_quote!(
            #[resource(path = "/x", hold(post, patch))]
            struct X {
                #[post]
                a: Option<u8>,
                #[resource(patch)]
                b: Option<u8>,
            }
        )),
        Vec::<String>::new()
    );
    // A misspelled field verb is the one mistake reported.
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", hold(patch))]
            struct X {
                #[resource(pach)]
                a: Option<u8>,
            }
        ),
        "unknown resource field attribute `pach`: did you mean `patch`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, hold(post))]
                a: Option<u8>,
            }
        ),
        "`hold` belongs on the struct, not on a field",
    );
    // Every mistake inside one `hold` at once, and the rest still read.
    let all = errors(&parse_quote!(
        #[resource(path = "/x", post, hold(get, post, post, pots, delete), colection)]
        struct X {}
    ));
    let starts: Vec<&str> = all.iter().map(|e| &e[..e.find(':').unwrap_or(e.len())]).collect();
    assert_eq!(
        starts,
        [
            "`get` cannot be in `hold`",
            "duplicate `post` in `hold`",
            "unknown verb in `hold` `pots`",
            "unknown resource attribute `colection`",
            "`hold(delete)` holds the answer of a verb this resource does not have",
        ],
        "{all:#?}"
    );
}

#[test]
fn container_verbs() {
    let out = derive(quote!(
        #[resource(
            path = "/x",
            get,
            post,
            patch,
            delete,
            collection,
            patch_collection,
            delete_collection
        )]
        struct X {
            a: Option<u8>,
        }
    ))
    .to_string();
    for verb in [
        "Get",
        "Post",
        "Patch",
        "Delete",
        "Collection",
        "PatchCollection",
        "DeleteCollection",
    ] {
        let marker = match verb {
            "Get" | "Collection" => format!("impl :: ontap :: {verb} for X {{ }}"),
            _ => format!("impl :: ontap :: {verb} for X {{ type Params = :: ontap :: NoParams ; }}"),
        };
        assert!(out.contains(&marker), "missing {marker:?} in\n{out}");
    }
    // The field carries no verb of its own.
    assert!(out.contains("verbs : :: ontap :: Verbs :: NONE ,"), "{out}");
    let out = derive(quote!(
        #[resource(path = "/x", patch)]
        struct X {
            #[get]
            a: Option<u8>,
        }
    ))
    .to_string();
    assert!(out.contains("impl :: ontap :: Patch for X"), "{out}");
    assert!(out.contains("impl :: ontap :: Get for X"), "{out}");
    for absent in ["Post for", "Delete for", "Collection for"] {
        assert!(!out.contains(absent), "unexpected {absent:?} in\n{out}");
    }
}

#[test]
fn key_members() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, key = "")]
                owner: Option<Owner>,
            }
        ),
        "`key` needs the member of `owner` that identifies the object, like `key = \"uuid\"`; it cannot be empty (when the field's own value is the key, write `#[key]`)",
    );
    for bad in ["a b", "a.", ".a", "a..b", "a-b", "{uuid}"] {
        let input: DeriveInput = parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, key = #bad)]
                owner: Option<Owner>,
            }
        );
        assert_one_error(input, &format!("`key = \"{bad}\"` is not a member name"));
    }
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[key]
                #[resource(get, key = "uuid")]
                owner: Option<Owner>,
            }
        ),
        "duplicate `key` on this field: `#[key]` makes its own value the key, `key = \"...\"` one of its members; keep one",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, key = "uuid")]
                #[key]
                owner: Option<Owner>,
            }
        ),
        "duplicate `key` on this field",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(post, key = "uuid")]
                owner: Option<Owner>,
            }
        ),
        "a field with `key = \"...\"` must also be `#[get]`: the key is read back from the server; add `get` to the `#[resource(...)]` of `owner`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, key = 1)]
                owner: Option<Owner>,
            }
        ),
        "`key` takes a string literal, like `key = \"...\"`",
    );
}

#[test]
fn marks_only_the_verbs_in_use() {
    let out = derive(quote!(
        #[resource(path = "/cluster/jobs")]
        struct Job {
            #[get]
            uuid: Option<String>,
        }
    ))
    .to_string();
    assert!(out.contains("impl :: ontap :: Get for Job"));
    for absent in ["Post for", "Patch for", "Delete for", "Collection for", "assert_secret"] {
        assert!(!out.contains(absent), "unexpected {absent:?} in\n{out}");
    }
}

#[test]
fn honours_the_crate_override() {
    let out = derive(quote!(
        #[resource(path = "/cluster/jobs", crate = "my::sdk")]
        struct Job {
            #[get]
            uuid: Option<String>,
        }
    ))
    .to_string();
    assert!(out.contains("impl my :: sdk :: Resource for Job"), "{out}");
    assert!(out.contains("impl my :: sdk :: __private :: Fields for Job"), "{out}");
    assert!(out.contains("my :: sdk :: __private :: deserialize_fields"), "{out}");
    assert!(!out.contains(":: ontap ::"), "{out}");
}

#[test]
fn asserts_secret_types() {
    let out = derive(quote!(
        #[resource(path = "/x")]
        struct Account {
            #[post]
            #[secret]
            password: Option<MyString>,
        }
    ))
    .to_string();
    assert!(
        out.contains(":: ontap :: __private :: assert_secret :: < MyString > ()"),
        "{out}"
    );
}

#[test]
fn falls_back_on_errors() {
    let out = derive(quote!(
        #[resource(path = "cluster")]
        struct Job {
            #[get]
            uuid: Option<String>,
        }
    ))
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("impl :: ontap :: Resource for Job"), "{out}");
    assert!(out.contains("impl :: ontap :: Get for Job"), "{out}");
    assert!(out.contains("impl :: core :: fmt :: Display for Job"), "{out}");
    assert!(out.contains("const KEYS : & 'static [& 'static str] = & []"), "{out}");
    assert!(
        out.contains("impl < 'de > :: ontap :: __private :: serde :: Deserialize < 'de > for Job"),
        "{out}"
    );
    assert!(
        out.contains("impl :: ontap :: __private :: serde :: Serialize for Job"),
        "{out}"
    );
    assert!(!out.contains("Fields for Job"), "{out}");
}

#[test]
fn no_fallback_for_what_cannot_be_a_resource() {
    for input in [
        quote!(
            enum Job {
                A,
            }
        ),
        quote!(
            struct Job(Option<String>);
        ),
        quote!(
            #[resource(path = "/x")]
            struct Job<T> {
                #[get]
                t: Option<T>,
            }
        ),
    ] {
        let out = derive(input).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains("impl"), "{out}");
    }
}

#[test]
fn never_panics_on_odd_input() {
    for input in [
        quote!(),
        quote!(
            fn main() {}
        ),
        quote!(struct),
        quote!(
            #[resource]
            struct A {}
        ),
        quote!(
            #[resource = 1]
            struct A {}
        ),
        quote!(
            #[resource(path)]
            struct A {}
        ),
        quote!(
            #[resource(path = 1)]
            struct A {}
        ),
        quote!(
            #[resource(path = "/x", crate = "not a path")]
            struct A {}
        ),
        quote!(
            #[resource(path = "/x", crate)]
            struct A {}
        ),
        quote!(
            #[resource(path = "/x", collection = true)]
            struct A {}
        ),
        quote!(
            #[resource(path = "/x")]
            struct A {
                #[resource(rename)]
                a: Option<u8>,
            }
        ),
        quote!(
            #[resource(path = "/x")]
            struct A {
                #[resource(rename = b"x")]
                a: Option<u8>,
            }
        ),
        quote!(
            #[resource(path = "/x")]
            struct A {
                #[resource(get = 1, 2)]
                a: Option<u8>,
            }
        ),
        quote!(
            #[resource(path = "/{}")]
            struct A {}
        ),
        quote!(
            #[resource(path = "/{")]
            struct A {}
        ),
        quote!(
            #[resource(path = "/}")]
            struct A {}
        ),
        quote!(
            #[resource(path = "/{a.}")]
            struct A {}
        ),
        quote!(
            #[resource(path = "/é/{ü}")]
            struct A {}
        ),
        quote!(union U { a: Option<u8> }),
    ] {
        let _ = derive(input);
    }
}

#[test]
fn missing_path() {
    assert_one_error(
        parse_quote!(
            #[resource(collection)]
            struct Job {
                #[get]
                uuid: Option<String>,
            }
        ),
        "a resource needs its path",
    );
    assert_one_error(
        parse_quote!(
            struct Job {
                #[get]
                uuid: Option<String>,
            }
        ),
        "a resource needs its path",
    );
}

#[test]
fn path_rules() {
    let cases = [
        ("", "`path` is empty"),
        ("cluster/jobs", "must start with `/`: write `/cluster/jobs`"),
        ("/api/cluster/jobs", "relative to `/api`: write `/cluster/jobs`"),
        ("/api", "relative to `/api`"),
        ("/cluster/jobs/", "must not end with `/`: write `/cluster/jobs`"),
        ("/", "must name an object"),
        ("//", "must name an object"),
        ("/cluster//jobs", "empty segment"),
        ("/cluster/jobs?fields=*", "query string"),
        ("/cluster/jobs#x", "query string"),
        ("/cluster/ jobs", "whitespace"),
        ("/x/{uuid", "`{` without its `}`"),
        ("/x/{a{b}}", "`{` without its `}`"),
        ("/x/uuid}", "`}` without its `{`"),
        ("/x/{}", "`{}` is not a placeholder"),
        ("/x/{a.}", "`{a.}` is not a placeholder"),
        ("/x/{a-b}", "`{a-b}` is not a placeholder"),
    ];
    for (path, needle) in cases {
        let err = parse_path(path).expect_err(path);
        assert!(err.contains(needle), "{path:?}: {err:?} does not contain {needle:?}");
    }
}

#[test]
fn path_placeholders() {
    assert_eq!(parse_path("/cluster/jobs"), Ok(vec![]));
    assert_eq!(
        parse_path("/storage/volumes/{volume.uuid}/snapshots/{uuid}"),
        Ok(vec![
            Placeholder {
                text: "volume.uuid".into(),
                field: "volume".into()
            },
            Placeholder {
                text: "uuid".into(),
                field: "uuid".into()
            },
        ])
    );
}

#[test]
fn placeholders_must_match_fields() {
    let ok: DeriveInput = parse_quote! {
        #[resource(path = "/storage/volumes/{volume.uuid}/snapshots/{id}")]
        struct Snapshot {
            #[get] volume: Option<Volume>,
            #[get] #[resource(rename = "id")] identifier: Option<String>,
        }
    };
    assert_eq!(errors(&ok), Vec::<String>::new());
    assert_one_error(
        parse_quote! {
            #[resource(path = "/storage/volumes/{volume.uuid}/snapshots")]
            struct Snapshot { #[get] uuid: Option<String> }
        },
        "no field fills the placeholder `{volume.uuid}` in `path`: add a field whose wire name is `volume` (an object holding `uuid`)",
    );
    // The wire name counts, not the Rust name.
    assert_one_error(
        parse_quote! {
            #[resource(path = "/x/{links}")]
            struct X { #[get] #[resource(rename = "_links")] links: Option<String> }
        },
        "no field fills the placeholder `{links}`",
    );
}

#[test]
fn key_needs_get() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[post]
                #[key]
                uuid: Option<String>,
            }
        ),
        "a `#[key]` field must also be `#[get]`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(key)]
                uuid: Option<String>,
            }
        ),
        "add `#[get]` to `uuid`",
    );
}

#[test]
fn fields_must_be_options() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[get]
                uuid: Vec<String>,
            }
        ),
        "every field of a resource must be an `Option<T>`: a resource is a partial view of the server's object, and any field may be absent; write `Option<Vec<String>>`",
    );
}

#[test]
fn unknown_attributes_suggest_the_nearest() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", colection)]
            struct X {}
        ),
        "unknown resource attribute `colection`: did you mean `collection`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", frobnicate = "y")]
            struct X {}
        ),
        "unknown resource attribute `frobnicate`: expected `path`, `get`, `post`, `patch`, `delete`, `collection`, `patch_collection`, `delete_collection`, `hold`, `params`, `since` or `crate`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", delete_colection)]
            struct X {}
        ),
        "unknown resource attribute `delete_colection`: did you mean `delete_collection`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(gte)]
                a: Option<u8>,
            }
        ),
        "unknown resource field attribute `gte`: did you mean `get`?",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(path = "/y")]
                a: Option<u8>,
            }
        ),
        "`path` belongs on the struct, not on a field",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", key)]
            struct X {}
        ),
        "`key` belongs on a field, not on the struct",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            #[get]
            struct X {}
        ),
        "`#[get]` belongs on a field; to declare the verb for the whole struct, write `get` in the struct's `#[resource(...)]`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(patch_collection)]
                a: Option<u8>,
            }
        ),
        "`patch_collection` belongs on the struct, not on a field",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            #[secret]
            struct X {}
        ),
        "`#[secret]` belongs on a field, not on the struct",
    );
}

#[test]
fn flags_take_no_values() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[get(all)]
                a: Option<u8>,
            }
        ),
        "`#[get]` takes no arguments",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get = true)]
                a: Option<u8>,
            }
        ),
        "`get` takes no value",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", delete(now))]
            struct X {}
        ),
        "`delete` takes no value",
    );
}

#[test]
fn duplicates() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", path = "/y")]
            struct X {}
        ),
        "duplicate `path`: the struct already has one",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            #[resource(collection, collection)]
            struct X {}
        ),
        "duplicate `collection`",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x", get, get)]
            struct X {}
        ),
        "duplicate `get`: the struct already has one",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[get]
                #[get]
                a: Option<u8>,
            }
        ),
        "duplicate `get` on this field",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[get]
                #[resource(get)]
                a: Option<u8>,
            }
        ),
        "(`#[get]` and `#[resource(get)]` are the same attribute)",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(rename = "a", rename = "b")]
                a: Option<u8>,
            }
        ),
        "duplicate `rename`: this field already has one",
    );
}

#[test]
fn unsupported_shapes() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X(Option<u8>);
        ),
        "needs a struct with named fields, not a tuple struct",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X;
        ),
        "not a unit struct",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            enum X {
                A,
            }
        ),
        "not an enum",
    );
    assert_one_error(parse_quote!(#[resource(path = "/x")] union X { a: u8 }), "not a union");
}

#[test]
fn generics_are_rejected() {
    for input in [
        parse_quote!(
            #[resource(path = "/x")]
            struct X<T> {
                #[get]
                a: Option<T>,
            }
        ),
        parse_quote!(
            #[resource(path = "/x")]
            struct X<'a> {
                #[get]
                a: Option<&'a str>,
            }
        ),
        parse_quote!(
            #[resource(path = "/x")]
            struct X<const N: usize> {
                #[get]
                a: Option<u8>,
            }
        ),
    ] {
        assert_one_error(input, "does not support generics");
    }
}

#[test]
fn rename_rules() {
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[resource(get, rename = "")]
                a: Option<u8>,
            }
        ),
        "`rename` needs the field's JSON name",
    );
    assert_one_error(
        parse_quote!(
            #[resource(path = "/x")]
            struct X {
                #[get]
                name: Option<u8>,
                #[get]
                #[resource(rename = "name")]
                other: Option<u8>,
            }
        ),
        "the wire name `name` is already taken by field `name`",
    );
}

#[test]
fn reports_every_mistake_at_once() {
    let input: DeriveInput = parse_quote! {
        #[resource(path = "/api/x/{missing}", colection)]
        struct X {
            #[key] a: String,
            #[resource(rename = "")] b: Option<u8>,
            #[gett] c: Option<u8>,
        }
    };
    let errors = errors(&input);
    // `#[gett]` is not one of ours: rustc reports it, not the derive.
    assert_eq!(errors.len(), 5, "{errors:#?}");
}

#[test]
fn one_mistake_one_error() {
    // The misspelled `rename` is the mistake; the placeholder it leaves
    // unfilled is not reported on top of it.
    assert_one_error(
        parse_quote! {
            #[resource(path = "/x/{id}")]
            struct X { #[resource(get, renam = "id")] identifier: Option<String> }
        },
        "did you mean `rename`?",
    );
}
