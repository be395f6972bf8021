//! Matters 2–8: travel documents and private trips, children's marriages, residence abroad,
//! family employment and criminal cases; each writes the registry rows, the declared items and
//! the truth of its injected discrepancy.

use probity_model::declaration::*;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use probity_model::registry::*;
use probity_model::{Country, CreditCode, Date};
use rand::Rng;

use crate::SynthError;
use crate::catalog::{
    BRANDS, CHARGES, CITY_EMPLOYERS, FOREIGN_BRANDS, INDUSTRIES, POSITIONS, RESIDENCE_COUNTRIES,
    TRIP_COUNTRIES,
};
use crate::household::{Counter, Household, enum_str, shared_org};
use crate::inject::{Finding, Variant};
use crate::registry::Tagged;
use crate::rng::{add_years, between, pick, shift, weighted, ymd};

#[derive(Debug, Clone)]
struct Doc {
    kind: DocumentKind,
    number: String,
    issued: Date,
    expires: Date,
    declared: bool,
    in_registry: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Clean,
    Unreported,
    Unconfirmed,
}

#[derive(Debug, Clone)]
struct PlannedTrip {
    doc: usize,
    out: Date,
    back: Date,
    dest: Country,
    mode: Mode,
}

fn prefix(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Passport => "E",
        DocumentKind::HkMacaoPermit => "C",
        DocumentKind::TaiwanPermit => "L",
    }
}

fn doc_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Passport => "Ordinary passport",
        DocumentKind::HkMacaoPermit => "Hong Kong/Macao permit",
        DocumentKind::TaiwanPermit => "Taiwan permit",
    }
}

