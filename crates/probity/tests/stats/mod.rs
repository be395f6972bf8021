//! `probity stats`: the statistics of a loaded and verified example, as CSV and JSON, scoped
//! to units, and without anyone's name, resident ID or person key.

use std::collections::{BTreeMap, BTreeSet};

use super::{ok, probity_db, small_dir, stderr};

/// Roster lines of the small example: (ID, name, unit).
fn roster() -> Vec<(String, String, String)> {
    std::fs::read_to_string(small_dir().join("roster.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

fn cell<'a>(header: &[&str], row: &[&'a str], column: &str) -> &'a str {
    row[header.iter().position(|h| *h == column).unwrap()]
}

#[test]
fn stats_counts_a_verified_cycle_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    ok(probity_db(d, &["init"]));
    for (verb, file) in [
        ("roster", "roster.csv"),
        ("declaration", "declarations.jsonl"),
        ("registry", "registries"),
    ] {
        if verb == "declaration" {
            ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
        }
        ok(probity_db(
            d,
            &[verb, "import", small.join(file).to_str().unwrap()],
        ));
    }
    ok(probity_db(d, &["verify", "--cycle", "2025", "--all"]));

    // What the example holds, from its files: units, and cases and findings by unit.
    let people = roster();
    let unit_of: BTreeMap<&str, &str> = people
        .iter()
        .map(|(id, _, u)| (id.as_str(), u.as_str()))
        .collect();
    let units: BTreeSet<&str> = unit_of.values().copied().collect();
    let mut cases: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut findings: BTreeMap<&str, u64> = BTreeMap::new();
    let expected = std::fs::read_to_string(small.join("expected_discrepancies.jsonl")).unwrap();
    for line in expected.lines() {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        let unit = unit_of[f["declarant_id"].as_str().unwrap()];
        cases
            .entry(unit)
            .or_default()
            .insert(f["declaration_id"].as_str().unwrap().to_owned());
        *findings.entry(unit).or_default() += 1;
    }

    let csv = ok(probity_db(d, &["stats", "--cycle", "2025"]));
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let header = &lines[0];
    assert_eq!(&header[..4], ["cycle", "level", "unit", "subjects"]);
    assert_eq!(lines.len(), 1 + units.len() + 1);
    for row in &lines[1..lines.len() - 1] {
        let unit = cell(header, row, "unit");
        assert!(units.contains(unit), "{unit}");
        let n = cases.get(unit).map_or(0, BTreeSet::len);
        assert_eq!(cell(header, row, "cases"), n.to_string(), "{unit}");
        let n = findings.get(unit).copied().unwrap_or(0);
        assert_eq!(cell(header, row, "findings"), n.to_string(), "{unit}");
    }
    let total = lines.last().unwrap();
    assert_eq!(cell(header, total, "level"), "total");
    assert_eq!(cell(header, total, "subjects"), people.len().to_string());
    assert_eq!(cell(header, total, "reports_checked"), "5");
    let all_findings: u64 = findings.values().sum();
    assert_eq!(cell(header, total, "findings"), all_findings.to_string());

    let json = ok(probity_db(
        d,
        &["stats", "--cycle", "2025", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cycle"], 2025);
    assert_eq!(v["runs"], 1);
    assert_eq!(v["total"]["findings"]["total"], all_findings);
    assert_eq!(v["units"].as_array().unwrap().len(), units.len());

    // No name, resident ID or person key of anyone on the roster in either format.
    let keys = {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let keyring = probity_store::Keyring::load(&d.join("probity.keys")).unwrap();
            let url = format!("sqlite://{}", d.join("probity.db").display());
            let store = probity_store::Store::open(&url, keyring).await.unwrap();
            let keys: Vec<String> = people
                .iter()
                .map(|(id, _, _)| store.person_key(&probity_model::ResidentId::parse(id).unwrap()))
                .collect();
            store.close().await;
            keys
        })
    };
    for text in [&csv, &json] {
        for ((id, name, _), key) in people.iter().zip(&keys) {
            assert!(!text.contains(id.as_str()) && !text.contains(name.as_str()));
            assert!(!text.contains(key.as_str()));
        }
    }

    // One unit; a unit or a cycle that does not exist is a one-line error naming the option.
    let xiamen = "厦门市公安局";
    let one = ok(probity_db(
        d,
        &["stats", "--cycle", "2025", "--unit", xiamen],
    ));
    assert_eq!(one.lines().count(), 3);
    assert!(one.lines().nth(1).unwrap().contains(xiamen));
    let o = probity_db(d, &["stats", "--cycle", "2025", "--unit", "无此单位"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("probity: --unit:"), "{}", stderr(&o));
    let o = probity_db(d, &["stats", "--cycle", "2019"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--cycle: cycle 2019 is not open"),
        "{}",
        stderr(&o)
    );
}
