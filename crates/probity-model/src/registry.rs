//! Registry extracts: the rows each agency returns about the persons it was asked about
//! (FORMATS.md, one CSV or Parquet file per source).
//!
//! Person columns (`*_id`, `*_name`) are kept as the agency wrote them, because they may be blank,
//! mistyped or written differently: resolving them to a person is the cross-check's job. Every
//! other column is typed, and a blank cell is an absent value.

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::quantity::{Amount, Percent};
use crate::time::Date;

/// The sources a registry folder may hold, each as `<file_stem>.csv` (or `.parquet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Civil affairs: marriage registration.
    Marriages,
    /// Exit-entry administration: passports and permits.
    TravelDocuments,
    /// Exit-entry administration: border crossings.
    BorderCrossings,
    /// Exit-entry administration: emigration and residence abroad.
    ResidenceAbroad,
    /// Social insurance: employment.
    Employment,
    /// Courts, procuratorates, police.
    CriminalCases,
    /// Tax: wages and labour income.
    TaxIncome,
    /// Real-estate registration.
    RealEstate,
    /// Securities depository.
    Stocks,
    /// Fund registrars.
    Funds,
    /// Insurers.
    Insurance,
    /// Business registration.
    Companies,
}

impl Source {
    /// Every source, in FORMATS.md order.
    pub const ALL: [Source; 12] = [
        Source::Marriages,
        Source::TravelDocuments,
        Source::BorderCrossings,
        Source::ResidenceAbroad,
        Source::Employment,
        Source::CriminalCases,
        Source::TaxIncome,
        Source::RealEstate,
        Source::Stocks,
        Source::Funds,
        Source::Insurance,
        Source::Companies,
    ];

    /// The file name without extension.
    pub fn file_stem(&self) -> &'static str {
        match self {
            Source::Marriages => "marriages",
            Source::TravelDocuments => "travel_documents",
            Source::BorderCrossings => "border_crossings",
            Source::ResidenceAbroad => "residence_abroad",
            Source::Employment => "employment",
            Source::CriminalCases => "criminal_cases",
            Source::TaxIncome => "tax_income",
            Source::RealEstate => "real_estate",
            Source::Stocks => "stocks",
            Source::Funds => "funds",
            Source::Insurance => "insurance",
            Source::Companies => "companies",
        }
    }

    /// The column names, in order.
    pub fn columns(&self) -> &'static [&'static str] {
        match self {
            Source::Marriages => &[
                "record_id",
                "person_id",
                "person_name",
                "spouse_id",
                "spouse_name",
                "spouse_nationality",
                "event",
                "date",
            ],
            Source::TravelDocuments => &[
                "record_id",
                "holder_id",
                "holder_name",
                "kind",
                "number",
                "issued_on",
                "expires_on",
                "status",
            ],
            Source::BorderCrossings => &[
                "record_id",
                "person_id",
                "person_name",
                "document_number",
                "direction",
                "date",
                "destination",
            ],
            Source::ResidenceAbroad => &[
                "record_id",
                "person_id",
                "person_name",
                "country",
                "status",
                "since",
            ],
            Source::Employment => &[
                "record_id",
                "person_id",
                "person_name",
                "employer_credit_code",
                "employer_name",
                "since",
                "until",
            ],
            Source::CriminalCases => &[
                "record_id",
                "person_id",
                "person_name",
                "case_number",
                "since",
                "stage",
                "charge",
            ],
            Source::TaxIncome => &[
                "record_id",
                "person_id",
                "person_name",
                "year",
                "payer_credit_code",
                "payer_name",
                "kind",
                "amount",
            ],
            Source::RealEstate => &[
                "record_id",
                "owner_id",
                "owner_name",
                "certificate_number",
                "address",
                "area_m2",
                "kind",
                "share_pct",
                "registered_on",
                "status",
                "transferred_on",
            ],
            Source::Stocks => &[
                "record_id",
                "holder_id",
                "holder_name",
                "account",
                "code",
                "name",
                "shares",
                "close_price",
                "as_of",
            ],
            Source::Funds => &[
                "record_id",
                "holder_id",
                "holder_name",
                "code",
                "name",
                "units",
                "nav",
                "as_of",
            ],
            Source::Insurance => &[
                "record_id",
                "policyholder_id",
                "policyholder_name",
                "insurer",
                "policy_number",
                "product",
                "investment_type",
                "premiums_paid",
                "status",
            ],
            Source::Companies => &[
                "record_id",
                "person_id",
                "person_name",
                "credit_code",
                "company_name",
                "form",
                "status",
                "role",
                "subscribed",
                "share_pct",
                "since",
            ],
        }
    }
}

