//! What a declarant reads about themself (`probity_store::declarant`): their drafts, and the
//! determinations in force on their reports with the measures, never the verifiers' reasoning;
//! on both databases.

use probity_model::{Discrepancy, FindingEvidence, Profile, ResidentId};
use probity_store::Stamp;

use crate::common::{Fresh, checked, fixtures, load_small, stamp};
use crate::on_both;

fn as_verifier(name: &str) -> Stamp {
    Stamp::new("2026-03-01T10:00:00Z", format!("web:{name}"))
}

on_both!(declarant_reads, declarant_case);
async fn declarant_case(db: &Fresh) {
    let store = &db.store;
    let profile = Profile::builtin("cn").unwrap();
    load_small(store).await;
    let findings: Vec<FindingEvidence> =
        std::fs::read_to_string(fixtures().join("expected_discrepancies.jsonl"))
            .unwrap()
            .lines()
            .map(|l| FindingEvidence {
                finding: serde_json::from_str::<Discrepancy>(l).unwrap(),
                registry_rows: Vec::new(),
            })
            .collect();
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
    let cases = store
        .cases(&probity_store::UnitScope::Department, &Default::default())
        .await
        .unwrap();
    let mine = cases
        .iter()
        .find(|c| c.declaration_id.as_deref() == Some("D2025-000002"))
        .unwrap()
        .clone();
    let other = cases
        .iter()
        .find(|c| c.person_key != mine.person_key)
        .expect("the example has cases of more than one subject")
        .clone();
    let file = |id| {
        let profile = &profile;
        async move {
            store
                .case_file(&as_verifier("ann"), profile, id)
                .await
                .unwrap()
                .unwrap()
        }
    };

    // Drafts: none, then the one saved, with when it was saved; only the declarant's own.
    assert!(store.drafts_of(&mine.person_key).await.unwrap().is_empty());
    let saved = Stamp::new("2026-02-03T08:15:00Z", "web:lin");
    store
        .save_draft(&saved, &mine.person_key, 2025, "change", "{}")
        .await
        .unwrap();
    let drafts = store.drafts_of(&mine.person_key).await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!((drafts[0].year, drafts[0].kind.as_str()), (2025, "change"));
    assert_eq!(drafts[0].updated_at, "2026-02-03T08:15:00Z");
    assert!(store.drafts_of(&other.person_key).await.unwrap().is_empty());

    // Nothing decided yet: no outcome.
    assert!(
        store
            .report_outcomes(&profile, &mine.person_key)
            .await
            .unwrap()
            .is_empty()
    );
    let concealed = file(mine.id)
        .await
        .findings
        .iter()
        .find(|f| f.evidence.finding.classification.as_str() == "concealment")
        .unwrap()
        .clone();
    let reason = "REASONING-FOR-VERIFIERS-ONLY";
    let determination = store
        .determine(
            &as_verifier("ann"),
            &profile,
            concealed.id,
            "concealment",
            reason,
            &["admonishment".to_owned()],
        )
        .await
        .unwrap();
    // A concealment needs a second verifier: until then the subject learns nothing of it.
    assert!(
        profile
            .determination("concealment")
            .is_some_and(|d| d.confirmations == 2)
    );
    assert!(
        store
            .report_outcomes(&profile, &mine.person_key)
            .await
            .unwrap()
            .is_empty()
    );
    let confirmed = Stamp::new("2026-03-02T11:00:00Z", "web:bob");
    store
        .confirm_determination(&confirmed, &profile, determination)
        .await
        .unwrap();
    // Another subject's determination, in force at once, is not this subject's.
    let theirs = file(other.id).await.findings[0].id;
    store
        .determine(
            &as_verifier("ann"),
            &profile,
            theirs,
            "omission",
            "not theirs",
            &[],
        )
        .await
        .unwrap();

    let outcomes = store
        .report_outcomes(&profile, &mine.person_key)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let o = &outcomes[0];
    assert_eq!(o.declaration_id, "D2025-000002");
    assert_eq!(o.category, concealed.evidence.finding.category.as_str());
    assert_eq!(o.outcome, "concealment");
    assert_eq!(o.measures, vec!["admonishment".to_owned()]);
    assert_eq!(o.in_force_since, "2026-03-02T11:00:00Z", "since confirmed");
    assert!(!format!("{outcomes:?}").contains(reason));
    let theirs_read = store
        .report_outcomes(&profile, &other.person_key)
        .await
        .unwrap();
    assert!(
        theirs_read
            .iter()
            .all(|o| Some(&o.declaration_id) == other.declaration_id.as_ref())
    );
    assert_eq!(theirs_read.len(), 1);

    // A later determination on the same finding replaces it once in force, without the
    // measures of the one it replaced. Replacing a concealment two verifiers agreed on takes two
    // others: until the second confirms, the subject still sees the concealment.
    let explained = store
        .determine(
            &Stamp::new("2026-03-05T09:00:00Z", "web:carol"),
            &profile,
            concealed.id,
            "explained",
            "the registry was wrong",
            &[],
        )
        .await
        .unwrap();
    let waiting = store
        .report_outcomes(&profile, &mine.person_key)
        .await
        .unwrap();
    assert_eq!(waiting, outcomes, "the concealment stays in force");
    store
        .confirm_determination(
            &Stamp::new("2026-03-06T09:00:00Z", "web:dave"),
            &profile,
            explained,
        )
        .await
        .unwrap();
    let after = store
        .report_outcomes(&profile, &mine.person_key)
        .await
        .unwrap();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].outcome, "explained");
    assert!(after[0].measures.is_empty());
    assert_eq!(after[0].in_force_since, "2026-03-06T09:00:00Z");
    // The latest awaiting its second verifier is not shown; the one it would replace stays.
    store
        .determine(
            &as_verifier("ann"),
            &profile,
            concealed.id,
            "concealment",
            "after all",
            &["transfer".to_owned()],
        )
        .await
        .unwrap();
    let person = store.person_key(&ResidentId::parse("350212197810284446").unwrap());
    assert_eq!(person, mine.person_key);
    assert_eq!(
        store.report_outcomes(&profile, &person).await.unwrap(),
        after
    );
}
