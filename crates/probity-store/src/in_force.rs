//! Which report is in force: the one rule (FORMATS.md, Declaration rules) that the import, the
//! web form's submit and the JSON API's submit check before storing a report, and that every read
//! of a cycle (verification, progress, statistics, obligations) follows.
//!
//! - A correction carries `supersedes`; a report is **in force** when no stored report
//!   supersedes it: the latest of its chain of corrections.
//! - At most one **annual** and one **initial** report of a subject and year is in force: a second
//!   one is refused unless it supersedes the report in force. Correcting a report that a later
//!   report has corrected already is refused too (it would start a second chain), naming the
//!   report in force.
//! - **Change** reports: several a year are normal (one per event); each chain is in force. A
//!   correction still goes to the head of its chain.
//!
//! ```
//! use probity_store::in_force::{Filed, admit};
//!
//! let first = Filed { declaration_id: "D1".into(), kind: "annual".into(), year: 2025,
//!                     filed_on: "2026-01-20".into(), supersedes: None };
//! let second = Filed { declaration_id: "D2".into(), supersedes: None, ..first.clone() };
//! // A second annual report of 2025 without `supersedes` is refused, naming D1.
//! assert_eq!(admit(&[first.clone()], &second).unwrap_err().declaration_id, "D1");
//! let correction = Filed { supersedes: Some("D1".into()), ..second };
//! assert!(admit(&[first], &correction).is_ok());
//! ```

use std::collections::HashSet;

/// The SQL condition (over `declarations`, unaliased) that keeps the reports in force: those no
/// report supersedes. Every cycle read uses it.
pub const SQL: &str = "declaration_id NOT IN \
     (SELECT supersedes FROM declarations WHERE supersedes IS NOT NULL)";

/// A report's metadata, as far as the in-force rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    /// Its id.
    pub declaration_id: String,
    /// `annual`, `initial` or `change`.
    pub kind: String,
    /// The year reported on.
    pub year: i32,
    /// Its report date (`YYYY-MM-DD`).
    pub filed_on: String,
    /// The report it corrects.
    pub supersedes: Option<String>,
}

/// The report in force that a refused report should have superseded (what a refusal names:
/// never a person).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InForce {
    /// Its id.
    pub declaration_id: String,
    /// `annual`, `initial` or `change`.
    pub kind: String,
    /// The year reported on.
    pub year: i32,
    /// Its report date.
    pub filed_on: String,
}

impl From<&Filed> for InForce {
    fn from(f: &Filed) -> InForce {
        InForce {
            declaration_id: f.declaration_id.clone(),
            kind: f.kind.clone(),
            year: f.year,
            filed_on: f.filed_on.clone(),
        }
    }
}

/// The reports of `reports` in force: those none of `reports` supersedes.
pub fn in_force(reports: &[Filed]) -> Vec<&Filed> {
    let superseded: HashSet<&str> = reports
        .iter()
        .filter_map(|r| r.supersedes.as_deref())
        .collect();
    reports
        .iter()
        .filter(|r| !superseded.contains(r.declaration_id.as_str()))
        .collect()
}

/// Whether `new` may be stored beside `stored`, the reports already stored (or earlier in the
/// same file) of the same subject: `Err` names the report in force it should supersede.
pub fn admit(stored: &[Filed], new: &Filed) -> Result<(), InForce> {
    let current = in_force(stored);
    if let Some(old) = &new.supersedes {
        if current.iter().any(|r| &r.declaration_id == old) {
            return Ok(());
        }
        // A correction of a report corrected already: name the head of its chain.
        let mut head = old.as_str();
        let mut seen = HashSet::new();
        while let Some(next) = stored
            .iter()
            .find(|r| r.supersedes.as_deref() == Some(head))
        {
            if !seen.insert(next.declaration_id.as_str()) {
                break;
            }
            head = &next.declaration_id;
        }
        return match stored.iter().find(|r| r.declaration_id == head) {
            Some(r) if head != old => Err(InForce::from(r)),
            // The superseded report is unknown here: whether it exists is the caller's check.
            _ => Ok(()),
        };
    }
    if new.kind == "change" {
        return Ok(());
    }
    match current
        .into_iter()
        .find(|r| r.kind == new.kind && r.year == new.year)
    {
        Some(r) => Err(InForce::from(r)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filed(id: &str, kind: &str, year: i32, supersedes: Option<&str>) -> Filed {
        Filed {
            declaration_id: id.into(),
            kind: kind.into(),
            year,
            filed_on: "2026-01-10".into(),
            supersedes: supersedes.map(str::to_owned),
        }
    }

    #[test]
    fn one_annual_report_in_force_per_year() {
        let stored = vec![filed("A", "annual", 2025, None)];
        assert_eq!(
            admit(&stored, &filed("B", "annual", 2025, None))
                .unwrap_err()
                .declaration_id,
            "A"
        );
        assert!(admit(&stored, &filed("B", "annual", 2024, None)).is_ok());
        assert!(admit(&stored, &filed("B", "initial", 2025, None)).is_ok());
        assert!(admit(&stored, &filed("B", "annual", 2025, Some("A"))).is_ok());
    }

    #[test]
    fn a_correction_of_a_corrected_report_names_the_head_of_the_chain() {
        let stored = vec![
            filed("A", "annual", 2025, None),
            filed("B", "annual", 2025, Some("A")),
            filed("C", "annual", 2025, Some("B")),
        ];
        assert_eq!(
            admit(&stored, &filed("D", "annual", 2025, Some("A")))
                .unwrap_err()
                .declaration_id,
            "C"
        );
        assert!(admit(&stored, &filed("D", "annual", 2025, Some("C"))).is_ok());
        assert_eq!(in_force(&stored).len(), 1);
    }

    #[test]
    fn change_reports_stand_side_by_side() {
        let stored = vec![
            filed("X", "change", 2025, None),
            filed("Y", "change", 2025, Some("X")),
        ];
        assert!(admit(&stored, &filed("Z", "change", 2025, None)).is_ok());
        assert_eq!(
            admit(&stored, &filed("Z", "change", 2025, Some("X")))
                .unwrap_err()
                .declaration_id,
            "Y"
        );
    }
}
