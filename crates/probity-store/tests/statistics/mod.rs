//! Statistics against a dataset built by hand, whose every count is worked out below from the
//! rows written, not read back from the output.

use probity_model::{Date, Profile, ResidentId};
use probity_store::record::Value;
use probity_store::schema::{
    CASES, DECLARATIONS, DRAFTS, FINDINGS, MEASURES, SAMPLE_DRAWS, VERIFICATION_RUNS,
};
use probity_store::{Counts, Stamp, Standing, Statistics, Store};

use crate::common::Fresh;
use crate::on_both;

const A: &str = "北区财政局";
const B: &str = "南区审计局";
const C: &str = "东区统计局";

/// (label, name, unit, flags): d1 leaves the roster after filing.
const PEOPLE: [(&str, &str, &str, &str); 11] = [
    ("a1", "王一", A, ""),
    ("a2", "李二", A, ""),
    ("a3", "张三", A, ""),
    ("a4", "赵四", A, ""),
    ("b1", "钱五", B, "promotion"),
    ("b2", "孙六", B, ""),
    ("b3", "周七", B, ""),
    ("b4", "吴八", B, ""),
    ("c1", "郑九", C, ""),
    ("c2", "冯十", C, "complaint"),
    ("d1", "陈十一", C, ""),
];

fn resident_id(i: usize) -> ResidentId {
    ResidentId::from_first_17(&format!(
        "35010219800{}{:02}{:03}",
        1 + i / 28,
        1 + i % 28,
        11 + i
    ))
    .unwrap()
}

fn roster(without: &[&str]) -> String {
    let mut csv = "id,name,unit,position,rank,sector,subject_since,status,flags\r\n".to_owned();
    for (i, (label, name, unit, flags)) in PEOPLE.iter().enumerate() {
        if !without.contains(label) {
            csv.push_str(&format!(
                "{},{name},{unit},处长,division,party_state,2020-01-01,active,{flags}\r\n",
                resident_id(i)
            ));
        }
    }
    csv
}

struct Data {
    keys: Vec<String>,
    ids: Vec<String>,
}

impl Data {
    fn key(&self, label: &str) -> String {
        let i = PEOPLE.iter().position(|p| p.0 == label).unwrap();
        self.keys[i].clone()
    }
}

fn stamp(at: &str) -> Stamp {
    Stamp::new(at, "test")
}

