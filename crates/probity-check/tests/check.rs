//! The engine against the shared example (golden output) and against malformed input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use probity_check::{RegistryExtracts, check_all};
use probity_model::{Declaration, Discrepancy, Profile};

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

fn declarations(dir: &Path) -> Vec<Declaration> {
    std::fs::read_to_string(dir.join("declarations.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn expected(dir: &Path) -> Vec<Discrepancy> {
    std::fs::read_to_string(dir.join("expected_discrepancies.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_shared_example_gives_exactly_the_expected_findings() {
    let dir = small();
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&dir.join("registries")).unwrap();
    let found = check_all(&declarations(&dir), &|_| Some(&profile), &extracts);
    let want = expected(&dir);
    let missing: Vec<&Discrepancy> = want
        .iter()
        .filter(|w| !found.iter().any(|f| f.same_finding(w)))
        .collect();
    let extra: Vec<&Discrepancy> = found
        .iter()
        .filter(|f| !want.iter().any(|w| w.same_finding(f)))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    for w in &want {
        let f = found.iter().find(|f| f.same_finding(w)).unwrap();
        assert_eq!(
            (
                &f.person_id,
                &f.field,
                &f.declared,
                &f.registry,
                &f.declared_path
            ),
            (
                &w.person_id,
                &w.field,
                &w.declared,
                &w.registry,
                &w.declared_path
            ),
            "{w:#?}"
        );
        assert_eq!(f.registry_record_ids, w.registry_record_ids, "{w:#?}");
        assert_eq!(
            (f.classification, &f.rule),
            (w.classification, &w.rule),
            "{w:#?}"
        );
    }
}
