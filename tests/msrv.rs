//! The minimum Rust version the workspace states (`rust-version`, 1.88) is one every
//! crate it builds on states it supports too: no dependency in `Cargo.lock` asks for
//! a newer compiler. Clippy's `incompatible_msrv` lint (on in `.ci/run`, which denies
//! warnings) checks the other half: that the workspace's own code calls no standard
//! library item newer than that version.

use std::process::Command;

/// `1.88`, `1.88.0` as comparable numbers.
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn no_dependency_needs_a_newer_rust_than_the_stated_minimum() {
    let cargo = env!("CARGO");
    let about = Command::new(cargo).arg("-vV").output().expect("cargo runs");
    let about = String::from_utf8_lossy(&about.stdout);
    let host = about
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("cargo names its host");
    // Only what builds here: a dependency of another platform is not downloaded.
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            host,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let stated = packages
        .iter()
        .find(|p| p["name"] == "ontap")
        .and_then(|p| p["rust_version"].as_str())
        .expect("the workspace states its rust-version");
    assert_eq!(version(stated), (1, 88, 0), "the README and CHANGELOG say 1.88");
    let mut newer: Vec<String> = Vec::new();
    let mut stating = 0;
    for package in packages {
        let Some(needs) = package["rust_version"].as_str() else {
            continue;
        };
        stating += 1;
        if version(needs) > version(stated) {
            newer.push(format!("{} {} needs {needs}", package["name"], package["version"]));
        }
    }
    assert!(newer.is_empty(), "needing a newer Rust than {stated}: {newer:?}");
    assert!(
        stating > packages.len() / 2,
        "most crates state their rust-version: {stating} of {}",
        packages.len()
    );
    // Every member of the workspace states the same version.
    for member in packages.iter().filter(|p| p["source"].is_null()) {
        assert_eq!(member["rust_version"].as_str(), Some(stated), "{}", member["name"]);
    }
}