impl Household<'_> {
    fn new_doc(&mut self, kind: DocumentKind, issued: Date) -> Doc {
        let k = self.next(Counter::Document);
        Doc {
            kind,
            number: format!(
                "{}{}",
                prefix(kind),
                self.ctx.numbers.document(self.index, k)
            ),
            issued,
            expires: shift(add_years(issued, 10), -1),
            declared: true,
            in_registry: true,
        }
    }

    fn doc_row(&mut self, owner: usize, doc: &Doc, blankable: bool) -> String {
        let record_id = self.rid(Source::TravelDocuments);
        let m = &self.members[owner];
        let rec = TravelDocumentRecord {
            record_id: record_id.clone(),
            holder_id: m.id_text(),
            holder_name: m.name.clone(),
            kind: doc.kind,
            number: doc.number.clone(),
            issued_on: Some(doc.issued),
            expires_on: Some(doc.expires),
            status: if doc.expires < self.filed_on {
                DocumentStatus::Expired
            } else {
                DocumentStatus::Valid
            },
        };
        self.rows.travel_documents.push(Tagged {
            rec,
            owner: Some(owner),
            blankable,
        });
        record_id
    }

    fn crossing(
        &mut self,
        owner: usize,
        number: &str,
        trip: (Date, Date, Country),
        blankable: bool,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for (direction, date) in [(Direction::Exit, trip.0), (Direction::Entry, trip.1)] {
            let record_id = self.rid(Source::BorderCrossings);
            let m = &self.members[owner];
            let rec = BorderCrossingRecord {
                record_id: record_id.clone(),
                person_id: m.id_text(),
                person_name: m.name.clone(),
                document_number: number.to_owned(),
                direction,
                date,
                destination: Some(trip.2),
            };
            self.rows.border_crossings.push(Tagged {
                rec,
                owner: Some(owner),
                blankable,
            });
            ids.push(record_id);
        }
        ids
    }

    /// A free interval of `days` days inside `[lo, hi]` that overlaps no other trip.
    fn free_slot(
        &mut self,
        taken: &mut Vec<(Date, Date)>,
        lo: Date,
        hi: Date,
        days: i64,
    ) -> Option<(Date, Date)> {
        let last = shift(hi, -days);
        if last < lo {
            return None;
        }
        for _ in 0..10 {
            let out = between(&mut self.rw, lo, last);
            let back = shift(out, days);
            if taken
                .iter()
                .all(|(a, b)| back < shift(*a, -1) || out > shift(*b, 1))
            {
                taken.push((out, back));
                return Some((out, back));
            }
        }
        None
    }

    fn trip_for(
        &mut self,
        docs: &[Doc],
        doc: usize,
        taken: &mut Vec<(Date, Date)>,
        mode: Mode,
    ) -> Option<PlannedTrip> {
        let d = docs.get(doc)?;
        let lo = ymd(self.year, 1, 5).max(shift(d.issued, 1));
        let hi = ymd(self.year, 12, 10).min(shift(d.expires, -1));
        let (days, dest) = match d.kind {
            DocumentKind::Passport => (
                self.rw.random_range(3..16),
                *pick(&mut self.rw, TRIP_COUNTRIES),
            ),
            DocumentKind::HkMacaoPermit => (
                self.rw.random_range(1..5),
                if self.rw.random_bool(0.65) {
                    "HK"
                } else {
                    "MO"
                },
            ),
            DocumentKind::TaiwanPermit => (self.rw.random_range(4..10), "TW"),
        };
        let (out, back) = self.free_slot(taken, lo, hi, days)?;
        Some(PlannedTrip {
            doc,
            out,
            back,
            dest: Country::parse(dest).ok()?,
            mode,
        })
    }

    /// Matters 2 and 3: the declarant's documents and private trips; the family's documents and
    /// the declarant's official travel, which the report does not cover.
    pub(crate) fn documents_and_trips(&mut self) -> Result<(), SynthError> {
        use DocumentKind as D;
        let (c, u, n) = (
            FindingKind::Unreported,
            FindingKind::Unconfirmed,
            Variant::Plain,
        );
        let hide_passport = self.plan.has(Category::TravelDocuments, c, Variant::Major);
        let hide_permit = self.plan.has(Category::TravelDocuments, c, Variant::Minor);
        let fake_doc = self.plan.has(Category::TravelDocuments, u, n);
        let trip_abroad = self.plan.has(Category::Trips, c, Variant::Major);
        let trip_hmt = self.plan.has(Category::Trips, c, Variant::Minor);
        let trip_fake = self.plan.has(Category::Trips, u, n);

        let window = (ymd(self.year - 9, 1, 1), ymd(self.year, 5, 31));
        let mut docs: Vec<Doc> = Vec::new();
        if self.rw.random_bool(0.55) || hide_passport || trip_abroad {
            let issued = between(&mut self.rw, window.0, window.1);
            let current = self.new_doc(D::Passport, issued);
            if self.rw.random_bool(0.25) && add_years(self.members[0].birth, 26) < issued {
                let old = self.new_doc(D::Passport, add_years(issued, -10));
                docs.push(old);
            }
            docs.push(current);
        }
        if self.rw.random_bool(0.55) || hide_permit || trip_hmt {
            let issued = between(&mut self.rw, window.0, window.1);
            docs.push(self.new_doc(D::HkMacaoPermit, issued));
        }
        if self.rw.random_bool(0.12) {
            let issued = between(&mut self.rw, window.0, window.1);
            docs.push(self.new_doc(D::TaiwanPermit, issued));
        }
        let valid =
            |d: &Doc, kind: DocumentKind| d.kind == kind && d.expires >= ymd(self.year, 12, 31);
        let mut hidden: Option<usize> = None;
        if hide_passport {
            hidden = docs.iter().position(|d| valid(d, D::Passport));
        } else if hide_permit {
            hidden = docs.iter().position(|d| valid(d, D::HkMacaoPermit));
        }
        if let Some(h) = hidden {
            docs[h].declared = false;
        }
        if trip_fake
            && !docs
                .iter()
                .any(|d| d.declared && d.expires >= ymd(self.year, 12, 31))
        {
            let issued = between(&mut self.rw, window.0, window.1);
            docs.push(self.new_doc(D::HkMacaoPermit, issued));
        }
        let mut fake: Option<usize> = None;
        if fake_doc {
            let issued = between(
                &mut self.rw,
                ymd(self.year - 19, 1, 1),
                ymd(self.year - 12, 1, 1),
            );
            let mut d = self.new_doc(D::Passport, issued);
            d.in_registry = false;
            docs.push(d);
            fake = Some(docs.len() - 1);
        }

        // Registry rows and declared documents.
        let keepers = [
            format!("{}组织人事处", self.unit_name),
            format!("{}人事科", self.unit_name),
            format!("{}机关党委", self.unit_name),
        ];
        for (i, d) in docs.clone().iter().enumerate() {
            let row = if d.in_registry {
                Some(self.doc_row(0, d, d.declared && fake != Some(i)))
            } else {
                None
            };
            if d.declared {
                let path = format!("$.travel_documents[{}]", self.decl.travel_documents.len());
                self.decl.travel_documents.push(TravelDocument {
                    holder: self.members[0].handle(),
                    kind: d.kind,
                    number: d.number.clone(),
                    issued_on: d.issued,
                    expires_on: d.expires,
                    kept_by: Some(pick(&mut self.rw, &keepers).clone()),
                });
                if fake == Some(i) {
                    let mut f = Finding::new(Category::TravelDocuments, u, Some(0));
                    f.facts = vec![Condition::Passport];
                    f.declared = d.number.clone();
                    f.path = path;
                    f.note = format!(
                        "No exit-entry record supports the declared passport {}.",
                        d.number
                    );
                    self.record(f);
                }
            } else if let Some(row) = row {
                let mut f = Finding::new(Category::TravelDocuments, c, Some(0));
                f.facts = vec![if d.kind.is_permit() {
                    Condition::Permit
                } else {
                    Condition::Passport
                }];
                f.registry = d.number.clone();
                f.ids = vec![row];
                f.note = format!("{} {} is not in the report.", doc_name(d.kind), d.number);
                self.record(f);
            }
        }

        // Trips: injected ones first so that they find room.
        let mut taken: Vec<(Date, Date)> = Vec::new();
        let mut trips: Vec<PlannedTrip> = Vec::new();
        let usable: Vec<usize> = (0..docs.len())
            .filter(|i| docs[*i].in_registry && docs[*i].expires >= ymd(self.year, 12, 31))
            .collect();
        if trip_abroad
            && let Some(&d) = usable.iter().find(|i| docs[**i].kind == D::Passport)
            && let Some(t) = self.trip_for(&docs, d, &mut taken, Mode::Unreported)
        {
            trips.push(t);
        }
        if trip_hmt
            && let Some(&d) = usable.iter().find(|i| docs[**i].kind == D::HkMacaoPermit)
            && let Some(t) = self.trip_for(&docs, d, &mut taken, Mode::Unreported)
        {
            trips.push(t);
        }
        if trip_fake
            && let Some(&d) = usable.iter().find(|i| docs[**i].declared)
            && let Some(t) = self.trip_for(&docs, d, &mut taken, Mode::Unconfirmed)
        {
            trips.push(t);
        }
        for &d in &usable {
            let count = match docs[d].kind {
                D::Passport => weighted(&mut self.rw, &[(0u32, 50), (1, 35), (2, 15)]),
                D::HkMacaoPermit => weighted(&mut self.rw, &[(0u32, 45), (1, 35), (2, 20)]),
                D::TaiwanPermit => weighted(&mut self.rw, &[(0u32, 70), (1, 30)]),
            };
            for _ in 0..count {
                if let Some(t) = self.trip_for(&docs, d, &mut taken, Mode::Clean) {
                    trips.push(t);
                }
            }
        }
        trips.sort_by_key(|t| t.out);

        // Official travel on a service passport: crossings only, no document record.
        if self.rw.random_bool(0.12) {
            let k = self.next(Counter::Document);
            let number = format!("SE{}", &self.ctx.numbers.document(self.index, k)[1..]);
            for _ in 0..self.rw.random_range(1..3) {
                let days = self.rw.random_range(3..10);
                if let Some((out, back)) = self.free_slot(
                    &mut taken,
                    ymd(self.year, 1, 5),
                    ymd(self.year, 12, 10),
                    days,
                ) {
                    let dest = Country::parse(pick::<&str, _>(&mut self.rw, TRIP_COUNTRIES))?;
                    self.crossing(0, &number, (out, back, dest), false);
                }
            }
        }

        let purposes = [
            (TripPurpose::Tourism, 50),
            (TripPurpose::Family, 20),
            (TripPurpose::Friends, 8),
            (TripPurpose::Medical, 3),
            (TripPurpose::Study, 3),
            (TripPurpose::Academic, 3),
            (TripPurpose::Property, 2),
            (TripPurpose::Other, 3),
        ];
        for t in trips {
            let doc = &docs[t.doc];
            let number = doc.number.clone();
            let ids = if t.mode == Mode::Unconfirmed {
                Vec::new()
            } else {
                self.crossing(0, &number, (t.out, t.back, t.dest), t.mode == Mode::Clean)
            };
            let span = format!("{}..{}", t.out, t.back);
            let place = if t.dest.is_hk_macao_taiwan() {
                Condition::HkMacaoTaiwan
            } else {
                Condition::Abroad
            };
            let kind = if doc.kind.is_permit() {
                Condition::Permit
            } else {
                Condition::Passport
            };
            if t.mode == Mode::Unreported {
                let mut f = Finding::new(Category::Trips, c, Some(0));
                f.facts = vec![place, kind];
                f.registry = span;
                f.ids = ids;
                f.note = if place == Condition::Abroad {
                    format!(
                        "A trip abroad to {} from {} to {} is not in the report.",
                        t.dest, t.out, t.back
                    )
                } else {
                    format!(
                        "A trip to {} from {} to {} is not in the report.",
                        t.dest, t.out, t.back
                    )
                };
                self.record(f);
                continue;
            }
            let path = format!("$.trips[{}]", self.decl.trips.len());
            self.decl.trips.push(Trip {
                traveller: self.members[0].handle(),
                departed_on: t.out,
                returned_on: t.back,
                destinations: vec![t.dest],
                purpose: weighted(&mut self.rw, &purposes),
                document_number: number,
            });
            if t.mode == Mode::Unconfirmed {
                let mut f = Finding::new(Category::Trips, u, Some(0));
                f.facts = vec![place, kind];
                f.declared = span;
                f.path = path;
                f.note = format!(
                    "No border crossings support the declared trip to {} from {} to {}.",
                    t.dest, t.out, t.back
                );
                self.record(f);
            }
        }

        // Documents of the family: in the registry, outside the report.
        for m in self.relatives() {
            let age = self.age(m);
            let p = if self.members[m].relation == Relation::Spouse {
                0.35
            } else {
                0.2
            };
            if age >= 6 && self.rw.random_bool(p) {
                let kind = if self.rw.random_bool(0.6) {
                    D::Passport
                } else {
                    D::HkMacaoPermit
                };
                let issued = between(
                    &mut self.rw,
                    ymd(self.year - 9, 1, 1),
                    ymd(self.year, 5, 31),
                );
                let d = self.new_doc(kind, issued);
                self.doc_row(m, &d, false);
                if self.rw.random_bool(0.3) {
                    let lo = ymd(self.year, 1, 5).max(shift(issued, 1));
                    let out = between(&mut self.rw, lo, ymd(self.year, 11, 20));
                    let back = shift(out, self.rw.random_range(2..12));
                    let dest = if kind.is_permit() {
                        "HK"
                    } else {
                        pick(&mut self.rw, TRIP_COUNTRIES)
                    };
                    self.crossing(m, &d.number, (out, back, Country::parse(dest)?), false);
                }
            }
        }
        Ok(())
    }

    /// Matters 4 and 5: children married to foreigners, stateless persons or residents of Hong
    /// Kong, Macao and Taiwan. Marriages to mainland spouses are registered but not reported.
    pub(crate) fn child_marriage_matters(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::ChildMarriages);
        let mut done = false;
        for fact in self.child_marriages.clone() {
            let Some(nationality) = self.members[fact.spouse].nationality else {
                self.marriage_row(fact.child, fact.spouse, MarriageEvent::Marriage, fact.on)?;
                if self.rw.random_bool(0.4) {
                    self.marriage_row(fact.spouse, fact.child, MarriageEvent::Marriage, fact.on)?;
                }
                continue;
            };
            let region = match nationality.as_str() {
                "HK" => SpouseRegion::Hk,
                "MO" => SpouseRegion::Macao,
                "TW" => SpouseRegion::Taiwan,
                _ => SpouseRegion::Foreign,
            };
            let child_name = self.members[fact.child].name.clone();
            let mode = match inj {
                Some(k) if !done => {
                    done = true;
                    k
                }
                _ => FindingKind::Differs, // stands for "clean" here
            };
            if mode == FindingKind::Unreported {
                let row =
                    self.marriage_row(fact.child, fact.spouse, MarriageEvent::Marriage, fact.on)?;
                self.members[fact.spouse].listed = false;
                let mut f = Finding::new(Category::ChildMarriages, mode, Some(fact.child));
                f.registry = nationality.to_string();
                f.ids = vec![row];
                f.note = format!(
                    "{child_name}'s marriage on {} to a spouse from {nationality} is not in the report.",
                    fact.on
                );
                self.record(f);
                continue;
            }
            if mode != FindingKind::Unconfirmed {
                self.marriage_row(fact.child, fact.spouse, MarriageEvent::Marriage, fact.on)?;
            }
            let path = format!("$.child_marriages[{}]", self.decl.child_marriages.len());
            self.decl.child_marriages.push(ChildMarriage {
                child: self.members[fact.child].handle(),
                spouse: self.members[fact.spouse].handle(),
                region,
                married_on: Some(fact.on),
            });
            if mode == FindingKind::Unconfirmed {
                let mut f = Finding::new(Category::ChildMarriages, mode, Some(fact.child));
                f.declared = nationality.to_string();
                f.path = path;
                f.note = format!(
                    "No marriage registration supports {child_name}'s declared marriage on {} to a spouse from {nationality}.",
                    fact.on
                );
                self.record(f);
            }
        }
        Ok(())
    }

    /// Matter 6: spouse or children who emigrated or live abroad.
    pub(crate) fn residence(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::ResidenceAbroad);
        let grown: Vec<usize> = self
            .independent_children()
            .into_iter()
            .filter(|c| self.age(*c) >= 18)
            .collect();
        let mut abroad: Vec<usize> = Vec::new();
        for c in &grown {
            if self.rw.random_bool(0.07) {
                abroad.push(*c);
            }
        }
        if inj.is_some() && abroad.is_empty() {
            let candidate = grown.first().copied().or_else(|| {
                self.relatives()
                    .into_iter()
                    .find(|m| self.members[*m].relation == Relation::Spouse)
            });
            match candidate {
                Some(m) => abroad.push(m),
                None => return Ok(()),
            }
        }
        let statuses = [
            (ResidenceStatus::PermanentResidence, 40),
            (ResidenceStatus::LongTermResidence, 25),
            (ResidenceStatus::LivingAbroad, 35),
        ];
        for (i, m) in abroad.into_iter().enumerate() {
            self.members[m].abroad = true;
            let country = Country::parse(pick::<&str, _>(&mut self.rw, RESIDENCE_COUNTRIES))?;
            let status = weighted(&mut self.rw, &statuses);
            let from = add_years(self.members[m].birth, 18).max(shift(self.filed_on, -8 * 365));
            let since = between(&mut self.rw, from, shift(self.filed_on, -400));
            let mode = if i == 0 { inj } else { None };
            let name = self.members[m].name.clone();
            let mut row = None;
            if mode != Some(FindingKind::Unconfirmed) {
                let record_id = self.rid(Source::ResidenceAbroad);
                let rec = ResidenceAbroadRecord {
                    record_id: record_id.clone(),
                    person_id: self.members[m].id_text(),
                    person_name: name.clone(),
                    country,
                    status,
                    since: Some(since),
                };
                self.rows.residence_abroad.push(Tagged {
                    rec,
                    owner: Some(m),
                    blankable: false,
                });
                row = Some(record_id);
            }
            if mode == Some(FindingKind::Unreported) {
                let mut f =
                    Finding::new(Category::ResidenceAbroad, FindingKind::Unreported, Some(m));
                f.registry = country.to_string();
                f.ids = row.into_iter().collect();
                f.note = format!(
                    "{name}'s {} in {country} since {since} is not in the report.",
                    enum_str(&status).replace('_', " ")
                );
                self.record(f);
                continue;
            }
            let declared_status = if mode == Some(FindingKind::Differs) {
                match status {
                    ResidenceStatus::LivingAbroad => ResidenceStatus::PermanentResidence,
                    _ => ResidenceStatus::LivingAbroad,
                }
            } else {
                status
            };
            let path = format!("$.residence_abroad[{}]", self.decl.residence_abroad.len());
            self.decl.residence_abroad.push(ResidenceAbroad {
                person: self.members[m].handle(),
                country,
                status: declared_status,
                since: Some(since),
            });
            match mode {
                Some(FindingKind::Unconfirmed) => {
                    let mut f =
                        Finding::new(Category::ResidenceAbroad, FindingKind::Unconfirmed, Some(m));
                    f.declared = country.to_string();
                    f.path = path;
                    f.note = format!(
                        "No exit-entry record supports {name}'s declared residence in {country}."
                    );
                    self.record(f);
                }
                Some(FindingKind::Differs) => {
                    let mut f =
                        Finding::new(Category::ResidenceAbroad, FindingKind::Differs, Some(m));
                    f.field = "status";
                    f.declared = enum_str(&declared_status);
                    f.registry = enum_str(&status);
                    f.path = path;
                    f.ids = row.into_iter().collect();
                    f.note = format!(
                        "{name}'s residence in {country} is declared as {}; the registry records {}.",
                        f.declared, f.registry
                    );
                    self.record(f);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// An employer: a shared city employer, a private company or a foreign-invested one.
    fn employer(&mut self) -> Result<(CreditCode, String, EmployerType), SynthError> {
        let area = self.home;
        let roll = self.rw.random_range(0..10);
        if roll < 5 {
            let i = self.rw.random_range(0..CITY_EMPLOYERS.len());
            let (pattern, kind, etype) = CITY_EMPLOYERS[i];
            let (code, name) = shared_org(&self.ctx.numbers, pattern, area, kind, 32 + i as u64)?;
            return Ok((code, name, etype));
        }
        let k = self.next(Counter::Credit);
        let code = self
            .ctx
            .numbers
            .credit("91", &area.prefecture_code(), self.index, k)?;
        if roll < 9 {
            let name = format!(
                "{}{}{}有限公司",
                area.city,
                pick(&mut self.rw, BRANDS),
                pick(&mut self.rw, INDUSTRIES)
            );
            Ok((code, name, EmployerType::Private))
        } else {
            let name = format!(
                "{}({})有限公司",
                pick(&mut self.rw, FOREIGN_BRANDS),
                area.city_short()
            );
            Ok((code, name, EmployerType::ForeignInvested))
        }
    }

    fn employment_row(
        &mut self,
        m: usize,
        code: &str,
        name: &str,
        since: Date,
        until: Option<Date>,
        blankable: bool,
    ) -> String {
        let record_id = self.rid(Source::Employment);
        let rec = EmploymentRecord {
            record_id: record_id.clone(),
            person_id: self.members[m].id_text(),
            person_name: self.members[m].name.clone(),
            employer_credit_code: code.to_owned(),
            employer_name: name.to_owned(),
            since: Some(since),
            until,
        };
        self.rows.employment.push(Tagged {
            rec,
            owner: Some(m),
            blankable,
        });
        record_id
    }

    /// Matter 7: employment of spouse, children and children's spouses (current posts); the
    /// declarant's own post and past posts are in the registry but not in the report.
    pub(crate) fn employment(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::Employment);
        let since = between(
            &mut self.rw,
            add_years(self.members[0].birth, 24),
            self.roster.subject_since,
        );
        let (code, name) = (self.unit_code.as_str().to_owned(), self.unit_name.clone());
        self.employment_row(0, &code, &name, since, None, false);

        let candidates: Vec<usize> = self
            .relatives()
            .into_iter()
            .filter(|m| !self.members[*m].abroad && self.age(*m) >= 23)
            .collect();
        let mut workers: Vec<usize> = Vec::new();
        for &m in &candidates {
            let spouse = self.members[m].relation == Relation::Spouse;
            let p = if spouse && self.age(m) < 58 {
                0.85
            } else if spouse {
                0.1
            } else {
                0.75
            };
            if self.rw.random_bool(p) {
                workers.push(m);
            }
        }
        if inj == Some(FindingKind::Unreported) && workers.is_empty() {
            workers.extend(candidates.first());
        }
        let hidden = (inj == Some(FindingKind::Unreported))
            .then(|| workers.first().copied())
            .flatten();
        for m in workers {
            let (code, employer, etype) = self.employer()?;
            let birth = self.members[m].birth;
            let start = between(
                &mut self.rw,
                add_years(birth, 22).max(shift(self.filed_on, -20 * 365)),
                shift(self.filed_on, -60),
            );
            if self.rw.random_bool(0.3) && add_years(birth, 22) < shift(start, -800) {
                let (old_code, old_name, _) = self.employer()?;
                let from = between(&mut self.rw, add_years(birth, 22), shift(start, -800));
                let until = between(&mut self.rw, shift(from, 200), shift(start, -30));
                self.employment_row(
                    m,
                    old_code.as_str(),
                    &old_name,
                    from,
                    Some(until.max(shift(from, 1))),
                    false,
                );
            }
            let declared = hidden != Some(m);
            let row = self.employment_row(m, code.as_str(), &employer, start, None, declared);
            if self.members[m].relation == Relation::Spouse {
                self.spouse_employer = Some((code.clone(), employer.clone()));
            }
            if !declared {
                let who = self.members[m].name.clone();
                let mut f = Finding::new(Category::Employment, FindingKind::Unreported, Some(m));
                f.registry = code.as_str().to_owned();
                f.ids = vec![row];
                f.note = format!("{who}'s employment at {employer} is not in the report.");
                self.record(f);
                continue;
            }
            let written = if self.rn.random_bool(self.ctx.rates.text * 0.5) {
                employer.replacen(self.home.city, self.home.city_short(), 1)
            } else {
                employer
            };
            self.decl.employment.push(Employment {
                person: self.members[m].handle(),
                employer: written,
                employer_credit_code: Some(code),
                position: pick(&mut self.rw, POSITIONS).to_string(),
                employer_type: etype,
                abroad: false,
            });
        }
        if inj == Some(FindingKind::Unconfirmed)
            && let Some(&m) = candidates.first()
        {
            let k = self.next(Counter::Credit);
            let code =
                self.ctx
                    .numbers
                    .credit("91", &self.home.prefecture_code(), self.index, k)?;
            let employer = format!(
                "{}{}{}有限公司",
                self.home.city,
                pick(&mut self.rw, BRANDS),
                pick(&mut self.rw, INDUSTRIES)
            );
            let path = format!("$.employment[{}]", self.decl.employment.len());
            self.decl.employment.push(Employment {
                person: self.members[m].handle(),
                employer: employer.clone(),
                employer_credit_code: Some(code.clone()),
                position: pick(&mut self.rw, POSITIONS).to_string(),
                employer_type: EmployerType::Private,
                abroad: false,
            });
            let who = self.members[m].name.clone();
            let mut f = Finding::new(Category::Employment, FindingKind::Unconfirmed, Some(m));
            f.declared = code.as_str().to_owned();
            f.path = path;
            f.note = format!(
                "No social-insurance record supports {who}'s declared employment at {employer}."
            );
            self.record(f);
        }
        Ok(())
    }

    /// Matter 8: criminal proceedings against spouse, children or children's spouses (rare).
    pub(crate) fn criminal_cases(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::CriminalCases);
        let natural = self.rw.random_bool(0.004);
        if !(natural || inj.is_some()) {
            return Ok(());
        }
        let candidates: Vec<usize> = self
            .relatives()
            .into_iter()
            .filter(|m| self.age(*m) >= 18)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let m = *pick(&mut self.rw, &candidates);
        let since = between(
            &mut self.rw,
            shift(self.filed_on, -3 * 365).max(add_years(self.members[m].birth, 18)),
            shift(self.filed_on, -30),
        );
        let stage = weighted(
            &mut self.rw,
            &[
                (CaseStage::Investigation, 20),
                (CaseStage::Prosecution, 15),
                (CaseStage::Trial, 20),
                (CaseStage::Serving, 15),
                (CaseStage::Completed, 25),
                (CaseStage::Detention, 5),
            ],
        );
        let charge = pick(&mut self.rw, CHARGES).to_string();
        let number = format!(
            "({}){}{}刑初{}号",
            since.year(),
            self.home.province_abbr(),
            &self.home.code[2..6],
            self.rw.random_range(1..900)
        );
        let name = self.members[m].name.clone();
        if inj != Some(FindingKind::Unconfirmed) {
            let record_id = self.rid(Source::CriminalCases);
            let rec = CriminalCaseRecord {
                record_id: record_id.clone(),
                person_id: self.members[m].id_text(),
                person_name: name.clone(),
                case_number: number.clone(),
                since,
                stage,
                charge: charge.clone(),
            };
            self.rows.criminal_cases.push(Tagged {
                rec,
                owner: Some(m),
                blankable: false,
            });
            if inj == Some(FindingKind::Unreported) {
                let mut f = Finding::new(Category::CriminalCases, FindingKind::Unreported, Some(m));
                f.registry = number;
                f.ids = vec![record_id];
                f.note = format!(
                    "Criminal proceedings against {name} since {since} ({charge}) are not in the report."
                );
                self.record(f);
                return Ok(());
            }
        }
        let path = format!("$.criminal_cases[{}]", self.decl.criminal_cases.len());
        self.decl.criminal_cases.push(CriminalCase {
            person: self.members[m].handle(),
            since,
            stage,
            reason: Some(charge),
            outcome: (stage == CaseStage::Completed)
                .then(|| "判处拘役二个月，缓刑三个月".to_owned()),
        });
        if inj == Some(FindingKind::Unconfirmed) {
            let mut f = Finding::new(Category::CriminalCases, FindingKind::Unconfirmed, Some(m));
            f.declared = since.to_string();
            f.path = path;
            f.note = format!(
                "No court or police record supports the declared proceedings against {name} since {since}."
            );
            self.record(f);
        }
        Ok(())
    }
}
