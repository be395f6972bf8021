//! Registry data never reaches the disk in clear: an upload is read from its bytes and a
//! verification run reads the stored extracts from theirs. Proved by running both in a child
//! process whose temporary folder (`TMPDIR`) is an empty folder of this test's, and finding it
//! still empty afterwards (before, each created a `probity-verify…`/`probity-upload…` folder of
//! the extracts in clear there).

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

#[path = "../../probity-store/tests/common/mod.rs"]
mod common;

use probity_app::registry::registry_files_named;
use probity_app::verification::{RunProgress, Scope, verify_cycle};

/// Set in the child: the work runs there.
const CHILD: &str = "PROBITY_SCRATCH_CHILD";

#[test]
fn uploads_and_runs_write_no_registry_file() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    // The database and its key file live in a folder made before TMPDIR changes.
    let scratch = tempfile::tempdir().unwrap();
    let tmpdir = scratch.path().join("tmp");
    std::fs::create_dir(&tmpdir).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "in_the_child", "--ignored", "--nocapture"])
        .env(CHILD, scratch.path())
        .env("TMPDIR", &tmpdir)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("1 passed"), "the child ran nothing: {said}");
    let left: Vec<_> = std::fs::read_dir(&tmpdir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "files left in the temporary folder: {left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by uploads_and_runs_write_no_registry_file, in a child process"]
async fn in_the_child() {
    let Some(home) = std::env::var_os(CHILD) else {
        panic!("run only by uploads_and_runs_write_no_registry_file");
    };
    sqlx::any::install_default_drivers();
    let home = std::path::PathBuf::from(home);
    let key_file = home.join("probity.keys");
    let keys = probity_store::Keyring::create(&key_file).unwrap();
    let url = format!("sqlite://{}", home.join("probity.db").display());
    let store = probity_store::Store::open(&url, keys).await.unwrap();
    // The small example, its extracts uploaded as named bytes.
    let s = common::stamp();
    let roster = std::fs::read(common::fixtures().join("roster.csv")).unwrap();
    store
        .import_roster(&s, "roster.csv", &roster)
        .await
        .unwrap();
    let deadline = probity_model::Date::parse("2026-01-31").unwrap();
    store.open_cycle(&s, 2025, deadline).await.unwrap();
    let text = std::fs::read_to_string(common::fixtures().join("declarations.jsonl")).unwrap();
    store
        .import_declarations(
            &s,
            "declarations.jsonl",
            text.as_bytes(),
            &common::parse_declarations(&text),
        )
        .await
        .unwrap();
    let uploaded: Vec<(String, Vec<u8>)> = common::registry_files()
        .into_iter()
        .map(|f| (f.file_name, f.bytes))
        .collect();
    let files = registry_files_named(uploaded).unwrap();
    assert_eq!(files.len(), common::registry_files().len());
    store.import_registry(&s, &files).await.unwrap();
    let (checked, findings, _) =
        verify_cycle(&store, &s, 2025, Scope::All, &RunProgress::default())
            .await
            .unwrap();
    assert!(checked > 0 && findings > 0, "{checked} {findings}");
    store.close().await;
}

#[test]
fn an_upload_names_the_bad_file_and_line_and_refuses_other_names() {
    let mut files: Vec<(String, Vec<u8>)> = common::registry_files()
        .into_iter()
        .map(|f| (f.file_name, f.bytes))
        .collect();
    let stocks = files.iter_mut().find(|(n, _)| n == "stocks.csv").unwrap();
    stocks.1 = String::from_utf8(stocks.1.clone())
        .unwrap()
        .replace("5400,6.43", "54OO,6.43")
        .into_bytes();
    let err = registry_files_named(files).unwrap_err().to_string();
    assert!(err.starts_with("stocks.csv:4: shares: "), "{err}");
    let err = registry_files_named(vec![("notes.txt".into(), b"x".to_vec())])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("notes.txt: not a registry extract name"),
        "{err}"
    );
}
