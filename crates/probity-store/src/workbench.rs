//! The verifier's workbench: cases and their findings, requests for explanation and the
//! declarant's answers, a determination per finding (in force at once, or when a second verifier
//! confirms it, as the profile says), the measures it allows, and the integrity record that
//! follows a subject across cycles.
//!
//! Nothing here is ever overwritten but a case's status and an explanation's answer: a new
//! determination on a finding supersedes the one in force once it takes force itself, and both
//! stay. Replacing a determination that needed two verifiers needs two others (`standings`, the
//! one in-force rule): one verifier cannot undo what two decided.
//! Reading a case file opens the registry rows about a family: it is an audited read.

use crate::refusal::Refusal;
use std::collections::{BTreeMap, HashMap};

use probity_model::profile::Determination as Outcome;
use probity_model::{Discrepancy, FindingEvidence, Profile};
use sqlx::Row;

use crate::error::StoreError;
use crate::record::{Value, fetch};
use crate::schema::{CASES, DETERMINATIONS, EXPLANATIONS, FINDINGS, MEASURES};
use crate::store::{Stamp, Store};
use crate::write::Writer;

/// Where a case stands, derived from its findings, explanations and determinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CaseStatus {
    /// Nothing done yet.
    Open,
    /// An explanation was asked for and not yet given.
    AwaitingExplanation,
    /// Every explanation asked for was given; not every finding is determined.
    Explained,
    /// A determination waits for a second verifier.
    AwaitingConfirmation,
    /// Every finding has a determination in force.
    Decided,
}

impl CaseStatus {
    /// Every status, in the order of the work.
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::AwaitingExplanation,
        CaseStatus::Explained,
        CaseStatus::AwaitingConfirmation,
        CaseStatus::Decided,
    ];

    /// The name as stored and in URLs.
    pub fn as_str(&self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::AwaitingExplanation => "awaiting_explanation",
            CaseStatus::Explained => "explained",
            CaseStatus::AwaitingConfirmation => "awaiting_confirmation",
            CaseStatus::Decided => "decided",
        }
    }

    /// The status of this name.
    pub fn parse(text: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Which cases to list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Cases of this cycle only.
    pub cycle: Option<i32>,
    /// Cases of subjects in this unit only (within the scope the list is asked in).
    pub unit: Option<String>,
    /// Cases in this status only.
    pub status: Option<CaseStatus>,
    /// Cases with at least one finding of this classification (`concealment`, …).
    pub classification: Option<String>,
}

/// A case in the list: who, where, how far, and its findings counted by classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// Id.
    pub id: i64,
    /// Cycle (year reported on).
    pub cycle: i32,
    /// Blind index of the subject.
    pub person_key: String,
    /// The subject's name.
    pub name: String,
    /// The subject's unit.
    pub unit: String,
    /// Key-check reasons on the roster, `;`-separated (`promotion;reserve`).
    pub flags: String,
    /// The report that opened the case (none when it opened on a finding with no report, a
    /// change report never filed). The case holds the findings of all the subject's reports in
    /// force of the cycle: each finding names its own.
    pub declaration_id: Option<String>,
    /// Where it stands.
    pub status: CaseStatus,
    /// When it was opened.
    pub opened_at: String,
    /// Findings classified concealment.
    pub concealment: i64,
    /// Findings classified omission.
    pub omission: i64,
    /// Findings recorded for review.
    pub review: i64,
}

/// A finding of a case with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFinding {
    /// Id.
    pub id: i64,
    /// The kind of the report it is on (`annual`, `initial`, `change`; `change` for a change
    /// report never filed, whose finding has an empty `declaration_id`).
    pub report_kind: String,
    /// Whether the case's latest run found it (a finding no longer found is kept, marked so).
    pub found: bool,
    /// The finding and the registry rows behind it.
    pub evidence: FindingEvidence,
}

/// A request for explanation and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The cycle of the case.
    pub cycle: i32,
    /// The verifier who asked.
    pub requested_by: String,
    /// When.
    pub requested_at: String,
    /// What the subject is asked to explain.
    pub question: String,
    /// The subject's answer.
    pub answer: Option<String>,
    /// When it was given.
    pub answered_at: Option<String>,
    /// The date by which to answer (`YYYY-MM-DD`).
    pub due_on: Option<String>,
}

/// A determination on a finding, with the measures decided with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeterminationRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The finding.
    pub finding_id: i64,
    /// The profile's determination id (`consistent`, `explained`, `omission`, `concealment`).
    pub outcome: String,
    /// The verifier who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: String,
    /// The second verifier, when the profile asks for one and they confirmed.
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<String>,
    /// The reasoning.
    pub reason: String,
    /// Measure ids decided with it (they apply once it is in force).
    pub measures: Vec<String>,
    /// Whether it is the determination in force on its finding (see `needs` and `not_by`).
    pub in_force: bool,
    /// Whether a later determination on the same finding replaced it (or, for one that never
    /// took force, was recorded after it).
    pub superseded: bool,
    /// How many different verifiers it needs, the one who decided included.
    pub needs: u8,
    /// The determination in force it would replace when it was recorded (and replaced, if it
    /// took force).
    pub replaces: Option<i64>,
    /// Verifiers who may not confirm it: those who decided or confirmed the determination it
    /// replaces, when that one needed two.
    pub not_by: Vec<String>,
}