/// The dataset; the comments say what each row is for.
async fn build(store: &Store) -> Data {
    let s = stamp("2026-01-01T08:00:00Z");
    store
        .import_roster(&s, "roster.csv", roster(&[]).as_bytes())
        .await
        .unwrap();
    let deadline = Date::parse("2026-01-31").unwrap();
    store.open_cycle(&s, 2025, deadline).await.unwrap();
    store
        .open_cycle(&s, 2024, Date::parse("2025-01-31").unwrap())
        .await
        .unwrap();
    let data = Data {
        keys: (0..PEOPLE.len())
            .map(|i| store.person_key(&resident_id(i)))
            .collect(),
        ids: (0..PEOPLE.len())
            .map(|i| resident_id(i).to_string())
            .collect(),
    };
    let mut w = store.writer(&s).await.unwrap();
    // (id, person, year, kind, filed_on, supersedes, stored_at)
    let reports = [
        (
            "D-A1",
            "a1",
            2025,
            "annual",
            "2026-01-10",
            None,
            "2026-01-10T10:00:00Z",
        ),
        (
            "D-A1x",
            "a1",
            2025,
            "change",
            "2026-01-12",
            None,
            "2026-01-12T10:00:00Z",
        ),
        (
            "D-A2",
            "a2",
            2025,
            "annual",
            "2026-02-05",
            None,
            "2026-02-05T10:00:00Z",
        ),
        (
            "D-B1",
            "b1",
            2025,
            "annual",
            "2026-01-20",
            None,
            "2026-01-20T10:00:00Z",
        ),
        (
            "D-B2",
            "b2",
            2025,
            "annual",
            "2026-01-12",
            None,
            "2026-01-12T11:00:00Z",
        ),
        // A correction stored just after the second run started: b2 stays filed on time.
        (
            "D-B2c",
            "b2",
            2025,
            "annual",
            "2026-02-15",
            Some("D-B2"),
            "2026-02-15T00:00:00.001Z",
        ),
        // Stored at the very instant the second run started (written another way): covered.
        (
            "D-B3",
            "b3",
            2025,
            "annual",
            "2026-02-10",
            None,
            "2026-02-15T00:00:00Z",
        ),
        (
            "D-C1",
            "c1",
            2025,
            "annual",
            "2026-01-25",
            None,
            "2026-01-25T10:00:00Z",
        ),
        // c1's correction, before the second run: it is checked, the original is not.
        (
            "D-C1c",
            "c1",
            2025,
            "annual",
            "2026-02-01",
            Some("D-C1"),
            "2026-02-01T10:00:00Z",
        ),
        (
            "D-D1",
            "d1",
            2025,
            "annual",
            "2026-01-05",
            None,
            "2026-01-05T10:00:00Z",
        ),
        (
            "D-A1-2024",
            "a1",
            2024,
            "annual",
            "2025-01-10",
            None,
            "2025-01-10T10:00:00Z",
        ),
    ];
    let rows = reports
        .iter()
        .map(|(id, who, year, kind, on, sup, at)| {
            vec![
                (*id).into(),
                data.key(who).into(),
                Value::Int(*year),
                (*kind).into(),
                (*on).into(),
                Value::opt_text(*sup),
                "0".repeat(64).into(),
                Value::Bytes(b"{}".to_vec()),
                Value::Null,
                (*at).into(),
            ]
        })
        .collect();
    w.insert_all(&DECLARATIONS, "declaration.import", rows)
        .await
        .unwrap();
    w.insert(
        &DRAFTS,
        "draft.save",
        vec![
            data.key("a3").into(),
            Value::Int(2025),
            "annual".into(),
            Value::Bytes(b"{}".to_vec()),
            "2026-01-20T10:00:00Z".into(),
        ],
    )
    .await
    .unwrap();
    // The revealed sample: a1 and b3 at random, b1 and c2 (not filed) for their flags.
    let members: Vec<serde_json::Value> = PEOPLE
        .iter()
        .map(|(label, _, _, flags)| {
            serde_json::json!({"person_key": data.key(label),
                "filed": !["a3", "a4", "b4", "c2"].contains(label), "flags": flags})
        })
        .collect();
    let drawn: Vec<String> = ["a1", "b3", "b1", "c2"]
        .iter()
        .map(|l| data.key(l))
        .collect();
    let stored = serde_json::json!({"frame": {"members": members}, "drawn": drawn});
    w.insert(
        &SAMPLE_DRAWS,
        "sample.commit",
        vec![
            Value::Int(2025),
            "0.1".into(),
            "c".repeat(64).into(),
            "f".repeat(64).into(),
            "2026-02-01T00:00:00Z".into(),
            "seed".into(),
            "2026-02-02T00:00:00Z".into(),
            Value::Bytes(serde_json::to_vec(&stored).unwrap()),
        ],
    )
    .await
    .unwrap();
    // Run 1 over the sample before b3 filed; run 2 over all; run 3 in another cycle.
    for (id, cycle, scope, at) in [
        (1, 2025, "sample", "2026-02-06T00:00:00Z"),
        (2, 2025, "all", "2026-02-15T00:00:00.000Z"),
        (3, 2024, "all", "2025-03-01T00:00:00Z"),
    ] {
        w.insert(
            &VERIFICATION_RUNS,
            "verification.run",
            vec![
                Value::Int(id),
                Value::Int(cycle),
                scope.into(),
                at.into(),
                at.into(),
                Value::Int(0),
                Value::Int(0),
            ],
        )
        .await
        .unwrap();
    }
    // (case, cycle, person, report, run)
    for (id, cycle, who, report, run) in [
        (1, 2025, "a2", "D-A2", 2),
        (2, 2025, "b1", "D-B1", 1),
        (3, 2025, "b3", "D-B3", 2),
        (4, 2025, "d1", "D-D1", 2),
        (5, 2024, "a1", "D-A1-2024", 3),
    ] {
        w.insert(
            &CASES,
            "case.open",
            vec![
                Value::Int(id),
                Value::Int(cycle),
                data.key(who).into(),
                report.into(),
                Value::Int(run),
                "open".into(),
                "2026-02-16T00:00:00Z".into(),
                Value::Int(run),
            ],
        )
        .await
        .unwrap();
    }
    // (finding, case, category, classification)
    for (id, case, category, classification) in [
        (1, 1, "real_estate", "omission"),
        (2, 1, "real_estate", "concealment"),
        (3, 1, "stocks", "review"),
        (4, 2, "marriage", "concealment"),
        (5, 2, "trips", "concealment"),
        (6, 3, "salary", "review"),
        (7, 4, "businesses", "concealment"),
        (8, 4, "funds", "omission"),
        (9, 5, "real_estate", "omission"),
    ] {
        w.insert(
            &FINDINGS,
            "finding.record",
            vec![
                Value::Int(id),
                Value::Int(case),
                category.into(),
                "missing".into(),
                classification.into(),
                "rule".into(),
                Value::Null,
                Value::Bytes(b"{}".to_vec()),
                Value::Null,
                "annual".into(),
                Value::Null,
                Value::Null,
            ],
        )
        .await
        .unwrap();
    }
    // A measure from before determinations named one (migration 0004): it follows none.
    let id = w.next_id(&MEASURES).await.unwrap();
    w.insert(
        &MEASURES,
        "measure.record",
        vec![
            Value::Int(id),
            Value::Int(3),
            "criticism".into(),
            "web:v1".into(),
            "2026-02-22T00:00:00Z".into(),
            Value::Bytes(b"note".to_vec()),
            Value::Null,
        ],
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    // Determinations and measures through the workbench, by two verifiers.
    let profile = Profile::builtin("cn").unwrap();
    let (v1, v2) = (
        Stamp::new("2026-02-20T00:00:00Z", "web:v1"),
        Stamp::new("2026-02-21T00:00:00Z", "web:v2"),
    );
    let determine = |finding: i64, outcome: &'static str, measures: &[&str]| {
        let measures: Vec<String> = measures.iter().map(|m| (*m).to_owned()).collect();
        let (profile, v1) = (&profile, &v1);
        async move {
            store
                .determine(v1, profile, finding, outcome, "reasons", &measures)
                .await
                .unwrap()
        }
    };
    // Finding 1: an omission, in force at once, with a measure that counts.
    determine(1, "omission", &["criticism"]).await;
    // Finding 2: a concealment nobody confirmed yet: pending, and so is its measure.
    determine(2, "concealment", &["admonishment"]).await;
    // Finding 3: consistent, then explained: only the latter counts.
    determine(3, "consistent", &[]).await;
    determine(3, "explained", &[]).await;
    // Finding 4: a concealment confirmed by a second verifier, with its measure.
    let d = determine(4, "concealment", &["removal_from_shortlist"]).await;
    store.confirm_determination(&v2, &profile, d).await.unwrap();
    // Finding 5: a confirmed concealment replaced by an omission, which two other verifiers
    // agree on: the dismissal lapses.
    let d = determine(5, "concealment", &["dismissal"]).await;
    store.confirm_determination(&v2, &profile, d).await.unwrap();
    let d = store
        .determine(
            &Stamp::new("2026-02-21T00:00:00Z", "web:v3"),
            &profile,
            5,
            "omission",
            "reasons",
            &["correction".to_owned()],
        )
        .await
        .unwrap();
    store
        .confirm_determination(&Stamp::new("2026-02-21T00:00:00Z", "web:v4"), &profile, d)
        .await
        .unwrap();
    // Finding 7: a concealment awaiting confirmation, with a measure that waits too.
    determine(7, "concealment", &["transfer"]).await;
    // Finding 8: an omission with two measures.
    determine(8, "omission", &["self_examination", "criticism"]).await;
    // Finding 9 is of cycle 2024.
    determine(9, "omission", &["criticism"]).await;
    // d1 leaves the roster: no longer a subject, but their case stays with unit C. One of
    // three is more than the share a roster may take off unconfirmed: confirmed.
    store
        .import_roster_with(
            &probity_store::UnitScope::Department,
            &stamp("2026-02-25T08:00:00Z"),
            "roster-2.csv",
            roster(&["d1"]).as_bytes(),
            probity_store::import::Removals::Allowed,
        )
        .await
        .unwrap();
    data
}

