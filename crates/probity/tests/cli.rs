//! The `probity` command as a user runs it: real files in, exit codes and printed lines out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn probity(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(args)
        .output()
        .expect("the probity binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small/declarations.jsonl")
}

fn example_lines() -> Vec<String> {
    std::fs::read_to_string(fixture())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_shared_example_validates() {
    let o = probity(&["declaration", "validate", fixture().to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("5 declarations, all valid"));
}

#[test]
fn every_error_is_printed_as_file_line_path_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.jsonl");
    let lines = example_lines();
    let mut second: Value = serde_json::from_str(&lines[1]).unwrap();
    second["real_estate"][0]["area_m2"] = "-3".into();
    second["stocks"][0]["holder"] = "nobody".into();
    let text = format!(
        "{}\n{}\n{{\"format\": oops}}\n{}\n",
        lines[0], second, lines[2]
    );
    std::fs::write(&file, text).unwrap();

    let o = probity(&["declaration", "validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let f = file.display();
    assert!(
        out.contains(&format!("{f}:2: $.real_estate[0].area_m2: ")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{f}:2: $.stocks[0].holder: \"nobody\" is not a ref in persons"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("{f}:3: $: not valid JSON")), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        stderr(&o).contains("2 of 4 declarations have errors"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_pretty_json_file_points_at_the_line_of_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let mut report: Value = serde_json::from_str(&example_lines()[1]).unwrap();
    report["funds"][0]["units"] = "12.345678".into();
    let text = serde_json::to_string_pretty(&report).unwrap();
    let expected = text.lines().position(|l| l.contains("\"units\"")).unwrap() + 1;
    std::fs::write(&file, &text).unwrap();

    let o = probity(&["declaration", "validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let want = format!("{}:{expected}: $.funds[0].units: ", file.display());
    assert!(stdout(&o).starts_with(&want), "{} vs {want}", stdout(&o));
}

#[test]
fn a_json_array_of_reports_is_checked_item_by_item() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reports.json");
    let mut items: Vec<Value> = example_lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    items[3]["year"] = "2025".into();
    std::fs::write(&file, serde_json::to_string_pretty(&items).unwrap()).unwrap();

    let o = probity(&[
        "declaration",
        "validate",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let summary: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(summary["declarations"], 5);
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["errors"][0]["path"], "$.year");
    assert!(summary["errors"][0]["line"].as_u64().unwrap() > 1);
}

#[test]
fn a_missing_file_is_a_one_line_error() {
    let o = probity(&["declaration", "validate", "/nonexistent/reports.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("probity: cannot read /nonexistent/reports.jsonl"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn a_custom_profile_file_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let profile = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/cn.toml"),
    )
    .unwrap()
    .replace("id = \"cn\"", "id = \"zj\"")
    .replace("\"cn.", "\"zj.");
    let profile_file = dir.path().join("zj.toml");
    std::fs::write(&profile_file, profile).unwrap();
    let mut report: Value = serde_json::from_str(&example_lines()[0]).unwrap();
    report["profile"] = "zj".into();
    let file = dir.path().join("zj.json");
    std::fs::write(&file, report.to_string()).unwrap();

    let without = probity(&["declaration", "validate", file.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(1));
    assert!(stdout(&without).contains("$.profile: unknown profile \"zj\""));
    let with = probity(&[
        "declaration",
        "validate",
        "--profile",
        profile_file.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(with.status.success(), "{}", stdout(&with));
}

#[test]
fn synth_is_deterministic_and_its_reports_validate() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (out, seed) in [(&a, "7"), (&b, "7"), (&c, "8")] {
        let o = probity(&[
            "--quiet",
            "synth",
            "--people",
            "200",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "--quiet prints nothing");
    }
    let files = [
        "roster.csv",
        "declarations.jsonl",
        "truth.jsonl",
        "registries/real_estate.csv",
        "registries/border_crossings.csv",
    ];
    for f in files {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs for one seed"
        );
    }
    assert_ne!(
        std::fs::read(a.join("declarations.jsonl")).unwrap(),
        std::fs::read(c.join("declarations.jsonl")).unwrap()
    );
    let o = probity(&[
        "declaration",
        "validate",
        a.join("declarations.jsonl").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn demo_builds_a_dataset_and_says_what_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let o = probity(&["demo", "--dir", d.to_str().unwrap(), "--people", "120"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("120 reporting subjects"), "{out}");
    assert!(
        out.contains("Next:") && out.contains("probity check --declarations"),
        "{out}"
    );
    for f in [
        "roster.csv",
        "declarations.jsonl",
        "truth.jsonl",
        "registries/companies.csv",
    ] {
        assert!(d.join(f).exists(), "{f} missing");
    }
}

#[test]
fn help_exists_for_every_verb() {
    for verb in [&["demo"][..], &["synth"], &["declaration", "validate"]] {
        let mut args = verb.to_vec();
        args.push("--help");
        let o = probity(&args);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Usage: probity"));
    }
}

fn small_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

#[test]
fn check_finds_the_example_discrepancies_and_score_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("found.jsonl");
    let small = small_dir();
    let o = probity(&[
        "check",
        "--declarations",
        small.join("declarations.jsonl").to_str().unwrap(),
        "--registries",
        small.join("registries").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = stdout(&o);
    assert!(
        summary.starts_with("5 declarations, 89 registry rows: 9 findings"),
        "{summary}"
    );
    assert!(
        summary.contains("real_estate") && summary.contains("concealment"),
        "{summary}"
    );

    let o = probity(&[
        "score",
        "--format",
        "json",
        "--truth",
        small.join("expected_discrepancies.jsonl").to_str().unwrap(),
        "--found",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let scores: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(scores["overall"]["f1"], 1.0);
    assert_eq!(scores["classification_agreement"], 1.0);

    // Dropping one found line costs recall, not precision.
    let fewer: String = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&out, fewer).unwrap();
    let o = probity(&[
        "score",
        "--format",
        "json",
        "--truth",
        small.join("expected_discrepancies.jsonl").to_str().unwrap(),
        "--found",
        out.to_str().unwrap(),
    ]);
    let scores: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(scores["overall"]["precision"], 1.0);
    assert!((scores["overall"]["recall"].as_f64().unwrap() - 8.0 / 9.0).abs() < 1e-9);
}

#[test]
fn check_writes_csv_to_standard_output() {
    let small = small_dir();
    let o = probity(&[
        "check",
        "--format",
        "csv",
        "--declarations",
        small.join("declarations.jsonl").to_str().unwrap(),
        "--registries",
        small.join("registries").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("declaration_id,declarant_id,category,person_id,kind,field")
    );
    assert!(out.contains("RE1364887954;RE7255840777"), "{out}");
    assert_eq!(out.lines().count(), 10);
    assert!(
        stderr(&o).contains("9 findings"),
        "the summary goes to stderr"
    );
}

#[test]
fn check_names_the_bad_line_of_a_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let small = small_dir();
    let registries = dir.path().join("registries");
    std::fs::create_dir(&registries).unwrap();
    for f in ["stocks.csv", "funds.csv"] {
        std::fs::copy(small.join("registries").join(f), registries.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(registries.join("funds.csv"))
        .unwrap()
        .replace("2026-01-26", "2026-13-26");
    std::fs::write(registries.join("funds.csv"), text).unwrap();
    let o = probity(&[
        "check",
        "--declarations",
        small.join("declarations.jsonl").to_str().unwrap(),
        "--registries",
        registries.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("probity: ") && err.contains("funds.csv:3: as_of: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // The extracts are read (and indexed) before the declarations stream through: with good
    // extracts, the bad declaration line is the error.
    std::fs::copy(
        small.join("registries").join("funds.csv"),
        registries.join("funds.csv"),
    )
    .unwrap();
    let decls = dir.path().join("d.jsonl");
    std::fs::write(&decls, "{\"format\": 1}\n").unwrap();
    let o = probity(&[
        "check",
        "--declarations",
        decls.to_str().unwrap(),
        "--registries",
        registries.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("d.jsonl:1: column"), "{}", stderr(&o));
}

#[test]
fn link_writes_scored_pairs_best_first() {
    let dir = tempfile::tempdir().unwrap();
    let people = [
        ("wang", "wei", "19800101"),
        ("li", "fang", "19751212"),
        ("zhang", "min", "19900505"),
        ("chen", "jing", "19851111"),
    ];
    let mut left = String::from("rid,surname,given,dob\n");
    let mut right = String::from("id,family,first,born\n");
    for (i, (s, g, d)) in people.iter().enumerate() {
        left.push_str(&format!("a{i},{s},{g},{d}\n"));
        // The right file writes one given name with a typo and lists people in another order.
        let g2 = if i == 1 { "fnag" } else { g };
        right.insert_str(
            right.find('\n').unwrap() + 1,
            &format!("b{i},{s},{g2},{d}\n"),
        );
    }
    std::fs::write(dir.path().join("a.csv"), left).unwrap();
    std::fs::write(dir.path().join("b.csv"), right).unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "left_id = \"rid\"\nright_id = \"id\"\none_to_one = true\n\
         [[field]]\nleft = \"surname\"\nright = \"family\"\nkind = \"name\"\n\
         [[field]]\nleft = \"given\"\nright = \"first\"\nkind = \"name\"\n\
         [[field]]\nleft = \"dob\"\nright = \"born\"\nkind = \"date\"\n",
    )
    .unwrap();
    let out = dir.path().join("m.csv");
    let p = |f: &str| dir.path().join(f).to_str().unwrap().to_owned();
    let o = probity(&[
        "link",
        "--left",
        &p("a.csv"),
        "--right",
        &p("b.csv"),
        "--config",
        &p("c.toml"),
        "--out",
        out.to_str().unwrap(),
        "--threshold",
        "0.0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("left_id,right_id,score"));
    let rows: Vec<(String, String, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows.iter().all(|(l, r, _)| l[1..] == r[1..]), "{text}");
    assert!(rows.windows(2).all(|w| w[0].2 >= w[1].2), "{text}");

    let bad = probity(&[
        "link",
        "--left",
        &p("a.csv"),
        "--right",
        &p("b.csv"),
        "--config",
        &p("a.csv"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).starts_with("probity: "), "{}", stderr(&bad));
}

#[test]
fn link_without_right_dedupes_the_left_file() {
    let dir = tempfile::tempdir().unwrap();
    // Four people; two written twice (one with a typo), one three times; one once.
    let rows = [
        ("a1", "wang", "wei", "19800101"),
        ("a2", "li", "fang", "19751212"),
        ("a3", "wang", "wei", "19800101"),
        ("a4", "zhang", "min", "19900505"),
        ("a5", "li", "fnag", "19751212"),
        ("a6", "chen", "jing", "19851111"),
        ("a7", "wang", "wei", "19800101"),
    ];
    let mut text = String::from("rid,surname,given,dob\n");
    for (id, s, g, d) in rows {
        text.push_str(&format!("{id},{s},{g},{d}\n"));
    }
    std::fs::write(dir.path().join("a.csv"), text).unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "left_id = \"rid\"\n\
         [[field]]\nleft = \"surname\"\nkind = \"name\"\n\
         [[field]]\nleft = \"given\"\nkind = \"name\"\n\
         [[field]]\nleft = \"dob\"\nkind = \"date\"\n",
    )
    .unwrap();
    let out = dir.path().join("m.csv");
    let p = |f: &str| dir.path().join(f).to_str().unwrap().to_owned();
    let run = |threshold: &str| {
        let o = probity(&[
            "link",
            "--left",
            &p("a.csv"),
            "--config",
            &p("c.toml"),
            "--out",
            out.to_str().unwrap(),
            "--threshold",
            threshold,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("7 records"), "{}", stdout(&o));
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("left_id,right_id,score"));
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].to_owned(),
                    f[1].to_owned(),
                    f[2].parse::<f64>().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let pairs = run("0.5");
    let mut found: Vec<(String, String)> = pairs
        .iter()
        .map(|(l, r, _)| (l.clone(), r.clone()))
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [("a1", "a3"), ("a1", "a7"), ("a2", "a5"), ("a3", "a7")]
        .iter()
        .map(|(l, r)| ((*l).to_owned(), (*r).to_owned()))
        .collect();
    assert_eq!(found, expected);
    assert!(pairs.windows(2).all(|w| w[0].2 >= w[1].2));

    // Every candidate: still never a record with itself, each unordered pair once.
    let all = run("0.0");
    let mut seen = std::collections::HashSet::new();
    for (l, r, _) in &all {
        assert_ne!(l, r);
        let key = if l < r { (l, r) } else { (r, l) };
        assert!(seen.insert(key), "{l},{r} twice");
    }
}

#[test]
fn a_parquet_file_that_breaks_the_decoder_is_a_one_line_error() {
    // A corrupt file on which the parquet crate's decoder panics (found by fuzzing): the reader
    // catches it, and the command prints one line, not the panic.
    let dir = tempfile::tempdir().unwrap();
    let registries = dir.path().join("registries");
    std::fs::create_dir(&registries).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../probity-check/tests/data/parquet_decoder_panic.parquet"),
        registries.join("funds.parquet"),
    )
    .unwrap();
    let o = probity(&[
        "check",
        "--declarations",
        small_dir().join("declarations.jsonl").to_str().unwrap(),
        "--registries",
        registries.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("probity: ") && err.contains("funds.parquet: not a readable Parquet file"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