/// Everything about one case, for the verifier's case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    /// The case.
    pub case: CaseSummary,
    /// Its findings with their evidence.
    pub findings: Vec<CaseFinding>,
    /// Requests for explanation, oldest first.
    pub explanations: Vec<Explanation>,
    /// Every determination, oldest first (superseded ones included).
    pub determinations: Vec<DeterminationRecord>,
}

/// One line of a subject's integrity record: a determination in force (or awaiting its second
/// verifier) on a finding of some cycle, with its measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityEntry {
    /// Cycle.
    pub cycle: i32,
    /// The case.
    pub case_id: i64,
    /// The finding's category (`real_estate`, …).
    pub category: String,
    /// The determination.
    pub outcome: String,
    /// When decided.
    pub decided_at: String,
    /// Whether in force (else awaiting confirmation).
    pub in_force: bool,
    /// Measures, in force with it.
    pub measures: Vec<String>,
    /// The outcome of the determination in force it replaced, if it replaced one (an override
    /// of a determination that needed two verifiers took two others).
    pub replaces: Option<String>,
    /// The outcome of a later determination that would replace it and awaits its confirmation:
    /// until then this one stays in force.
    pub pending: Option<String>,
}

/// A subject's integrity record across cycles, and what it means for promotion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntegrityRecord {
    /// Determinations other than `consistent`, newest cycle first.
    pub entries: Vec<IntegrityEntry>,
    /// The determinations in force that bar promotion under the profile (e.g. concealment):
    /// empty means the record does not bar promotion.
    pub bars_promotion: Vec<String>,
}

/// A subject flagged for a key check, with their integrity record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCheck {
    /// Blind index of the subject.
    pub person_key: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Post.
    pub position: String,
    /// Key-check reasons, `;`-separated.
    pub flags: String,
    /// The integrity record.
    pub record: IntegrityRecord,
    /// Findings of the subject's reports in force (found by their case's latest run) without a
    /// determination in force: while any is left, the subject is pending verification.
    pub pending: usize,
}

impl KeyCheck {
    /// Pending verification: some finding of the subject's reports in force is undecided (or its
    /// determination awaits the second verifier). Never eligible while pending.
    pub fn is_pending(&self) -> bool {
        self.pending > 0
    }

    /// Eligible for promotion: every finding of the subject's reports in force has a
    /// determination in force, and none of the record's bars promotion.
    pub fn eligible(&self) -> bool {
        !self.is_pending() && self.record.bars_promotion.is_empty()
    }
}

const CASE_COLUMNS: &str = "c.id, c.cycle, c.person_key, s.name, s.unit, s.flags, c.declaration_id, \
     c.status, c.opened_at, \
     SUM(CASE WHEN f.classification = 'concealment' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN f.classification = 'omission' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN f.classification = 'review' THEN 1 ELSE 0 END)";
const CASE_FROM: &str = "FROM cases c JOIN subjects s ON s.person_key = c.person_key \
     LEFT JOIN findings f ON f.case_id = c.id AND (f.last_run IS NULL OR c.last_run IS NULL \
     OR f.last_run = c.last_run)";
const CASE_GROUP: &str = "GROUP BY c.id, c.cycle, c.person_key, s.name, s.unit, s.flags, \
     c.declaration_id, c.status, c.opened_at";

fn summary(r: &sqlx::any::AnyRow) -> Result<CaseSummary, StoreError> {
    let status: String = r.try_get(7)?;
    Ok(CaseSummary {
        id: r.try_get(0)?,
        cycle: i32::try_from(r.try_get::<i64, _>(1)?)
            .map_err(|_| StoreError::Corrupt("a case's cycle is out of range".into()))?,
        person_key: r.try_get(2)?,
        name: r.try_get(3)?,
        unit: r.try_get(4)?,
        flags: r.try_get(5)?,
        declaration_id: r.try_get(6)?,
        status: CaseStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown case status {status:?}")))?,
        opened_at: r.try_get(8)?,
        concealment: r.try_get::<Option<i64>, _>(9)?.unwrap_or(0),
        omission: r.try_get::<Option<i64>, _>(10)?.unwrap_or(0),
        review: r.try_get::<Option<i64>, _>(11)?.unwrap_or(0),
    })
}

fn text(row: &[Value], i: usize) -> String {
    row[i].as_text().unwrap_or_default().to_owned()
}

fn opt_text(row: &[Value], i: usize) -> Option<String> {
    row[i].as_text().map(str::to_owned)
}

fn sealed_text(row: &[Value], i: usize) -> String {
    String::from_utf8_lossy(row[i].as_bytes().unwrap_or_default()).into_owned()
}

/// The SQL condition (findings `f` of cases `c`) for a finding the case's latest run found (rows
/// from before runs were tracked count as found).
pub(crate) const CURRENT: &str =
    "(f.last_run IS NULL OR c.last_run IS NULL OR f.last_run = c.last_run)";

/// A determination as the in-force rule reads it: what it decides and who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signed {
    /// Id (the order determinations on a finding were recorded in).
    pub(crate) id: i64,
    /// The finding (`None`: a determination naming no finding, which stands alone).
    pub(crate) finding: Option<i64>,
    /// The profile's determination id.
    pub(crate) outcome: String,
    /// The verifier who decided it.
    pub(crate) decided_by: String,
    /// The verifier who confirmed it.
    pub(crate) confirmed_by: Option<String>,
}