fn unit<'a>(stats: &'a Statistics, name: &str) -> &'a Counts {
    &stats
        .units
        .iter()
        .find(|u| u.unit == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
        .counts
}

fn at(axis: &[String], name: &str) -> usize {
    axis.iter().position(|a| a == name).unwrap()
}

/// Findings of (category, classification).
fn found(stats: &Statistics, c: &Counts, category: &str, classification: &str) -> u64 {
    c.findings[at(&stats.categories, category)][at(&stats.classifications, classification)]
}

fn determined(stats: &Statistics, c: &Counts, outcome: &str) -> u64 {
    c.determinations[at(&stats.outcomes, outcome)]
}

fn measured(stats: &Statistics, c: &Counts, measure: &str) -> u64 {
    c.measures[at(&stats.measures, measure)]
}

on_both!(statistics_count_a_known_dataset, known_case);
async fn known_case(db: &Fresh) {
    let data = build(&db.store).await;
    let profile = Profile::builtin("cn").unwrap();
    let stats = db
        .store
        .statistics(
            2025,
            "2026-03-01",
            &profile,
            &probity_store::UnitScope::Department,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stats
            .units
            .iter()
            .map(|u| u.unit.as_str())
            .collect::<Vec<_>>(),
        {
            let mut v = vec![A, B, C];
            v.sort();
            v
        }
    );
    assert_eq!((stats.runs, stats.sample_revealed), (2, true));
    let (a, b, c) = (unit(&stats, A), unit(&stats, B), unit(&stats, C));

    // Standing: filed, filed late, draft, not started, missing.
    assert_eq!((a.subjects, a.standing), (4, [1, 1, 1, 0, 1]));
    assert_eq!((b.subjects, b.standing), (4, [2, 1, 0, 0, 1]));
    assert_eq!((c.subjects, c.standing), (2, [1, 0, 0, 0, 1]));
    assert_eq!(a.of(Standing::Draft), 1);
    // Sample.
    assert_eq!((a.sampled_random, a.sampled_key_check), (1, 0));
    assert_eq!((b.sampled_random, b.sampled_key_check), (1, 1));
    assert_eq!((c.sampled_random, c.sampled_key_check), (0, 1));
    // Checked: A's D-A1, D-A1x, D-A2; B's D-B1, D-B2, D-B3; C's D-C1c and D-D1.
    assert_eq!(
        (a.reports_checked, b.reports_checked, c.reports_checked),
        (3, 3, 2)
    );
    assert_eq!((a.cases, b.cases, c.cases), (1, 2, 1));
    // Findings.
    assert_eq!(a.findings_total(), 3);
    assert_eq!(found(&stats, a, "real_estate", "omission"), 1);
    assert_eq!(found(&stats, a, "real_estate", "concealment"), 1);
    assert_eq!(found(&stats, a, "stocks", "review"), 1);
    assert_eq!(found(&stats, b, "marriage", "concealment"), 1);
    assert_eq!(found(&stats, b, "trips", "concealment"), 1);
    assert_eq!(found(&stats, b, "salary", "review"), 1);
    assert_eq!(found(&stats, c, "businesses", "concealment"), 1);
    assert_eq!(found(&stats, c, "funds", "omission"), 1);
    assert_eq!((b.findings_total(), c.findings_total()), (3, 2));
    let real_estate = at(&stats.categories, "real_estate");
    assert_eq!(
        stats.total.findings_in(real_estate),
        2,
        "2024's is not here"
    );
    let concealment = at(&stats.classifications, "concealment");
    assert_eq!(stats.total.classified(concealment), 4);
    // Determinations in force and pending.
    assert_eq!(determined(&stats, a, "omission"), 1);
    assert_eq!(determined(&stats, a, "explained"), 1);
    assert_eq!(
        determined(&stats, a, "consistent"),
        0,
        "replaced by a later one"
    );
    assert_eq!(a.pending_confirmation, 1);
    assert_eq!(determined(&stats, b, "concealment"), 1);
    assert_eq!(determined(&stats, b, "omission"), 1);
    assert_eq!(b.pending_confirmation, 0);
    assert_eq!(determined(&stats, c, "omission"), 1);
    assert_eq!(determined(&stats, c, "concealment"), 0);
    assert_eq!(c.pending_confirmation, 1);
    // Measures.
    assert_eq!(measured(&stats, a, "criticism"), 1);
    assert_eq!(measured(&stats, a, "admonishment"), 0);
    assert_eq!(measured(&stats, b, "removal_from_shortlist"), 1);
    assert_eq!(measured(&stats, b, "correction"), 1);
    assert_eq!(measured(&stats, b, "dismissal"), 0);
    assert_eq!(measured(&stats, c, "self_examination"), 1);
    assert_eq!(measured(&stats, c, "criticism"), 1);
    assert_eq!(measured(&stats, c, "transfer"), 0);
    // The total.
    let t = &stats.total;
    assert_eq!((t.subjects, t.standing), (10, [4, 2, 1, 0, 3]));
    assert_eq!((t.sampled_random, t.sampled_key_check), (2, 2));
    assert_eq!((t.reports_checked, t.cases, t.findings_total()), (8, 4, 8));
    assert_eq!(
        (
            determined(&stats, t, "consistent"),
            determined(&stats, t, "explained"),
            determined(&stats, t, "omission"),
            determined(&stats, t, "concealment"),
            t.pending_confirmation
        ),
        (0, 1, 3, 1, 2)
    );
    assert_eq!(
        (measured(&stats, t, "criticism"), t.measures_total()),
        (2, 5)
    );

    // Before the deadline nobody is missing yet: they have not started.
    let early = db
        .store
        .statistics(
            2025,
            "2026-01-15",
            &profile,
            &probity_store::UnitScope::Department,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(early.total.standing, [4, 2, 1, 3, 0]);

    // Scoped to B and C: their rows only, and a total of theirs.
    let scope = probity_store::UnitScope::of_units([B.to_owned(), C.to_owned()]);
    let scoped = db
        .store
        .statistics(2025, "2026-03-01", &profile, &scope)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scoped.units.len(), 2);
    assert!(scoped.units.iter().all(|u| u.unit != A));
    assert_eq!(
        (
            scoped.total.subjects,
            scoped.total.cases,
            scoped.total.findings_total()
        ),
        (6, 3, 5)
    );
    assert_eq!(scoped.total.pending_confirmation, 1);

    // A cycle not open has no statistics.
    assert!(
        db.store
            .statistics(
                2019,
                "2026-03-01",
                &profile,
                &probity_store::UnitScope::Department
            )
            .await
            .unwrap()
            .is_none()
    );

    // The exports: one row per unit and the total, and nothing that names a person.
    let records = stats.csv_records();
    assert_eq!(records.len(), 1 + 3 + 1);
    let header = &records[0];
    assert!(records.iter().all(|r| r.len() == header.len()));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let total_row = records.last().unwrap();
    assert_eq!(total_row[col("level")], "total");
    assert_eq!(total_row[col("missing")], "3");
    assert_eq!(total_row[col("category_real_estate")], "2");
    assert_eq!(total_row[col("classification_concealment")], "4");
    assert_eq!(total_row[col("determination_omission")], "3");
    assert_eq!(total_row[col("pending_confirmation")], "2");
    assert_eq!(total_row[col("measure_criticism")], "2");
    let b_row = records.iter().find(|r| r[col("unit")] == B).unwrap();
    assert_eq!(b_row[col("sampled_key_check")], "1");
    let json = stats.to_json();
    assert_eq!(
        json["total"]["findings"]["by_category"]["real_estate"]["omission"],
        1
    );
    assert_eq!(json["units"].as_array().unwrap().len(), 3);
    let csv_text: String = records.iter().map(|r| r.join(",") + "\n").collect();
    let json_text = json.to_string();
    let mut personal: Vec<String> = PEOPLE.iter().map(|p| p.1.to_owned()).collect();
    personal.extend(data.ids.iter().cloned());
    personal.extend(data.keys.iter().cloned());
    personal.extend(["D-A1", "D-B2", "D-C1"].map(str::to_owned));
    for text in [&csv_text, &json_text] {
        assert!(text.contains(A), "the scan reads the export");
        for p in &personal {
            assert!(!text.contains(p.as_str()), "personal data in the export");
        }
    }
}
