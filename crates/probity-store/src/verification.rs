//! Verification runs: the cross-check's findings over a cycle, stored as cases (one per subject
//! and cycle, over all the subject's reports in force) and findings with their evidence, all in
//! one transaction with the run itself. A run cut short leaves nothing behind; a finished one is
//! there whole.

use std::collections::BTreeMap;

use probity_model::{Discrepancy, FindingEvidence, Profile};

use crate::error::StoreError;
use crate::import::RESIDENT_ID;
use crate::record::{Value, fetch};
use crate::schema::{CASES, FINDINGS, REGISTRY_BATCHES, VERIFICATION_RUNS};
use crate::store::{Stamp, Store};
use crate::workbench::evidence as stored_evidence;

/// One registry file as last imported for its source.
#[derive(Debug, Clone)]
pub struct StoredRegistryFile {
    /// The source (`real_estate`, …).
    pub source: String,
    /// The file name as imported (`real_estate.csv`).
    pub file_name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// One report a run checked, as the run tells the store (no content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The report's id.
    pub declaration_id: String,
    /// Blind index of its declarant.
    pub person_key: String,
    /// `annual`, `initial` or `change`.
    pub kind: String,
}

/// What a verification run stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecorded {
    /// The run's id.
    pub run: i64,
    /// Cases opened (subjects with findings and no case in the cycle yet).
    pub cases: usize,
    /// Findings stored new.
    pub findings: usize,
    /// Cases of the cycle the run added to or re-checked (one per subject, reused by each run).
    pub already_open: usize,
    /// Findings found again: the same finding as one already in the case, whose row (and so
    /// its determination) they keep.
    pub found_again: usize,
    /// Findings of the checked subjects' cases that this run did not find: kept, marked not found.
    pub not_found: usize,
}

impl Store {
    /// The latest import of each registry source (a staff read: recorded in the log).
    pub async fn latest_registry_files(
        &self,
        stamp: &Stamp,
    ) -> Result<Vec<StoredRegistryFile>, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let rows = fetch(
            w.conn(),
            &keys,
            &REGISTRY_BATCHES,
            "id IN (SELECT MAX(id) FROM registry_batches GROUP BY source)",
            &[],
        )
        .await?;
        let files: Vec<StoredRegistryFile> = rows
            .into_iter()
            .map(|r| StoredRegistryFile {
                source: r[1].as_text().unwrap_or_default().to_owned(),
                file_name: r[2].as_text().unwrap_or_default().to_owned(),
                bytes: r[5].as_bytes().unwrap_or_default().to_vec(),
            })
            .collect();
        if !files.is_empty() {
            let payload: Vec<String> = files
                .iter()
                .map(|f| format!("read registry_batches {}", f.source))
                .collect();
            w.event("registry.read", "registry_batches", &payload.join("\n"))
                .await?;
        }
        w.commit().await?;
        Ok(files)
    }

    /// Stores a finished verification run over the `checked` reports of `cycle`, with one case per
    /// subject and cycle (FORMATS.md; [`crate::CaseFile`]):
    ///
    /// - a subject's findings, of all their reports in force (annual, initial, change) and those
    ///   with no report (an empty `declaration_id`: a change report never filed), go to the
    ///   subject's case of the cycle, opened by the first run that finds something and reused
    ///   by every later run;
    /// - a finding that is the same finding as one in the case (`Discrepancy::same_finding`) keeps
    ///   its row, so its determination follows it; the row's `last_run` becomes this run;
    /// - a finding of a checked subject's case that this run did not find is kept, marked not
    ///   found in the latest run (its `last_run` is older than the case's), never deleted.
    ///
    /// Each finding's evidence is sealed (the registry rows name family members). The case's
    /// status is derived again from its findings found in this run.
    pub async fn record_verification(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        cycle: i32,
        scope: &str,
        checked: &[Checked],
        findings: &[FindingEvidence],
    ) -> Result<RunRecorded, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        // The cycle's cases by subject (the oldest, where runs before one case per subject
        // opened several).
        let mut cases: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for row in fetch(
            w.conn(),
            &keys,
            &CASES,
            "cycle = $1",
            &[Value::Int(cycle.into())],
        )
        .await?
        {
            cases
                .entry(row[2].as_text().unwrap_or_default().to_owned())
                .or_insert(row);
        }
        let kinds: BTreeMap<&str, &str> = checked
            .iter()
            .map(|c| (c.declaration_id.as_str(), c.kind.as_str()))
            .collect();
        let mut by_subject: BTreeMap<String, Vec<&FindingEvidence>> = BTreeMap::new();
        for c in checked {
            by_subject.entry(c.person_key.clone()).or_default();
        }
        for f in findings {
            let person_key = keys.blind_index(RESIDENT_ID, &f.finding.declarant_id);
            by_subject.entry(person_key).or_default().push(f);
        }
        let run = w.next_id(&VERIFICATION_RUNS).await?;
        w.insert(
            &VERIFICATION_RUNS,
            "verification.run",
            vec![
                Value::Int(run),
                Value::Int(cycle.into()),
                scope.into(),
                stamp.at.as_str().into(),
                stamp.at.as_str().into(),
                Value::Int(checked.len() as i64),
                Value::Int(findings.len() as i64),
            ],
        )
        .await?;
        let mut recorded = RunRecorded {
            run,
            cases: 0,
            findings: 0,
            already_open: 0,
            found_again: 0,
            not_found: 0,
        };
        let mut next_case = w.next_id(&CASES).await?;
        let mut next_finding = w.next_id(&FINDINGS).await?;
        let (mut case_rows, mut finding_rows, mut kept_rows) = (Vec::new(), Vec::new(), Vec::new());
        let mut opened_rows = Vec::new();
        let mut touched = Vec::new();
        for (person_key, list) in by_subject {
            let (case_id, mut known) = match cases.remove(&person_key) {
                Some(mut row) => {
                    let id = row[0].as_int().unwrap_or_default();
                    row[7] = Value::Int(run);
                    case_rows.push(row);
                    recorded.already_open += 1;
                    let known = fetch(
                        w.conn(),
                        &keys,
                        &FINDINGS,
                        "case_id = $1",
                        &[Value::Int(id)],
                    )
                    .await?;
                    (id, known)
                }
                None if list.is_empty() => continue,
                None => {
                    let id = next_case;
                    next_case += 1;
                    let opened_on = list
                        .iter()
                        .map(|f| f.finding.declaration_id.as_str())
                        .find(|d| !d.is_empty());
                    opened_rows.push(vec![
                        Value::Int(id),
                        Value::Int(cycle.into()),
                        person_key.as_str().into(),
                        Value::opt_text(opened_on),
                        Value::Int(run),
                        "open".into(),
                        stamp.at.as_str().into(),
                        Value::Int(run),
                    ]);
                    recorded.cases += 1;
                    (id, Vec::new())
                }
            };
            touched.push(case_id);
            let known_findings: Vec<Discrepancy> = known
                .iter()
                .map(|r| Ok(stored_evidence(r[7].as_bytes().unwrap_or_default())?.finding))
                .collect::<Result<_, StoreError>>()?;
            let mut matched = vec![false; known.len()];
            for evidence in list {
                let f = &evidence.finding;
                let again = known_findings
                    .iter()
                    .enumerate()
                    .find(|(i, k)| !matched[*i] && k.same_finding(f))
                    .map(|(i, _)| i);
                if let Some(i) = again {
                    matched[i] = true;
                    known[i][11] = Value::Int(run);
                    recorded.found_again += 1;
                    continue;
                }
                let detail = serde_json::to_vec(evidence).map_err(|e| {
                    StoreError::Corrupt(format!("a finding does not serialise: {e}"))
                })?;
                let report_kind = if f.declaration_id.is_empty() {
                    // No report: a change report that was due and never filed.
                    "change"
                } else {
                    kinds
                        .get(f.declaration_id.as_str())
                        .copied()
                        .unwrap_or("annual")
                };
                finding_rows.push(vec![
                    Value::Int(next_finding),
                    Value::Int(case_id),
                    f.category.as_str().into(),
                    f.kind.as_str().into(),
                    f.classification.as_str().into(),
                    f.rule.as_str().into(),
                    Value::opt_text(Some(f.field.as_str()).filter(|s| !s.is_empty())),
                    Value::Bytes(detail),
                    Value::opt_text(Some(f.declaration_id.as_str()).filter(|s| !s.is_empty())),
                    report_kind.into(),
                    Value::Int(run),
                    Value::Int(run),
                ]);
                next_finding += 1;
                recorded.findings += 1;
            }
            for (row, found) in known.into_iter().zip(matched) {
                if found {
                    kept_rows.push(row);
                } else {
                    recorded.not_found += 1;
                }
            }
        }
        w.insert_all(&CASES, "case.open", opened_rows).await?;
        w.upsert_all(&CASES, "case.run", case_rows).await?;
        w.insert_all(&FINDINGS, "finding.record", finding_rows)
            .await?;
        w.upsert_all(&FINDINGS, "finding.found_again", kept_rows)
            .await?;
        for case_id in touched {
            crate::workbench::update_status(&mut w, profile, case_id).await?;
        }
        w.commit().await?;
        Ok(recorded)
    }
}

