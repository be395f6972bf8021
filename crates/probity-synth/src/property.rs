//! Matters 9–14: salary against tax records, labour income, real estate, stocks, funds,
//! investment insurance, businesses and overseas assets; each writes the registry rows, the
//! declared items and the truth of its injected discrepancy.

use probity_model::decimal::Decimal;
use probity_model::declaration::*;
use probity_model::finding::{Category, FindingKind};
use probity_model::profile::Condition;
use probity_model::registry::*;
use probity_model::roster::Rank;
use probity_model::time::MonthOrDate;
use probity_model::{AreaM2, Country, CreditCode, Currency, Date, Percent, Quantity};
use rand::Rng;

use crate::SynthError;
use crate::catalog::{BRANDS, FUNDS, INDUSTRIES, INSURERS, LABOR_PAYERS, STOCKS};
use crate::household::{Counter, Household, fen, hundredths, shared_org};
use crate::inject::{Finding, Variant};
use crate::places::{AREAS, Address, Certificate, UNIT_KINDS, same_city};
use crate::registry::Tagged;
use crate::rng::{add_years, between, pick, shift, trading_day_before, weighted, ymd};

/// What the generator does with an item.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// Registered and declared as registered.
    Clean,
    /// Registered, not declared (outside the report's scope, or an injected omission).
    RegistryOnly,
    /// Registered, not declared: an injected `unreported`.
    Hidden,
    /// Declared with this value instead of the registered one.
    Misstated(i64, FindingKind),
    /// Declared, not registered: an injected `unconfirmed`.
    Fake,
}

/// Rounds fen to whole hundreds of yuan.
fn round_hundred(fen: i64) -> i64 {
    (fen + 5_000) / 10_000 * 10_000
}

/// `value` scaled by a random percentage in `range`, at least one unit of `step` away.
fn scaled<R: Rng>(rng: &mut R, value: i64, range: std::ops::Range<i64>, step: i64) -> i64 {
    let pct = rng.random_range(range.clone());
    let v = (value * pct / 100) / step * step;
    if range.start >= 100 {
        v.max(value + step)
    } else {
        v.min(value - step).max(step)
    }
}

#[derive(Debug, Clone)]
struct Property {
    owners: Vec<usize>,
    kind: PropertyKind,
    address: Address,
    certificate: Certificate,
    area: i64,
    acquired: Date,
    registered: Date,
    source: PropertySource,
    price: Option<i64>,
    disposal: Option<Date>,
    share: Option<&'static str>,
    role: Role,
}

#[derive(Debug, Clone)]
struct Holding {
    holder: usize,
    code: &'static str,
    name: &'static str,
    /// Shares, or fund units in hundredths.
    quantity: i64,
    /// Price in fen (stocks) or NAV in ten-thousandths (funds).
    price: i64,
    role: Role,
}

#[derive(Debug, Clone)]
struct Company {
    person: usize,
    code: CreditCode,
    name: String,
    form: BusinessForm,
    status: CompanyStatus,
    capital: i64,
    investor: bool,
    share: i64,
    subscribed: i64,
    paid_in: i64,
    senior: Option<SeniorRole>,
    since: Date,
    role: Role,
}

fn business_status(s: CompanyStatus) -> BusinessStatus {
    match s {
        CompanyStatus::Active => BusinessStatus::Active,
        CompanyStatus::Revoked => BusinessStatus::Revoked,
        CompanyStatus::Withdrawn => BusinessStatus::Withdrawn,
        CompanyStatus::Moved => BusinessStatus::Moved,
        _ => BusinessStatus::Other,
    }
}

fn property_fact(kind: PropertyKind) -> Condition {
    if kind.is_ancillary() {
        Condition::AncillaryProperty
    } else {
        Condition::MainProperty
    }
}

fn kind_word(kind: PropertyKind) -> &'static str {
    match kind {
        PropertyKind::Garage => "garage",
        PropertyKind::Parking => "parking space",
        PropertyKind::Storage => "storeroom",
        PropertyKind::Resettlement => "resettlement",
        PropertyKind::Affordable => "affordable",
        PropertyKind::Other => "residential",
        PropertyKind::Commodity => "commodity",
    }
}

