//! The verifier's workbench in the store: cases, explanations, determinations with a second
//! verifier, measures from the profile, the integrity record; on both databases.

use probity_model::{Discrepancy, FindingEvidence, Profile, ResidentId};
use probity_store::{CaseFilter, CaseStatus, Stamp, StoreError};
use sqlx::Row;

use crate::common::{Fresh, checked, fixtures, load_small, stamp};
use crate::on_both;

fn as_verifier(name: &str) -> Stamp {
    Stamp::new("2026-03-01T10:00:00Z", format!("web:{name}"))
}

fn expected() -> Vec<FindingEvidence> {
    std::fs::read_to_string(fixtures().join("expected_discrepancies.jsonl"))
        .unwrap()
        .lines()
        .map(|l| FindingEvidence {
            finding: serde_json::from_str::<Discrepancy>(l).unwrap(),
            registry_rows: Vec::new(),
        })
        .collect()
}

fn conflict<T: std::fmt::Debug>(r: Result<T, StoreError>, says: &str) {
    match r {
        Err(StoreError::Conflict(m)) => {
            assert!(m.to_string().contains(says), "{m:?} lacks {says:?}")
        }
        other => panic!("expected a refusal saying {says:?}, got {other:?}"),
    }
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

on_both!(workbench_flow, workbench_case);
async fn workbench_case(db: &Fresh) {
    let store = &db.store;
    let profile = Profile::builtin("cn").unwrap();
    load_small(store).await;
    let findings = expected();
    store
        .record_verification(
            &stamp(),
            &profile,
            2025,
            "all",
            &checked(store, 2025).await,
            &findings,
        )
        .await
        .unwrap();

    // The list: one case per report with findings, counted by classification, filtered.
    let all = store
        .cases(
            &probity_store::UnitScope::Department,
            &CaseFilter::default(),
        )
        .await
        .unwrap();
    let mut reports: Vec<&str> = findings
        .iter()
        .map(|f| f.finding.declaration_id.as_str())
        .collect();
    reports.sort();
    reports.dedup();
    assert_eq!(all.len(), reports.len());
    for c in &all {
        let of = |class: &str| {
            findings
                .iter()
                .filter(|f| {
                    Some(&f.finding.declaration_id) == c.declaration_id.as_ref()
                        && f.finding.classification.as_str() == class
                })
                .count() as i64
        };
        assert_eq!(
            (c.concealment, c.omission, c.review),
            (of("concealment"), of("omission"), of("review"))
        );
        assert_eq!(c.status, CaseStatus::Open);
    }
    let concealed = store
        .cases(
            &probity_store::UnitScope::Department,
            &CaseFilter {
                classification: Some("concealment".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        concealed.len(),
        all.iter().filter(|c| c.concealment > 0).count()
    );
    let reviewed = store
        .cases(
            &probity_store::UnitScope::Department,
            &CaseFilter {
                classification: Some("review".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(reviewed.len(), all.iter().filter(|c| c.review > 0).count());
    assert!(!reviewed.is_empty() && reviewed.len() < all.len());
    let unit = all[0].unit.clone();
    let in_unit = store
        .cases(
            &probity_store::UnitScope::Department,
            &CaseFilter {
                unit: Some(unit.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!in_unit.is_empty() && in_unit.iter().all(|c| c.unit == unit));
    assert!(
        store
            .cases(
                &probity_store::UnitScope::Department,
                &CaseFilter {
                    cycle: Some(2024),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );

    // The case with a concealment and other findings; its file is an audited read.
    let case = concealed
        .iter()
        .find(|c| c.declaration_id.as_deref() == Some("D2025-000002"))
        .expect("the example's report 2 has a concealment and omissions")
        .clone();
    assert!(case.omission > 0);
    let before = events(store, "case.read").await;
    let file = store
        .case_file(&as_verifier("ann"), &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(events(store, "case.read").await, before + 1);
    assert_eq!(
        file.findings.len() as i64,
        case.concealment + case.omission + case.review
    );
    assert!(
        store
            .case_file(&as_verifier("ann"), &profile, 999_999)
            .await
            .unwrap()
            .is_none()
    );

    // A request for explanation, answered by its subject and no one else, once.
    let ann = as_verifier("ann");
    conflict(
        store
            .request_explanation(&ann, &profile, case.id, "   ", None)
            .await,
        "empty",
    );
    conflict(
        store
            .request_explanation(&ann, &profile, case.id, "why?", Some("next week"))
            .await,
        "not a date",
    );
    let asked = store
        .request_explanation(
            &ann,
            &profile,
            case.id,
            "请说明未报告的房产。",
            Some("2026-03-15"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.case_summary(case.id).await.unwrap().unwrap().status,
        CaseStatus::AwaitingExplanation
    );
    let subject_id: ResidentId = findings
        .iter()
        .find(|f| Some(&f.finding.declaration_id) == case.declaration_id.as_ref())
        .unwrap()
        .finding
        .declarant_id
        .parse()
        .unwrap();
    let subject = store.person_key(&subject_id);
    let mine = store.explanations_of(&subject).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (
            mine[0].id,
            mine[0].question.as_str(),
            mine[0].due_on.as_deref(),
            mine[0].answer.as_deref(),
            mine[0].cycle
        ),
        (
            asked,
            "请说明未报告的房产。",
            Some("2026-03-15"),
            None,
            2025
        )
    );
    let someone_else = all
        .iter()
        .find(|c| c.person_key != subject)
        .unwrap()
        .person_key
        .clone();
    assert!(
        store
            .explanations_of(&someone_else)
            .await
            .unwrap()
            .is_empty()
    );
    let declarant = Stamp::new("2026-03-05T08:00:00Z", "web:declarant");
    conflict(
        store
            .answer_explanation(&declarant, &profile, asked, &someone_else, "mine")
            .await,
        "not addressed to you",
    );
    store
        .answer_explanation(&declarant, &profile, asked, &subject, "父母赠与，已补报。")
        .await
        .unwrap();
    conflict(
        store
            .answer_explanation(&declarant, &profile, asked, &subject, "again")
            .await,
        "answered already",
    );
    assert_eq!(
        store.case_summary(case.id).await.unwrap().unwrap().status,
        CaseStatus::Explained
    );

    // Determinations: checked against the profile; concealment waits for a second verifier.
    let concealment = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .id;
    conflict(
        store
            .determine(&ann, &profile, concealment, "guilty", "x", &[])
            .await,
        "not a determination",
    );
    conflict(
        store
            .determine(&ann, &profile, concealment, "concealment", " ", &[])
            .await,
        "reasoning",
    );
    conflict(
        store
            .determine(
                &ann,
                &profile,
                concealment,
                "concealment",
                "not reported",
                &["criticism".into()],
            )
            .await,
        "does not follow",
    );
    conflict(
        store
            .determine(&ann, &profile, 999_999, "consistent", "ok", &[])
            .await,
        "no finding",
    );
    let decided = store
        .determine(
            &ann,
            &profile,
            concealment,
            "concealment",
            "A property registered to the family is not in the report.",
            &["admonishment".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        store.case_summary(case.id).await.unwrap().unwrap().status,
        CaseStatus::AwaitingConfirmation
    );
    let record = store.integrity_record(&profile, &subject).await.unwrap();
    assert_eq!(record.entries.len(), 1);
    assert!(!record.entries[0].in_force);
    assert!(record.bars_promotion.is_empty(), "not in force yet");

    conflict(
        store.confirm_determination(&ann, &profile, decided).await,
        "decided by you",
    );
    let bob = Stamp::new("2026-03-02T10:00:00Z", "web:bob");
    store
        .confirm_determination(&bob, &profile, decided)
        .await
        .unwrap();
    conflict(
        store.confirm_determination(&bob, &profile, decided).await,
        "confirmed already",
    );
    let record = store.integrity_record(&profile, &subject).await.unwrap();
    assert_eq!(record.entries.len(), 1);
    let entry = &record.entries[0];
    assert!(entry.in_force);
    assert_eq!(
        (
            entry.cycle,
            entry.outcome.as_str(),
            entry.measures.clone(),
            entry.category.as_str()
        ),
        (
            2025,
            "concealment",
            vec!["admonishment".to_owned()],
            "real_estate"
        )
    );
    assert_eq!(record.bars_promotion, vec!["concealment".to_owned()]);
    // The key-check list carries the same record for the flagged subject, and nothing for others.
    let checks = store
        .key_checks(&probity_store::UnitScope::Department, &profile)
        .await
        .unwrap();
    let flagged = checks
        .iter()
        .find(|k| k.person_key == subject)
        .expect("the subject of report 2 is flagged for a key check");
    assert_eq!(flagged.record, record);
    assert!(
        checks
            .iter()
            .filter(|k| k.person_key != subject)
            .all(|k| k.record.entries.is_empty() && !k.flags.is_empty())
    );
    assert!(
        store
            .integrity_record(&profile, &someone_else)
            .await
            .unwrap()
            .entries
            .is_empty()
    );

    // The other findings: an omission is in force at once and needs no confirmation.
    let rest: Vec<i64> = file
        .findings
        .iter()
        .map(|f| f.id)
        .filter(|id| *id != concealment)
        .collect();
    let mut omission = 0;
    for id in &rest {
        omission = store
            .determine(
                &ann,
                &profile,
                *id,
                "omission",
                "Understated.",
                &["criticism".into()],
            )
            .await
            .unwrap();
    }
    conflict(
        store.confirm_determination(&bob, &profile, omission).await,
        "needs no confirmation",
    );
    assert_eq!(
        store.case_summary(case.id).await.unwrap().unwrap().status,
        CaseStatus::Decided
    );

    // A later determination supersedes the earlier one; both stay in the file.
    let last = *rest.last().unwrap();
    let revised = store
        .determine(&bob, &profile, last, "explained", "The answer holds.", &[])
        .await
        .unwrap();
    conflict(
        store.confirm_determination(&ann, &profile, omission).await,
        "needs no confirmation",
    );
    let file = store
        .case_file(&bob, &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let on_last: Vec<_> = file
        .determinations
        .iter()
        .filter(|d| d.finding_id == last)
        .collect();
    assert_eq!(on_last.len(), 2);
    assert!(on_last[0].superseded && !on_last[1].superseded);
    assert_eq!(on_last[1].id, revised);
    assert_eq!(on_last[0].measures, vec!["criticism".to_owned()]);
    assert_eq!(
        file.explanations[0].answer.as_deref(),
        Some("父母赠与，已补报。")
    );
    let record = store.integrity_record(&profile, &subject).await.unwrap();
    assert_eq!(
        record.entries.len(),
        rest.len() + 1,
        "explained counts, superseded does not"
    );

    // Every step is in the log, and the log verifies.
    for action in [
        "explanation.request",
        "explanation.answer",
        "determination.record",
        "determination.confirm",
        "measure.record",
        "case.status",
    ] {
        assert!(events(store, action).await > 0, "no {action} event");
    }
    match store.verify_audit(None).await.unwrap() {
        Ok(_) => {}
        Err(unfit) => panic!("audit verify failed: {unfit}"),
    }
}

on_both!(one_verifier_cannot_undo_what_two_decided, override_case);
async fn override_case(db: &Fresh) {
    let store = &db.store;
    let profile = Profile::builtin("cn").unwrap();
    load_small(store).await;
    let findings = expected();
    store
        .record_verification(
            &stamp(),
            &profile,
            2025,
            "all",
            &checked(store, 2025).await,
            &findings,
        )
        .await
        .unwrap();
    let case = store
        .cases(
            &probity_store::UnitScope::Department,
            &CaseFilter::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.declaration_id.as_deref() == Some("D2025-000002"))
        .unwrap();
    let subject = case.person_key.clone();
    let (ann, bob, carol, dave) = (
        as_verifier("ann"),
        as_verifier("bob"),
        as_verifier("carol"),
        as_verifier("dave"),
    );
    let file = store
        .case_file(&ann, &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let finding = file
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .id;
    let concealment = store
        .determine(
            &ann,
            &profile,
            finding,
            "concealment",
            "Not reported.",
            &["admonishment".into()],
        )
        .await
        .unwrap();
    store
        .confirm_determination(&bob, &profile, concealment)
        .await
        .unwrap();
    let barred = vec!["concealment".to_owned()];
    assert_eq!(
        store
            .integrity_record(&profile, &subject)
            .await
            .unwrap()
            .bars_promotion,
        barred
    );

    // Neither of the two may replace it.
    for who in [&ann, &bob] {
        conflict(
            store
                .determine(
                    who,
                    &profile,
                    finding,
                    "explained",
                    "On second thought.",
                    &[],
                )
                .await,
            "decided or confirmed by you: only other verifiers may replace it",
        );
    }
    // A third verifier's "explained" is recorded, but the concealment stays in force, and so
    // does the bar, until a fourth confirms it.
    let before = events(store, "determination.override").await;
    let explained = store
        .determine(
            &carol,
            &profile,
            finding,
            "explained",
            "The answer holds.",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(events(store, "determination.override").await, before + 1);
    let record = store.integrity_record(&profile, &subject).await.unwrap();
    assert_eq!(record.bars_promotion, barred, "one verifier undid two");
    let entry = record
        .entries
        .iter()
        .find(|e| e.outcome == "concealment")
        .unwrap();
    assert!(entry.in_force);
    assert_eq!(entry.pending.as_deref(), Some("explained"));
    assert_eq!(
        store.case_summary(case.id).await.unwrap().unwrap().status,
        CaseStatus::AwaitingConfirmation
    );
    let outcomes = store.report_outcomes(&profile, &subject).await.unwrap();
    assert!(
        outcomes
            .iter()
            .any(|o| o.outcome == "concealment" && o.category == entry.category)
            && !outcomes.iter().any(|o| o.outcome == "explained"),
        "the subject still sees the concealment in force: {outcomes:?}"
    );
    let stats = store
        .statistics(
            2025,
            "2026-03-01",
            &profile,
            &probity_store::UnitScope::Department,
        )
        .await
        .unwrap()
        .unwrap();
    let at = |o: &str| stats.outcomes.iter().position(|x| x == o).unwrap();
    assert_eq!(stats.total.determinations[at("concealment")], 1);
    assert_eq!(stats.total.determinations[at("explained")], 0);
    assert_eq!(stats.total.pending_confirmation, 1);
    let file = store
        .case_file(&carol, &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let of = |id: i64| file.determinations.iter().find(|d| d.id == id).unwrap();
    assert!(of(concealment).in_force && !of(concealment).superseded);
    let pending = of(explained);
    assert!(!pending.in_force && !pending.superseded);
    assert_eq!(
        (pending.needs, pending.replaces, pending.not_by.clone()),
        (
            2,
            Some(concealment),
            vec!["web:ann".to_owned(), "web:bob".to_owned()]
        )
    );

    // Its confirmation: not by its author, nor by those who decided the concealment.
    conflict(
        store
            .confirm_determination(&carol, &profile, explained)
            .await,
        "decided by you",
    );
    for who in [&ann, &bob] {
        conflict(
            store.confirm_determination(who, &profile, explained).await,
            "another verifier must confirm it",
        );
    }
    store
        .confirm_determination(&dave, &profile, explained)
        .await
        .unwrap();
    assert_eq!(events(store, "determination.replaced").await, 1);
    let record = store.integrity_record(&profile, &subject).await.unwrap();
    assert!(record.bars_promotion.is_empty());
    let entry = record
        .entries
        .iter()
        .find(|e| e.outcome == "explained")
        .expect("the override is in the integrity record");
    assert!(entry.in_force);
    assert_eq!(entry.replaces.as_deref(), Some("concealment"));
    assert_eq!(entry.pending, None);
    let file = store
        .case_file(&dave, &profile, case.id)
        .await
        .unwrap()
        .unwrap();
    let of = |id: i64| file.determinations.iter().find(|d| d.id == id).unwrap();
    assert!(of(explained).in_force && !of(concealment).in_force && of(concealment).superseded);

    // What two others decided stands the same way: carol and dave cannot undo it alone either.
    conflict(
        store
            .determine(&dave, &profile, finding, "concealment", "Again.", &[])
            .await,
        "decided or confirmed by you: only other verifiers may replace it",
    );
    match store.verify_audit(None).await.unwrap() {
        Ok(_) => {}
        Err(unfit) => panic!("audit verify failed: {unfit}"),
    }
}
