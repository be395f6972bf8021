//! Verification runs: the cross-check's findings over a cycle, stored as cases (one per report
//! with findings) and findings with their evidence, all in one transaction with the run itself.
//! A run cut short leaves nothing behind; a finished one is there whole.

use std::collections::BTreeMap;

use probity_model::FindingEvidence;
use sqlx::Row;

use crate::error::StoreError;
use crate::import::RESIDENT_ID;
use crate::record::{Value, fetch};
use crate::schema::{CASES, FINDINGS, REGISTRY_BATCHES, VERIFICATION_RUNS};
use crate::store::{Stamp, Store};

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

/// What a verification run stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecorded {
    /// The run's id.
    pub run: i64,
    /// Cases opened.
    pub cases: usize,
    /// Findings stored.
    pub findings: usize,
    /// Reports with findings that had a case already (left as they were).
    pub already_open: usize,
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

    /// Stores a finished verification run over `checked` reports of `cycle`: the run, a case per
    /// report with findings (unless it has one already), and each finding with its evidence
    /// (sealed: the registry rows name family members).
    pub async fn record_verification(
        &self,
        stamp: &Stamp,
        cycle: i32,
        scope: &str,
        checked: usize,
        findings: &[FindingEvidence],
    ) -> Result<RunRecorded, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let open_cases: BTreeMap<String, i64> =
            sqlx::query("SELECT declaration_id, id FROM cases WHERE cycle = $1")
                .bind(i64::from(cycle))
                .fetch_all(w.conn())
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let mut by_report: BTreeMap<&str, Vec<&FindingEvidence>> = BTreeMap::new();
        for f in findings {
            by_report
                .entry(&f.finding.declaration_id)
                .or_default()
                .push(f);
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
                Value::Int(checked as i64),
                Value::Int(findings.len() as i64),
            ],
        )
        .await?;
        let mut recorded = RunRecorded {
            run,
            cases: 0,
            findings: 0,
            already_open: 0,
        };
        let mut case_id = w.next_id(&CASES).await?;
        let mut finding_id = w.next_id(&FINDINGS).await?;
        let (mut case_rows, mut finding_rows) = (Vec::new(), Vec::new());
        for (declaration_id, list) in by_report {
            if open_cases.contains_key(declaration_id) {
                recorded.already_open += 1;
                continue;
            }
            let person_key = keys.blind_index(RESIDENT_ID, &list[0].finding.declarant_id);
            case_rows.push(vec![
                Value::Int(case_id),
                Value::Int(cycle.into()),
                person_key.into(),
                declaration_id.into(),
                Value::Int(run),
                "open".into(),
                stamp.at.as_str().into(),
            ]);
            for evidence in list {
                let f = &evidence.finding;
                let detail = serde_json::to_vec(evidence).map_err(|e| {
                    StoreError::Corrupt(format!("a finding does not serialise: {e}"))
                })?;
                finding_rows.push(vec![
                    Value::Int(finding_id),
                    Value::Int(case_id),
                    f.category.as_str().into(),
                    f.kind.as_str().into(),
                    f.classification.as_str().into(),
                    f.rule.as_str().into(),
                    Value::opt_text(Some(f.field.as_str()).filter(|s| !s.is_empty())),
                    Value::Bytes(detail),
                ]);
                finding_id += 1;
                recorded.findings += 1;
            }
            case_id += 1;
            recorded.cases += 1;
        }
        w.insert_all(&CASES, "case.open", case_rows).await?;
        w.insert_all(&FINDINGS, "finding.record", finding_rows)
            .await?;
        w.commit().await?;
        Ok(recorded)
    }
}
