//! Verification runs: the cross-check engine over a cycle's reports in force (annual, initial and
//! change) against the latest registry imports, stored as one case per subject and cycle
//! (`Store::record_verification`), so the same fact is decided once and a determination follows
//! its finding into the next run. Used by the web application's button, `probity verify` and `probity demo`.
//! Each annual report is also compared with the same subject's previous annual report, when the
//! store holds one ([`probity_check::wealth`]): its findings join the subject's case.

use std::sync::atomic::{AtomicU64, Ordering};

use std::collections::HashMap;

use probity_check::Checker;
use probity_model::declaration::ReportKind;
use probity_model::{Declaration, FindingEvidence, Profile};
use probity_store::{Checked, RunRecorded, Stamp, Store};

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] probity_store::StoreError),
    /// The registry files could not be read.
    #[error(transparent)]
    Check(#[from] probity_check::CheckError),
    /// Nothing to run on, or something stored that does not parse.
    #[error("{0}")]
    Unfit(String),
}

/// How far a run is: reports to check, and checked so far (0 until the engine reports).
#[derive(Debug, Default)]
pub struct RunProgress {
    /// Reports in the run.
    pub total: AtomicU64,
    /// Whether the engine has finished.
    pub checked: AtomicU64,
}

/// Which reports of a cycle a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every report in force.
    All,
    /// The reports in force of the subjects the cycle's revealed sample drew.
    Sample,
}

