//! The crates' layering, kept: only the verbs that serve HTTP reach the web crate, and the
//! application layer and everything below it know nothing of the web. A verb that does no HTTP
//! calls `probity_app` (or the store and engine) instead.

#![allow(clippy::unwrap_used)]

use std::path::Path;

/// The modules that run the web application (the server and its configuration, the demo that
/// serves it, the web load benchmark); no other module of the command may name `probity_web`
/// outside a comment.
const SERVING: &[&str] = &["serve.rs", "config.rs", "demo.rs", "bench_web.rs"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_verbs_that_serve_http_use_the_web_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 10, "{files:?}");
    let offending: Vec<String> = files
        .iter()
        .filter(|p| !SERVING.contains(&p.file_name().unwrap().to_str().unwrap()))
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| l.contains("probity_web"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offending.is_empty(),
        "these modules use probity_web but serve no HTTP: {offending:?}"
    );
}

/// The `[dependencies]` of a workspace crate, by package name.
fn dependencies(krate: &str) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let value: toml::Table = text.parse().unwrap();
    value
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn dependencies_point_one_way() {
    // Each crate may depend only on those below it.
    let below: &[(&str, &[&str])] = &[
        ("probity-model", &[]),
        ("probity-synth", &["probity-model"]),
        ("probity-check", &["probity-model"]),
        ("probity-store", &["probity-model"]),
        (
            "probity-app",
            &["probity-model", "probity-check", "probity-store"],
        ),
        (
            "probity-web",
            &[
                "probity-model",
                "probity-check",
                "probity-store",
                "probity-app",
            ],
        ),
    ];
    for (krate, allowed) in below {
        let ours: Vec<String> = dependencies(krate)
            .into_iter()
            .filter(|d| d.starts_with("probity"))
            .collect();
        assert!(!ours.is_empty() || allowed.is_empty(), "{krate}: {ours:?}");
        for d in &ours {
            assert!(
                allowed.contains(&d.as_str()),
                "{krate} depends on {d}, which is not below it"
            );
        }
    }
}
