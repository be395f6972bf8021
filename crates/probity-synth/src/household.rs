//! One reporting subject: roster line, family, declaration, registry rows and truth, built from
//! the subject's own random streams.

use probity_model::declaration::*;
use probity_model::registry::*;
use probity_model::roster::{KeyCheckReason, Rank, RosterEntry, Sector, SubjectStatus};
use probity_model::{Country, CreditCode, Date, Discrepancy, Profile, ResidentId};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::SynthError;
use crate::catalog::{FUNDS, INSURERS, STOCKS};
use crate::identity::{IdSpace, Numbers, stranger};
use crate::inject::{Plan, Variant};
use crate::names;
use crate::places::{
    AREAS, Address, Area, Certificate, UNIT_KINDS, city_range, fill, index_of, same_city,
};
use crate::registry::{NoiseRates, Rows, Tagged};
use crate::rng::{add_years, between, pick, shift, stream, trading_day_before, weighted, ymd};

/// What every household shares: the configuration and the run's numbering.
pub(crate) struct Ctx {
    pub seed: u64,
    pub year: i32,
    pub inject: bool,
    /// Also write last year's reports (see `history`).
    pub previous: bool,
    pub rates: NoiseRates,
    pub profile: Profile,
    pub ids: IdSpace,
    pub numbers: Numbers,
}

/// One person a household holds: a family member, or someone only the registries know (an
/// ex-spouse, a hidden spouse).
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub handle: String,
    pub relation: Relation,
    pub name: String,
    pub id: Option<ResidentId>,
    pub nationality: Option<Country>,
    pub birth: Date,
    pub male: bool,
    pub co_residing: Option<bool>,
    /// For a child's spouse: the child's member index.
    pub of: Option<usize>,
    /// Listed in the declaration's `persons`.
    pub listed: bool,
    /// Lives abroad: not employed at home.
    pub abroad: bool,
}

impl Member {
    /// The handle as a declaration names the person.
    pub(crate) fn handle(&self) -> PersonRef {
        PersonRef(self.handle.clone())
    }

    /// The resident ID as text, or empty.
    pub(crate) fn id_text(&self) -> String {
        self.id
            .as_ref()
            .map(|i| i.as_str().to_owned())
            .unwrap_or_default()
    }
}

/// A child's marriage, as the family generator decided it.
#[derive(Debug, Clone)]
pub(crate) struct ChildMarriageFact {
    pub child: usize,
    pub spouse: usize,
    pub on: Date,
}

/// The output of one person, serialised.
#[derive(Debug, Default)]
pub(crate) struct PersonOut {
    pub roster: Vec<u8>,
    pub declaration: Vec<u8>,
    pub sources: [Vec<u8>; 12],
    pub truth: Vec<u8>,
    pub declared: bool,
    pub rows: u64,
    pub findings: u64,
    /// Last year's report, when asked for and the subject had one.
    pub previous: Vec<u8>,
    /// The year-over-year truth of this year's report.
    pub yoy_truth: Vec<u8>,
    /// Whether there is a report last year.
    pub previous_declared: bool,
    /// Lines of the year-over-year truth.
    pub yoy_findings: u64,
    /// The timeliness truth of this year's report (changes of the year it reported late).
    pub timeliness_truth: Vec<u8>,
    /// Lines of the timeliness truth.
    pub timeliness_findings: u64,
}

/// The state of one household while it is built.
pub(crate) struct Household<'c> {
    pub ctx: &'c Ctx,
    pub index: u64,
    pub q: u64,
    /// The world: who people are and what they hold. Never depends on the noise level.
    pub rw: ChaCha8Rng,
    /// The noise: how registries and declarants write things.
    pub rn: ChaCha8Rng,
    pub plan: Plan,
    pub members: Vec<Member>,
    pub child_marriages: Vec<ChildMarriageFact>,
    pub decl: Declaration,
    pub rows: Rows,
    pub truth: Vec<Discrepancy>,
    pub roster: RosterEntry,
    /// The family's home area.
    pub home: &'static Area,
    pub unit_name: String,
    pub unit_code: CreditCode,
    pub filed_on: Date,
    pub year: i32,
    /// Employer of the spouse, for the spouse's tax rows.
    pub spouse_employer: Option<(CreditCode, String)>,
    counters: [u64; 6],
}

/// Counters of per-household numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Title = 0,
    Document = 1,
    Credit = 2,
    Account = 3,
    Policy = 4,
}

