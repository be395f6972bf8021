//! The `probity` command as a user runs it: real files in, exit codes and printed lines out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod config;
mod logs;
mod proxy;
mod stats;
mod tls;

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
fn six_mistakes_of_every_kind_come_out_at_once_in_form_order() {
    // Form errors (a date that does not exist, a month 13, an amount that is not a number) and
    // rule errors (refs to nobody) in one report, some in the same row: one run says them all,
    // top to bottom as the form lists them, so one round of corrections suffices.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let mut report: Value = serde_json::from_str(&example_lines()[1]).unwrap();
    report["stocks"][0]["holder"] = "nobody".into();
    report["real_estate"][0]["price"] = "12x".into();
    report["real_estate"][0]["acquired_on"] = "2002-13".into();
    report["real_estate"][0]["owners"][1] = "nobody".into();
    report["employment"][0]["person"] = "ghost".into();
    report["marriage"]["last_change"]["on"] = "2008-02-30".into();
    let text = serde_json::to_string_pretty(&report).unwrap();
    std::fs::write(&file, &text).unwrap();

    let o = probity(&["declaration", "validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let paths: Vec<&str> = out
        .lines()
        .map(|l| l.split(": ").nth(1).unwrap_or(""))
        .collect();
    let expected = [
        "$.marriage.last_change.on",
        "$.employment[0].person",
        "$.real_estate[0].owners",
        "$.real_estate[0].acquired_on",
        "$.real_estate[0].price",
        "$.stocks[0].holder",
    ];
    assert_eq!(paths.len(), expected.len(), "{out}");
    for (path, want) in paths.iter().zip(expected) {
        assert!(path.starts_with(want), "{want} where {path} is: {out}");
    }
    // Each at its line in the file.
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        out.contains(&format!(
            "{}:{}: $.real_estate[0].price",
            file.display(),
            line_of("\"12x\"")
        )),
        "{out}"
    );
    assert!(
        stderr(&o).contains("1 of 1 declarations have errors (6 in all)"),
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
    // With last year's reports: the same one-year files, and last year's reports validate.
    let two = dir.path().join("two");
    let o = probity(&[
        "--quiet",
        "synth",
        "--people",
        "200",
        "--seed",
        "7",
        "--previous-year",
        "--out",
        two.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in files {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs with --previous-year"
        );
    }
    assert!(two.join("truth_year_over_year.jsonl").exists());
    let o = probity(&[
        "declaration",
        "validate",
        two.join("previous/declarations.jsonl").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    let o = probity(&[
        "declaration",
        "validate",
        a.join("declarations.jsonl").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
    // With initial reports: some annual reports become new subjects' initial reports, valid,
    // with their truth beside them.
    let init = dir.path().join("initial");
    let o = probity(&[
        "synth",
        "--people",
        "200",
        "--seed",
        "7",
        "--previous-year",
        "--initial",
        "--out",
        init.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let reports = summary["initial_reports"].as_u64().unwrap();
    assert!(reports > 0, "{summary}");
    let written = std::fs::read_to_string(init.join("initial/declarations.jsonl")).unwrap();
    assert_eq!(written.lines().count() as u64, reports);
    assert!(written.lines().all(|l| l.contains(r#""kind":"initial""#)));
    let truth = std::fs::read_to_string(init.join("truth_initial.jsonl")).unwrap();
    assert_eq!(
        truth.lines().count() as u64,
        summary["initial_findings"].as_u64().unwrap()
    );
    let o = probity(&[
        "declaration",
        "validate",
        init.join("initial/declarations.jsonl").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn demo_builds_a_running_system_and_prints_a_login_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("demo");
    let o = probity(&[
        "demo",
        "--dir",
        d.to_str().unwrap(),
        "--people",
        "120",
        "--no-serve",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("120 reporting subjects"), "{out}");
    for role in ["administrator", "verifier", "auditor", "declarant"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(role)),
            "{role}: {out}"
        );
    }
    for f in [
        "roster.csv",
        "declarations.jsonl",
        "truth.jsonl",
        "registries/companies.csv",
        "probity.db",
        "probity.keys",
    ] {
        assert!(d.join(f).exists(), "{f} missing");
    }
    // The database holds the cycle, the reports and the verification run, and verifies.
    use probity_store::schema::{CASES, DECLARATIONS, USERS, VERIFICATION_RUNS};
    let c = counts(&d, &[&DECLARATIONS, &VERIFICATION_RUNS, &CASES, &USERS]);
    let lines = |f: &str| std::fs::read_to_string(d.join(f)).unwrap().lines().count() as i64;
    let reports = lines("declarations.jsonl");
    let previous = lines("previous/declarations.jsonl");
    assert!(previous > 0, "last year's reports were written");
    let changes = lines("changes/declarations.jsonl");
    assert!(changes > 0, "the next year's change reports were written");
    let initial = lines("initial/declarations.jsonl");
    assert!(
        initial > 0,
        "the initial reports of new subjects were written"
    );
    assert_eq!(
        (c[0], c[1], c[3]),
        (reports + previous + changes + initial, 2, 5)
    );
    assert!(c[2] > 0, "cases were opened");
    // The run compared this year's reports with last year's: as many year-over-year findings
    // as the synthetic truth holds, each a review.
    let conn = count_where(
        &d,
        "SELECT COUNT(*) FROM findings WHERE kind IN ('vanished', 'excess_growth') \
         AND classification = 'review'",
    );
    assert!(conn > 0, "the demo shows year-over-year findings");
    assert_eq!(conn, lines("truth_year_over_year.jsonl"));
    // The next year's cycle: its run found exactly the late and missing change reports hidden.
    let next = count_where(
        &d,
        "SELECT COUNT(*) FROM findings f JOIN cases c ON c.id = f.case_id WHERE c.cycle = 2026",
    );
    let late = count_where(
        &d,
        "SELECT COUNT(*) FROM findings f JOIN cases c ON c.id = f.case_id \
         WHERE c.cycle = 2026 AND f.kind = 'late'",
    );
    assert!(late > 0, "the demo shows late change reports");
    assert_eq!(next, lines("truth_changes.jsonl"));
    // Each cycle's run, as `probity findings` exports it, is exactly its truth: 2025's the
    // cross-check's, the year over year's and the changes of 2025 the annual reports carried
    // late; 2026's the late and missing change reports.
    let late_2025 = count_where(
        &d,
        "SELECT COUNT(*) FROM findings f JOIN cases c ON c.id = f.case_id \
         WHERE c.cycle = 2025 AND f.kind = 'late'",
    );
    assert!(
        late_2025 > 0,
        "the demo shows changes reported late in 2025"
    );
    assert_eq!(late_2025, lines("truth_timeliness.jsonl"));
    let run_truth = d.join("truth_2025.jsonl");
    let mut all = String::new();
    for f in [
        "truth.jsonl",
        "truth_year_over_year.jsonl",
        "truth_timeliness.jsonl",
        "truth_initial.jsonl",
    ] {
        all.push_str(&std::fs::read_to_string(d.join(f)).unwrap());
    }
    std::fs::write(&run_truth, all).unwrap();
    for (cycle, truth) in [("2025", run_truth), ("2026", d.join("truth_changes.jsonl"))] {
        let found = d.join(format!("found_{cycle}.jsonl"));
        let export = ok(probity_db(
            &d,
            &["findings", "--cycle", cycle, "--format", "jsonl"],
        ));
        std::fs::write(&found, export).unwrap();
        let score = ok(probity(&[
            "score",
            "--truth",
            truth.to_str().unwrap(),
            "--found",
            found.to_str().unwrap(),
            "--format",
            "json",
        ]));
        let score: serde_json::Value = serde_json::from_str(&score).unwrap();
        assert_eq!(score["overall"]["precision"], 1.0, "{cycle}: {score}");
        assert_eq!(score["overall"]["recall"], 1.0, "{cycle}: {score}");
    }
    // New subjects' initial reports are checked in 2025's run (their income year): the export
    // carries findings on them, exactly the initial truth, and their subjects joined in 2026.
    let on_initial = std::fs::read_to_string(d.join("found_2025.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["report_kind"] == "initial"
        })
        .count() as i64;
    assert!(on_initial > 0, "the demo shows findings on initial reports");
    assert_eq!(on_initial, lines("truth_initial.jsonl"));
    let roster = std::fs::read_to_string(d.join("roster.csv")).unwrap();
    for report in std::fs::read_to_string(d.join("initial/declarations.jsonl"))
        .unwrap()
        .lines()
    {
        let r: serde_json::Value = serde_json::from_str(report).unwrap();
        assert_eq!((&r["kind"], &r["year"]), (&"initial".into(), &2025.into()));
        let since = roster
            .lines()
            .find(|l| l.starts_with(r["declarant_id"].as_str().unwrap()))
            .and_then(|l| l.split(',').nth(6))
            .unwrap();
        assert!(since.starts_with("2026-") && since < r["filed_on"].as_str().unwrap());
    }
    // The rows the next year's events add change nothing the annual reports are compared on:
    // the stateless check still finds exactly the annual truth.
    let found = d.join("found.jsonl");
    ok(probity(&[
        "check",
        "--declarations",
        d.join("declarations.jsonl").to_str().unwrap(),
        "--registries",
        d.join("registries").to_str().unwrap(),
        "--out",
        found.to_str().unwrap(),
        "--quiet",
    ]));
    let score = ok(probity(&[
        "score",
        "--truth",
        d.join("truth.jsonl").to_str().unwrap(),
        "--found",
        found.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let score: serde_json::Value = serde_json::from_str(&score).unwrap();
    assert_eq!(score["overall"]["precision"], 1.0, "{score}");
    assert_eq!(score["overall"]["recall"], 1.0, "{score}");
    ok(probity_db(&d, &["audit", "verify"]));
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

// ---- The database verbs ------------------------------------------------------------------------

/// `probity` against one SQLite database and key file in `dir`.
fn probity_db(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(args)
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", dir.join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", dir.join("probity.keys"))
        .output()
        .expect("the probity binary runs")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

#[test]
fn the_database_verbs_load_verify_and_refuse_bad_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    let roster = small.join("roster.csv");
    let reports = small.join("declarations.jsonl");
    let registries = small.join("registries");

    // Nothing works before init, and says why.
    let o = probity_db(d, &["roster", "import", roster.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("run `probity init` first"),
        "{}",
        stderr(&o)
    );

    let o = probity_db(d, &["init"]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("back it up"), "{}", stderr(&o));
    assert!(d.join("probity.keys").is_file());

    // A roster with a bad line: nothing stored, the error names file, line and field.
    let bad = d.join("roster-bad.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    std::fs::write(&bad, text.replacen(",active,", ",on_leave,", 2)).unwrap();
    let o = probity_db(d, &["roster", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("roster-bad.csv:2: status: unknown variant"),
        "{}",
        stderr(&o)
    );

    assert!(
        ok(probity_db(
            d,
            &["roster", "import", roster.to_str().unwrap()]
        ))
        .contains("5 subjects added")
    );
    assert!(ok(probity_db(d, &["cycle", "open", "--year", "2025"])).contains("due 2026-01-31"));

    // A report that does not validate: every error printed, nothing stored.
    let broken = d.join("broken.jsonl");
    let mut lines = example_lines();
    let mut third: Value = serde_json::from_str(&lines[2]).unwrap();
    third["salary"]["wages"] = "-1".into();
    lines[2] = third.to_string();
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let o = probity_db(d, &["declaration", "import", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("broken.jsonl:3: $.salary.wages:"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was stored"), "{}", stderr(&o));

    assert!(
        ok(probity_db(
            d,
            &["declaration", "import", reports.to_str().unwrap()]
        ))
        .contains("5 reports added")
    );
    assert!(
        ok(probity_db(
            d,
            &["registry", "import", registries.to_str().unwrap()]
        ))
        .contains("12 files added")
    );
    let checkpoint = ok(probity_db(d, &["audit", "checkpoint"]))
        .trim()
        .to_owned();
    // The same files again change nothing, not even the log.
    assert!(
        ok(probity_db(
            d,
            &["declaration", "import", reports.to_str().unwrap()]
        ))
        .contains("nothing changed")
    );
    assert!(
        ok(probity_db(
            d,
            &["registry", "import", registries.to_str().unwrap()]
        ))
        .contains("nothing changed")
    );
    assert_eq!(
        ok(probity_db(d, &["audit", "checkpoint"])).trim(),
        checkpoint
    );

    let run = ok(probity_db(
        d,
        &["verify", "--cycle", "2025", "--all", "--format", "json"],
    ));
    let run: Value = serde_json::from_str(run.trim()).unwrap();
    let expected = std::fs::read_to_string(small.join("expected_discrepancies.jsonl")).unwrap();
    assert_eq!(run["findings"], expected.lines().count());

    let verified = ok(probity_db(
        d,
        &["audit", "verify", "--checkpoint", &checkpoint],
    ));
    assert!(verified.contains("audit log intact"), "{verified}");

    // Backup, rotate, restore into a fresh database: everything verifies.
    let backup = d.join("backup.db");
    ok(probity_db(d, &["backup", backup.to_str().unwrap()]));
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(d.join("probity.keys"), restored.path().join("probity.keys")).unwrap();
    ok(probity_db(
        restored.path(),
        &["restore", backup.to_str().unwrap()],
    ));
    ok(probity_db(restored.path(), &["audit", "verify"]));
    assert!(ok(probity_db(d, &["key", "rotate"])).contains("data key 1 → 2"));
    ok(probity_db(
        d,
        &["audit", "verify", "--checkpoint", &checkpoint],
    ));

    // Someone with the file edits a report's year behind Probity's back.
    let db = d.join("probity.db");
    let edited = edit_sqlite(
        &db,
        "UPDATE declarations SET year = 2024 WHERE declaration_id = 'D2025-000002'",
    );
    assert!(edited, "the edit went through");
    let o = probity_db(d, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("(declaration.file declarations/D2025-000002) the record was altered"),
        "{}",
        stderr(&o)
    );
}

/// Runs SQL on a SQLite file as an intruder would, with the guards dropped.
fn edit_sqlite(db: &Path, sql: &str) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", db.display());
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("DROP TRIGGER IF EXISTS declarations_immutable_u")
            .execute(&mut conn)
            .await
            .unwrap();
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        done.rows_affected() > 0
    })
}

/// Counts rows of some tables of a SQLite database, opened as Probity opens it.
fn counts(dir: &Path, tables: &[&probity_store::schema::Table]) -> Vec<i64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let keys = probity_store::Keyring::load(&dir.join("probity.keys")).unwrap();
        let url = format!("sqlite://{}", dir.join("probity.db").display());
        let store = probity_store::Store::open(&url, keys).await.unwrap();
        let mut out = Vec::new();
        for t in tables {
            out.push(store.count(t).await.unwrap());
        }
        store.close().await;
        out
    })
}

/// The single number a SQL query over a SQLite database gives.
fn count_where(dir: &Path, sql: &str) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", dir.join("probity.db").display());
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        row.get::<i64, _>(0)
    })
}

fn copy_db(from: &Path, to: &Path) {
    for name in ["probity.db", "probity.db-wal", "probity.keys"] {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
}

/// Starts `args` against the database in `dir`, kills it with SIGKILL after `after`, and says
/// whether it had finished by itself first.
fn kill_after(dir: &Path, args: &[&str], after: std::time::Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(args)
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", dir.join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", dir.join("probity.keys"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    finished
}

#[test]
fn sigkill_during_an_import_or_a_verification_run_loses_nothing_committed() {
    use probity_store::schema::{
        CASES, DECLARATION_BATCHES, DECLARATIONS, SUBJECTS, VERIFICATION_RUNS,
    };
    use rand::{Rng, SeedableRng};

    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("synth");
    ok(probity(&[
        "synth",
        "--people",
        "800",
        "--seed",
        "7",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]));
    let reports = out.join("declarations.jsonl");
    let year = {
        let first = std::fs::read_to_string(&reports).unwrap();
        let v: Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        v["year"].as_i64().unwrap().to_string()
    };
    let n_reports = std::fs::read_to_string(&reports).unwrap().lines().count() as i64;

    // The state every round starts from: roster and cycle committed.
    let base = data.path().join("base");
    std::fs::create_dir(&base).unwrap();
    ok(probity_db(&base, &["init"]));
    ok(probity_db(
        &base,
        &["roster", "import", out.join("roster.csv").to_str().unwrap()],
    ));
    ok(probity_db(&base, &["cycle", "open", "--year", &year]));
    let subjects = counts(&base, &[&SUBJECTS])[0];

    let import = ["declaration", "import", reports.to_str().unwrap()];
    let verify_run = ["verify", "--cycle", &year, "--all"];
    // How long an uncut run takes, to spread the kills over it: the fastest of three, since the
    // first run pays for a cold cache and a loaded machine slows some runs down.
    let time = |args: &[&str], from: &Path| {
        let mut best: Option<(std::time::Duration, tempfile::TempDir)> = None;
        for _ in 0..3 {
            let d = tempfile::tempdir().unwrap();
            copy_db(from, d.path());
            let t = std::time::Instant::now();
            ok(probity_db(d.path(), args));
            let took = t.elapsed();
            if best.as_ref().is_none_or(|(b, _)| took < *b) {
                best = Some((took, d));
            }
        }
        best.unwrap()
    };
    let (import_time, loaded) = time(&import, &base);
    ok(probity_db(
        loaded.path(),
        &[
            "registry",
            "import",
            out.join("registries").to_str().unwrap(),
        ],
    ));
    let (verify_time, verified) = time(&verify_run, loaded.path());
    let cases = counts(verified.path(), &[&CASES])[0];
    assert!(cases > 0);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(50);
    let mut cut = [0, 0];
    for round in 0..100 {
        let importing = round % 2 == 0;
        let (from, args, total) = if importing {
            (&base, &import[..], import_time)
        } else {
            (&loaded.path().to_path_buf(), &verify_run[..], verify_time)
        };
        let d = tempfile::tempdir().unwrap();
        copy_db(from, d.path());
        let after = total.mul_f64(rng.random_range(0.0..1.1));
        if !kill_after(d.path(), args, after) {
            cut[usize::from(!importing)] += 1;
        }
        // After the restart: the database opens, the log verifies, and what the cut process was
        // writing is there whole or not at all.
        ok(probity_db(d.path(), &["audit", "verify"]));
        let c = counts(
            d.path(),
            &[
                &SUBJECTS,
                &DECLARATIONS,
                &DECLARATION_BATCHES,
                &VERIFICATION_RUNS,
                &CASES,
            ],
        );
        assert_eq!(c[0], subjects, "round {round}: the roster is intact");
        if importing {
            assert!(
                (c[1], c[2]) == (0, 0) || (c[1], c[2]) == (n_reports, 1),
                "round {round}: a partial import is visible: {c:?}"
            );
        } else {
            assert_eq!(c[1], n_reports, "round {round}: the reports are intact");
            assert!(
                (c[3], c[4]) == (0, 0) || (c[3], c[4]) == (1, cases),
                "round {round}: a partial run is visible: {c:?}"
            );
        }
    }
    // Most kills land while the work is under way, not after it (fewer on a loaded machine, where
    // runs take longer or shorter than the measure the kill times come from).
    assert!(
        cut[0] >= 20 && cut[1] >= 20,
        "kills that cut the work short: {cut:?}"
    );
}

#[test]
fn the_sample_is_committed_revealed_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    ok(probity_db(d, &["init"]));
    ok(probity_db(
        d,
        &[
            "roster",
            "import",
            small.join("roster.csv").to_str().unwrap(),
        ],
    ));
    ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
    ok(probity_db(
        d,
        &[
            "declaration",
            "import",
            small.join("declarations.jsonl").to_str().unwrap(),
        ],
    ));
    ok(probity_db(
        d,
        &[
            "registry",
            "import",
            small.join("registries").to_str().unwrap(),
        ],
    ));

    // Without a revealed sample, only --all can run.
    let o = probity_db(d, &["verify", "--cycle", "2025"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no revealed sample"), "{}", stderr(&o));

    let seed = "the department's seed, 2026-02-01";
    let commitment = {
        use sha2::Digest;
        hex_string(&sha2::Sha256::digest(seed.as_bytes()))
    };
    let drawn = ok(probity_db(
        d,
        &[
            "sample",
            "draw",
            "--cycle",
            "2025",
            "--seed-commitment",
            &commitment,
        ],
    ));
    assert!(
        drawn.contains("frame of 5 subjects frozen (5 filed"),
        "{drawn}"
    );
    // Never redone.
    let o = probity_db(
        d,
        &[
            "sample",
            "draw",
            "--cycle",
            "2025",
            "--seed-commitment",
            &commitment,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    // A seed that is not the committed one is refused.
    let o = probity_db(
        d,
        &[
            "sample",
            "reveal",
            "--cycle",
            "2025",
            "--seed",
            "another seed",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not the one committed"),
        "{}",
        stderr(&o)
    );
    let ids = ok(probity_db(
        d,
        &["sample", "reveal", "--cycle", "2025", "--seed", seed],
    ));
    let ids: Vec<&str> = ids.lines().collect();
    // One at random (10% of 5, rounded up), plus everyone flagged for a key check.
    let roster = std::fs::read_to_string(small.join("roster.csv")).unwrap();
    let flagged: Vec<&str> = roster
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(','))
        .map(|l| &l[..18])
        .collect();
    assert!(
        flagged.iter().all(|f| ids.contains(f)),
        "{ids:?} {flagged:?}"
    );
    assert!(
        ids.len() == flagged.len() + 1 || ids.len() == flagged.len(),
        "{ids:?}"
    );
    assert!(ids.iter().all(|id| roster.contains(id)));
    // The same seed again gives the same draw.
    assert_eq!(
        ok(probity_db(
            d,
            &["sample", "reveal", "--cycle", "2025", "--seed", seed]
        ))
        .lines()
        .collect::<Vec<_>>(),
        ids
    );
    assert!(
        ok(probity_db(d, &["sample", "verify", "--cycle", "2025"])).contains("is what the frame")
    );
    let run = ok(probity_db(
        d,
        &["verify", "--cycle", "2025", "--format", "json"],
    ));
    let run: Value = serde_json::from_str(run.trim()).unwrap();
    assert_eq!(run["checked"], ids.len());
    ok(probity_db(d, &["audit", "verify"]));
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

#[test]
fn the_web_benchmark_is_prepared_and_the_rest_of_the_roster_gets_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("bench");
    ok(probity(&[
        "--quiet",
        "bench",
        "web",
        "--dir",
        bench.to_str().unwrap(),
        "--people",
        "60",
        "--sessions",
        "20",
    ]));
    // Line i of each file is declarant i's session and report: distinct people, valid reports.
    let sessions = std::fs::read_to_string(bench.join("sessions.txt")).unwrap();
    let reports = std::fs::read_to_string(bench.join("reports.jsonl")).unwrap();
    assert_eq!(sessions.lines().count(), 20);
    assert_eq!(reports.lines().count(), 20);
    assert!(
        sessions
            .lines()
            .all(|l| l.split(' ').map(str::len).collect::<Vec<_>>() == [64, 64])
    );
    let declarants: std::collections::HashSet<String> = reports
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["declarant_id"].to_string())
        .collect();
    assert_eq!(declarants.len(), 20);

    // The rest of the roster gets accounts, their initial passwords in a file only we read.
    let roster = std::fs::read_to_string(bench.join("synth-60/roster.csv")).unwrap();
    let on_roster = roster.lines().count() - 1;
    let csv = dir.path().join("accounts.csv");
    ok(probity_db(
        &bench,
        &[
            "--quiet",
            "user",
            "accounts",
            "--out",
            csv.to_str().unwrap(),
        ],
    ));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("username,name,unit,initial_password")
    );
    assert_eq!(text.lines().count() - 1, on_roster - 20, "{text}");
    // Usernames people can remember: the name in pinyin (a number where it is taken), never a
    // code or an identity number.
    let usernames: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let distinct: std::collections::HashSet<&&str> = usernames.iter().collect();
    assert_eq!(distinct.len(), usernames.len(), "{text}");
    for u in &usernames {
        let letters = u.trim_end_matches(|c: char| c.is_ascii_digit());
        assert!(
            letters.len() >= 3 && letters.chars().all(|c| c.is_ascii_lowercase()),
            "{u}: {text}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&csv).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The file is never overwritten (it holds the only copy of the passwords).
    let o = probity_db(
        &bench,
        &[
            "--quiet",
            "user",
            "accounts",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cannot create"), "{}", stderr(&o));
    // Asked again into another file: nobody is left without an account.
    let again = dir.path().join("again.csv");
    ok(probity_db(
        &bench,
        &[
            "--quiet",
            "user",
            "accounts",
            "--out",
            again.to_str().unwrap(),
        ],
    ));
    assert_eq!(std::fs::read_to_string(&again).unwrap().lines().count(), 1);
    let o = probity_db(&bench, &["--quiet", "audit", "verify"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn one_report_in_force_findings_in_force_and_a_closed_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    ok(probity_db(d, &["init"]));
    ok(probity_db(
        d,
        &[
            "roster",
            "import",
            small.join("roster.csv").to_str().unwrap(),
        ],
    ));
    ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
    ok(probity_db(
        d,
        &[
            "declaration",
            "import",
            small.join("declarations.jsonl").to_str().unwrap(),
        ],
    ));
    ok(probity_db(
        d,
        &[
            "registry",
            "import",
            small.join("registries").to_str().unwrap(),
        ],
    ));

    // A second 2025 annual report of the first subject, on line 2 of a file: refused, naming
    // the file, the line and the report in force; nothing stored.
    let lines = example_lines();
    let mut again: Value = serde_json::from_str(&lines[0]).unwrap();
    again["declaration_id"] = "D2025-900001".into();
    let second = d.join("second.jsonl");
    std::fs::write(&second, format!("{}\n{}\n", lines[1], again)).unwrap();
    let o = probity_db(d, &["declaration", "import", second.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("second.jsonl:2: $.supersedes: report D2025-000001 (annual 2025"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("350111199006074875"), "{}", stderr(&o));

    // The findings in force after a run: the discrepancy fields, then case, report kind, run.
    ok(probity_db(d, &["verify", "--cycle", "2025", "--all"]));
    let jsonl = ok(probity_db(d, &["findings", "--cycle", "2025"]));
    let expected = std::fs::read_to_string(small.join("expected_discrepancies.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), expected.lines().count());
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["report_kind"], "annual");
    assert_eq!(first["run"], 1);
    assert!(first["case_id"].as_i64().unwrap() > 0);
    // The example's findings, field for field (less the note, a sentence the engine words its
    // own way, and the three added).
    let without = |l: &str, keys: &[&str]| {
        let mut v: Value = serde_json::from_str(l).unwrap();
        for k in keys {
            v.as_object_mut().unwrap().remove(*k);
        }
        v
    };
    let mut found: Vec<Value> = jsonl
        .lines()
        .map(|l| without(l, &["case_id", "report_kind", "run", "note"]))
        .collect();
    let mut want: Vec<Value> = expected.lines().map(|l| without(l, &["note"])).collect();
    let key = |v: &Value| v.to_string();
    found.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(found, want);
    // A second run finds the same findings: still one line each, now of run 2, same cases.
    ok(probity_db(d, &["verify", "--cycle", "2025", "--all"]));
    let csv = ok(probity_db(
        d,
        &["findings", "--cycle", "2025", "--format", "csv"],
    ));
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .unwrap()
            .ends_with(",classification,rule,note,case_id,report_kind,run")
    );
    assert_eq!(rows.clone().count(), expected.lines().count());
    assert!(rows.all(|r| r.ends_with(",annual,2")), "{csv}");
    let o = probity_db(d, &["findings", "--cycle", "2019"]);
    assert_eq!(o.status.code(), Some(1));

    // Closing: audited once; an ordinary import for the closed cycle is refused.
    assert!(ok(probity_db(d, &["cycle", "close", "--year", "2025"])).contains("closed"));
    assert!(ok(probity_db(d, &["cycle", "close", "--year", "2025"])).contains("nothing changed"));
    assert_eq!(
        count_where(
            d,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'cycle.close'"
        ),
        1
    );
    let mut correction: Value = serde_json::from_str(&lines[0]).unwrap();
    correction["declaration_id"] = "D2025-900002".into();
    correction["supersedes"] = "D2025-000001".into();
    let late = d.join("late.jsonl");
    std::fs::write(&late, correction.to_string()).unwrap();
    let o = probity_db(d, &["declaration", "import", late.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("late.jsonl:1: $.year: the 2025 cycle is closed"),
        "{}",
        stderr(&o)
    );
    ok(probity_db(d, &["audit", "verify"]));
}

#[test]
fn serve_stops_on_sigterm_and_exits_0() {
    use std::io::{BufRead, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    // The database and key file exist first (created by any verb that opens them).
    ok(probity_db(dir.path(), &["init"]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["serve", "--bind", "127.0.0.1:0", "--shutdown-grace", "20"])
        .env(
            "PROBITY_DB",
            format!("sqlite://{}", dir.path().join("probity.db").display()),
        )
        .env("PROBITY_KEY_FILE", dir.path().join("probity.keys"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    // The line that says where it serves (after the checkpoint published at start).
    let mut first = String::new();
    while !first.contains("http://") {
        first.clear();
        assert!(out.read_line(&mut first).unwrap() > 0, "no address printed");
    }
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: probity\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "exit {status:?}, stdout {rest}");
    assert!(rest.contains("Probity stopped"), "{rest}");
    assert!(std::net::TcpStream::connect(&addr).is_err());
}

/// Runs `f` on the store of `dir` (its database and key file).
fn with_store<T>(dir: &Path, f: impl AsyncFnOnce(&probity_store::Store) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let keys = probity_store::Keyring::load(&dir.join("probity.keys")).unwrap();
        let url = format!("sqlite://{}", dir.join("probity.db").display());
        let store = probity_store::Store::open(&url, keys).await.unwrap();
        let out = f(&store).await;
        store.close().await;
        out
    })
}

#[test]
fn operators_reset_and_unlock_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(probity_db(d, &["init"]));
    let add_user = |password: &[u8]| {
        let mut add = Command::new(env!("CARGO_BIN_EXE_probity"))
            .args([
                "user",
                "add",
                "admin",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .env(
                "PROBITY_DB",
                format!("sqlite://{}", d.join("probity.db").display()),
            )
            .env("PROBITY_KEY_FILE", d.join("probity.keys"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            add.stdin.take().unwrap().write_all(password).unwrap();
        }
        add.wait_with_output().unwrap()
    };
    // A long but guessable password is refused here too.
    let o = add_user(b"aaaaaaaaaaaa\n");
    assert!(!o.status.success());
    assert!(stderr(&o).contains("too easy to guess"), "{}", stderr(&o));
    ok(add_user(b"a long enough password\n"));
    // Locked by failed sign-ins (as the web counts them).
    let stamp = probity_store::Stamp::new("2026-02-01T08:00:00.000Z", "test");
    with_store(d, async |s| {
        for _ in 0..5 {
            s.begin_sign_in(&stamp, "admin", 5, "2999-01-01T00:00:00.000Z")
                .await
                .unwrap();
        }
    });
    let locked = |d: &Path| {
        with_store(d, async |s| {
            s.locked_until("admin", "2026-02-01T09:00:00.000Z")
                .await
                .unwrap()
        })
    };
    assert!(locked(d).is_some());
    let said = ok(probity_db(d, &["user", "unlock", "admin"]));
    assert!(said.contains("admin unlocked"), "{said}");
    assert!(locked(d).is_none());
    // An unknown name is an error, not a silent success.
    let o = probity_db(d, &["user", "unlock", "nobody"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no account \"nobody\""),
        "{}",
        stderr(&o)
    );
    // Reset: a new initial password, printed once, that signs in and must be changed.
    let password = ok(probity_db(d, &["--quiet", "user", "reset", "admin"]));
    let password = password.trim();
    assert_eq!(
        password.chars().count(),
        probity_app::passwords::INITIAL_PASSWORD_LEN
    );
    let user = with_store(d, async |s| s.user("admin").await.unwrap().unwrap());
    assert!(probity_app::passwords::verify_password(
        password,
        &user.password_hash
    ));
    assert!(!probity_app::passwords::verify_password(
        "a long enough password",
        &user.password_hash
    ));
    assert!(with_store(d, async |s| s
        .must_change_password("admin")
        .await
        .unwrap()));
    let json = ok(probity_db(
        d,
        &["user", "reset", "admin", "--format", "json"],
    ));
    let v: Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["username"], "admin");
    // Each is in the audit log, which still verifies.
    assert_eq!(
        count_where(
            d,
            "SELECT COUNT(*) FROM audit_events WHERE action IN ('user.reset', 'user.unlock')"
        ),
        3
    );
    ok(probity_db(d, &["audit", "verify"]));
}
/// The mode bits of a file (owner, group, others).
#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn database_key_backup_and_password_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(probity_db(d, &["init"]));
    ok(probity_db(
        d,
        &[
            "roster",
            "import",
            small_dir().join("roster.csv").to_str().unwrap(),
        ],
    ));
    let backup = d.join("backup.db");
    ok(probity_db(d, &["backup", backup.to_str().unwrap()]));
    let passwords = d.join("passwords.csv");
    ok(probity_db(
        d,
        &["user", "accounts", "--out", passwords.to_str().unwrap()],
    ));
    for f in ["probity.db", "probity.keys", "backup.db", "passwords.csv"] {
        assert_eq!(mode_of(&d.join(f)), 0o600, "{f}");
    }
}

#[test]
fn a_roster_that_empties_units_needs_allow_removals_and_the_old_file_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let roster = small_dir().join("roster.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    let header_only = d.join("empty.csv");
    std::fs::write(&header_only, format!("{}\n", text.lines().next().unwrap())).unwrap();
    ok(probity_db(d, &["init"]));
    assert!(
        ok(probity_db(
            d,
            &["roster", "import", roster.to_str().unwrap()]
        ))
        .contains("5 subjects added")
    );
    // A header-only file: refused, naming the units and counts.
    let o = probity_db(d, &["roster", "import", header_only.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("probity: empty.csv: would take 1 of the 1 subjects of unit ")
            && err.contains(", 1 of the 1 subjects of unit 厦门市公安局, ")
            && err.contains("confirm the removals"),
        "{err}"
    );
    let taken_off = ok(probity_db(
        d,
        &[
            "roster",
            "import",
            "--allow-removals",
            header_only.to_str().unwrap(),
        ],
    ));
    assert!(taken_off.contains("5 removed"), "{taken_off}");
    // The first file again restores everyone (compared with the roster, not with the hash).
    let back = ok(probity_db(
        d,
        &["roster", "import", roster.to_str().unwrap()],
    ));
    assert!(back.contains("5 changed, 0 removed"), "{back}");
    let again = ok(probity_db(
        d,
        &["roster", "import", roster.to_str().unwrap()],
    ));
    assert!(again.contains("nothing changed"), "{again}");
    ok(probity_db(d, &["audit", "verify"]));
}

#[test]
fn repeated_keys_long_texts_and_control_characters_are_refused_by_line_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd.jsonl");
    let lines = example_lines();
    // Line 1: the declarant's salary twice (the last would win unseen).
    let twice = lines[0].replacen("{\"format\"", "{\"salary\": {}, \"format\"", 1);
    assert_ne!(twice, lines[0]);
    // Line 2: a NUL in a stock's name; line 3: a name of 5000 bytes.
    let mut nul: Value = serde_json::from_str(&lines[1]).unwrap();
    nul["stocks"][0]["name"] = "茅\u{0}台".into();
    let mut long: Value = serde_json::from_str(&lines[2]).unwrap();
    long["stocks"][0]["name"] = "x".repeat(5000).into();
    std::fs::write(&file, format!("{twice}\n{nul}\n{long}\n{}\n", lines[3])).unwrap();
    let o = probity(&["declaration", "validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let f = file.display();
    for expected in [
        format!("{f}:1: $: the key \"salary\" appears twice in this object"),
        format!("{f}:2: $.stocks[0].name: holds the control character U+0000"),
        format!("{f}:3: $.stocks[0].name: 5000 bytes where a field holds at most 4096"),
    ] {
        assert!(out.contains(&expected), "{expected}\n{out}");
    }
    assert_eq!(out.lines().count(), 3, "{out}");
}

// ---- Published checkpoints ---------------------------------------------------------------------

/// `probity serve` running against the database in `dir`, its standard output read line by line.
struct Server {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_probity"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env(
                "PROBITY_DB",
                format!("sqlite://{}", dir.join("probity.db").display()),
            )
            .env("PROBITY_KEY_FILE", dir.join("probity.keys"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        let server = Server { child, lines };
        server.wait_for_line("Probity at http://");
        server
    }

    /// Waits until the server prints a line containing `words`.
    fn wait_for_line(&self, words: &str) {
        loop {
            let line = self
                .lines
                .recv_timeout(std::time::Duration::from_secs(120))
                .expect("the server prints");
            if line.contains(words) {
                return;
            }
        }
    }

    /// Sends SIGTERM and waits for the server to exit; its exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    /// A test that fails leaves no server behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The checkpoint lines of a file.
fn checkpoint_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Polls until `done` holds (the server publishes on its own clock); no time is asserted.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let mut tries = 0;
    while !done() {
        tries += 1;
        assert!(tries < 1200, "never: {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn the_server_publishes_checkpoints_and_verify_names_the_first_the_log_no_longer_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = small_dir();
    ok(probity_db(d, &["init"]));
    ok(probity_db(
        d,
        &[
            "roster",
            "import",
            small.join("roster.csv").to_str().unwrap(),
        ],
    ));
    ok(probity_db(d, &["cycle", "open", "--year", "2025"]));
    ok(probity_db(
        d,
        &[
            "declaration",
            "import",
            small.join("declarations.jsonl").to_str().unwrap(),
        ],
    ));
    ok(probity_db(
        d,
        &[
            "registry",
            "import",
            small.join("registries").to_str().unwrap(),
        ],
    ));
    ok(probity_db(d, &["verify", "--cycle", "2025", "--all"]));
    let elsewhere = tempfile::tempdir().unwrap();
    let published = elsewhere.path().join("probity.checkpoints");
    let hooked = elsewhere.path().join("pushed");
    let hook = format!("cat >> '{}'", hooked.display());
    let head = || {
        ok(probity_db(d, &["audit", "checkpoint"]))
            .trim()
            .to_owned()
    };

    // At start, then on the interval once the log has moved (an audited read of the findings
    // adds an event, and no record).
    let server = Server::start(
        d,
        &[
            "--checkpoints",
            published.to_str().unwrap(),
            "--checkpoint-every",
            "1s",
            "--checkpoint-hook",
            &hook,
        ],
        &[],
    );
    let first = head();
    assert_eq!(checkpoint_lines(&published), vec![first.clone()]);
    ok(probity_db(d, &["findings", "--cycle", "2025"]));
    let second = head();
    assert_ne!(second, first);
    eventually("the interval publishes the new head", || {
        checkpoint_lines(&published).last() == Some(&second)
    });
    assert!(server.terminate().success());

    // At shutdown: with an interval that never comes, the head the server leaves is published
    // (the file named by the environment this time).
    let server = Server::start(
        d,
        &["--checkpoint-every", "1h", "--checkpoint-hook", &hook],
        &[("PROBITY_CHECKPOINTS", &published)],
    );
    ok(probity_db(d, &["findings", "--cycle", "2025"]));
    let third = head();
    assert_eq!(checkpoint_lines(&published).last(), Some(&second));
    assert!(server.terminate().success());
    let series = checkpoint_lines(&published);
    assert_eq!(series, vec![first.clone(), second.clone(), third.clone()]);
    assert_eq!(checkpoint_lines(&hooked), series, "the hook got each one");
    let verified = ok(probity_db(
        d,
        &[
            "audit",
            "verify",
            "--checkpoints",
            published.to_str().unwrap(),
        ],
    ));
    assert!(
        verified.contains("every published checkpoint is in it (3)"),
        "{verified}"
    );

    // An insider deletes the events after the first checkpoint and puts back its signed head.
    let kept: probity_store::Checkpoint = first.parse().unwrap();
    assert!(edit_sqlite(
        &d.join("probity.db"),
        &format!(
            "DROP TRIGGER IF EXISTS audit_events_append_only_d; \
             DELETE FROM audit_events WHERE seq > {seq}; \
             UPDATE audit_head SET seq = {seq}, sha256 = '{sha}', mac = '{mac}'",
            seq = kept.seq,
            sha = kept.sha256,
            mac = kept.mac
        ),
    ));
    // The walk alone does not see it (the documented limit)...
    ok(probity_db(d, &["audit", "verify"]));
    // ...the published series does, and names the first checkpoint no longer reached.
    let o = probity_db(
        d,
        &[
            "audit",
            "verify",
            "--checkpoints",
            published.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let said = stderr(&o);
    assert!(
        said.contains(&format!(
            "against the checkpoint at {}:2 ({second})",
            published.display()
        )) && said.contains("before the checkpoint"),
        "{said}"
    );
}

/// The PostgreSQL server of the tests (`PROBITY_TEST_POSTGRES`, or the local default); `None`
/// when none answers, outside CI.
fn postgres_admin() -> Option<String> {
    let admin = std::env::var("PROBITY_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reachable = rt.block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&admin).await.is_ok()
    });
    if !reachable {
        assert!(
            std::env::var_os("CI").is_none(),
            "under CI the PostgreSQL tests must run, but {admin} refused"
        );
        return None;
    }
    Some(admin)
}

/// Runs SQL on the PostgreSQL server as its administrator.
fn postgres_sql(admin: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(admin).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

#[test]
fn the_web_benchmark_prepares_postgresql_when_asked() {
    let Some(admin) = postgres_admin() else {
        return;
    };
    let name = format!("probity_bench_web_{}", std::process::id());
    postgres_sql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    postgres_sql(&admin, &format!("CREATE DATABASE {name}"));
    let url = match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("{admin} names no database"),
    };
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("bench");
    let args = [
        "--quiet",
        "--db",
        &url,
        "bench",
        "web",
        "--dir",
        bench.to_str().unwrap(),
        "--people",
        "60",
        "--sessions",
        "20",
        "--format",
        "json",
    ];
    let summary: Value = serde_json::from_str(&ok(probity(&args))).unwrap();
    assert_eq!(summary["db"], url.as_str(), "{summary}");
    assert_eq!(summary["sessions"], 20);
    assert!(
        !bench.join("probity.db").exists(),
        "no SQLite file beside it"
    );
    // The server reads it: the chain verifies on PostgreSQL with the key file made beside.
    let verified = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["--quiet", "audit", "verify"])
        .env("PROBITY_DB", &url)
        .env("PROBITY_KEY_FILE", bench.join("probity.keys"))
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", stderr(&verified));
    // Prepared once: a database in use is never prepared again.
    let again = probity(&args);
    assert!(!again.status.success());
    postgres_sql(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}
