//! What is due, from whom, by when: the one rule that the progress view, reminders, statistics,
//! the sample frame and the declarant's own page all follow (PRODUCT.md "When", FORMATS.md
//! Declaration rules).
//!
//! - An **annual** report on year Y is due by the profile's deadline in Y + 1 from every subject
//!   who was a subject in Y: `subject_since` on or before 31 December of Y. A subject who joined
//!   after Y is not due for it; one who joined during Y is. A retired subject reports no more.
//! - An **initial** report is due within `initial_within_days` of `subject_since`.
//! - A **change** report is due within `change_within_days` of the event (`change.on`).
//!
//! Whether a filing was on time compares its report date (`filed_on`) with the due date.
//!
//! ```
//! use probity_model::obligation::{annual_due, initial_due};
//! use probity_model::roster::SubjectStatus;
//! use probity_model::{Date, Profile};
//!
//! let cn = Profile::builtin("cn").unwrap();
//! let joined = Date::parse("2026-11-03").unwrap();
//! // Joined in November 2026: nothing due for 2025, the 2026 report by 31 January 2027.
//! assert_eq!(annual_due(&cn, joined, SubjectStatus::Active, 2025), None);
//! assert_eq!(annual_due(&cn, joined, SubjectStatus::Active, 2026).unwrap().to_string(), "2027-01-31");
//! assert_eq!(initial_due(&cn, joined).unwrap().to_string(), "2026-12-03");
//! ```

use crate::profile::Profile;
use crate::roster::SubjectStatus;
use crate::time::Date;

/// The deadline of subject's annual report on `year`, or `None` when none is due from them: they
/// became a subject after that year, or they have retired.
pub fn annual_due(
    profile: &Profile,
    subject_since: Date,
    status: SubjectStatus,
    year: i32,
) -> Option<Date> {
    if status == SubjectStatus::Retired {
        return None;
    }
    let end_of_year = Date::from_ymd(year, 12, 31)?;
    if subject_since > end_of_year {
        return None;
    }
    profile.annual_deadline(year)
}

/// The deadline of the initial report of a subject who became one on `subject_since`.
pub fn initial_due(profile: &Profile, subject_since: Date) -> Option<Date> {
    subject_since.add_days(i64::from(profile.deadlines.initial_within_days))
}

/// The deadline of the change report on an event of `on`.
pub fn change_due(profile: &Profile, on: Date) -> Option<Date> {
    on.add_days(i64::from(profile.deadlines.change_within_days))
}

/// Whether a report dated `filed_on` was on time for `due`.
pub fn on_time(filed_on: Date, due: Date) -> bool {
    filed_on <= due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> Profile {
        Profile::builtin("cn").unwrap()
    }

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn a_subject_is_due_for_the_years_they_were_one() {
        let p = cn();
        let since = d("2025-12-31");
        assert_eq!(
            annual_due(&p, since, SubjectStatus::Active, 2025),
            Some(d("2026-01-31"))
        );
        assert_eq!(annual_due(&p, since, SubjectStatus::Active, 2024), None);
        assert_eq!(
            annual_due(&p, d("2026-01-01"), SubjectStatus::Active, 2025),
            None
        );
        assert_eq!(
            annual_due(&p, d("2010-05-01"), SubjectStatus::Left, 2025),
            Some(d("2026-01-31"))
        );
        assert_eq!(
            annual_due(&p, d("2010-05-01"), SubjectStatus::Retired, 2025),
            None
        );
    }

    #[test]
    fn initial_and_change_reports_are_due_within_the_profiles_days() {
        let p = cn();
        assert_eq!(initial_due(&p, d("2026-11-03")), Some(d("2026-12-03")));
        assert_eq!(change_due(&p, d("2026-01-15")), Some(d("2026-02-14")));
        assert!(on_time(d("2026-02-14"), d("2026-02-14")));
        assert!(!on_time(d("2026-02-15"), d("2026-02-14")));
    }
}
