//! Issue 11's store rules, on both databases: one report in force per subject, kind and year; what
//! is due, from whom, by when; closing a cycle and late filings; one case per subject and cycle
//! with findings carried from run to run; findings in force; pending key checks.

use probity_model::declaration::ReportKind;
use probity_model::{Date, Discrepancy, FindingEvidence, Profile, ResidentId};
use probity_store::{Filing, Stamp, Standing, StoreError};
use sqlx::Row;

use crate::common::{Fresh, checked, fixtures, load_small, parse_declarations, stamp};
use crate::on_both;

fn lines() -> Vec<String> {
    std::fs::read_to_string(fixtures().join("declarations.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A line of the example with another id and, if given, `supersedes`.
fn variant(line: &str, id: &str, supersedes: Option<&str>) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    v["declaration_id"] = id.into();
    if let Some(old) = supersedes {
        v["supersedes"] = old.into();
    }
    serde_json::to_string(&v).unwrap()
}

async fn events(store: &probity_store::Store, action: &str) -> i64 {
    let mut conn = store.connection().await.unwrap();
    sqlx::query("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

fn not_in_force<T: std::fmt::Debug>(r: Result<T, StoreError>, line: usize, in_force: &str) {
    match r {
        Err(StoreError::NotInForce {
            line: l,
            in_force: f,
            ..
        }) => {
            assert_eq!((l, f.declaration_id.as_str()), (line, in_force));
            assert_eq!((f.kind.as_str(), f.year), ("annual", 2025));
        }
        other => panic!("expected the report in force {in_force}, got {other:?}"),
    }
}

on_both!(one_report_in_force, in_force_case);
async fn in_force_case(db: &Fresh) {
    let store = &db.store;
    let s = stamp();
    load_small(store).await;
    let first = &lines()[0];
    // A second annual report of 2025 without `supersedes`: refused, naming the one in force, by
    // the import (file and line) and by a submit alike; nothing stored.
    let text = format!("{}\n{}\n", lines()[1], variant(first, "D2025-900001", None));
    let r = store
        .import_declarations(
            &s,
            "again.jsonl",
            text.as_bytes(),
            &parse_declarations(&text),
        )
        .await;
    let message = format!("{:?}", r.as_ref().map(|_| ()));
    not_in_force(r, 2, "D2025-000001");
    assert!(!message.contains("350111199006074875"), "{message}");
    let again = parse_declarations(&variant(first, "D2025-900001", None));
    not_in_force(
        store.submit_declaration(&s, &again[0].1, &again[0].2).await,
        1,
        "D2025-000001",
    );
    assert!(
        store
            .report_summary("D2025-900001")
            .await
            .unwrap()
            .is_none()
    );

    // A correction of the report in force is taken; a second correction of the same (now
    // superseded) report is refused, naming the correction in force.
    let correction = parse_declarations(&variant(first, "D2025-900002", Some("D2025-000001")));
    store
        .submit_declaration(&s, &correction[0].1, &correction[0].2)
        .await
        .unwrap();
    let stale = parse_declarations(&variant(first, "D2025-900003", Some("D2025-000001")));
    not_in_force(
        store.submit_declaration(&s, &stale[0].1, &stale[0].2).await,
        1,
        "D2025-900002",
    );
    // The cycle's reads see the report in force only.
    let current = store.read_cycle_declarations(&s, 2025).await.unwrap();
    let of_first: Vec<&str> = current
        .iter()
        .filter(|d| d.declaration_id.starts_with("D2025-9") || d.declaration_id == "D2025-000001")
        .map(|d| d.declaration_id.as_str())
        .collect();
    assert_eq!(of_first, ["D2025-900002"]);
    let cn = Profile::builtin("cn").unwrap();
    let progress = store
        .progress(
            &probity_store::UnitScope::Department,
            &cn,
            2025,
            "2026-02-05",
        )
        .await
        .unwrap()
        .unwrap();
    let row = progress
        .rows
        .iter()
        .find(|r| r.declaration_id.as_deref() == Some("D2025-900002"))
        .expect("the correction is the report in force");
    assert_eq!(row.standing, Standing::Filed);
}

on_both!(due_from_whom_and_by_when, obligations_case);
async fn obligations_case(db: &Fresh) {
    let store = &db.store;
    let s = stamp();
    let cn = Profile::builtin("cn").unwrap();
    // A subject who joined in November 2026, with 2025 and 2026 both open.
    let newcomer = "350104201811304094";
    let mut roster = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    roster.push_str(&format!(
        "{newcomer},林新,福州市工商业联合会,办公室主任,division,other,2026-11-03,active,promotion\r\n"
    ));
    store
        .import_roster(&s, "roster.csv", roster.as_bytes())
        .await
        .unwrap();
    for (year, deadline) in [(2025, "2026-01-31"), (2026, "2027-01-31")] {
        store
            .open_cycle(&s, year, Date::parse(deadline).unwrap())
            .await
            .unwrap();
    }
    let key = store.person_key(&ResidentId::parse(newcomer).unwrap());

    // Not in 2025's progress, sample frame or standing; in 2026's, annual and initial.
    let p2025 = store
        .progress(
            &probity_store::UnitScope::Department,
            &cn,
            2025,
            "2026-12-10",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(p2025.rows.iter().all(|r| r.person_key != key));
    assert_eq!(
        store
            .standing_of(&cn, 2025, &key, "2026-12-10")
            .await
            .unwrap(),
        None
    );
    let p2026 = store
        .progress(
            &probity_store::UnitScope::Department,
            &cn,
            2026,
            "2026-12-10",
        )
        .await
        .unwrap()
        .unwrap();
    let mine: Vec<(ReportKind, &str, Standing)> = p2026
        .rows
        .iter()
        .filter(|r| r.person_key == key)
        .map(|r| (r.kind, r.due.as_str(), r.standing))
        .collect();
    assert_eq!(
        mine,
        [
            (ReportKind::Annual, "2027-01-31", Standing::NotStarted),
            (ReportKind::Initial, "2026-12-03", Standing::Missing),
        ]
    );
    let sample = store
        .commit_sample(
            &s,
            &cn,
            2025,
            probity_model::sample::Rate::parse("1").unwrap(),
            &"a".repeat(64),
        )
        .await
        .unwrap();
    assert!(sample.frame.members.iter().all(|m| m.person_key != key));
    assert_eq!(sample.frame.members.len(), 5);

    // The declarant's own list: the initial report (late) and 2026's annual report.
    let today = Date::parse("2026-12-10").unwrap();
    let owed = store.obligations_of(&cn, &key, today).await.unwrap();
    let summary: Vec<(ReportKind, i32, String, Standing)> = owed
        .iter()
        .map(|o| (o.kind, o.year, o.due.to_string(), o.standing))
        .collect();
    assert_eq!(
        summary,
        [
            (
                ReportKind::Initial,
                2026,
                "2026-12-03".into(),
                Standing::Missing
            ),
            (
                ReportKind::Annual,
                2026,
                "2027-01-31".into(),
                Standing::NotStarted
            ),
        ]
    );
    // A subject of long standing owes both cycles' annual reports and no initial report.
    let old_hand = store.person_key(&ResidentId::parse("350111199006074875").unwrap());
    let owed = store.obligations_of(&cn, &old_hand, today).await.unwrap();
    let years: Vec<(ReportKind, i32)> = owed.iter().map(|o| (o.kind, o.year)).collect();
    assert_eq!(
        years,
        [(ReportKind::Annual, 2025), (ReportKind::Annual, 2026)]
    );
    assert!(
        store
            .obligations_of(&cn, "no-such-key", today)
            .await
            .unwrap()
            .is_empty()
    );
}

on_both!(closing_a_cycle, close_case);
async fn close_case(db: &Fresh) {
    let store = &db.store;
    let s = stamp();
    let cn = Profile::builtin("cn").unwrap();
    let roster = std::fs::read(fixtures().join("roster.csv")).unwrap();
    store
        .import_roster(&s, "roster.csv", &roster)
        .await
        .unwrap();
    store
        .open_cycle(&s, 2025, Date::parse("2026-01-31").unwrap())
        .await
        .unwrap();
    let all = lines();
    let text = all[..4].join("\n");
    store
        .import_declarations(
            &s,
            "four.jsonl",
            text.as_bytes(),
            &parse_declarations(&text),
        )
        .await
        .unwrap();
    let closing = Stamp::new("2026-03-01T08:00:00Z", "web:admin");
    assert!(!store.close_cycle(&closing, 2025).await.unwrap().already);
    assert!(store.close_cycle(&closing, 2025).await.unwrap().already);
    assert_eq!(events(store, "cycle.close").await, 1);
    assert!(matches!(
        store.close_cycle(&closing, 2030).await,
        Err(StoreError::Conflict(_))
    ));
    let cycles = store.cycle_list().await.unwrap();
    assert!(!cycles[0].is_open());

    // The fifth report: refused as an ordinary filing, taken as a late filing, shown so.
    let fifth = parse_declarations(&all[4]);
    match store.submit_declaration(&s, &fifth[0].1, &fifth[0].2).await {
        Err(StoreError::Rejected { field, message, .. }) => {
            assert_eq!(field, "$.year");
            assert!(message.contains("closed"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let late = Stamp::new("2026-03-02T08:00:00Z", "web:declarant");
    store
        .submit_filing(&late, &fifth[0].1, &fifth[0].2, Filing::Late)
        .await
        .unwrap();
    assert_eq!(events(store, "declaration.late_filing").await, 1);
    let progress = store
        .progress(
            &probity_store::UnitScope::Department,
            &cn,
            2025,
            "2026-03-05",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(progress.closed_at.is_some());
    let row = progress
        .rows
        .iter()
        .find(|r| r.declaration_id.as_deref() == Some(fifth[0].1.declaration_id.as_str()))
        .unwrap();
    assert!(row.after_close);
    assert!(
        progress
            .rows
            .iter()
            .filter(|r| r.declaration_id.is_some() && r.declaration_id != row.declaration_id)
            .all(|r| !r.after_close)
    );
    assert!(store.verify_audit(None).await.unwrap().is_ok());
}

fn finding(line: &str) -> Discrepancy {
    serde_json::from_str(line).unwrap()
}

on_both!(one_case_per_subject_and_cycle, case_per_subject_case);
async fn case_per_subject_case(db: &Fresh) {
    let store = &db.store;
    let cn = Profile::builtin("cn").unwrap();
    load_small(store).await;
    let expected: Vec<Discrepancy> =
        std::fs::read_to_string(fixtures().join("expected_discrepancies.jsonl"))
            .unwrap()
            .lines()
            .map(finding)
            .collect();
    let subject = "350212197810284446";
    let theirs: Vec<Discrepancy> = expected
        .iter()
        .filter(|d| d.declarant_id == subject)
        .cloned()
        .collect();
    assert!(theirs.len() >= 2);
    // A change report never filed: a finding with no report, of the same subject.
    let mut missing = theirs[0].clone();
    missing.declaration_id = String::new();
    missing.category = probity_model::finding::Category::ChildMarriages;
    missing.kind = probity_model::finding::FindingKind::Unreported;
    missing.registry_record_ids = vec!["MA-missing-change".into()];
    missing.declared_path = String::new();
    missing.field = String::new();
    let evidence = |list: &[Discrepancy]| -> Vec<FindingEvidence> {
        list.iter()
            .map(|d| FindingEvidence {
                finding: d.clone(),
                registry_rows: Vec::new(),
            })
            .collect()
    };
    let reports = checked(store, 2025).await;
    let mut first_run = theirs.clone();
    first_run.push(missing.clone());
    let one = store
        .record_verification(&stamp(), &cn, 2025, "all", &reports, &evidence(&first_run))
        .await
        .unwrap();
    assert_eq!((one.cases, one.findings), (1, first_run.len()));
    let key = store.person_key(&ResidentId::parse(subject).unwrap());
    let cases = store
        .cases(
            &probity_store::UnitScope::Department,
            &probity_store::CaseFilter::default(),
        )
        .await
        .unwrap();
    assert_eq!(cases.len(), 1);
    let case = cases[0].clone();
    assert_eq!(case.person_key, key);
    let verifier = Stamp::new("2026-03-01T10:00:00Z", "web:ann");
    let file = store
        .case_file(&verifier, &cn, case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.findings.len(), first_run.len());
    let no_report = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.declaration_id.is_empty())
        .expect("the finding with no report is in the subject's case");
    assert_eq!(no_report.report_kind, "change");
    // The key check: flagged (complaint) with undecided findings, pending, never eligible.
    let flagged = store
        .key_checks(&probity_store::UnitScope::Department, &cn)
        .await
        .unwrap();
    let check = flagged.iter().find(|k| k.person_key == key).unwrap();
    assert_eq!(check.pending, first_run.len());
    assert!(check.is_pending() && !check.eligible());

    // Decide the first finding; the next run finds it again (same finding) but not the second.
    let kept = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.same_finding(&theirs[0]))
        .unwrap()
        .id;
    store
        .determine(&verifier, &cn, kept, "explained", "说明属实", &[])
        .await
        .unwrap();
    let mut second_run: Vec<Discrepancy> = vec![theirs[0].clone(), missing.clone()];
    second_run[0].note = "found again, worded anew".into();
    let two = store
        .record_verification(&stamp(), &cn, 2025, "all", &reports, &evidence(&second_run))
        .await
        .unwrap();
    assert_eq!(
        (two.cases, two.findings, two.found_again, two.not_found),
        (0, 0, 2, first_run.len() - 2)
    );
    assert_eq!(
        store
            .cases(
                &probity_store::UnitScope::Department,
                &probity_store::CaseFilter::default()
            )
            .await
            .unwrap()
            .len(),
        1,
        "the same case, reused"
    );
    let file = store
        .case_file(&verifier, &cn, case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.findings.len(), first_run.len(), "nothing deleted");
    let found: Vec<i64> = file
        .findings
        .iter()
        .filter(|f| f.found)
        .map(|f| f.id)
        .collect();
    assert_eq!(found.len(), 2);
    assert!(found.contains(&kept), "the decided finding kept its row");
    assert!(
        file.determinations
            .iter()
            .any(|d| d.finding_id == kept && d.in_force)
    );

    // Findings in force: those the latest run found.
    let exported = store.findings_in_force(&stamp(), 2025).await.unwrap();
    assert_eq!(exported.len(), 2);
    assert!(
        exported
            .iter()
            .all(|f| f.case_id == case.id && f.run == two.run)
    );
    let kinds: Vec<&str> = exported.iter().map(|f| f.report_kind.as_str()).collect();
    assert!(kinds.contains(&"annual") && kinds.contains(&"change"));
    assert_eq!(events(store, "finding.read").await, 1);

    // Still pending: the change finding has no determination; decided, eligible.
    let check = store
        .key_checks(&probity_store::UnitScope::Department, &cn)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.person_key == key)
        .unwrap();
    assert_eq!(check.pending, 1);
    let other = file
        .findings
        .iter()
        .find(|f| f.found && f.id != kept)
        .unwrap()
        .id;
    store
        .determine(&verifier, &cn, other, "consistent", "核实无误", &[])
        .await
        .unwrap();
    let check = store
        .key_checks(&probity_store::UnitScope::Department, &cn)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.person_key == key)
        .unwrap();
    assert_eq!(check.pending, 0);
    assert!(check.eligible());
    assert!(store.verify_audit(None).await.unwrap().is_ok());
}