/// `marriages.csv`: marriage and divorce registrations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarriageRecord {
    /// Unique within the file.
    pub record_id: String,
    /// The registered person's ID, as the agency wrote it.
    pub person_id: String,
    /// The registered person's name.
    pub person_name: String,
    /// The spouse's ID.
    pub spouse_id: String,
    /// The spouse's name.
    pub spouse_name: String,
    /// The spouse's nationality, for a foreign spouse.
    pub spouse_nationality: Option<Country>,
    /// Marriage or divorce.
    pub event: MarriageEvent,
    /// Date of registration.
    pub date: Date,
}

/// A marriage registry event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarriageEvent {
    /// Marriage registered.
    Marriage,
    /// Divorce registered.
    Divorce,
}

/// `travel_documents.csv`: ordinary passports and permits issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelDocumentRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Holder's ID.
    pub holder_id: String,
    /// Holder's name.
    pub holder_name: String,
    /// Passport or permit.
    pub kind: crate::declaration::DocumentKind,
    /// Document number.
    pub number: String,
    /// Date of issue.
    pub issued_on: Option<Date>,
    /// Date of expiry.
    pub expires_on: Option<Date>,
    /// Valid, expired or cancelled.
    pub status: DocumentStatus,
}

/// Status of a document in the exit-entry registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Valid.
    Valid,
    /// Expired.
    Expired,
    /// Cancelled.
    Cancelled,
}

/// `border_crossings.csv`: one exit or entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BorderCrossingRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Traveller's ID.
    pub person_id: String,
    /// Traveller's name.
    pub person_name: String,
    /// Document crossed on.
    pub document_number: String,
    /// Exit or entry.
    pub direction: Direction,
    /// Date of crossing.
    pub date: Date,
    /// Destination (for an exit) or origin (for an entry).
    pub destination: Option<Country>,
}

/// Direction of a border crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Leaving the mainland.
    Exit,
    /// Returning.
    Entry,
}

/// `residence_abroad.csv`: emigration and long stays abroad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResidenceAbroadRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Person's ID.
    pub person_id: String,
    /// Person's name.
    pub person_name: String,
    /// Country.
    pub country: Country,
    /// Kind of residence.
    pub status: crate::declaration::ResidenceStatus,
    /// Since when.
    pub since: Option<Date>,
}

/// `employment.csv`: posts from social insurance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmploymentRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Employee's ID.
    pub person_id: String,
    /// Employee's name.
    pub person_name: String,
    /// Employer's credit code, as the agency wrote it.
    pub employer_credit_code: String,
    /// Employer's name.
    pub employer_name: String,
    /// Start of the post.
    pub since: Option<Date>,
    /// End of the post; absent for a current post.
    pub until: Option<Date>,
}

/// `criminal_cases.csv`: proceedings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriminalCaseRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Person's ID.
    pub person_id: String,
    /// Person's name.
    pub person_name: String,
    /// Case number.
    pub case_number: String,
    /// Since when.
    pub since: Date,
    /// Stage.
    pub stage: crate::declaration::CaseStage,
    /// Charge.
    pub charge: String,
}

/// `tax_income.csv`: gross income by payer for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxIncomeRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Taxpayer's ID.
    pub person_id: String,
    /// Taxpayer's name.
    pub person_name: String,
    /// Tax year.
    pub year: i32,
    /// Payer's credit code.
    pub payer_credit_code: String,
    /// Payer's name.
    pub payer_name: String,
    /// Wages or labour income.
    pub kind: IncomeKind,
    /// Gross amount.
    pub amount: Amount,
}

/// Kind of taxed income.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeKind {
    /// Wages, bonuses, allowances.
    Wages,
    /// Labour remuneration (lectures, writing, …).
    Labor,
}

