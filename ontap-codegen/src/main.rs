//! `cargo run -p ontap-codegen [-- --check] [--spec FILE]`: regenerates
//! `ontap-resources/src/generated/` and the feature tables of
//! `ontap-resources/Cargo.toml` and of the facade's `Cargo.toml` from the
//! vendored model. With `--check`, writes nothing and fails when the
//! committed files differ from what the model gives.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: ontap-codegen [--check] [--spec FILE] [--out DIR]\n\
    \n  --spec FILE  the Swagger 2.0 document, JSON or YAML (default: spec/ontap-9.19.1.json)\
    \n  --out DIR    the crate to write (default: ontap-resources; its facade.toml stands for the facade)\
    \n  --check      write nothing; exit 1 when the committed files differ\n";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ontap-codegen: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the generator's crate has no parent directory")?
        .to_path_buf();
    let mut spec_path = root.join("spec/ontap-9.19.1.json");
    let mut check = false;
    let mut crate_dir = root.join("ontap-resources");
    let mut facade = root.join("Cargo.toml");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec_path = PathBuf::from(args.next().ok_or("--spec needs a file")?),
            "--out" => {
                crate_dir = PathBuf::from(args.next().ok_or("--out needs a directory")?);
                facade = crate_dir.join("facade.toml");
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let mut spec = ontap_model::Spec::load(&spec_path).map_err(|e| e.to_string())?;
    if !spec.lists_resources() {
        // A cluster's own document: the resources' names come from the
        // vendored model's list, by path.
        let catalog = ontap_model::Spec::load(root.join("spec/ontap-9.19.1.json")).map_err(|e| e.to_string())?;
        spec.name_resources_from(&catalog);
    }
    let overlay = ontap_codegen::Overlay::bundled().map_err(|e| format!("overlay.json: {e}"))?;
    let model = spec_path
        .strip_prefix(&root)
        .unwrap_or(&spec_path)
        .display()
        .to_string();
    let generated = ontap_codegen::generate(&spec, &overlay, &model);
    let files = format_all(&root, &generated.files)?;

    let mut differ = Vec::new();
    for (relative, text) in &files {
        let path = crate_dir.join(relative);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            differ.push(relative.clone());
            if !check {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
    }
    let wanted: BTreeSet<PathBuf> = files.keys().map(|f| crate_dir.join(f)).collect();
    for stale in list_rs(&crate_dir.join("src/generated")) {
        if !wanted.contains(&stale) {
            differ.push(format!("{} (no longer generated)", stale.display()));
            if !check {
                fs::remove_file(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
            }
        }
    }
    for (manifest, table) in [
        (crate_dir.join("Cargo.toml"), &generated.resource_features),
        (facade, &generated.facade_features),
    ] {
        let text = fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let new = ontap_codegen::replace_features(&text, table).ok_or_else(|| {
            format!(
                "{} has no `{}` ... `{}` block",
                manifest.display(),
                ontap_codegen::BEGIN_FEATURES,
                ontap_codegen::END_FEATURES
            )
        })?;
        if new != text {
            differ.push(manifest.display().to_string());
            if !check {
                fs::write(&manifest, new).map_err(|e| format!("{}: {e}", manifest.display()))?;
            }
        }
    }

    let plan = &generated.plan;
    let resources = plan.structs.iter().filter(|s| s.resource.is_some()).count();
    println!(
        "{resources} resources, {} models, {} enums, {} features, {} files from {model}",
        plan.structs.len() - resources,
        plan.enums.len(),
        plan.features.len(),
        files.len()
    );
    for note in &plan.notes {
        println!("note: {note}");
    }
    if differ.is_empty() {
        println!("up to date");
        Ok(ExitCode::SUCCESS)
    } else if check {
        for file in &differ {
            eprintln!("differs: {file}");
        }
        eprintln!(
            "{} files differ from the model: run `cargo run -p ontap-codegen` and commit",
            differ.len()
        );
        Ok(ExitCode::FAILURE)
    } else {
        println!("{} files written", differ.len());
        Ok(ExitCode::SUCCESS)
    }
}

/// Formats every file with the workspace's rustfmt settings, in batches, in
/// a scratch directory under `target/`.
fn format_all(
    root: &Path,
    files: &std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    let scratch = root.join("target/ontap-codegen");
    if scratch.exists() {
        fs::remove_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    }
    let mut paths = Vec::new();
    for (relative, text) in files {
        let path = scratch.join(relative);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        paths.push(path);
    }
    for batch in paths.chunks(256) {
        let status = Command::new("rustfmt")
            .arg("--edition")
            .arg("2024")
            .arg("--config-path")
            .arg(root.join("rustfmt.toml"))
            .args(batch)
            .status()
            .map_err(|e| format!("cannot run rustfmt: {e}"))?;
        if !status.success() {
            return Err(format!(
                "rustfmt failed ({status}) on the generated files in {}",
                scratch.display()
            ));
        }
    }
    let mut out = std::collections::BTreeMap::new();
    for (relative, path) in files.keys().zip(&paths) {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.insert(relative.clone(), text);
    }
    Ok(out)
}

fn list_rs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(list_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