impl Signed {
    /// From a row whose first five columns are `id, finding_id, outcome, decided_by,
    /// confirmed_by` of `determinations`.
    pub(crate) fn of_row(r: &sqlx::any::AnyRow) -> Result<Signed, StoreError> {
        Ok(Signed {
            id: r.try_get(0)?,
            finding: r.try_get(1)?,
            outcome: r.try_get(2)?,
            decided_by: r.try_get(3)?,
            confirmed_by: r.try_get(4)?,
        })
    }
}

/// What the in-force rule says of one determination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Standing {
    /// It is the determination in force on its finding.
    pub(crate) in_force: bool,
    /// A later determination took force after it, or (one that never took force) a later one
    /// was recorded: it can no longer take force.
    pub(crate) superseded: bool,
    /// How many different verifiers it needs, the one who decided included.
    pub(crate) needs: u8,
    /// The determination in force it would replace when recorded (and replaced, once in force).
    pub(crate) replaces: Option<i64>,
    /// Verifiers who may not sign it: those who decided or confirmed the determination it
    /// replaces, when that one needed more than one verifier.
    pub(crate) not_by: Vec<String>,
}

/// How many different verifiers a determination of `outcome` needs on its own (the profile's
/// `confirmations`; an outcome the profile does not know, one).
fn needs_of(profile: &Profile, outcome: &str) -> u8 {
    profile
        .determination(outcome)
        .map_or(1, |d| d.confirmations.max(1))
}

/// **The in-force rule for determinations**, the one rule for the workbench, the case status,
/// the integrity record, the key checks, the statistics and the declarant's own page.
///
/// On each finding, determinations are taken in the order recorded. One takes force when as
/// many different verifiers signed it (decided, then confirmed) as its outcome needs under the
/// profile; it then replaces the one in force before it, which stays as history. One that would
/// replace a determination in force that needed N verifiers needs N itself, none of them a
/// verifier who decided or confirmed the one it replaces: until then the first stays in force
/// (and so does any promotion bar it carries). A determination that has not taken force is
/// superseded by any later one on the same finding.
pub(crate) fn standings(profile: &Profile, all: &[Signed]) -> HashMap<i64, Standing> {
    let mut by_finding: BTreeMap<(Option<i64>, i64), Vec<&Signed>> = BTreeMap::new();
    for d in all {
        let key = match d.finding {
            Some(f) => (Some(f), 0),
            None => (None, d.id),
        };
        by_finding.entry(key).or_default().push(d);
    }
    let mut out: HashMap<i64, Standing> = HashMap::new();
    for mut ds in by_finding.into_values() {
        ds.sort_by_key(|d| d.id);
        // The determination in force, what it needed, and who signed it.
        let mut current: Option<(i64, u8, Vec<&str>)> = None;
        let mut waiting: Option<i64> = None;
        for d in ds {
            if let Some(w) = waiting.take()
                && let Some(s) = out.get_mut(&w)
            {
                s.superseded = true;
            }
            let own = needs_of(profile, &d.outcome);
            let (needs, not_by, replaces) = match &current {
                Some((id, n, signers)) if *n >= 2 => (
                    own.max(*n),
                    signers.iter().map(|s| (*s).to_owned()).collect(),
                    Some(*id),
                ),
                Some((id, _, _)) => (own, Vec::new(), Some(*id)),
                None => (own, Vec::new(), None),
            };
            let mut signers = vec![d.decided_by.as_str()];
            if let Some(c) = d.confirmed_by.as_deref()
                && !signers.contains(&c)
            {
                signers.push(c);
            }
            let takes_force = signers.len() >= usize::from(needs)
                && !signers.iter().any(|s| not_by.iter().any(|n| n == s));
            if takes_force {
                if let Some((before, ..)) = current.take()
                    && let Some(s) = out.get_mut(&before)
                {
                    s.in_force = false;
                    s.superseded = true;
                }
                current = Some((d.id, needs, signers));
            } else {
                waiting = Some(d.id);
            }
            out.insert(
                d.id,
                Standing {
                    in_force: takes_force,
                    superseded: false,
                    needs,
                    replaces,
                    not_by,
                },
            );
        }
    }
    out
}

fn outcome<'p>(profile: &'p Profile, id: &str) -> Result<&'p Outcome, StoreError> {
    profile.determination(id).ok_or_else(|| {
        StoreError::from(
            Refusal::new("not-a-determination")
                .arg("outcome", format!("{id:?}"))
                .arg("profile", &profile.id),
        )
    })
}

/// The stored evidence of a finding: a `FindingEvidence`, or (runs before evidence was kept) the
/// bare discrepancy.
pub(crate) fn evidence(bytes: &[u8]) -> Result<FindingEvidence, StoreError> {
    serde_json::from_slice::<FindingEvidence>(bytes)
        .or_else(|_| {
            serde_json::from_slice::<Discrepancy>(bytes).map(|finding| FindingEvidence {
                finding,
                registry_rows: Vec::new(),
            })
        })
        .map_err(|e| StoreError::Corrupt(format!("a finding's evidence does not parse: {e}")))
}

