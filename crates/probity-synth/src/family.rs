//! The family: spouse (sometimes foreign), former spouse, children of plausible ages, their
//! marriages; the declarant's marriage history in `marriages.csv` and matter 1 of the report.

use probity_model::declaration::*;
use probity_model::finding::{Category, FindingKind};
use probity_model::registry::{MarriageEvent, MarriageRecord, Source};
use probity_model::{Country, Date};
use rand::Rng;

use crate::SynthError;
use crate::catalog::SPOUSE_NATIONALITIES;
use crate::household::{ChildMarriageFact, Household, Member};
use crate::inject::{Finding, Variant};
use crate::names;
use crate::registry::Tagged;
use crate::rng::{add_years, between, pick, shift, weighted, ymd};

/// Slots of the identity layout (see `identity`).
const SPOUSE: usize = 1;
const EX: usize = 2;
const CHILD: usize = 3;
const CHILD_SPOUSE: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Unmarried,
    Married,
    Remarried,
    Divorced,
}

impl Household<'_> {
    /// Adds a member; one with a nationality has no resident ID.
    #[allow(clippy::too_many_arguments)]
    fn add_member(
        &mut self,
        slot: usize,
        relation: Relation,
        handle: &str,
        name: String,
        birth_year: i32,
        male: bool,
        nationality: Option<&str>,
    ) -> Result<usize, SynthError> {
        let (id, birth, nationality) = match nationality {
            None => {
                let id = self.ctx.ids.id(self.q, slot, birth_year, male)?;
                let birth = id.birth_date();
                (Some(id), birth, None)
            }
            Some(code) => {
                let birth = ymd(
                    birth_year,
                    self.rw.random_range(1..13),
                    self.rw.random_range(1..29),
                );
                (None, birth, Some(Country::parse(code)?))
            }
        };
        self.members.push(Member {
            handle: handle.to_owned(),
            relation,
            name,
            id,
            nationality,
            birth,
            male,
            co_residing: None,
            of: None,
            listed: true,
            abroad: false,
        });
        Ok(self.members.len() - 1)
    }

    /// A marriage-registry row about `person` marrying or divorcing `spouse`.
    pub(crate) fn marriage_row(
        &mut self,
        person: usize,
        spouse: usize,
        event: MarriageEvent,
        date: Date,
    ) -> Result<String, SynthError> {
        let record_id = self.rid(Source::Marriages);
        let (p, s) = (&self.members[person], &self.members[spouse]);
        let rec = MarriageRecord {
            record_id: record_id.clone(),
            person_id: p.id_text(),
            person_name: p.name.clone(),
            spouse_id: s.id_text(),
            spouse_name: s.name.clone(),
            spouse_nationality: Some(match s.nationality {
                Some(c) => c,
                None => Country::parse("CN")?,
            }),
            event,
            date,
        };
        self.rows.marriages.push(Tagged {
            rec,
            owner: Some(person),
            blankable: false,
        });
        Ok(record_id)
    }

    /// A spouse for the declarant in `slot`, of the other sex and a similar age.
    fn spouse_member(
        &mut self,
        slot: usize,
        handle: &str,
        nationality: Option<&'static str>,
    ) -> Result<usize, SynthError> {
        let me = &self.members[0];
        let male = !me.male;
        let year = me.birth.year()
            + if me.male {
                self.rw.random_range(0..6)
            } else {
                self.rw.random_range(-4..2)
            };
        let name = match nationality {
            Some(code) => names::foreign(&mut self.rw, code, male),
            None => {
                let s = names::surname(&mut self.rw);
                names::full(&mut self.rw, s, male)
            }
        };
        let m = self.add_member(
            slot,
            Relation::Spouse,
            handle,
            name,
            year,
            male,
            nationality,
        )?;
        if slot != SPOUSE || handle != "sp" {
            self.members[m].listed = false;
        }
        Ok(m)
    }

    /// A wedding date for the declarant and `spouse`: both adults, at least `margin` days
    /// before the report, around `age` of the declarant.
    fn wedding(&mut self, spouse: usize, age: std::ops::Range<i32>, latest: Date) -> Option<Date> {
        let me = self.members[0].birth;
        let earliest = add_years(me, 22).max(add_years(self.members[spouse].birth, 22));
        let target = add_years(me, self.rw.random_range(age));
        let date = shift(target, self.rw.random_range(0..300)).max(earliest);
        (date <= latest).then_some(date)
    }

    /// Spouse, former spouse, children and the declarant's marriage history.
    pub(crate) fn family(&mut self) -> Result<(), SynthError> {
        let age = self.age(0);
        let hidden = self
            .plan
            .has(Category::Marriage, FindingKind::Unreported, Variant::Plain);
        let differs = self.plan.kind(Category::Marriage) == Some(FindingKind::Differs);
        let child_marriage = self.plan.get(Category::ChildMarriages).is_some();
        let needs = self.plan.needs_family() || differs;
        let mut status = if hidden {
            Status::Unmarried
        } else if needs {
            Status::Married
        } else if age < 35 && self.rw.random_bool(0.3) {
            Status::Unmarried
        } else {
            weighted(
                &mut self.rw,
                &[
                    (Status::Married, 88),
                    (Status::Remarried, 6),
                    (Status::Divorced, 6),
                ],
            )
        };
        if child_marriage {
            status = Status::Married;
        }
        let latest = shift(self.filed_on, -60);
        let foreign = status == Status::Married && !needs && self.rw.random_bool(0.015);

        if hidden {
            // A marriage registered this year that the report leaves out.
            let spouse = self.spouse_member(SPOUSE, "hsp", None)?;
            let from = ymd(self.year, 3, 1);
            let to = ymd(self.year, 12, 15).min(shift(self.filed_on, -10));
            let date = between(&mut self.rw, from, to);
            let row = self.marriage_row(0, spouse, MarriageEvent::Marriage, date)?;
            let spouse_name = self.members[spouse].name.clone();
            let mut f = Finding::new(Category::Marriage, FindingKind::Unreported, Some(0));
            f.registry = format!("marriage {date}");
            f.ids = vec![row];
            f.note = format!(
                "A marriage to {spouse_name} registered on {date} is not in the report, which says unmarried."
            );
            self.record(f);
            return Ok(());
        }

        let mut first_marriage: Option<Date> = None;
        let mut divorce: Option<Date> = None;
        let mut ex: Option<usize> = None;
        let mut spouse: Option<usize> = None;
        let mut latest_row: Option<(String, MaritalChangeKind, Date)> = None;

        if matches!(status, Status::Remarried | Status::Divorced) {
            let e = self.spouse_member(EX, "ex", None)?;
            let wedding = self.wedding(e, 23..28, latest);
            let split = wedding.map(|w| shift(w, self.rw.random_range(700..4000)));
            match (wedding, split) {
                (Some(w), Some(d)) if d <= latest => {
                    self.marriage_row(0, e, MarriageEvent::Marriage, w)?;
                    let row = self.marriage_row(0, e, MarriageEvent::Divorce, d)?;
                    if self.rw.random_bool(0.3) {
                        self.marriage_row(e, 0, MarriageEvent::Marriage, w)?;
                        self.marriage_row(e, 0, MarriageEvent::Divorce, d)?;
                    }
                    first_marriage = Some(w);
                    divorce = Some(d);
                    ex = Some(e);
                    latest_row = Some((row, MaritalChangeKind::Divorce, d));
                }
                _ => {
                    self.members.pop();
                    status = Status::Married;
                }
            }
        }
        if status == Status::Remarried {
            let start = divorce.map(|d| shift(d, self.rw.random_range(300..1500)));
            match start {
                Some(s) if s <= latest => {
                    let sp = self.spouse_member(SPOUSE, "sp", None)?;
                    let row = self.marriage_row(0, sp, MarriageEvent::Marriage, s)?;
                    if self.rw.random_bool(0.5) {
                        self.marriage_row(sp, 0, MarriageEvent::Marriage, s)?;
                    }
                    spouse = Some(sp);
                    latest_row = Some((row, MaritalChangeKind::Remarriage, s));
                }
                _ => status = Status::Divorced,
            }
        }
        if status == Status::Married {
            let nationality = foreign.then(|| {
                if self.rw.random_bool(0.3) {
                    *pick(&mut self.rw, &["HK", "TW", "MO"])
                } else {
                    *pick(&mut self.rw, SPOUSE_NATIONALITIES)
                }
            });
            let sp = self.spouse_member(SPOUSE, "sp", nationality)?;
            let ages = if child_marriage { 23..24 } else { 23..31 };
            let wedding = self
                .wedding(sp, ages, latest)
                .unwrap_or_else(|| shift(latest, -400));
            let row = self.marriage_row(0, sp, MarriageEvent::Marriage, wedding)?;
            if self.members[sp].id.is_some() && self.rw.random_bool(0.5) {
                self.marriage_row(sp, 0, MarriageEvent::Marriage, wedding)?;
            }
            first_marriage = Some(wedding);
            spouse = Some(sp);
            latest_row = Some((row, MaritalChangeKind::Marriage, wedding));
        }

        // Matter 1 as declared.
        self.decl.marriage = Some(match (&latest_row, status) {
            (Some((_, kind, on)), Status::Married | Status::Remarried | Status::Divorced) => {
                let status = if *kind == MaritalChangeKind::Divorce {
                    MaritalStatus::Divorced
                } else {
                    MaritalStatus::Married
                };
                Marriage {
                    status,
                    last_change: Some(MaritalChange {
                        kind: *kind,
                        on: *on,
                    }),
                }
            }
            _ => Marriage {
                status: MaritalStatus::Unmarried,
                last_change: None,
            },
        });
        if differs
            && let (Some((row, _, on)), Some(change)) = (
                latest_row.clone(),
                self.decl
                    .marriage
                    .as_mut()
                    .and_then(|m| m.last_change.as_mut()),
            )
        {
            let moved =
                self.rw.random_range(40..900) * if self.rw.random_bool(0.5) { 1 } else { -1 };
            let declared = shift(on, moved).min(shift(self.filed_on, -1));
            change.on = declared;
            let mut f = Finding::new(Category::Marriage, FindingKind::Differs, Some(0));
            f.field = "last_change.on";
            f.declared = declared.to_string();
            f.registry = on.to_string();
            f.path = "$.marriage".into();
            f.ids = vec![row];
            f.note = format!(
                "The report dates the last marital change {declared}; the marriage registry records it on {on}."
            );
            self.record(f);
        }

        // Children.
        let Some(first) = first_marriage else {
            return Ok(());
        };
        let count = if child_marriage {
            weighted(&mut self.rw, &[(1usize, 60), (2, 40)])
        } else {
            weighted(&mut self.rw, &[(0usize, 8), (1, 62), (2, 26), (3, 4)])
        };
        let mut born = first.year() + self.rw.random_range(1..4);
        for c in 0..count {
            if born > self.year {
                break;
            }
            let male = self.rw.random_bool(0.52);
            let father_surname = if self.members[0].male {
                names::surname_of(&self.members[0].name).to_owned()
            } else {
                let before_divorce = divorce.is_some_and(|d| born <= d.year());
                let father = if before_divorce { ex } else { spouse };
                father
                    .and_then(|f| self.members.get(f))
                    .filter(|m| m.id.is_some())
                    .map(|m| names::surname_of(&m.name).to_owned())
                    .unwrap_or_else(|| names::surname_of(&self.members[0].name).to_owned())
            };
            let mut name = names::full(&mut self.rw, &father_surname, male);
            while self.members.iter().any(|m| m.name == name) {
                name = names::full(&mut self.rw, &father_surname, male);
            }
            let child = self.add_member(
                CHILD + c,
                Relation::Child,
                &format!("c{}", c + 1),
                name,
                born,
                male,
                None,
            )?;
            let child_age = self.age(child);
            self.members[child].co_residing = Some(child_age < 18 || self.rw.random_bool(0.04));
            let forced = child_marriage && c == 0;
            if child_age >= 24 && (forced || self.rw.random_bool(0.4)) {
                let kind = if forced {
                    weighted(&mut self.rw, &[("foreign", 70), ("hmt", 30)])
                } else {
                    weighted(&mut self.rw, &[("cn", 87), ("foreign", 9), ("hmt", 4)])
                };
                let nationality = match kind {
                    "foreign" => Some(*pick(&mut self.rw, SPOUSE_NATIONALITIES)),
                    "hmt" => Some(*pick(&mut self.rw, &["HK", "MO", "TW"])),
                    _ => None,
                };
                let sp_male = !male;
                let sp_name = match nationality {
                    Some(code) => names::foreign(&mut self.rw, code, sp_male),
                    None => {
                        let s = names::surname(&mut self.rw);
                        names::full(&mut self.rw, s, sp_male)
                    }
                };
                let sp_year = born + self.rw.random_range(-2..2);
                let sp = self.add_member(
                    CHILD_SPOUSE + c,
                    Relation::ChildSpouse,
                    &format!("c{}sp", c + 1),
                    sp_name,
                    sp_year,
                    sp_male,
                    nationality,
                )?;
                self.members[sp].of = Some(child);
                let from = add_years(self.members[child].birth, 23)
                    .max(add_years(self.members[sp].birth, 22));
                let on = between(&mut self.rw, from, shift(self.filed_on, -20));
                self.child_marriages.push(ChildMarriageFact {
                    child,
                    spouse: sp,
                    on,
                });
            }
            born += self.rw.random_range(2..8);
        }
        Ok(())
    }
}
