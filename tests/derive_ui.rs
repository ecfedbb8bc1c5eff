//! The compile errors of `#[derive(Resource)]` and `#[derive(OpenEnum)]`,
//! pinned: each case in `tests/ui/` is a mistake, and its `.stderr` is the
//! message the user reads. `tests/ui/pass/` holds inputs that must compile.
//!
//! After a deliberate change of a message, re-bless with
//! `TRYBUILD=overwrite cargo test --test derive_ui`, then read every changed
//! `.stderr`.

#[test]
#[cfg_attr(
    feature = "full",
    ignore = "builds its own copy of every dependency: run it with the default features"
)]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
