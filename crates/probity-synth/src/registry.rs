//! The registry rows of one household, tagged with the family member each is about, and the
//! harmless noise agencies add to person columns: blank IDs, mistyped IDs, name variants.

use probity_model::registry::*;
use rand::Rng;
use serde::Serialize;

use crate::SynthError;
use crate::identity::{Numbers, mistype};
use crate::names;

/// A registry row and what the generator knows about it.
#[derive(Debug, Clone)]
pub(crate) struct Tagged<T> {
    /// The row as written.
    pub rec: T,
    /// The family member (index into the household's members) the row is about; `None` for a
    /// stranger.
    pub owner: Option<usize>,
    /// The row is matched to a declared item by a strong key and supports no finding, so its ID
    /// may be blanked.
    pub blankable: bool,
}

/// Access to the person columns of a row.
pub(crate) trait PersonColumns {
    /// The ID and name cells.
    fn person(&mut self) -> (&mut String, &mut String);
}

macro_rules! person_columns {
    ($t:ty, $id:ident, $name:ident) => {
        impl PersonColumns for $t {
            fn person(&mut self) -> (&mut String, &mut String) {
                (&mut self.$id, &mut self.$name)
            }
        }
    };
}

person_columns!(MarriageRecord, person_id, person_name);
person_columns!(TravelDocumentRecord, holder_id, holder_name);
person_columns!(BorderCrossingRecord, person_id, person_name);
person_columns!(ResidenceAbroadRecord, person_id, person_name);
person_columns!(EmploymentRecord, person_id, person_name);
person_columns!(CriminalCaseRecord, person_id, person_name);
person_columns!(TaxIncomeRecord, person_id, person_name);
person_columns!(RealEstateRecord, owner_id, owner_name);
person_columns!(StockRecord, holder_id, holder_name);
person_columns!(FundRecord, holder_id, holder_name);
person_columns!(InsuranceRecord, policyholder_id, policyholder_name);
person_columns!(CompanyRecord, person_id, person_name);

/// Rates of each kind of registry noise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NoiseRates {
    /// A matched row's ID left blank.
    pub blank: f64,
    /// An ID with one character changed.
    pub mistype: f64,
    /// A name written with a traditional character, a space or `·`.
    pub name: f64,
    /// A household gets a stranger with a family member's name.
    pub homonym: f64,
    /// An address or certificate written the declarant's way.
    pub text: f64,
    /// A registry area with a third decimal.
    pub area: f64,
}

/// All rows of one household, one list per source.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    pub marriages: Vec<Tagged<MarriageRecord>>,
    pub travel_documents: Vec<Tagged<TravelDocumentRecord>>,
    pub border_crossings: Vec<Tagged<BorderCrossingRecord>>,
    pub residence_abroad: Vec<Tagged<ResidenceAbroadRecord>>,
    pub employment: Vec<Tagged<EmploymentRecord>>,
    pub criminal_cases: Vec<Tagged<CriminalCaseRecord>>,
    pub tax_income: Vec<Tagged<TaxIncomeRecord>>,
    pub real_estate: Vec<Tagged<RealEstateRecord>>,
    pub stocks: Vec<Tagged<StockRecord>>,
    pub funds: Vec<Tagged<FundRecord>>,
    pub insurance: Vec<Tagged<InsuranceRecord>>,
    pub companies: Vec<Tagged<CompanyRecord>>,
    counters: [u64; 12],
}

/// Record-id prefix of each source.
pub(crate) fn prefix(source: Source) -> &'static str {
    match source {
        Source::Marriages => "MR",
        Source::TravelDocuments => "TD",
        Source::BorderCrossings => "BC",
        Source::ResidenceAbroad => "RA",
        Source::Employment => "EM",
        Source::CriminalCases => "CC",
        Source::TaxIncome => "TX",
        Source::RealEstate => "RE",
        Source::Stocks => "ST",
        Source::Funds => "FD",
        Source::Insurance => "IN",
        Source::Companies => "CO",
    }
}

impl Rows {
    /// A fresh record id for a row of `source` about person `index`.
    pub(crate) fn next_id(&mut self, numbers: &Numbers, index: u64, source: Source) -> String {
        let slot = Source::ALL.iter().position(|s| *s == source).unwrap_or(0);
        let counter = self.counters[slot];
        self.counters[slot] += 1;
        numbers.record(prefix(source), index, counter)
    }

    /// How many rows in all.
    pub(crate) fn len(&self) -> usize {
        self.marriages.len()
            + self.travel_documents.len()
            + self.border_crossings.len()
            + self.residence_abroad.len()
            + self.employment.len()
            + self.criminal_cases.len()
            + self.tax_income.len()
            + self.real_estate.len()
            + self.stocks.len()
            + self.funds.len()
            + self.insurance.len()
            + self.companies.len()
    }