/// The snake-case name serde gives an enumeration value.
pub(crate) fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Money in fen.
pub(crate) fn fen(amount: i64) -> Result<Amount, SynthError> {
    Amount::from_minor_units(amount.max(0))
        .ok_or_else(|| SynthError::Internal(format!("negative amount {amount}")))
}

/// Hundredths as a decimal string.
pub(crate) fn hundredths(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

/// A credit code for one of the shared organisations of an area (a unit, a city employer, a
/// payer of labour income): scoped to the district, city or province the pattern names.
pub(crate) fn shared_org(
    numbers: &Numbers,
    pattern: &str,
    area: &'static Area,
    kind: &str,
    slot: u64,
) -> Result<(CreditCode, String), SynthError> {
    let (scope, code) = if pattern.contains("{district}") {
        (index_of(area), area.code.to_owned())
    } else if pattern.contains("{city}") || pattern.contains("{city_short}") {
        (city_range(area).0, area.prefecture_code())
    } else {
        let i = AREAS
            .iter()
            .position(|a| a.province == area.province)
            .unwrap_or(0);
        (i, format!("{}0000", &area.code[..2]))
    };
    let credit = numbers.pool_credit(kind, &code, scope as u64 * 64 + slot)?;
    Ok((credit, fill(pattern, area)))
}

impl<'c> Household<'c> {
    /// The next number of a kind for this household.
    pub(crate) fn next(&mut self, counter: Counter) -> u64 {
        let k = self.counters[counter as usize];
        self.counters[counter as usize] += 1;
        k
    }

    /// A fresh record id for a row of `source`.
    pub(crate) fn rid(&mut self, source: Source) -> String {
        self.rows.next_id(&self.ctx.numbers, self.index, source)
    }

    /// The declarant and roster line of person `index`, with an empty declaration.
    fn new(ctx: &'c Ctx, index: u64) -> Result<Household<'c>, SynthError> {
        let mut rw = stream(ctx.seed, index, 1);
        let rn = stream(ctx.seed, index, 2);
        let q = ctx.ids.household(index);
        let year = ctx.year;
        let status = weighted(
            &mut rw,
            &[
                (SubjectStatus::Active, 90),
                (SubjectStatus::Left, 4),
                (SubjectStatus::Retired, 6),
            ],
        );
        let plan = Plan::draw(&mut rw, ctx.inject);
        let filed_on = if rw.random_bool(0.95) {
            ymd(year + 1, 1, rw.random_range(3..=31))
        } else {
            between(&mut rw, ymd(year + 1, 2, 1), ymd(year + 1, 3, 20))
        };
        let male = rw.random_bool(0.72);
        let mut age = match weighted(&mut rw, &[(30, 20), (40, 35), (50, 45)]) {
            30 => rw.random_range(31..40),
            40 => rw.random_range(40..50),
            _ => rw.random_range(50..60),
        };
        if status == SubjectStatus::Retired {
            age = rw.random_range(60..66);
        }
        if plan.has(
            probity_model::Category::Marriage,
            probity_model::FindingKind::Unreported,
            Variant::Plain,
        ) {
            age = rw.random_range(28..37);
        }
        if plan.get(probity_model::Category::ChildMarriages).is_some() {
            age = rw.random_range(52..60);
        }
        let id = ctx.ids.id(q, 0, year - age, male)?;
        let home = ctx.ids.area(q, 0);
        let surname = names::surname(&mut rw);
        let name = names::full(&mut rw, surname, male);
        let me = Member {
            handle: "self".into(),
            relation: Relation::Own,
            name: name.clone(),
            birth: id.birth_date(),
            id: Some(id.clone()),
            nationality: None,
            male,
            co_residing: None,
            of: None,
            listed: true,
            abroad: false,
        };

        // The unit: in the home city, of a weighted kind.
        let unit_area = same_city(&mut rw, home);
        let kinds: Vec<(usize, u32)> = UNIT_KINDS
            .iter()
            .enumerate()
            .map(|(i, k)| (i, k.weight))
            .collect();
        let kind_index = weighted(&mut rw, &kinds);
        let kind = &UNIT_KINDS[kind_index];
        let (unit_code, unit_name) = shared_org(
            &ctx.numbers,
            kind.pattern,
            unit_area,
            kind.code_kind,
            kind_index as u64,
        )?;
        let (position, rank) = match rw.random_range(0..10) {
            0 | 1 => kind.head,
            2 if kind.sector == Sector::PartyState => {
                if rw.random_bool(0.5) {
                    ("一级调研员", Rank::Division)
                } else {
                    ("二级调研员", Rank::ViceDivision)
                }
            }
            _ => kind.deputy,
        };
        let earliest = add_years(id.birth_date(), 30).max(ymd(year - 15, 1, 1));
        let subject_since = between(&mut rw, earliest, ymd(year, 10, 31));
        let mut flags = Vec::new();
        for (flag, p) in [
            (KeyCheckReason::Promotion, 0.03),
            (KeyCheckReason::Reserve, 0.02),
            (KeyCheckReason::KeyPost, 0.01),
            (KeyCheckReason::Complaint, 0.015),
        ] {
            if rw.random_bool(p) {
                flags.push(flag);
            }
        }
        let roster = RosterEntry {
            id: id.clone(),
            name,
            unit: unit_name.clone(),
            position: position.to_owned(),
            rank,
            sector: kind.sector,
            subject_since,
            status,
            flags,
        };
        let zero = fen(0)?;
        let decl = Declaration {
            format: FORMAT.to_owned(),
            profile: ctx.profile.id.clone(),
            declaration_id: format!("D{year}-{:06}", index + 1),
            declarant_id: id,
            kind: ReportKind::Annual,
            year,
            filed_on,
            supersedes: None,
            persons: Vec::new(),
            nothing_to_report: Vec::new(),
            change: None,
            marriage: Some(Marriage {
                status: MaritalStatus::Unmarried,
                last_change: None,
            }),
            travel_documents: Vec::new(),
            trips: Vec::new(),
            child_marriages: Vec::new(),
            residence_abroad: Vec::new(),
            employment: Vec::new(),
            criminal_cases: Vec::new(),
            salary: Some(Salary {
                wages: zero,
                bonuses: zero,
                other: zero,
            }),
            labor_income: Vec::new(),
            real_estate: Vec::new(),
            stocks: Vec::new(),
            funds: Vec::new(),
            insurance: Vec::new(),
            businesses: Vec::new(),
            overseas_deposits: Vec::new(),
            overseas_investments: Vec::new(),
            other_matters: String::new(),
        };
        Ok(Household {
            ctx,
            index,
            q,
            rw,
            rn,
            plan,
            members: vec![me],
            child_marriages: Vec::new(),
            decl,
            rows: Rows::default(),
            truth: Vec::new(),
            roster,
            home,
            unit_name,
            unit_code,
            filed_on,
            year,
            spouse_employer: None,
            counters: [0; 6],
        })
    }

    /// Members covered by the property matters (self, spouse, co-residing children) who have an
    /// ID, so that registries can hold their property.
    pub(crate) fn property_owners(&self) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.listed && m.id.is_some())
            .filter(|(_, m)| match m.relation {
                Relation::Own | Relation::Spouse => true,
                Relation::Child => m.co_residing == Some(true),
                Relation::ChildSpouse => false,
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Members covered by the family matters (spouse, children, children's spouses) with an ID.
    pub(crate) fn relatives(&self) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.listed && m.id.is_some() && m.relation != Relation::Own)
            .map(|(i, _)| i)
            .collect()
    }

    /// Adult children not covered by the property matters (they hold property of their own).
    pub(crate) fn independent_children(&self) -> Vec<usize> {
        self.members
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.listed
                    && m.id.is_some()
                    && m.relation == Relation::Child
                    && m.co_residing == Some(false)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The age of a member on the report date.
    pub(crate) fn age(&self, member: usize) -> i32 {
        self.members
            .get(member)
            .map(|m| m.birth.age_on(self.filed_on))
            .unwrap_or(0)
    }

    /// Writes `persons` from the listed members.
    fn persons(&mut self) {
        self.decl.persons = self
            .members
            .iter()
            .filter(|m| m.listed)
            .map(|m| Person {
                handle: m.handle(),
                relation: m.relation,
                name: m.name.clone(),
                id: m.id.clone(),
                nationality: if m.id.is_none() { m.nationality } else { None },
                co_residing: m.co_residing,
                of: m.of.and_then(|c| self.members.get(c)).map(Member::handle),
            })
            .collect();
    }

    /// Rows about strangers who share a family member's name: registries return them because
    /// they were asked by name. Their IDs are valid and not the member's, so they must never
    /// produce a finding.
    fn homonyms(&mut self) -> Result<(), SynthError> {
        if !self.rn.random_bool(self.ctx.rates.homonym) {
            return Ok(());
        }
        let candidates: Vec<usize> = self
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.listed && m.id.is_some())
            .map(|(i, _)| i)
            .collect();
        let target = *pick(&mut self.rn, &candidates);
        let (name, male) = (self.members[target].name.clone(), self.members[target].male);
        let id = stranger(&mut self.rn, male)?.as_str().to_owned();
        let area = same_city(&mut self.rn, self.home);
        let as_of = trading_day_before(self.filed_on);
        for _ in 0..self.rn.random_range(1..=3) {
            match self.rn.random_range(0..7) {
                0 => {
                    let addr = Address::random(&mut self.rn, area, PropertyKind::Commodity);
                    let year = self.rn.random_range(2005..=self.year);
                    let serial = self.ctx.numbers.title_serial(self.index, 15, year < 2016);
                    let rec = RealEstateRecord {
                        record_id: self.rid(Source::RealEstate),
                        owner_id: id.clone(),
                        owner_name: name.clone(),
                        certificate_number: Certificate::new(area, year, serial).registry(),
                        address: addr.registry(),
                        area_m2: probity_model::decimal::Decimal::from_parts(
                            self.rn.random_range(6000..18000),
                            2,
                        ),
                        kind: PropertyKind::Commodity,
                        share_pct: Some(probity_model::Percent::parse("100")?),
                        registered_on: Some(ymd(year, self.rn.random_range(1..13), 10)),
                        status: PropertyStatus::Held,
                        transferred_on: None,
                    };
                    self.rows.real_estate.push(stranger_row(rec));
                }
                1 => {
                    let (code, sname, price) = *pick(&mut self.rn, STOCKS);
                    let rec = StockRecord {
                        record_id: self.rid(Source::Stocks),
                        holder_id: id.clone(),
                        holder_name: name.clone(),
                        account: self
                            .ctx
                            .numbers
                            .account(self.index, 31, code.starts_with('6')),
                        code: code.to_owned(),
                        name: sname.to_owned(),
                        shares: probity_model::Quantity::parse(
                            &(self.rn.random_range(1..80) * 100).to_string(),
                        )?,
                        close_price: Some(probity_model::decimal::Decimal::from_parts(
                            i128::from(price),
                            2,
                        )),
                        as_of: Some(as_of),
                    };
                    self.rows.stocks.push(stranger_row(rec));
                }
                2 => {
                    let (code, fname, nav) = *pick(&mut self.rn, FUNDS);
                    let rec = FundRecord {
                        record_id: self.rid(Source::Funds),
                        holder_id: id.clone(),
                        holder_name: name.clone(),
                        code: code.to_owned(),
                        name: fname.to_owned(),
                        units: probity_model::Quantity::parse(&hundredths(
                            self.rn.random_range(100_000..3_000_000),
                        ))?,
                        nav: Some(probity_model::decimal::Decimal::from_parts(
                            i128::from(nav),
                            4,
                        )),
                        as_of: Some(as_of),
                    };
                    self.rows.funds.push(stranger_row(rec));
                }
                3 => {
                    let (insurer, prefix, products, _) = *pick(&mut self.rn, INSURERS);
                    let rec = InsuranceRecord {
                        record_id: self.rid(Source::Insurance),
                        policyholder_id: id.clone(),
                        policyholder_name: name.clone(),
                        insurer: insurer.to_owned(),
                        policy_number: self.ctx.numbers.policy(prefix, self.index, 15),
                        product: pick(&mut self.rn, products).to_string(),
                        investment_type: true,
                        premiums_paid: fen(self.rn.random_range(1_000_000..50_000_000))?,
                        status: PolicyStatus::InForce,
                    };
                    self.rows.insurance.push(stranger_row(rec));
                }
                4 => {
                    let number = format!("E{}", self.ctx.numbers.document(self.index, 15));
                    let issued =
                        between(&mut self.rn, ymd(self.year - 8, 1, 1), ymd(self.year, 6, 1));
                    let rec = TravelDocumentRecord {
                        record_id: self.rid(Source::TravelDocuments),
                        holder_id: id.clone(),
                        holder_name: name.clone(),
                        kind: DocumentKind::Passport,
                        number: number.clone(),
                        issued_on: Some(issued),
                        expires_on: Some(shift(add_years(issued, 10), -1)),
                        status: DocumentStatus::Valid,
                    };
                    self.rows.travel_documents.push(stranger_row(rec));
                    let out = between(&mut self.rn, ymd(self.year, 2, 1), ymd(self.year, 11, 1));
                    let back = shift(out, self.rn.random_range(3..15));
                    let dest = Country::parse(pick::<&str, _>(
                        &mut self.rn,
                        crate::catalog::TRIP_COUNTRIES,
                    ))?;
                    for (direction, date) in [(Direction::Exit, out), (Direction::Entry, back)] {
                        let rec = BorderCrossingRecord {
                            record_id: self.rid(Source::BorderCrossings),
                            person_id: id.clone(),
                            person_name: name.clone(),
                            document_number: number.clone(),
                            direction,
                            date,
                            destination: Some(dest),
                        };
                        self.rows.border_crossings.push(stranger_row(rec));
                    }
                }
                5 => {
                    let code =
                        self.ctx
                            .numbers
                            .credit("91", &area.prefecture_code(), self.index, 63)?;
                    let company = format!(
                        "{}{}{}有限公司",
                        area.city_short(),
                        pick(&mut self.rn, crate::catalog::BRANDS),
                        pick(&mut self.rn, crate::catalog::INDUSTRIES)
                    );
                    let rec = CompanyRecord {
                        record_id: self.rid(Source::Companies),
                        person_id: id.clone(),
                        person_name: name.clone(),
                        credit_code: code.as_str().to_owned(),
                        company_name: company,
                        form: BusinessForm::Llc,
                        status: CompanyStatus::Active,
                        role: CompanyRole::Shareholder,
                        subscribed: Some(fen(self.rn.random_range(10..500) * 1_000_000)?),
                        share_pct: Some(probity_model::Percent::parse("40")?),
                        since: Some(ymd(self.rn.random_range(2008..=self.year), 5, 12)),
                    };
                    self.rows.companies.push(stranger_row(rec));
                }
                _ => {
                    let code =
                        self.ctx
                            .numbers
                            .credit("91", &area.prefecture_code(), self.index, 62)?;
                    let rec = EmploymentRecord {
                        record_id: self.rid(Source::Employment),
                        person_id: id.clone(),
                        person_name: name.clone(),
                        employer_credit_code: code.as_str().to_owned(),
                        employer_name: format!(
                            "{}{}{}有限公司",
                            area.city_short(),
                            pick(&mut self.rn, crate::catalog::BRANDS),
                            pick(&mut self.rn, crate::catalog::INDUSTRIES)
                        ),
                        since: Some(ymd(self.rn.random_range(2005..=self.year), 3, 1)),
                        until: None,
                    };
                    self.rows.employment.push(stranger_row(rec));
                }
            }
        }
        Ok(())
    }
}

fn stranger_row<T>(rec: T) -> Tagged<T> {
    Tagged {
        rec,
        owner: None,
        blankable: false,
    }
}

/// Builds and serialises person `index`.
pub(crate) fn build(ctx: &Ctx, index: u64) -> Result<PersonOut, SynthError> {
    let mut h = Household::new(ctx, index)?;
    let mut out = PersonOut::default();
    {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .buffer_capacity(1024)
            .from_writer(Vec::with_capacity(256));
        w.serialize(&h.roster)?;
        out.roster = w
            .into_inner()
            .map_err(|e| SynthError::Internal(format!("cannot flush roster row: {e}")))?;
    }
    if h.roster.status == SubjectStatus::Retired {
        return Ok(out);
    }
    h.family()?;
    h.documents_and_trips()?;
    h.child_marriage_matters()?;
    h.residence()?;
    h.employment()?;
    h.criminal_cases()?;
    h.salary()?;
    h.labor_income()?;
    h.real_estate()?;
    h.stocks()?;
    h.funds()?;
    h.insurance()?;
    h.businesses()?;
    h.overseas()?;
    h.persons();
    h.decl.settle_nothing_to_report();
    h.homonyms()?;
    if ctx.previous
        && let Some(p) = crate::history::previous(&h, index)?
    {
        out.previous_declared = true;
        serde_json::to_writer(&mut out.previous, &p.declaration)?;
        out.previous.push(b'\n');
        for d in &p.truth {
            serde_json::to_writer(&mut out.yoy_truth, d)?;
            out.yoy_truth.push(b'\n');
        }
        out.yoy_findings = p.truth.len() as u64;
    }
    let rates = ctx.rates;
    h.rows.add_noise(&mut h.rn, &rates, h.year);
    h.rows.shuffle(&mut h.rw);
    for d in crate::changes::late_in_annual_report(&h.decl, &h.rows, &ctx.profile) {
        serde_json::to_writer(&mut out.timeliness_truth, &d)?;
        out.timeliness_truth.push(b'\n');
        out.timeliness_findings += 1;
    }

    out.declared = true;
    serde_json::to_writer(&mut out.declaration, &h.decl)?;
    out.declaration.push(b'\n');
    for d in &h.truth {
        serde_json::to_writer(&mut out.truth, d)?;
        out.truth.push(b'\n');
    }
    out.findings = h.truth.len() as u64;
    out.rows = h.rows.len() as u64;
    out.sources = h.rows.to_csv()?;
    Ok(out)
}