/// Cross-checks the reports in force of `cycle` in `scope` (a sampled subject's annual, initial
/// and change reports) and stores the run: (reports checked, findings, what was stored).
pub async fn verify_cycle(
    store: &Store,
    stamp: &Stamp,
    cycle: i32,
    scope: Scope,
    progress: &RunProgress,
) -> Result<(usize, usize, RunRecorded), VerifyError> {
    let drawn: Option<std::collections::HashSet<String>> = match scope {
        Scope::All => None,
        Scope::Sample => match store.sample(cycle).await? {
            Some(s) if s.seed.is_some() => Some(s.drawn.into_iter().collect()),
            _ => {
                return Err(VerifyError::Unfit(format!(
                    "cycle {cycle} has no revealed sample: `probity sample draw` and `probity sample reveal` first, or check --all"
                )));
            }
        },
    };
    let profiles: Vec<Profile> = Profile::builtin_ids()
        .filter_map(|id| Profile::builtin(id).ok())
        .collect();
    let mut stored = store.read_cycle_declarations(stamp, cycle).await?;
    if let Some(drawn) = &drawn {
        stored.retain(|d| drawn.contains(&d.person_key));
    }
    if stored.is_empty() {
        return Err(VerifyError::Unfit(format!(
            "cycle {cycle} has no reports stored"
        )));
    }
    let declarations: Vec<Declaration> = stored
        .iter()
        .map(|s| {
            serde_json::from_str(&s.json).map_err(|e| {
                VerifyError::Unfit(format!(
                    "stored report {} does not parse: {e}",
                    s.declaration_id
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let previous = previous_reports(store, stamp, cycle, &stored, &declarations).await?;
    // The profile whose due dates and determinations apply: the reports'.
    let profile_id = declarations
        .first()
        .map_or_else(|| "cn".to_owned(), |d| d.profile.clone());
    let profile = Profile::builtin(&profile_id)
        .map_err(|e| VerifyError::Unfit(format!("the reports' profile: {e}")))?;
    let families = family_reports(store, stamp, &profile, cycle, &stored, drawn.as_ref()).await?;
    progress
        .total
        .store(declarations.len() as u64, Ordering::Relaxed);
    let files = store.latest_registry_files(stamp).await?;
    if files.is_empty() {
        return Err(VerifyError::Unfit(
            "no registry extracts imported yet".into(),
        ));
    }
    // The day of the run, from the stamp (the libraries read no clock): change deadlines that
    // have passed by then are followed.
    let today = stamp
        .at
        .get(..10)
        .and_then(|d| probity_model::Date::parse(d).ok())
        .ok_or_else(|| VerifyError::Unfit(format!("the run's time {:?} has no date", stamp.at)))?;
    // The engine runs on the blocking pool: it keeps both cores busy for a while.
    let findings = tokio::task::spawn_blocking(move || {
        // The stored files are read from their bytes: no registry data reaches the disk in clear.
        let extracts = crate::registry::extracts_of(files)?;
        let checker = Checker::new(&extracts);
        let profile_for = |id: &str| profiles.iter().find(|p| p.id == id);
        let mut findings = checker.check_all(&declarations, &profile_for);
        findings.extend(checker.year_over_year_all(
            &declarations,
            &|d: &Declaration| previous.get(d.declarant_id.as_str()),
            &profile_for,
        ));
        findings.extend(missing_change_reports(
            &checker,
            &declarations,
            &families,
            &profiles,
            cycle,
            today,
        ));
        // Each finding keeps the registry rows behind it, so the verifier reads them beside the
        // declared item without the registry files at hand.
        let ids: std::collections::HashSet<&str> = findings
            .iter()
            .flat_map(|f| f.registry_record_ids.iter().map(String::as_str))
            .collect();
        let rows = extracts.evidence(&ids);
        let findings: Vec<FindingEvidence> = findings
            .into_iter()
            .map(|finding| FindingEvidence {
                registry_rows: finding
                    .registry_record_ids
                    .iter()
                    .filter_map(|id| rows.get(id).cloned())
                    .collect(),
                finding,
            })
            .collect();
        Ok::<_, VerifyError>((declarations.len(), findings))
    })
    .await
    .map_err(|e| VerifyError::Unfit(format!("the engine stopped: {e}")))??;
    let (checked, findings) = findings;
    progress.checked.store(checked as u64, Ordering::Relaxed);
    let reports: Vec<Checked> = stored
        .iter()
        .map(|s| Checked {
            declaration_id: s.declaration_id.clone(),
            person_key: s.person_key.clone(),
            kind: s.kind.clone(),
        })
        .collect();
    let recorded = store
        .record_verification(
            stamp,
            &profile,
            cycle,
            match scope {
                Scope::All => "all",
                Scope::Sample => "sample",
            },
            &reports,
            &findings,
        )
        .await?;
    Ok((checked, findings.len(), recorded))
}

/// The timeliness of change reports ([`probity_check::changes`]): for each subject, the registry
/// events of the change matters in the cycle's year that no report in force carried within the
/// profile's days — a change report filed late, or never (then the finding's `declaration_id` is
/// empty and it belongs to the subject's case of the cycle).
///
/// `families` are earlier reports of subjects without an annual or initial report in the cycle:
/// they name the family whose registry events are followed (a subject who filed nothing this
/// year still owes change reports), and carry or cover what they reported.
fn missing_change_reports(
    checker: &Checker,
    declarations: &[Declaration],
    families: &[Declaration],
    profiles: &[Profile],
    cycle: i32,
    today: probity_model::Date,
) -> Vec<probity_model::Discrepancy> {
    let (Some(first), Some(last)) = (
        probity_model::Date::from_ymd(cycle, 1, 1),
        probity_model::Date::from_ymd(cycle, 12, 31),
    ) else {
        return Vec::new();
    };
    let mut by_subject: std::collections::BTreeMap<&str, Vec<&Declaration>> =
        std::collections::BTreeMap::new();
    for d in declarations.iter().chain(families) {
        by_subject
            .entry(d.declarant_id.as_str())
            .or_default()
            .push(d);
    }
    let mut out = Vec::new();
    for reports in by_subject.values() {
        let Some(profile) = profiles.iter().find(|p| p.id == reports[0].profile) else {
            continue;
        };
        out.extend(checker.change_timeliness(reports, (first, last), today, profile));
    }
    out
}

/// The latest annual report of the year before of every subject due in the cycle (or drawn, for
/// a sample run) who has no annual or initial report in it: whose family the timeliness of change
/// reports follows. An audited read, like every staff read of a report.
async fn family_reports(
    store: &Store,
    stamp: &Stamp,
    profile: &Profile,
    cycle: i32,
    stored: &[probity_store::StoredDeclaration],
    drawn: Option<&std::collections::HashSet<String>>,
) -> Result<Vec<Declaration>, VerifyError> {
    let full: std::collections::HashSet<&str> = stored
        .iter()
        .filter(|s| s.kind != "change")
        .map(|s| s.person_key.as_str())
        .collect();
    let mut keys: std::collections::BTreeSet<String> =
        stored.iter().map(|s| s.person_key.clone()).collect();
    let today = stamp.at.get(..10).unwrap_or_default();
    if let Some(progress) = store
        .progress(&probity_store::UnitScope::Department, profile, cycle, today)
        .await?
    {
        keys.extend(progress.rows.into_iter().map(|r| r.person_key));
    }
    let keys: Vec<String> = keys
        .into_iter()
        .filter(|k| !full.contains(k.as_str()) && drawn.is_none_or(|d| d.contains(k)))
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    store
        .read_previous_annual(stamp, cycle - 1, &keys)
        .await?
        .iter()
        .map(|s| {
            serde_json::from_str(&s.json).map_err(|e| {
                VerifyError::Unfit(format!(
                    "stored report {} does not parse: {e}",
                    s.declaration_id
                ))
            })
        })
        .collect()
}

/// The previous annual report (latest version, cycle − 1) of every subject whose current annual
/// report the run checks, by declarant ID. Read through the store's audited read: the run is a
/// staff action, and it opens those reports' content, so the log names each one read.
async fn previous_reports(
    store: &Store,
    stamp: &Stamp,
    cycle: i32,
    stored: &[probity_store::StoredDeclaration],
    declarations: &[Declaration],
) -> Result<HashMap<String, Declaration>, VerifyError> {
    let keys: Vec<String> = stored
        .iter()
        .zip(declarations)
        .filter(|(_, d)| d.kind == ReportKind::Annual)
        .map(|(s, _)| s.person_key.clone())
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut previous = HashMap::new();
    for s in store.read_previous_annual(stamp, cycle - 1, &keys).await? {
        let d: Declaration = serde_json::from_str(&s.json).map_err(|e| {
            VerifyError::Unfit(format!(
                "stored report {} does not parse: {e}",
                s.declaration_id
            ))
        })?;
        previous.insert(d.declarant_id.as_str().to_owned(), d);
    }
    Ok(previous)
}