    /// Applies person-column noise to every row about a family member, and shuffles each
    /// source's rows so that their order says nothing. The rows of a change matter's event in
    /// `year` (a marriage or divorce, a document issued, a residence abroad or criminal
    /// proceedings begun) stay exact, so that the timeliness truth ([`crate::changes`]) is
    /// exact; the same numbers are drawn for them, so every other row is as it was.
    pub(crate) fn add_noise<R: Rng>(&mut self, rng: &mut R, rates: &NoiseRates, year: i32) {
        let in_year = |d: Option<probity_model::Date>| d.is_some_and(|d| d.year() == year);
        noise(rng, rates, &mut self.marriages, |r| in_year(Some(r.date)));
        noise(rng, rates, &mut self.travel_documents, |r| {
            in_year(r.issued_on)
        });
        noise(rng, rates, &mut self.border_crossings, |_| false);
        noise(rng, rates, &mut self.residence_abroad, |r| in_year(r.since));
        noise(rng, rates, &mut self.employment, |_| false);
        noise(rng, rates, &mut self.criminal_cases, |r| {
            in_year(Some(r.since))
        });
        noise(rng, rates, &mut self.tax_income, |_| false);
        noise(rng, rates, &mut self.real_estate, |_| false);
        noise(rng, rates, &mut self.stocks, |_| false);
        noise(rng, rates, &mut self.funds, |_| false);
        noise(rng, rates, &mut self.insurance, |_| false);
        noise(rng, rates, &mut self.companies, |_| false);
    }

    /// Shuffles each source's rows (with the world stream, so noise does not reorder).
    pub(crate) fn shuffle<R: Rng>(&mut self, rng: &mut R) {
        use rand::seq::SliceRandom;
        self.marriages.shuffle(rng);
        self.travel_documents.shuffle(rng);
        self.border_crossings.shuffle(rng);
        self.residence_abroad.shuffle(rng);
        self.employment.shuffle(rng);
        self.criminal_cases.shuffle(rng);
        self.tax_income.shuffle(rng);
        self.real_estate.shuffle(rng);
        self.stocks.shuffle(rng);
        self.funds.shuffle(rng);
        self.insurance.shuffle(rng);
        self.companies.shuffle(rng);
    }

    /// The rows of each source as CSV lines without header, in [`Source::ALL`] order.
    pub(crate) fn to_csv(&self) -> Result<[Vec<u8>; 12], SynthError> {
        Ok([
            csv_lines(&self.marriages)?,
            csv_lines(&self.travel_documents)?,
            csv_lines(&self.border_crossings)?,
            csv_lines(&self.residence_abroad)?,
            csv_lines(&self.employment)?,
            csv_lines(&self.criminal_cases)?,
            csv_lines(&self.tax_income)?,
            csv_lines(&self.real_estate)?,
            csv_lines(&self.stocks)?,
            csv_lines(&self.funds)?,
            csv_lines(&self.insurance)?,
            csv_lines(&self.companies)?,
        ])
    }
}

/// Noise on the person columns of the rows about a family member; a row `exact` says is drawn
/// for like the others but left as it is.
fn noise<T: PersonColumns, R: Rng>(
    rng: &mut R,
    rates: &NoiseRates,
    rows: &mut [Tagged<T>],
    exact: impl Fn(&T) -> bool,
) {
    for row in rows.iter_mut().filter(|r| r.owner.is_some()) {
        let blankable = row.blankable;
        let keep = exact(&row.rec);
        let (id, name) = row.rec.person();
        if id.is_empty() {
            continue;
        }
        if blankable && rng.random_bool(rates.blank) {
            if !keep {
                id.clear();
            }
        } else if rng.random_bool(rates.mistype) {
            let typed = mistype(rng, id);
            if !keep {
                *id = typed;
            }
        }
        if rng.random_bool(rates.name) {
            let variant = names::variant(rng, name);
            if !keep {
                *name = variant;
            }
        }
    }
}

/// Serialises rows as CSV lines in the column order of the model's record type.
pub(crate) fn csv_lines<T: Serialize>(rows: &[Tagged<T>]) -> Result<Vec<u8>, SynthError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(4096)
        .from_writer(Vec::with_capacity(rows.len() * 128));
    for row in rows {
        w.serialize(&row.rec)?;
    }
    w.into_inner()
        .map_err(|e| SynthError::Internal(format!("cannot flush CSV rows: {e}")))
}