/// `real_estate.csv`: one row per owner of a registered unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealEstateRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Owner's ID.
    pub owner_id: String,
    /// Owner's name.
    pub owner_name: String,
    /// Certificate number as the registry writes it.
    pub certificate_number: String,
    /// Address as the registry writes it.
    pub address: String,
    /// Whole-unit area; may carry more decimals than the form (rounded half up when compared).
    pub area_m2: crate::decimal::Decimal,
    /// Kind of property.
    pub kind: crate::declaration::PropertyKind,
    /// This owner's share.
    pub share_pct: Option<Percent>,
    /// Date of registration.
    pub registered_on: Option<Date>,
    /// Held or transferred.
    pub status: PropertyStatus,
    /// Date of transfer, for a transferred unit.
    pub transferred_on: Option<Date>,
}

/// Whether a registered unit is still held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyStatus {
    /// Still held.
    Held,
    /// Transferred away.
    Transferred,
}

/// `stocks.csv`: holdings per account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Holder's ID.
    pub holder_id: String,
    /// Holder's name.
    pub holder_name: String,
    /// Securities account.
    pub account: String,
    /// Security code.
    pub code: String,
    /// Security name.
    pub name: String,
    /// Shares held.
    pub shares: crate::quantity::Quantity,
    /// Closing price.
    pub close_price: Option<crate::decimal::Decimal>,
    /// The day the holding is as of.
    pub as_of: Option<Date>,
}

/// `funds.csv`: fund holdings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Holder's ID.
    pub holder_id: String,
    /// Holder's name.
    pub holder_name: String,
    /// Fund code.
    pub code: String,
    /// Fund name.
    pub name: String,
    /// Units held.
    pub units: crate::quantity::Quantity,
    /// Net asset value per unit.
    pub nav: Option<crate::decimal::Decimal>,
    /// The day the holding is as of.
    pub as_of: Option<Date>,
}

/// `insurance.csv`: policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsuranceRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Policyholder's ID.
    pub policyholder_id: String,
    /// Policyholder's name.
    pub policyholder_name: String,
    /// Insurer.
    pub insurer: String,
    /// Policy number.
    pub policy_number: String,
    /// Product.
    pub product: String,
    /// Investment-type product.
    pub investment_type: bool,
    /// Cumulative premiums paid.
    pub premiums_paid: Amount,
    /// Status.
    pub status: PolicyStatus,
}

/// Status of an insurance policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// In force.
    InForce,
    /// Lapsed.
    Lapsed,
    /// Surrendered.
    Surrendered,
}

/// `companies.csv`: one row per person per role in a company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompanyRecord {
    /// Unique within the file.
    pub record_id: String,
    /// Person's ID.
    pub person_id: String,
    /// Person's name.
    pub person_name: String,
    /// Company's credit code, as registered.
    pub credit_code: String,
    /// Company's name.
    pub company_name: String,
    /// Legal form.
    pub form: crate::declaration::BusinessForm,
    /// Registration status.
    pub status: CompanyStatus,
    /// The role this row records.
    pub role: CompanyRole,
    /// Capital subscribed (for an investor role).
    pub subscribed: Option<Amount>,
    /// Share (for an investor role).
    pub share_pct: Option<Percent>,
    /// Since when.
    pub since: Option<Date>,
}

/// Registration status of a company, as the business registry records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    /// Operating.
    Active,
    /// Licence revoked.
    Revoked,
    /// Withdrawn.
    Withdrawn,
    /// Moved out.
    Moved,
    /// Deregistered: outside the report.
    Deregistered,
    /// Anything else.
    Other,
}

/// A person's role in a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyRole {
    /// Shareholder.
    Shareholder,
    /// Partner.
    Partner,
    /// Owner of an individual business or sole proprietorship.
    Owner,
    /// A senior role.
    #[serde(untagged)]
    Senior(crate::declaration::SeniorRole),
}

impl CompanyRole {
    /// True for the investor roles (shareholder, partner, owner).
    pub fn is_investor(&self) -> bool {
        !matches!(self, CompanyRole::Senior(_))
    }
}