impl Store {
    /// The cases that fit `filter`, by unit, name and id. Metadata only: no report content.
    /// Only cases of subjects in units within `scope`.
    pub async fn cases(
        &self,
        scope: &crate::UnitScope,
        filter: &CaseFilter,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let mut conn = self.connection().await?;
        let sql = format!(
            "SELECT {CASE_COLUMNS} {CASE_FROM} WHERE ($1 < 0 OR c.cycle = $1) {CASE_GROUP} \
             ORDER BY s.unit, s.name, c.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(filter.cycle.map_or(-1, i64::from))
            .fetch_all(&mut *conn)
            .await?;
        let mut cases = Vec::new();
        for r in &rows {
            let c = summary(r)?;
            let fits = scope.covers(&c.unit)
                && filter.unit.as_ref().is_none_or(|u| *u == c.unit)
                && filter.status.is_none_or(|s| s == c.status)
                && match filter.classification.as_deref() {
                    None => true,
                    Some("concealment") => c.concealment > 0,
                    Some("omission") => c.omission > 0,
                    Some("review") => c.review > 0,
                    Some(_) => false,
                };
            if fits {
                cases.push(c);
            }
        }
        Ok(cases)
    }

    /// One case of a subject in a unit within `scope`, without its content: `None` when there
    /// is none or it lies outside the scope (the same answer, so a scope reveals nothing).
    pub async fn case_in_scope(
        &self,
        scope: &crate::UnitScope,
        case_id: i64,
    ) -> Result<Option<CaseSummary>, StoreError> {
        Ok(self
            .case_summary(case_id)
            .await?
            .filter(|c| scope.covers(&c.unit)))
    }

    /// One case, without its content (for scope checks before an audited read).
    pub async fn case_summary(&self, case_id: i64) -> Result<Option<CaseSummary>, StoreError> {
        let mut conn = self.connection().await?;
        let sql = format!("SELECT {CASE_COLUMNS} {CASE_FROM} WHERE c.id = $1 {CASE_GROUP}");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(case_id)
            .fetch_optional(&mut *conn)
            .await?;
        row.as_ref().map(summary).transpose()
    }

    /// The ids of a case's findings (to check that a form's finding belongs to its case).
    pub async fn case_finding_ids(&self, case_id: i64) -> Result<Vec<i64>, StoreError> {
        self.ids_of_case("SELECT id FROM findings WHERE case_id = $1", case_id)
            .await
    }

    /// The ids of a case's determinations.
    pub async fn case_determination_ids(&self, case_id: i64) -> Result<Vec<i64>, StoreError> {
        self.ids_of_case("SELECT id FROM determinations WHERE case_id = $1", case_id)
            .await
    }

    async fn ids_of_case(&self, sql: &'static str, case_id: i64) -> Result<Vec<i64>, StoreError> {
        let mut conn = self.connection().await?;
        sqlx::query(sql)
            .bind(case_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    /// The whole case file: findings with evidence, explanations, determinations. The read is
    /// recorded (`case.read`, naming the reader and the case) in the same transaction.
    pub async fn case_file(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        case_id: i64,
    ) -> Result<Option<CaseFile>, StoreError> {
        let Some(case) = self.case_summary(case_id).await? else {
            return Ok(None);
        };
        let mut w = self.writer(stamp).await?;
        let file = read_case_file(&mut w, profile, case).await?;
        w.event(
            "case.read",
            &format!("cases/{case_id}"),
            &format!("read cases {case_id}"),
        )
        .await?;
        w.commit().await?;
        Ok(Some(file))
    }

    /// Asks the subject of a case to explain; the case then awaits the answer.
    pub async fn request_explanation(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        case_id: i64,
        question: &str,
        due_on: Option<&str>,
    ) -> Result<i64, StoreError> {
        let question = question.trim();
        if question.is_empty() {
            return Err(Refusal::new("question-empty").into());
        }
        if let Some(d) = due_on
            && probity_model::Date::parse(d).is_err()
        {
            return Err(Refusal::new("due-date-invalid")
                .arg("date", format!("{d:?}"))
                .into());
        }
        let mut w = self.writer(stamp).await?;
        case_row(&mut w, case_id).await?;
        let id = w.next_id(&EXPLANATIONS).await?;
        w.insert(
            &EXPLANATIONS,
            "explanation.request",
            vec![
                Value::Int(id),
                Value::Int(case_id),
                stamp.actor.as_str().into(),
                stamp.at.as_str().into(),
                Value::Bytes(question.as_bytes().to_vec()),
                Value::Null,
                Value::Null,
                Value::opt_text(due_on),
            ],
        )
        .await?;
        update_status(&mut w, profile, case_id).await?;
        w.commit().await?;
        Ok(id)
    }

    /// The requests for explanation addressed to a subject, newest first (their own: the
    /// declarant's view, not a staff read).
    pub async fn explanations_of(&self, person_key: &str) -> Result<Vec<Explanation>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        let cycles: HashMap<i64, i64> =
            sqlx::query("SELECT id, cycle FROM cases WHERE person_key = $1")
                .bind(person_key)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?;
        let mut out = Vec::new();
        for (case_id, cycle) in cycles {
            for row in fetch(
                &mut conn,
                &keys,
                &EXPLANATIONS,
                "case_id = $1",
                &[Value::Int(case_id)],
            )
            .await?
            {
                out.push(explanation(&row, cycle));
            }
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.id));
        Ok(out)
    }

    /// The subject's answer to a request for explanation. Refused when the request is not
    /// addressed to `person_key` or was answered already.
    pub async fn answer_explanation(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        explanation_id: i64,
        person_key: &str,
        answer: &str,
    ) -> Result<(), StoreError> {
        let answer = answer.trim();
        if answer.is_empty() {
            return Err(Refusal::new("answer-empty").into());
        }
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let Some(mut row) = fetch(
            w.conn(),
            &keys,
            &EXPLANATIONS,
            "id = $1",
            &[Value::Int(explanation_id)],
        )
        .await?
        .into_iter()
        .next() else {
            return Err(Refusal::new("no-explanation")
                .arg("id", explanation_id)
                .into());
        };
        let case_id = row[1].as_int().unwrap_or_default();
        let case = case_row(&mut w, case_id).await?;
        if case[2].as_text() != Some(person_key) {
            return Err(Refusal::new("explanation-not-yours")
                .arg("id", explanation_id)
                .into());
        }
        if !matches!(row[5], Value::Null) {
            return Err(Refusal::new("explanation-answered")
                .arg("id", explanation_id)
                .into());
        }
        row[5] = Value::Bytes(answer.as_bytes().to_vec());
        row[6] = stamp.at.as_str().into();
        w.upsert(&EXPLANATIONS, "explanation.answer", row).await?;
        update_status(&mut w, profile, case_id).await?;
        w.commit().await?;
        Ok(())
    }

    /// Records a determination on a finding, with the measures it allows (checked against the
    /// profile). In force at once when the profile asks for one verifier; otherwise when a
    /// second confirms it. It supersedes the determination in force on the finding once it
    /// takes force; replacing one that needed two verifiers needs two itself, neither of them
    /// one who decided or confirmed it (the in-force rule, `standings`): the verifiers who did are
    /// refused,
    /// and the event is `determination.override`.
    pub async fn determine(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        finding_id: i64,
        outcome_id: &str,
        reason: &str,
        measures: &[String],
    ) -> Result<i64, StoreError> {
        let determination = outcome(profile, outcome_id)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::new("reasoning-missing").into());
        }
        if let Some(m) = measures
            .iter()
            .find(|m| !determination.measures.contains(m))
        {
            return Err(Refusal::new("measure-mismatch")
                .arg("measure", format!("{m:?}"))
                .arg("outcome", outcome_id)
                .into());
        }
        let mut w = self.writer(stamp).await?;
        let case_id = sqlx::query("SELECT case_id FROM findings WHERE id = $1")
            .bind(finding_id)
            .fetch_optional(w.conn())
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .ok_or_else(|| StoreError::from(Refusal::new("no-finding").arg("id", finding_id)))?;
        // The determination in force on the finding, if one: replacing one that needed N
        // verifiers takes N others.
        let (signed, standing) = finding_standings(&mut w, profile, finding_id).await?;
        let current = signed
            .iter()
            .find(|d| standing.get(&d.id).is_some_and(|s| s.in_force));
        let mut action = "determination.record";
        if let Some(c) = current
            && standing.get(&c.id).is_some_and(|s| s.needs >= 2)
        {
            let signers: Vec<&str> = std::iter::once(c.decided_by.as_str())
                .chain(c.confirmed_by.as_deref())
                .collect();
            if signers.contains(&stamp.actor.as_str()) {
                return Err(Refusal::new("replace-own").arg("id", c.id).into());
            }
            action = "determination.override";
        }
        let id = w.next_id(&DETERMINATIONS).await?;
        w.insert(
            &DETERMINATIONS,
            action,
            vec![
                Value::Int(id),
                Value::Int(case_id),
                outcome_id.into(),
                stamp.actor.as_str().into(),
                stamp.at.as_str().into(),
                Value::Null,
                Value::Null,
                Value::Bytes(reason.as_bytes().to_vec()),
                Value::Int(finding_id),
            ],
        )
        .await?;
        let mut next = w.next_id(&MEASURES).await?;
        let mut rows = Vec::new();
        for m in measures {
            rows.push(vec![
                Value::Int(next),
                Value::Int(case_id),
                m.as_str().into(),
                stamp.actor.as_str().into(),
                stamp.at.as_str().into(),
                Value::Bytes(Vec::new()),
                Value::Int(id),
            ]);
            next += 1;
        }
        w.insert_all(&MEASURES, "measure.record", rows).await?;
        update_status(&mut w, profile, case_id).await?;
        w.commit().await?;
        Ok(id)
    }

    /// A second verifier confirms a determination that the profile makes wait for one. Refused
    /// to the verifier who decided it, and for one superseded, confirmed already, or needing no
    /// confirmation.
    pub async fn confirm_determination(
        &self,
        stamp: &Stamp,
        profile: &Profile,
        determination_id: i64,
    ) -> Result<(), StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let Some(mut row) = fetch(
            w.conn(),
            &keys,
            &DETERMINATIONS,
            "id = $1",
            &[Value::Int(determination_id)],
        )
        .await?
        .into_iter()
        .next() else {
            return Err(Refusal::new("no-determination")
                .arg("id", determination_id)
                .into());
        };
        outcome(profile, &text(&row, 2))?;
        let finding_id = row[8].as_int().unwrap_or_default();
        let (_, standing) = finding_standings(&mut w, profile, finding_id).await?;
        let this = standing.get(&determination_id).cloned().unwrap_or_default();
        let refuse =
            |r: Refusal| -> Result<(), StoreError> { Err(r.arg("id", determination_id).into()) };
        if !matches!(row[5], Value::Null) {
            return refuse(Refusal::new("confirmed-already"));
        }
        if this.in_force || this.needs < 2 {
            return refuse(Refusal::new("needs-no-confirmation"));
        }
        if this.superseded {
            return refuse(Refusal::new("superseded"));
        }
        if row[3].as_text() == Some(stamp.actor.as_str()) {
            return refuse(Refusal::new("confirm-own"));
        }
        if this.not_by.contains(&stamp.actor) {
            return Err(Refusal::new("confirm-replaces-own")
                .arg("id", determination_id)
                .arg("replaced", this.replaces.unwrap_or_default())
                .into());
        }
        row[5] = stamp.actor.as_str().into();
        row[6] = stamp.at.as_str().into();
        let case_id = row[1].as_int().unwrap_or_default();
        w.upsert(&DETERMINATIONS, "determination.confirm", row)
            .await?;
        if let Some(replaced) = this.replaces {
            w.event(
                "determination.replaced",
                &format!("determinations/{replaced}"),
                &format!(
                    "replaced by determination {determination_id}, confirmed by {}",
                    stamp.actor
                ),
            )
            .await?;
        }
        update_status(&mut w, profile, case_id).await?;
        w.commit().await?;
        Ok(())
    }

    /// A subject's integrity record: every determination on their findings other than
    /// `consistent`, over all cycles, superseded ones left out, with what it means for promotion.
    pub async fn integrity_record(
        &self,
        profile: &Profile,
        person_key: &str,
    ) -> Result<IntegrityRecord, StoreError> {
        Ok(self
            .integrity(profile, Some(person_key))
            .await?
            .remove(person_key)
            .unwrap_or_default())
    }

    /// The integrity record of every subject with a determination other than `consistent`, by
    /// person key: one pass for a list of subjects, instead of one query each.
    pub async fn integrity_records(
        &self,
        profile: &Profile,
    ) -> Result<BTreeMap<String, IntegrityRecord>, StoreError> {
        self.integrity(profile, None).await
    }

    /// The subjects on the roster with a key-check flag (promotion, reserve, key post,
    /// complaint), by unit and name, each with their integrity record: the list a promotion or
    /// reserve decision consults.
    /// Only subjects of units within `scope`.
    pub async fn key_checks(
        &self,
        scope: &crate::UnitScope,
        profile: &Profile,
    ) -> Result<Vec<KeyCheck>, StoreError> {
        let mut records = self.integrity(profile, None).await?;
        let mut pending = self.pending_findings(profile).await?;
        let mut conn = self.connection().await?;
        sqlx::query(
            "SELECT person_key, name, unit, position, flags FROM subjects \
             WHERE on_roster = 1 AND flags <> '' ORDER BY unit, name, person_key",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let person_key: String = r.try_get(0)?;
            Ok(KeyCheck {
                record: records.remove(&person_key).unwrap_or_default(),
                pending: pending.remove(&person_key).unwrap_or_default(),
                person_key,
                name: r.try_get(1)?,
                unit: r.try_get(2)?,
                position: r.try_get(3)?,
                flags: r.try_get(4)?,
            })
        })
        .filter(|k: &Result<KeyCheck, StoreError>| {
            k.as_ref().map_or(true, |k| scope.covers(&k.unit))
        })
        .collect()
    }

    /// By subject, how many findings of their reports in force (found by their case's latest
    /// run; a finding with no report counts) have no determination in force.
    pub async fn pending_findings(
        &self,
        profile: &Profile,
    ) -> Result<BTreeMap<String, usize>, StoreError> {
        let mut conn = self.connection().await?;
        let sql = format!(
            "SELECT f.id, c.person_key FROM findings f JOIN cases c ON c.id = f.case_id \
             WHERE {CURRENT} AND (f.declaration_id IS NULL OR f.declaration_id NOT IN \
             (SELECT supersedes FROM declarations WHERE supersedes IS NOT NULL))"
        );
        let findings: Vec<(i64, String)> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let signed = sqlx::query(
            "SELECT id, finding_id, outcome, decided_by, confirmed_by FROM determinations \
             WHERE finding_id IS NOT NULL ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(Signed::of_row)
        .collect::<Result<Vec<_>, _>>()?;
        let standing = standings(profile, &signed);
        let mut decided: HashMap<i64, bool> = HashMap::new();
        for d in &signed {
            if let Some(f) = d.finding {
                *decided.entry(f).or_default() |= standing.get(&d.id).is_some_and(|s| s.in_force);
            }
        }
        let mut pending: BTreeMap<String, usize> = BTreeMap::new();
        for (id, person_key) in findings {
            if !decided.get(&id).copied().unwrap_or(false) {
                *pending.entry(person_key).or_default() += 1;
            }
        }
        Ok(pending)
    }

    /// Integrity records by subject: one subject's, or everyone's with any determination.
    async fn integrity(
        &self,
        profile: &Profile,
        person_key: Option<&str>,
    ) -> Result<BTreeMap<String, IntegrityRecord>, StoreError> {
        let mut conn = self.connection().await?;
        let who = person_key.unwrap_or_default();
        let rows = sqlx::query(
            "SELECT d.id, d.finding_id, d.outcome, d.decided_by, d.confirmed_by, d.case_id, \
             c.cycle, f.category, d.decided_at, c.person_key FROM determinations d \
             JOIN cases c ON c.id = d.case_id JOIN findings f ON f.id = d.finding_id \
             WHERE ($1 = '' OR c.person_key = $1) ORDER BY d.id",
        )
        .bind(who)
        .fetch_all(&mut *conn)
        .await?;
        let signed = rows
            .iter()
            .map(Signed::of_row)
            .collect::<Result<Vec<_>, _>>()?;
        let standing = standings(profile, &signed);
        let outcome_of: HashMap<i64, &str> =
            signed.iter().map(|d| (d.id, d.outcome.as_str())).collect();
        // Per finding: the determination in force, else the one awaiting confirmation; with what
        // the one in force replaced and what waits to replace it. Superseded ones are history.
        let mut latest: BTreeMap<i64, (String, i64, IntegrityEntry)> = BTreeMap::new();
        let mut waiting: HashMap<i64, String> = HashMap::new();
        for (r, d) in rows.iter().zip(&signed) {
            let Some(s) = standing.get(&d.id) else {
                continue;
            };
            let finding = d.finding.unwrap_or_default();
            if !s.in_force {
                if !s.superseded {
                    waiting.insert(finding, d.outcome.clone());
                }
                if latest.get(&finding).is_some_and(|(_, _, e)| e.in_force) {
                    continue;
                }
            }
            latest.insert(
                finding,
                (
                    r.try_get(9)?,
                    d.id,
                    IntegrityEntry {
                        cycle: i32::try_from(r.try_get::<i64, _>(6)?).unwrap_or_default(),
                        case_id: r.try_get(5)?,
                        category: r.try_get(7)?,
                        in_force: s.in_force,
                        outcome: d.outcome.clone(),
                        decided_at: r.try_get(8)?,
                        measures: Vec::new(),
                        replaces: s
                            .replaces
                            .and_then(|id| outcome_of.get(&id))
                            .map(|o| (*o).to_owned()),
                        pending: None,
                    },
                ),
            );
        }
        for (finding, (_, _, entry)) in latest.iter_mut() {
            if entry.in_force {
                entry.pending = waiting.remove(finding);
            }
        }
        let mut measures: HashMap<i64, Vec<String>> = HashMap::new();
        for r in sqlx::query(
            "SELECT m.determination_id, m.measure FROM measures m JOIN cases c ON c.id = m.case_id \
             WHERE ($1 = '' OR c.person_key = $1) ORDER BY m.id",
        )
        .bind(who)
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(d) = r.try_get::<Option<i64>, _>(0)? {
                measures.entry(d).or_default().push(r.try_get(1)?);
            }
        }
        let mut records: BTreeMap<String, IntegrityRecord> = BTreeMap::new();
        for (_, (subject, determination, mut entry)) in latest {
            let against = |o: &str| o != "consistent";
            if !against(&entry.outcome)
                && !entry.replaces.as_deref().is_some_and(against)
                && !entry.pending.as_deref().is_some_and(against)
            {
                continue;
            }
            entry.measures = measures.remove(&determination).unwrap_or_default();
            records.entry(subject).or_default().entries.push(entry);
        }
        for record in records.values_mut() {
            record
                .entries
                .sort_by(|a, b| b.cycle.cmp(&a.cycle).then(a.case_id.cmp(&b.case_id)));
            let mut bars: Vec<String> = record
                .entries
                .iter()
                .filter(|e| {
                    e.in_force
                        && profile
                            .determination(&e.outcome)
                            .is_some_and(|d| d.bars_promotion)
                })
                .map(|e| e.outcome.clone())
                .collect();
            bars.sort();
            bars.dedup();
            record.bars_promotion = bars;
        }
        Ok(records)
    }
}