/// A finding in force, as `probity findings` exports it (FORMATS.md: the discrepancy's fields
/// plus `case_id`, `report_kind` and `run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingInForce {
    /// The finding.
    pub finding: Discrepancy,
    /// Its case (one per subject and cycle).
    pub case_id: i64,
    /// `annual`, `initial` or `change`.
    pub report_kind: String,
    /// The latest verification run that found it.
    pub run: i64,
}

impl Store {
    /// The findings in force of cycle `cycle`: those the latest run of their case found, on a
    /// report in force (or on none: a change report never filed), by case and finding id. An
    /// audited staff read (`finding.read`): the findings name people and their holdings.
    pub async fn findings_in_force(
        &self,
        stamp: &Stamp,
        cycle: i32,
    ) -> Result<Vec<FindingInForce>, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let filter = format!(
            "case_id IN (SELECT id FROM cases WHERE cycle = $1) AND \
             (last_run IS NULL OR last_run = (SELECT c.last_run FROM cases c WHERE c.id = case_id) \
              OR (SELECT c.last_run FROM cases c WHERE c.id = case_id) IS NULL) AND \
             (declaration_id IS NULL OR {})",
            crate::in_force::SQL
        );
        let rows = fetch(
            w.conn(),
            &keys,
            &FINDINGS,
            &filter,
            &[Value::Int(cycle.into())],
        )
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut rows = rows;
        rows.sort_by_key(|r| (r[1].as_int(), r[0].as_int()));
        for r in &rows {
            out.push(FindingInForce {
                finding: stored_evidence(r[7].as_bytes().unwrap_or_default())?.finding,
                case_id: r[1].as_int().unwrap_or_default(),
                report_kind: r[9].as_text().unwrap_or("annual").to_owned(),
                run: r[11].as_int().unwrap_or_default(),
            });
        }
        if !out.is_empty() {
            w.event(
                "finding.read",
                &format!("cycles/{cycle}"),
                &format!("read findings of cycle {cycle}: {}", out.len()),
            )
            .await?;
            w.commit().await?;
        } else {
            w.rollback().await?;
        }
        Ok(out)
    }
}