impl Household<'_> {
    fn tax_row(
        &mut self,
        m: usize,
        code: &str,
        payer: &str,
        kind: IncomeKind,
        amount: i64,
    ) -> Result<String, SynthError> {
        let record_id = self.rid(Source::TaxIncome);
        let rec = TaxIncomeRecord {
            record_id: record_id.clone(),
            person_id: self.members[m].id_text(),
            person_name: self.members[m].name.clone(),
            year: self.year,
            payer_credit_code: code.to_owned(),
            payer_name: payer.to_owned(),
            kind,
            amount: fen(amount)?,
        };
        self.rows.tax_income.push(Tagged {
            rec,
            owner: Some(m),
            blankable: false,
        });
        Ok(record_id)
    }

    /// Matter 9: wages, bonuses and other pay against the tax record's wage total.
    pub(crate) fn salary(&mut self) -> Result<(), SynthError> {
        let (lo, hi) = match self.roster.rank {
            Rank::ViceDivision => (130_000, 200_000),
            Rank::Division => (160_000, 260_000),
            Rank::ViceDepartment => (220_000, 320_000),
            Rank::Department | Rank::ViceMinisterial | Rank::Ministerial => (260_000, 380_000),
            Rank::Other => (120_000, 200_000),
        };
        let total: i64 = self.rw.random_range(lo * 100..hi * 100);
        let mut ids = Vec::new();
        let (code, unit) = (self.unit_code.as_str().to_owned(), self.unit_name.clone());
        if self.rw.random_bool(0.1) {
            // Moved posts during the year: two payers.
            let i = self.rw.random_range(0..UNIT_KINDS.len());
            let kind = &UNIT_KINDS[i];
            let (old_code, old_name) = shared_org(
                &self.ctx.numbers,
                kind.pattern,
                self.home,
                kind.code_kind,
                i as u64,
            )?;
            if old_code != self.unit_code {
                let part = total * self.rw.random_range(20..60) / 100;
                ids.push(self.tax_row(0, old_code.as_str(), &old_name, IncomeKind::Wages, part)?);
                ids.push(self.tax_row(0, &code, &unit, IncomeKind::Wages, total - part)?);
            }
        }
        if ids.is_empty() {
            ids.push(self.tax_row(0, &code, &unit, IncomeKind::Wages, total)?);
        }
        let inj = self.plan.kind(Category::Salary);
        let declared = match inj {
            Some(FindingKind::Understated) => {
                round_hundred(total * self.rw.random_range(55..85) / 100)
            }
            Some(FindingKind::Overstated) => {
                round_hundred(total * self.rw.random_range(115..145) / 100)
            }
            _ => round_hundred(total),
        };
        let bonuses = declared * self.rw.random_range(15..26) / 100 / 10_000 * 10_000;
        let other = if self.rw.random_bool(0.3) {
            self.rw.random_range(1..50) * 10_000
        } else {
            0
        };
        self.decl.salary = Some(Salary {
            wages: fen(declared - bonuses - other)?,
            bonuses: fen(bonuses)?,
            other: fen(other)?,
        });
        if let Some(kind) = inj {
            let mut f = Finding::new(Category::Salary, kind, Some(0));
            f.field = "total";
            f.declared = hundredths(declared);
            f.registry = hundredths(total);
            f.path = "$.salary".into();
            f.ids = ids;
            f.note = format!(
                "Declared wages, bonuses and other pay total {}; the tax record shows wages of {}.",
                f.declared, f.registry
            );
            self.record(f);
        }
        // The spouse's wages are taxed too, outside the report.
        if let Some((code, name)) = self.spouse_employer.clone()
            && let Some(sp) = self
                .members
                .iter()
                .position(|m| m.relation == Relation::Spouse && m.listed)
            && self.rw.random_bool(0.6)
        {
            let amount = self.rw.random_range(6_000_000..30_000_000);
            self.tax_row(sp, code.as_str(), &name, IncomeKind::Wages, amount)?;
        }
        Ok(())
    }

    /// Matter 10: labour income, declared after tax, each payment with its gross tax record.
    pub(crate) fn labor_income(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::LaborIncome);
        let mut count = if self.rw.random_bool(0.12) {
            self.rw.random_range(1..=2)
        } else {
            0
        };
        if inj == Some(FindingKind::Unreported) && count == 0 {
            count = 1;
        }
        let first = self.rw.random_range(0..LABOR_PAYERS.len());
        for j in 0..count {
            let i = (first + j) % LABOR_PAYERS.len();
            let (pattern, kind) = LABOR_PAYERS[i];
            let (code, payer) =
                shared_org(&self.ctx.numbers, pattern, self.home, kind, 48 + i as u64)?;
            let gross: i64 = self.rw.random_range(80_000..3_000_000);
            let row = self.tax_row(0, code.as_str(), &payer, IncomeKind::Labor, gross)?;
            if inj == Some(FindingKind::Unreported) && j == 0 {
                let mut f = Finding::new(Category::LaborIncome, FindingKind::Unreported, Some(0));
                f.registry = hundredths(gross);
                f.ids = vec![row];
                f.note = format!(
                    "Labour income of {} from {payer} is not in the report.",
                    f.registry
                );
                self.record(f);
                continue;
            }
            let tax = if gross <= 400_000 {
                (gross - 80_000).max(0) * 20 / 100
            } else {
                gross * 16 / 100
            };
            let labor_kind = match i {
                1 => LaborKind::Writing,
                3 => LaborKind::Reviewing,
                4 => LaborKind::Consulting,
                _ => LaborKind::Lecture,
            };
            self.decl.labor_income.push(LaborIncome {
                kind: labor_kind,
                payer,
                amount: fen(gross - tax)?,
            });
        }
        if inj == Some(FindingKind::Unconfirmed) {
            let amount = self.rw.random_range(100_000..1_000_000);
            let payer = format!("{}书法家协会", self.home.city);
            let path = format!("$.labor_income[{}]", self.decl.labor_income.len());
            self.decl.labor_income.push(LaborIncome {
                kind: LaborKind::CalligraphyPainting,
                payer: payer.clone(),
                amount: fen(amount)?,
            });
            let mut f = Finding::new(Category::LaborIncome, FindingKind::Unconfirmed, Some(0));
            f.declared = hundredths(amount);
            f.path = path;
            f.note = format!("No tax record supports the declared labour income from {payer}.");
            self.record(f);
        }
        Ok(())
    }

    /// Owners for a property or holding: self, spouse, both, or a co-residing child.
    fn choose_owners(&mut self, joint: bool) -> Vec<usize> {
        let owners = self.property_owners();
        let spouse = owners
            .iter()
            .copied()
            .find(|m| self.members[*m].relation == Relation::Spouse);
        let child = owners
            .iter()
            .copied()
            .find(|m| self.members[*m].relation == Relation::Child && self.age(*m) >= 2);
        let choice = weighted(
            &mut self.rw,
            &[
                ("self", 35),
                ("spouse", if spouse.is_some() { 20 } else { 0 }),
                ("joint", if spouse.is_some() && joint { 40 } else { 0 }),
                ("child", if child.is_some() { 3 } else { 0 }),
            ],
        );
        match (choice, spouse, child) {
            ("spouse", Some(s), _) => vec![s],
            ("joint", Some(s), _) => {
                if self.rw.random_bool(0.5) {
                    vec![0, s]
                } else {
                    vec![s, 0]
                }
            }
            ("child", _, Some(c)) => vec![c],
            _ => vec![0],
        }
    }

    fn new_property(&mut self, owners: Vec<usize>, kind: PropertyKind, role: Role) -> Property {
        let area = if self.rw.random_bool(0.85) {
            same_city(&mut self.rw, self.home)
        } else {
            pick(&mut self.rw, AREAS)
        };
        let address = Address::random(&mut self.rw, area, kind);
        let size = match kind {
            PropertyKind::Parking => self.rw.random_range(1_200..2_500),
            PropertyKind::Garage => self.rw.random_range(1_800..4_000),
            PropertyKind::Storage => self.rw.random_range(500..1_500),
            _ => self.rw.random_range(6_000..20_000),
        };
        let earliest = owners
            .iter()
            .map(|m| {
                let birth = self.members[*m].birth;
                if self.members[*m].relation == Relation::Child {
                    shift(birth, 30)
                } else {
                    add_years(birth, 22)
                }
            })
            .min()
            .unwrap_or(ymd(1998, 1, 1))
            .max(ymd(1998, 1, 1))
            .min(shift(self.filed_on, -150));
        let acquired = between(&mut self.rw, earliest, shift(self.filed_on, -120));
        let registered =
            shift(acquired, self.rw.random_range(20..120)).min(shift(self.filed_on, -1));
        let k = self.next(Counter::Title);
        let serial = self
            .ctx
            .numbers
            .title_serial(self.index, k, registered.year() < 2016);
        let source = if self.members[owners[0]].relation == Relation::Child {
            weighted(
                &mut self.rw,
                &[
                    (PropertySource::Gift, 60),
                    (PropertySource::Inheritance, 40),
                ],
            )
        } else {
            weighted(
                &mut self.rw,
                &[
                    (PropertySource::Purchase, 85),
                    (PropertySource::Inheritance, 5),
                    (PropertySource::Gift, 5),
                    (PropertySource::SelfBuilt, 2),
                    (PropertySource::Other, 3),
                ],
            )
        };
        let tier_one = matches!(area.city, "北京市" | "上海市" | "深圳市" | "广州市");
        let per_m2: i64 = if tier_one {
            self.rw.random_range(40_000..80_000)
        } else {
            self.rw.random_range(9_000..30_000)
        };
        let price = (source == PropertySource::Purchase).then(|| {
            let yuan = if kind.is_ancillary() {
                self.rw.random_range(80_000..300_000)
            } else {
                size * per_m2 / 100
            };
            round_hundred(yuan * 100)
        });
        let share = match owners.len() {
            1 => Some("100"),
            _ if self.rw.random_bool(0.5) => Some("50"),
            _ => None,
        };
        Property {
            owners,
            kind,
            certificate: Certificate::new(area, registered.year(), serial),
            address,
            area: size,
            acquired,
            registered,
            source,
            price,
            disposal: None,
            share,
            role,
        }
    }

    fn property_rows(&mut self, p: &Property, blankable: bool) -> Result<Vec<String>, SynthError> {
        let area = if self.rn.random_bool(self.ctx.rates.area) {
            Decimal::from_parts(i128::from(p.area) * 10 + self.rn.random_range(-5..5), 3)
        } else {
            Decimal::from_parts(i128::from(p.area), 2)
        };
        let certificate = p.certificate.registry();
        let address = p.address.registry();
        let mut ids = Vec::new();
        for &o in &p.owners {
            let record_id = self.rid(Source::RealEstate);
            let rec = RealEstateRecord {
                record_id: record_id.clone(),
                owner_id: self.members[o].id_text(),
                owner_name: self.members[o].name.clone(),
                certificate_number: certificate.clone(),
                address: address.clone(),
                area_m2: area,
                kind: p.kind,
                share_pct: p.share.map(Percent::parse).transpose()?,
                registered_on: Some(p.registered),
                status: if p.disposal.is_some() {
                    PropertyStatus::Transferred
                } else {
                    PropertyStatus::Held
                },
                transferred_on: p.disposal,
            };
            self.rows.real_estate.push(Tagged {
                rec,
                owner: Some(o),
                blankable,
            });
            ids.push(record_id);
        }
        Ok(ids)
    }

    fn declare_property(
        &mut self,
        p: &Property,
        area: i64,
    ) -> Result<(String, String), SynthError> {
        let text = self.ctx.rates.text;
        let address_style = if self.rn.random_bool(text) {
            self.rn.random_range(1..5)
        } else {
            0
        };
        let cert_style = if self.rn.random_bool(text) {
            self.rn.random_range(1..5)
        } else {
            0
        };
        let acquired = if self.rw.random_bool(0.7) {
            MonthOrDate::parse(&format!(
                "{:04}-{:02}",
                p.acquired.year(),
                p.acquired.month()
            ))?
        } else {
            MonthOrDate::Day(p.acquired)
        };
        let certificate = p.certificate.written(cert_style);
        let disposal = match p.disposal {
            Some(on) => Some(Disposal {
                kind: DisposalKind::Sale,
                on,
                price: fen(round_hundred(p.price.unwrap_or(50_000_000) * 12 / 10))?,
            }),
            None => None,
        };
        let path = format!("$.real_estate[{}]", self.decl.real_estate.len());
        let address = p.address.declared(address_style);
        self.decl.real_estate.push(RealEstate {
            owners: p.owners.iter().map(|o| self.members[*o].handle()).collect(),
            certificate_number: Some(certificate.clone()),
            address,
            area_m2: AreaM2::parse(&hundredths(area))?,
            kind: p.kind,
            source: p.source,
            acquired_on: Some(acquired),
            price: p.price.map(fen).transpose()?,
            disposal,
        });
        Ok((path, certificate))
    }

    /// Matter 11: real estate of self, spouse and co-residing children, one registry row per
    /// owner; properties of independent children and units sold before the year are registered
    /// but not reported.
    pub(crate) fn real_estate(&mut self) -> Result<(), SynthError> {
        let mut props: Vec<Property> = Vec::new();
        let count = weighted(
            &mut self.rw,
            &[(0usize, 8), (1, 45), (2, 32), (3, 12), (4, 3)],
        );
        for _ in 0..count {
            let owners = self.choose_owners(true);
            let kind = weighted(
                &mut self.rw,
                &[
                    (PropertyKind::Commodity, 88),
                    (PropertyKind::Resettlement, 5),
                    (PropertyKind::Affordable, 5),
                    (PropertyKind::Other, 2),
                ],
            );
            let mut p = self.new_property(owners, kind, Role::Clean);
            if self.rw.random_bool(0.03) {
                let from = ymd(self.year, 1, 15).max(shift(p.registered, 30));
                let to = ymd(self.year, 12, 20).min(shift(self.filed_on, -5));
                if from < to {
                    p.disposal = Some(between(&mut self.rw, from, to));
                }
            }
            props.push(p);
        }
        let ancillary = weighted(
            &mut self.rw,
            &[
                (None, 80),
                (Some(PropertyKind::Parking), 9),
                (Some(PropertyKind::Garage), 6),
                (Some(PropertyKind::Storage), 5),
            ],
        );
        if let Some(kind) = ancillary {
            let owners = self.choose_owners(true);
            props.push(self.new_property(owners, kind, Role::Clean));
        }
        if self.rw.random_bool(0.05) {
            let mut p = self.new_property(vec![0], PropertyKind::Commodity, Role::RegistryOnly);
            let sold = between(
                &mut self.rw,
                ymd(self.year - 4, 1, 1),
                ymd(self.year - 1, 12, 1),
            );
            if sold > shift(p.registered, 30) {
                p.disposal = Some(sold);
                props.push(p);
            }
        }
        for c in self.independent_children() {
            if self.age(c) >= 22 && self.rw.random_bool(0.15) {
                props.push(self.new_property(vec![c], PropertyKind::Commodity, Role::RegistryOnly));
            }
        }

        match self.plan.get(Category::RealEstate) {
            Some(i) if i.kind == FindingKind::Unreported => {
                let kind = if i.variant == Variant::Minor {
                    weighted(
                        &mut self.rw,
                        &[
                            (PropertyKind::Parking, 50),
                            (PropertyKind::Garage, 30),
                            (PropertyKind::Storage, 20),
                        ],
                    )
                } else {
                    PropertyKind::Commodity
                };
                let owners = self.choose_owners(true);
                let p = self.new_property(owners, kind, Role::Hidden);
                let at = self.rw.random_range(0..=props.len());
                props.insert(at, p);
            }
            Some(i) if matches!(i.kind, FindingKind::Understated | FindingKind::Overstated) => {
                let target = props
                    .iter()
                    .position(|p| p.role == Role::Clean && p.disposal.is_none());
                let target = match target {
                    Some(t) => t,
                    None => {
                        let owners = self.choose_owners(true);
                        props.push(self.new_property(owners, PropertyKind::Commodity, Role::Clean));
                        props.len() - 1
                    }
                };
                let area = props[target].area;
                let declared = if i.kind == FindingKind::Understated {
                    scaled(&mut self.rw, area, 70..93, 1)
                } else {
                    scaled(&mut self.rw, area, 108..131, 1)
                };
                props[target].role = Role::Misstated(declared, i.kind);
            }
            Some(i) if i.kind == FindingKind::Unconfirmed => {
                let owners = self.choose_owners(true);
                let p = self.new_property(owners, PropertyKind::Commodity, Role::Fake);
                props.push(p);
            }
            _ => {}
        }

        for p in props {
            let owner = p.owners.first().copied();
            match p.role {
                Role::Clean => {
                    self.property_rows(&p, true)?;
                    self.declare_property(&p, p.area)?;
                }
                Role::RegistryOnly => {
                    self.property_rows(&p, false)?;
                }
                Role::Hidden => {
                    let ids = self.property_rows(&p, false)?;
                    let mut f = Finding::new(Category::RealEstate, FindingKind::Unreported, owner);
                    f.facts = vec![property_fact(p.kind)];
                    f.registry = p.certificate.registry();
                    f.ids = ids;
                    f.note = format!(
                        "A {} property registered to the family (certificate {}) is not in the report.",
                        kind_word(p.kind),
                        f.registry
                    );
                    self.record(f);
                }
                Role::Misstated(declared, kind) => {
                    let ids = self.property_rows(&p, false)?;
                    let (path, _) = self.declare_property(&p, declared)?;
                    let mut f = Finding::new(Category::RealEstate, kind, owner);
                    f.facts = vec![property_fact(p.kind)];
                    f.field = "area_m2";
                    f.declared = hundredths(declared);
                    f.registry = hundredths(p.area);
                    f.path = path;
                    f.ids = ids;
                    f.note = format!(
                        "Declared {} m² for certificate {}; the registry records {} m².",
                        f.declared,
                        p.certificate.registry(),
                        f.registry
                    );
                    self.record(f);
                }
                Role::Fake => {
                    let (path, certificate) = self.declare_property(&p, p.area)?;
                    let address = self
                        .decl
                        .real_estate
                        .last()
                        .map(|r| r.address.clone())
                        .unwrap_or_default();
                    let mut f = Finding::new(Category::RealEstate, FindingKind::Unconfirmed, owner);
                    f.facts = vec![property_fact(p.kind)];
                    f.declared = certificate;
                    f.path = path;
                    f.note =
                        format!("No registry record supports the declared property at {address}.");
                    self.record(f);
                }
            }
        }
        Ok(())
    }

    /// Holders of securities: self, spouse or a co-residing child.
    fn choose_holder(&mut self) -> usize {
        self.choose_owners(false)[0]
    }

    /// Draws holdings: natural ones, those of independent children, and the injected one.
    fn holdings(&mut self, category: Category, natural: f64) -> Vec<Holding> {
        let funds = category == Category::Funds;
        let draw =
            |h: &mut Self, holder: usize, role: Role, taken: &[Holding]| -> Option<Holding> {
                for _ in 0..8 {
                    let (code, name, price) = if funds {
                        *pick(&mut h.rw, FUNDS)
                    } else {
                        *pick(&mut h.rw, STOCKS)
                    };
                    if taken.iter().any(|t| t.holder == holder && t.code == code) {
                        continue;
                    }
                    let quantity = if funds {
                        h.rw.random_range(100_000..5_000_000)
                    } else {
                        h.rw.random_range(1..120) * 100
                    };
                    let price = price * h.rw.random_range(95..106) / 100;
                    return Some(Holding {
                        holder,
                        code,
                        name,
                        quantity,
                        price,
                        role,
                    });
                }
                None
            };
        let mut list: Vec<Holding> = Vec::new();
        if self.rw.random_bool(natural) {
            for _ in 0..self.rw.random_range(1..=4) {
                let holder = self.choose_holder();
                if let Some(x) = draw(self, holder, Role::Clean, &list) {
                    list.push(x);
                }
            }
        }
        for c in self.independent_children() {
            if self.rw.random_bool(0.08)
                && let Some(x) = draw(self, c, Role::RegistryOnly, &list)
            {
                list.push(x);
            }
        }
        let step = if funds { 1 } else { 100 };
        match self.plan.kind(category) {
            Some(FindingKind::Unreported) => {
                let holder = self.choose_holder();
                if let Some(x) = draw(self, holder, Role::Hidden, &list) {
                    let at = self.rw.random_range(0..=list.len());
                    list.insert(at, x);
                }
            }
            Some(FindingKind::Unconfirmed) => {
                let holder = self.choose_holder();
                if let Some(x) = draw(self, holder, Role::Fake, &list) {
                    list.push(x);
                }
            }
            Some(kind @ (FindingKind::Understated | FindingKind::Overstated)) => {
                let target = match list.iter().position(|x| x.role == Role::Clean) {
                    Some(t) => Some(t),
                    None => {
                        let holder = self.choose_holder();
                        draw(self, holder, Role::Clean, &list).map(|x| {
                            list.push(x);
                            list.len() - 1
                        })
                    }
                };
                if let Some(t) = target {
                    let mut q = list[t].quantity;
                    if kind == FindingKind::Understated && q < 2 * step {
                        q = 10 * step;
                        list[t].quantity = q;
                    }
                    let declared = if kind == FindingKind::Understated {
                        scaled(&mut self.rw, q, 30..80, step)
                    } else {
                        scaled(&mut self.rw, q, 110..150, step)
                    };
                    list[t].role = Role::Misstated(declared, kind);
                }
            }
            _ => {}
        }
        list
    }

    /// Writes holdings of one section; returns the pending `unreported` finding, whose condition
    /// depends on the final section.
    fn write_holdings(
        &mut self,
        category: Category,
        list: Vec<Holding>,
    ) -> Result<Option<Finding>, SynthError> {
        let funds = category == Category::Funds;
        let as_of = trading_day_before(self.filed_on);
        let mut pending = None;
        let mut accounts: Vec<(usize, bool, String)> = Vec::new();
        for x in list {
            let mut ids = Vec::new();
            if x.role != Role::Fake {
                if funds {
                    let record_id = self.rid(Source::Funds);
                    let rec = FundRecord {
                        record_id: record_id.clone(),
                        holder_id: self.members[x.holder].id_text(),
                        holder_name: self.members[x.holder].name.clone(),
                        code: x.code.to_owned(),
                        name: x.name.to_owned(),
                        units: Quantity::parse(&hundredths(x.quantity))?,
                        nav: Some(Decimal::from_parts(i128::from(x.price), 4)),
                        as_of: Some(as_of),
                    };
                    self.rows.funds.push(Tagged {
                        rec,
                        owner: Some(x.holder),
                        blankable: false,
                    });
                    ids.push(record_id);
                } else {
                    let shanghai = x.code.starts_with('6');
                    let parts = if x.quantity >= 200 && self.rw.random_bool(0.2) {
                        let first = self.rw.random_range(1..x.quantity / 100) * 100;
                        vec![first, x.quantity - first]
                    } else {
                        vec![x.quantity]
                    };
                    for (n, shares) in parts.into_iter().enumerate() {
                        let known: Vec<String> = accounts
                            .iter()
                            .filter(|(h, sh, _)| *h == x.holder && *sh == shanghai)
                            .map(|(_, _, a)| a.clone())
                            .collect();
                        let account = match known.get(n) {
                            Some(a) => a.clone(),
                            None => {
                                let k = self.next(Counter::Account);
                                let a = self.ctx.numbers.account(self.index, k, shanghai);
                                accounts.push((x.holder, shanghai, a.clone()));
                                a
                            }
                        };
                        let record_id = self.rid(Source::Stocks);
                        let rec = StockRecord {
                            record_id: record_id.clone(),
                            holder_id: self.members[x.holder].id_text(),
                            holder_name: self.members[x.holder].name.clone(),
                            account,
                            code: x.code.to_owned(),
                            name: x.name.to_owned(),
                            shares: Quantity::parse(&shares.to_string())?,
                            close_price: Some(Decimal::from_parts(i128::from(x.price), 2)),
                            as_of: Some(as_of),
                        };
                        self.rows.stocks.push(Tagged {
                            rec,
                            owner: Some(x.holder),
                            blankable: false,
                        });
                        ids.push(record_id);
                    }
                }
            }
            let text = |q: i64| if funds { hundredths(q) } else { q.to_string() };
            let registry = text(x.quantity);
            let noun = if funds { "units" } else { "shares" };
            match x.role {
                Role::RegistryOnly => continue,
                Role::Hidden => {
                    let mut f = Finding::new(category, FindingKind::Unreported, Some(x.holder));
                    f.registry = registry.clone();
                    f.ids = ids;
                    f.note = format!(
                        "Holding of {} {} ({registry} {noun}) is missing",
                        x.code, x.name
                    );
                    pending = Some(f);
                    continue;
                }
                _ => {}
            }
            let declared = match x.role {
                Role::Misstated(q, _) => q,
                _ => x.quantity,
            };
            let value = if funds {
                declared * x.price / 10_000
            } else {
                declared * x.price
            };
            let handle = self.members[x.holder].handle();
            let path = if funds {
                self.decl.funds.push(FundHolding {
                    holder: handle,
                    code: x.code.to_owned(),
                    name: Some(x.name.to_owned()),
                    units: Quantity::parse(&hundredths(declared))?,
                    net_value: fen(value.max(1))?,
                });
                format!("$.funds[{}]", self.decl.funds.len() - 1)
            } else {
                self.decl.stocks.push(StockHolding {
                    holder: handle,
                    code: x.code.to_owned(),
                    name: Some(x.name.to_owned()),
                    shares: Quantity::parse(&declared.to_string())?,
                    market_value: fen(value.max(1))?,
                });
                format!("$.stocks[{}]", self.decl.stocks.len() - 1)
            };
            match x.role {
                Role::Misstated(q, kind) => {
                    let mut f = Finding::new(category, kind, Some(x.holder));
                    f.field = noun;
                    f.declared = text(q);
                    f.registry = registry.clone();
                    f.path = path;
                    f.ids = ids;
                    f.note = format!(
                        "Declared {} {noun} of {}; the {} holds {registry}.",
                        f.declared,
                        x.code,
                        if funds { "registrar" } else { "depository" }
                    );
                    self.record(f);
                }
                Role::Fake => {
                    let mut f = Finding::new(category, FindingKind::Unconfirmed, Some(x.holder));
                    f.declared = text(declared);
                    f.path = path;
                    f.note = format!(
                        "No {} record supports the declared holding of {} {}.",
                        if funds { "registrar" } else { "depository" },
                        x.code,
                        x.name
                    );
                    self.record(f);
                }
                _ => {}
            }
        }
        Ok(pending)
    }

    /// Records a pending `unreported` securities finding with the condition the final section
    /// gives it.
    fn finish_unreported(&mut self, pending: Option<Finding>, reported: usize, what: &str) {
        if let Some(mut f) = pending {
            if reported == 0 {
                f.facts = vec![Condition::NoneOfKindReported];
                f.note.push_str(&format!(" and no {what} are reported."));
            } else {
                f.facts = vec![Condition::SomeOfKindReported];
                f.note
                    .push_str(&format!(" while other {what} are reported."));
            }
            self.record(f);
        }
    }

    /// Matter 12: stocks, summed over accounts in the registry.
    pub(crate) fn stocks(&mut self) -> Result<(), SynthError> {
        let list = self.holdings(Category::Stocks, 0.25);
        let pending = self.write_holdings(Category::Stocks, list)?;
        self.finish_unreported(pending, self.decl.stocks.len(), "stocks");
        Ok(())
    }

    /// Matter 12: funds.
    pub(crate) fn funds(&mut self) -> Result<(), SynthError> {
        let list = self.holdings(Category::Funds, 0.15);
        let pending = self.write_holdings(Category::Funds, list)?;
        self.finish_unreported(pending, self.decl.funds.len(), "funds");
        Ok(())
    }

    /// Matter 12: investment-type insurance in force; other policies are registered only.
    pub(crate) fn insurance(&mut self) -> Result<(), SynthError> {
        let inj = self.plan.kind(Category::Insurance);
        // (holder, insurer index, investment, status, premiums, role)
        let mut policies: Vec<(usize, usize, bool, PolicyStatus, i64, Role)> = Vec::new();
        let holder = |h: &mut Self| {
            let owners = h.choose_owners(false);
            if h.members[owners[0]].relation == Relation::Child {
                0
            } else {
                owners[0]
            }
        };
        if self.rw.random_bool(0.2) {
            for _ in 0..self.rw.random_range(1..=2) {
                let (m, i) = (holder(self), self.rw.random_range(0..INSURERS.len()));
                policies.push((
                    m,
                    i,
                    true,
                    PolicyStatus::InForce,
                    self.rw.random_range(1_000_000..80_000_000),
                    Role::Clean,
                ));
            }
        }
        if self.rw.random_bool(0.35) {
            let (m, i) = (holder(self), self.rw.random_range(0..INSURERS.len()));
            policies.push((
                m,
                i,
                false,
                PolicyStatus::InForce,
                self.rw.random_range(300_000..10_000_000),
                Role::RegistryOnly,
            ));
        }
        if self.rw.random_bool(0.05) {
            let (m, i) = (holder(self), self.rw.random_range(0..INSURERS.len()));
            let status = if self.rw.random_bool(0.5) {
                PolicyStatus::Lapsed
            } else {
                PolicyStatus::Surrendered
            };
            policies.push((
                m,
                i,
                true,
                status,
                self.rw.random_range(1_000_000..30_000_000),
                Role::RegistryOnly,
            ));
        }
        match inj {
            Some(FindingKind::Unreported) | Some(FindingKind::Unconfirmed) => {
                let role = if inj == Some(FindingKind::Unreported) {
                    Role::Hidden
                } else {
                    Role::Fake
                };
                let (m, i) = (holder(self), self.rw.random_range(0..INSURERS.len()));
                let at = self.rw.random_range(0..=policies.len());
                policies.insert(
                    at,
                    (
                        m,
                        i,
                        true,
                        PolicyStatus::InForce,
                        self.rw.random_range(1_000_000..80_000_000),
                        role,
                    ),
                );
            }
            Some(kind @ (FindingKind::Understated | FindingKind::Overstated)) => {
                let t = match policies.iter().position(|p| p.5 == Role::Clean) {
                    Some(t) => t,
                    None => {
                        let (m, i) = (holder(self), self.rw.random_range(0..INSURERS.len()));
                        policies.push((
                            m,
                            i,
                            true,
                            PolicyStatus::InForce,
                            self.rw.random_range(1_000_000..80_000_000),
                            Role::Clean,
                        ));
                        policies.len() - 1
                    }
                };
                let premiums = policies[t].4;
                let declared = if kind == FindingKind::Understated {
                    scaled(&mut self.rw, premiums, 40..85, 10_000)
                } else {
                    scaled(&mut self.rw, premiums, 115..150, 10_000)
                };
                policies[t].5 = Role::Misstated(declared, kind);
            }
            _ => {}
        }
        let mut pending = None;
        for (m, i, investment, status, premiums, role) in policies {
            let (insurer, prefix, invest, other) = INSURERS[i];
            let product = if investment {
                pick(&mut self.rw, invest)
            } else {
                pick(&mut self.rw, other)
            };
            let k = self.next(Counter::Policy);
            let number = self.ctx.numbers.policy(prefix, self.index, k);
            let mut ids = Vec::new();
            if role != Role::Fake {
                let record_id = self.rid(Source::Insurance);
                let rec = InsuranceRecord {
                    record_id: record_id.clone(),
                    policyholder_id: self.members[m].id_text(),
                    policyholder_name: self.members[m].name.clone(),
                    insurer: insurer.to_owned(),
                    policy_number: number.clone(),
                    product: product.to_string(),
                    investment_type: investment,
                    premiums_paid: fen(premiums)?,
                    status,
                };
                self.rows.insurance.push(Tagged {
                    rec,
                    owner: Some(m),
                    blankable: role == Role::Clean,
                });
                ids.push(record_id);
            }
            match role {
                Role::RegistryOnly => continue,
                Role::Hidden => {
                    let mut f = Finding::new(Category::Insurance, FindingKind::Unreported, Some(m));
                    f.registry = hundredths(premiums);
                    f.ids = ids;
                    f.note = format!(
                        "Investment policy {number} with {insurer} ({} paid) is missing",
                        f.registry
                    );
                    pending = Some(f);
                    continue;
                }
                _ => {}
            }
            let declared = match role {
                Role::Misstated(d, _) => d,
                _ => premiums,
            };
            let path = format!("$.insurance[{}]", self.decl.insurance.len());
            self.decl.insurance.push(InsurancePolicy {
                policyholder: self.members[m].handle(),
                insurer: insurer.to_owned(),
                product: product.to_string(),
                policy_number: number.clone(),
                premiums_paid: fen(declared)?,
            });
            match role {
                Role::Misstated(d, kind) => {
                    let mut f = Finding::new(Category::Insurance, kind, Some(m));
                    f.field = "premiums_paid";
                    f.declared = hundredths(d);
                    f.registry = hundredths(premiums);
                    f.path = path;
                    f.ids = ids;
                    f.note = format!(
                        "Declared premiums {}; the insurer records {}.",
                        f.declared, f.registry
                    );
                    self.record(f);
                }
                Role::Fake => {
                    let mut f =
                        Finding::new(Category::Insurance, FindingKind::Unconfirmed, Some(m));
                    f.declared = number.clone();
                    f.path = path;
                    f.note = format!("No insurer record supports the declared policy {number}.");
                    self.record(f);
                }
                _ => {}
            }
        }
        self.finish_unreported(pending, self.decl.insurance.len(), "investment policies");
        Ok(())
    }

    fn new_company(
        &mut self,
        person: usize,
        role: Role,
        investor: bool,
        max_share: i64,
    ) -> Result<Company, SynthError> {
        let form = if investor && max_share < 100 {
            BusinessForm::Llc
        } else {
            weighted(
                &mut self.rw,
                &[
                    (BusinessForm::Llc, 70),
                    (BusinessForm::SoleProprietorship, 8),
                    (BusinessForm::IndividualBusiness, 10),
                    (BusinessForm::Partnership, 7),
                    (BusinessForm::JointStock, 5),
                ],
            )
        };
        let area = self.home;
        let k = self.next(Counter::Credit);
        let kind = if form == BusinessForm::IndividualBusiness {
            "92"
        } else {
            "91"
        };
        let code = self
            .ctx
            .numbers
            .credit(kind, &area.prefecture_code(), self.index, k)?;
        let (brand, industry) = (pick(&mut self.rw, BRANDS), pick(&mut self.rw, INDUSTRIES));
        let short = area.city_short();
        let name = match form {
            BusinessForm::JointStock => format!("{short}{brand}{industry}股份有限公司"),
            BusinessForm::Partnership => format!("{short}{brand}投资合伙企业(有限合伙)"),
            BusinessForm::SoleProprietorship => format!("{short}{brand}{industry}个人独资企业"),
            BusinessForm::IndividualBusiness => format!("{}{brand}{industry}店", area.district),
            _ => format!("{short}{brand}{industry}有限公司"),
        };
        let (capital, share) = match form {
            BusinessForm::Llc => (
                self.rw.random_range(10..100) * 10_000_000,
                self.rw.random_range(2..19) * 5,
            ),
            BusinessForm::JointStock => (
                self.rw.random_range(50..500) * 10_000_000,
                self.rw.random_range(1..21),
            ),
            BusinessForm::Partnership => (
                self.rw.random_range(5..50) * 10_000_000,
                self.rw.random_range(1..13) * 5,
            ),
            _ => (self.rw.random_range(5..50) * 1_000_000, 100),
        };
        let share = share.min(max_share);
        let owner_form = matches!(
            form,
            BusinessForm::IndividualBusiness | BusinessForm::SoleProprietorship
        );
        let investor = investor || owner_form || self.rw.random_bool(0.85);
        let subscribed = capital * share / 100;
        let paid_in = subscribed * self.rw.random_range(50..=100) / 100 / 100_000 * 100_000;
        let senior = if owner_form {
            None
        } else if !investor {
            Some(*pick(
                &mut self.rw,
                &[
                    SeniorRole::Director,
                    SeniorRole::Supervisor,
                    SeniorRole::DeputyGeneralManager,
                    SeniorRole::Cfo,
                ],
            ))
        } else if self.rw.random_bool(0.5) {
            Some(*pick(
                &mut self.rw,
                &[
                    SeniorRole::LegalRepresentative,
                    SeniorRole::Director,
                    SeniorRole::GeneralManager,
                    SeniorRole::Supervisor,
                ],
            ))
        } else {
            None
        };
        let birth = self.members[person].birth;
        let since = between(
            &mut self.rw,
            add_years(birth, 20).max(shift(self.filed_on, -15 * 365)),
            shift(self.filed_on, -60),
        );
        Ok(Company {
            person,
            code,
            name,
            form,
            status: CompanyStatus::Active,
            capital,
            investor,
            share,
            subscribed,
            paid_in,
            senior,
            since,
            role,
        })
    }

    /// Matter 13: businesses of spouse, children and children's spouses, one registry row per
    /// person per role; deregistered companies are registered but not reported.
    pub(crate) fn businesses(&mut self) -> Result<(), SynthError> {
        let candidates: Vec<usize> = self
            .relatives()
            .into_iter()
            .filter(|m| self.age(*m) >= 20)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let mut companies: Vec<Company> = Vec::new();
        if self.rw.random_bool(0.09) {
            let person = *pick(&mut self.rw, &candidates);
            for _ in 0..weighted(&mut self.rw, &[(1, 80), (2, 20)]) {
                let mut c = self.new_company(person, Role::Clean, false, 100)?;
                c.status = weighted(
                    &mut self.rw,
                    &[
                        (CompanyStatus::Active, 85),
                        (CompanyStatus::Revoked, 6),
                        (CompanyStatus::Withdrawn, 2),
                        (CompanyStatus::Moved, 2),
                        (CompanyStatus::Deregistered, 5),
                    ],
                );
                if c.status == CompanyStatus::Deregistered {
                    c.role = Role::RegistryOnly;
                }
                companies.push(c);
            }
        }
        let person = *pick(&mut self.rw, &candidates);
        match self.plan.kind(Category::Businesses) {
            Some(FindingKind::Unreported) => {
                let c = self.new_company(person, Role::Hidden, false, 100)?;
                let at = self.rw.random_range(0..=companies.len());
                companies.insert(at, c);
            }
            Some(FindingKind::Unconfirmed) => {
                companies.push(self.new_company(person, Role::Fake, false, 100)?);
            }
            Some(kind @ (FindingKind::Understated | FindingKind::Overstated)) => {
                let fits = |c: &Company| {
                    c.role == Role::Clean
                        && c.investor
                        && (kind == FindingKind::Understated || c.share <= 60)
                };
                let t = match companies.iter().position(fits) {
                    Some(t) => t,
                    None => {
                        companies.push(self.new_company(person, Role::Clean, true, 50)?);
                        companies.len() - 1
                    }
                };
                let c = &companies[t];
                let declared = if kind == FindingKind::Understated {
                    scaled(&mut self.rw, c.subscribed, 30..80, 100_000)
                } else {
                    scaled(&mut self.rw, c.subscribed, 120..160, 100_000).min(c.capital)
                };
                companies[t].role = Role::Misstated(declared, kind);
            }
            Some(FindingKind::Differs) => {
                let t = match companies
                    .iter()
                    .position(|c| c.role == Role::Clean && c.status == CompanyStatus::Active)
                {
                    Some(t) => t,
                    None => {
                        companies.push(self.new_company(person, Role::Clean, false, 100)?);
                        companies.len() - 1
                    }
                };
                companies[t].role = Role::Misstated(0, FindingKind::Differs);
            }
            _ => {}
        }

        for c in companies {
            let registry_status = match c.role {
                Role::Misstated(_, FindingKind::Differs) => CompanyStatus::Revoked,
                _ => c.status,
            };
            let mut ids = Vec::new();
            if c.role != Role::Fake {
                let who = (
                    self.members[c.person].id_text(),
                    self.members[c.person].name.clone(),
                );
                let investor_role = match c.form {
                    BusinessForm::Partnership => CompanyRole::Partner,
                    BusinessForm::IndividualBusiness | BusinessForm::SoleProprietorship => {
                        CompanyRole::Owner
                    }
                    _ => CompanyRole::Shareholder,
                };
                let mut roles: Vec<(CompanyRole, bool)> = Vec::new();
                if c.investor {
                    roles.push((investor_role, true));
                }
                if let Some(s) = c.senior {
                    roles.push((CompanyRole::Senior(s), false));
                }
                for (role, invests) in roles {
                    let record_id = self.rid(Source::Companies);
                    let rec = CompanyRecord {
                        record_id: record_id.clone(),
                        person_id: who.0.clone(),
                        person_name: who.1.clone(),
                        credit_code: c.code.as_str().to_owned(),
                        company_name: c.name.clone(),
                        form: c.form,
                        status: registry_status,
                        role,
                        subscribed: if invests {
                            Some(fen(c.subscribed)?)
                        } else {
                            None
                        },
                        share_pct: if invests {
                            Some(Percent::parse(&c.share.to_string())?)
                        } else {
                            None
                        },
                        since: Some(c.since),
                    };
                    self.rows.companies.push(Tagged {
                        rec,
                        owner: Some(c.person),
                        blankable: c.role == Role::Clean,
                    });
                    ids.push(record_id);
                }
            }
            let who = self.members[c.person].name.clone();
            match c.role {
                Role::RegistryOnly => continue,
                Role::Hidden => {
                    let mut f = Finding::new(
                        Category::Businesses,
                        FindingKind::Unreported,
                        Some(c.person),
                    );
                    f.registry = c.code.as_str().to_owned();
                    f.ids = ids;
                    f.note = format!(
                        "{who}'s interest in {} ({}) is not in the report.",
                        c.name,
                        c.code.as_str()
                    );
                    self.record(f);
                    continue;
                }
                _ => {}
            }
            let subscribed = match c.role {
                Role::Misstated(d, FindingKind::Understated | FindingKind::Overstated) => d,
                _ => c.subscribed,
            };
            let path = format!("$.businesses[{}]", self.decl.businesses.len());
            self.decl.businesses.push(Business {
                person: self.members[c.person].handle(),
                credit_code: Some(c.code.clone()),
                name: c.name.clone(),
                form: c.form,
                status: business_status(c.status),
                registered_capital: Some(fen(c.capital)?),
                shareholder: c.investor,
                subscribed: if c.investor {
                    Some(fen(subscribed)?)
                } else {
                    None
                },
                share_pct: if c.investor {
                    Some(Percent::parse(&c.share.to_string())?)
                } else {
                    None
                },
                paid_in: if c.investor {
                    Some(fen(c.paid_in.min(subscribed))?)
                } else {
                    None
                },
                invested_on: Some(MonthOrDate::parse(&format!(
                    "{:04}-{:02}",
                    c.since.year(),
                    c.since.month()
                ))?),
                senior_role: c.senior,
            });
            match c.role {
                Role::Misstated(_, FindingKind::Differs) => {
                    let mut f =
                        Finding::new(Category::Businesses, FindingKind::Differs, Some(c.person));
                    f.field = "status";
                    f.declared = "active".into();
                    f.registry = "revoked".into();
                    f.path = path;
                    f.ids = ids;
                    f.note = format!(
                        "{} is declared active; the business registry records its licence revoked.",
                        c.name
                    );
                    self.record(f);
                }
                Role::Misstated(d, kind) => {
                    let mut f = Finding::new(Category::Businesses, kind, Some(c.person));
                    f.field = "subscribed";
                    f.declared = hundredths(d);
                    f.registry = hundredths(c.subscribed);
                    f.path = path;
                    f.ids = ids;
                    f.note = format!(
                        "{who}'s subscribed capital in {} is declared as {}; the registry records {}.",
                        c.name, f.declared, f.registry
                    );
                    self.record(f);
                }
                Role::Fake => {
                    let mut f = Finding::new(
                        Category::Businesses,
                        FindingKind::Unconfirmed,
                        Some(c.person),
                    );
                    f.declared = c.code.as_str().to_owned();
                    f.path = path;
                    f.note = format!(
                        "No business registration supports {who}'s declared interest in {}.",
                        c.name
                    );
                    self.record(f);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Matter 14: overseas deposits and investments, which no registry covers.
    pub(crate) fn overseas(&mut self) -> Result<(), SynthError> {
        let holders: Vec<usize> = self
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.listed && matches!(m.relation, Relation::Own | Relation::Spouse))
            .map(|(i, _)| i)
            .collect();
        if self.rw.random_bool(0.03) {
            let (country, institution, currency) = *pick(
                &mut self.rw,
                &[
                    ("HK", "汇丰银行(香港)", "HKD"),
                    ("HK", "中银香港", "HKD"),
                    ("SG", "星展银行", "SGD"),
                    ("US", "美国银行", "USD"),
                    ("AU", "澳新银行", "AUD"),
                    ("CA", "加拿大皇家银行", "CAD"),
                    ("GB", "巴克莱银行", "GBP"),
                ],
            );
            let holder = *pick(&mut self.rw, &holders);
            let account = format!("{:012}", self.rw.random_range(0..1_000_000_000_000u64));
            self.decl.overseas_deposits.push(OverseasDeposit {
                holder: self.members[holder].handle(),
                country: Country::parse(country)?,
                institution: institution.to_owned(),
                account: Some(account),
                currency: Currency::parse(currency)?,
                amount: fen(self.rw.random_range(1_000_000..50_000_000))?,
            });
        }
        if self.rw.random_bool(0.015) {
            let (country, description, currency) = *pick(
                &mut self.rw,
                &[
                    ("US", "美国加利福尼亚州住宅一套", "USD"),
                    ("AU", "墨尔本公寓一套", "AUD"),
                    ("SG", "新加坡基金份额", "SGD"),
                    ("HK", "香港联交所上市公司股票", "HKD"),
                ],
            );
            let holder = *pick(&mut self.rw, &holders);
            self.decl.overseas_investments.push(OverseasInvestment {
                holder: self.members[holder].handle(),
                country: Country::parse(country)?,
                description: description.to_owned(),
                currency: Currency::parse(currency)?,
                amount: fen(self.rw.random_range(10_000_000..300_000_000))?,
            });
        }
        Ok(())
    }
}