fn explanation(row: &[Value], cycle: i64) -> Explanation {
    Explanation {
        id: row[0].as_int().unwrap_or_default(),
        case_id: row[1].as_int().unwrap_or_default(),
        cycle: i32::try_from(cycle).unwrap_or_default(),
        requested_by: text(row, 2),
        requested_at: text(row, 3),
        question: sealed_text(row, 4),
        answer: row[5]
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
        answered_at: opt_text(row, 6),
        due_on: opt_text(row, 7),
    }
}

/// The case's row, or a conflict naming the id.
async fn case_row(w: &mut Writer, case_id: i64) -> Result<Vec<Value>, StoreError> {
    let keys = w.keys.clone();
    fetch(w.conn(), &keys, &CASES, "id = $1", &[Value::Int(case_id)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::from(Refusal::new("no-case").arg("id", case_id)))
}

/// The determinations on a finding, oldest first, and what the in-force rule says of each.
async fn finding_standings(
    w: &mut Writer,
    profile: &Profile,
    finding_id: i64,
) -> Result<(Vec<Signed>, HashMap<i64, Standing>), StoreError> {
    let signed = sqlx::query(
        "SELECT id, finding_id, outcome, decided_by, confirmed_by FROM determinations \
         WHERE finding_id = $1 ORDER BY id",
    )
    .bind(finding_id)
    .fetch_all(w.conn())
    .await?
    .iter()
    .map(Signed::of_row)
    .collect::<Result<Vec<_>, _>>()?;
    let standing = standings(profile, &signed);
    Ok((signed, standing))
}

async fn read_case_file(
    w: &mut Writer,
    profile: &Profile,
    case: CaseSummary,
) -> Result<CaseFile, StoreError> {
    let keys = w.keys.clone();
    let id = Value::Int(case.id);
    let case_last_run = case_row(w, case.id).await?[7].as_int();
    let findings = fetch(
        w.conn(),
        &keys,
        &FINDINGS,
        "case_id = $1",
        std::slice::from_ref(&id),
    )
    .await?
    .into_iter()
    .map(|r| {
        let evidence = evidence(r[7].as_bytes().unwrap_or_default())?;
        let latest = case_last_run;
        Ok(CaseFinding {
            id: r[0].as_int().unwrap_or_default(),
            report_kind: r[9]
                .as_text()
                .map(str::to_owned)
                .unwrap_or_else(|| "annual".to_owned()),
            found: match (r[11].as_int(), latest) {
                (Some(found), Some(latest)) => found == latest,
                _ => true,
            },
            evidence,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let explanations = fetch(
        w.conn(),
        &keys,
        &EXPLANATIONS,
        "case_id = $1",
        std::slice::from_ref(&id),
    )
    .await?
    .iter()
    .map(|r| explanation(r, case.cycle.into()))
    .collect();
    let mut measures: HashMap<i64, Vec<String>> = HashMap::new();
    for m in fetch(
        w.conn(),
        &keys,
        &MEASURES,
        "case_id = $1",
        std::slice::from_ref(&id),
    )
    .await?
    {
        if let Some(d) = m[6].as_int() {
            measures.entry(d).or_default().push(text(&m, 2));
        }
    }
    let rows = fetch(w.conn(), &keys, &DETERMINATIONS, "case_id = $1", &[id]).await?;
    let signed: Vec<Signed> = rows
        .iter()
        .map(|r| Signed {
            id: r[0].as_int().unwrap_or_default(),
            finding: r[8].as_int(),
            outcome: text(r, 2),
            decided_by: text(r, 3),
            confirmed_by: opt_text(r, 5),
        })
        .collect();
    let mut standing = standings(profile, &signed);
    let determinations = rows
        .iter()
        .map(|r| {
            let id = r[0].as_int().unwrap_or_default();
            let s = standing.remove(&id).unwrap_or_default();
            DeterminationRecord {
                id,
                case_id: case.id,
                finding_id: r[8].as_int().unwrap_or_default(),
                in_force: s.in_force,
                superseded: s.superseded,
                needs: s.needs,
                replaces: s.replaces,
                not_by: s.not_by,
                outcome: text(r, 2),
                decided_by: text(r, 3),
                decided_at: text(r, 4),
                confirmed_by: opt_text(r, 5),
                confirmed_at: opt_text(r, 6),
                reason: sealed_text(r, 7),
                measures: measures.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(CaseFile {
        case,
        findings,
        explanations,
        determinations,
    })
}

/// Derives the case's status from what it holds and stores it if it changed.
pub(crate) async fn update_status(
    w: &mut Writer,
    profile: &Profile,
    case_id: i64,
) -> Result<CaseStatus, StoreError> {
    let mut row = case_row(w, case_id).await?;
    // Only the findings the latest run found need a determination; those no longer found are
    // kept as history.
    let findings: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT f.id FROM findings f JOIN cases c ON c.id = f.case_id WHERE f.case_id = $1 AND {CURRENT}"
    )))
        .bind(case_id)
        .fetch_all(w.conn())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let signed = sqlx::query(
        "SELECT id, finding_id, outcome, decided_by, confirmed_by FROM determinations \
         WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(w.conn())
    .await?
    .iter()
    .map(Signed::of_row)
    .collect::<Result<Vec<_>, _>>()?;
    let standing = standings(profile, &signed);
    // Per finding: whether a determination is in force, whether one awaits confirmation.
    let mut decided: HashMap<i64, bool> = HashMap::new();
    let mut waiting: HashMap<i64, bool> = HashMap::new();
    for d in &signed {
        let (Some(f), Some(s)) = (d.finding, standing.get(&d.id)) else {
            continue;
        };
        *decided.entry(f).or_default() |= s.in_force;
        *waiting.entry(f).or_default() |= !s.in_force && !s.superseded;
    }
    let (asked, answered): (i64, i64) = {
        let r =
            sqlx::query("SELECT COUNT(*), COUNT(answered_at) FROM explanations WHERE case_id = $1")
                .bind(case_id)
                .fetch_one(w.conn())
                .await?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    let status = if findings.iter().any(|f| waiting.get(f) == Some(&true)) {
        CaseStatus::AwaitingConfirmation
    } else if !findings.is_empty() && findings.iter().all(|f| decided.get(f) == Some(&true)) {
        CaseStatus::Decided
    } else if waiting.values().any(|w| *w) {
        CaseStatus::AwaitingConfirmation
    } else if asked > answered {
        CaseStatus::AwaitingExplanation
    } else if asked > 0 {
        CaseStatus::Explained
    } else {
        CaseStatus::Open
    };
    if row[5].as_text() != Some(status.as_str()) {
        row[5] = status.as_str().into();
        w.upsert(&CASES, "case.status", row).await?;
    }
    Ok(status)
}
