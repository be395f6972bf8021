//! The declaration (personal-matters report) of FORMATS.md, `probity.declaration/1`, as typed Rust.
//!
//! Deserialising checks every value's own form (IDs, dates, money, enumerations, unknown fields);
//! [`crate::validation`] checks the rules that tie values together.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::ids::{CreditCode, ResidentId};
use crate::quantity::{AreaM2, Currency, Percent, Quantity};
use crate::time::{Date, MonthOrDate};

pub use crate::quantity::Amount;

/// The format tag every declaration carries.
pub const FORMAT: &str = "probity.declaration/1";

/// A person's handle inside one declaration (`"self"`, `"sp"`, `"c1"`), which sections use to
/// name holders, owners and so on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonRef(pub String);

impl PersonRef {
    /// The handle as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the report is the yearly one, a change report or the first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Filed by 31 January on the past year.
    Annual,
    /// Within 30 days of a change in matters 1–8.
    Change,
    /// Within 30 days of becoming a subject.
    Initial,
}

/// A person's relation to the declarant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The declarant.
    #[serde(rename = "self")]
    Own,
    /// Spouse.
    Spouse,
    /// Child: born in or out of wedlock, adopted, or a step-child in a support relationship.
    Child,
    /// A child's spouse.
    ChildSpouse,
}

/// One person a report covers: the declarant or a family member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The handle sections use for this person.
    #[serde(rename = "ref")]
    pub handle: PersonRef,
    /// Relation to the declarant.
    pub relation: Relation,
    /// Full name.
    pub name: String,
    /// Resident ID, for a person who has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ResidentId>,
    /// Nationality, for a person without a resident ID (a foreign spouse, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<Country>,
    /// For a child: lives with the declarant (under 18, or an adult dependant), which brings the
    /// child's property into the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_residing: Option<bool>,
    /// For a child's spouse: the child's handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<PersonRef>,
}

/// The sections that are either filled or marked "nothing to report".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Ordinary passports and travel permits held.
    TravelDocuments,
    /// Private trips abroad and to Hong Kong, Macao, Taiwan.
    Trips,
    /// Children married to foreigners, stateless persons or HK/Macao/Taiwan residents.
    ChildMarriages,
    /// Spouse or children who emigrated or live abroad.
    ResidenceAbroad,
    /// Employment of spouse, children and children's spouses.
    Employment,
    /// Criminal proceedings against spouse, children or children's spouses.
    CriminalCases,
    /// Own income from lecturing, writing, consulting, reviewing, calligraphy and painting.
    LaborIncome,
    /// Real estate of self, spouse and co-residing children.
    RealEstate,
    /// Stocks of the same people.
    Stocks,
    /// Funds of the same people.
    Funds,
    /// Investment-type insurance of the same people.
    Insurance,
    /// Businesses of spouse, children and children's spouses.
    Businesses,
    /// Overseas deposits.
    OverseasDeposits,
    /// Overseas investments.
    OverseasInvestments,
}

impl Section {
    /// Every section, in the order of the form.
    pub const ALL: [Section; 14] = [
        Section::TravelDocuments,
        Section::Trips,
        Section::ChildMarriages,
        Section::ResidenceAbroad,
        Section::Employment,
        Section::CriminalCases,
        Section::LaborIncome,
        Section::RealEstate,
        Section::Stocks,
        Section::Funds,
        Section::Insurance,
        Section::Businesses,
        Section::OverseasDeposits,
        Section::OverseasInvestments,
    ];

    /// The section's key in the JSON object.
    pub fn key(&self) -> &'static str {
        match self {
            Section::TravelDocuments => "travel_documents",
            Section::Trips => "trips",
            Section::ChildMarriages => "child_marriages",
            Section::ResidenceAbroad => "residence_abroad",
            Section::Employment => "employment",
            Section::CriminalCases => "criminal_cases",
            Section::LaborIncome => "labor_income",
            Section::RealEstate => "real_estate",
            Section::Stocks => "stocks",
            Section::Funds => "funds",
            Section::Insurance => "insurance",
            Section::Businesses => "businesses",
            Section::OverseasDeposits => "overseas_deposits",
            Section::OverseasInvestments => "overseas_investments",
        }
    }

    /// The section whose JSON key this is.
    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Own marital status and its last change (matter 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marriage {
    /// Current status.
    pub status: MaritalStatus,
    /// The last change of status; absent for someone never married.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change: Option<MaritalChange>,
}

/// Marital status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    /// Never married.
    Unmarried,
    /// Married.
    Married,
    /// Divorced.
    Divorced,
    /// Widowed.
    Widowed,
}

/// A change of marital status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaritalChange {
    /// What changed.
    pub kind: MaritalChangeKind,
    /// When.
    pub on: Date,
}

/// Kinds of marital change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalChangeKind {
    /// First marriage.
    Marriage,
    /// Divorce.
    Divorce,
    /// Death of the spouse.
    Widowed,
    /// Marriage after divorce or widowhood.
    Remarriage,
}

/// Kinds of travel document the report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Ordinary passport.
    Passport,
    /// Mainland travel permit for Hong Kong and Macao.
    HkMacaoPermit,
    /// Mainland travel permit for Taiwan.
    TaiwanPermit,
}

impl DocumentKind {
    /// True for the permits to Hong Kong, Macao and Taiwan (omission, not concealment).
    pub fn is_permit(&self) -> bool {
        !matches!(self, DocumentKind::Passport)
    }
}

/// A passport or permit held (matters 2 and 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelDocument {
    /// Whose document.
    pub holder: PersonRef,
    /// Passport or permit.
    pub kind: DocumentKind,
    /// Document number.
    pub number: String,
    /// Date of issue.
    pub issued_on: Date,
    /// Date of expiry.
    pub expires_on: Date,
    /// Who keeps the document (organisations keep their cadres' passports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_by: Option<String>,
}

/// Purposes of a private trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripPurpose {
    /// Visiting family.
    Family,
    /// Visiting friends.
    Friends,
    /// Study.
    Study,
    /// Work.
    Work,
    /// Academic exchange.
    Academic,
    /// Medical treatment.
    Medical,
    /// Tourism.
    Tourism,
    /// Property matters.
    Property,
    /// Anything else.
    Other,
}

/// A private trip abroad or to Hong Kong, Macao or Taiwan (matters 2 and 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trip {
    /// Who travelled.
    pub traveller: PersonRef,
    /// Exit date.
    pub departed_on: Date,
    /// Return date.
    pub returned_on: Date,
    /// Countries and regions visited.
    pub destinations: Vec<Country>,
    /// Purpose.
    pub purpose: TripPurpose,
    /// The document travelled on.
    pub document_number: String,
}

/// Where a child's spouse is from, for the child-marriage matters (4 and 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpouseRegion {
    /// A foreign national.
    Foreign,
    /// A stateless person.
    Stateless,
    /// A Hong Kong resident.
    Hk,
    /// A Macao resident.
    Macao,
    /// A Taiwan resident.
    Taiwan,
}

/// A child's marriage to a foreigner, stateless person or HK/Macao/Taiwan resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildMarriage {
    /// The child.
    pub child: PersonRef,
    /// The child's spouse (a `child_spouse` person whose `of` is the child).
    pub spouse: PersonRef,
    /// Where the spouse is from.
    pub region: SpouseRegion,
    /// Date of marriage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub married_on: Option<Date>,
}

/// Kinds of residence abroad (matter 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidenceStatus {
    /// Took foreign nationality.
    Nationality,
    /// Permanent residence abroad.
    PermanentResidence,
    /// Long-term residence abroad.
    LongTermResidence,
    /// Lived abroad continuously for a year or more.
    LivingAbroad,
}

/// A spouse's or child's emigration or long stay abroad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidenceAbroad {
    /// Who.
    pub person: PersonRef,
    /// Country or region.
    pub country: Country,
    /// Kind of residence.
    pub status: ResidenceStatus,
    /// Since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
}

/// Kinds of employer (matter 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmployerType {
    /// Party and state organs.
    PartyState,
    /// Public institution.
    PublicInstitution,
    /// State-owned enterprise.
    Soe,
    /// In education.
    Student,
    /// Individual business.
    IndividualBusiness,
    /// Private enterprise.
    Private,
    /// Foreign-invested enterprise.
    ForeignInvested,
    /// Employer abroad.
    Foreign,
    /// Representative office of a foreign firm.
    RepOffice,
    /// Not working.
    Unemployed,
    /// Retired.
    Retired,
    /// Anything else.
    Other,
}

/// The employment of a spouse, child or child's spouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Employment {
    /// Who.
    pub person: PersonRef,
    /// Employer's name.
    pub employer: String,
    /// Employer's credit code, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer_credit_code: Option<CreditCode>,
    /// Post title.
    pub position: String,
    /// Kind of employer.
    pub employer_type: EmployerType,
    /// Works abroad.
    #[serde(default)]
    pub abroad: bool,
}

/// Stages of criminal proceedings (matter 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStage {
    /// Under investigation.
    Investigation,
    /// Under prosecution.
    Prosecution,
    /// On trial.
    Trial,
    /// Serving a sentence.
    Serving,
    /// Completed.
    Completed,
    /// In detention.
    Detention,
    /// Anything else.
    Other,
}

/// Criminal proceedings against a spouse, child or child's spouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriminalCase {
    /// Who.
    pub person: PersonRef,
    /// Since when.
    pub since: Date,
    /// Current stage.
    pub stage: CaseStage,
    /// What for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The outcome so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// Own wages, bonuses and other pay for the past year (matter 9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Salary {
    /// Wages.
    pub wages: Amount,
    /// Bonuses.
    pub bonuses: Amount,
    /// Allowances, subsidies and other pay.
    pub other: Amount,
}

/// Kinds of labour income (matter 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaborKind {
    /// Lecturing.
    Lecture,
    /// Writing.
    Writing,
    /// Consulting.
    Consulting,
    /// Reviewing.
    Reviewing,
    /// Calligraphy and painting.
    CalligraphyPainting,
    /// Anything else.
    Other,
}

/// Own income from lecturing, writing and the like, after tax.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaborIncome {
    /// Kind.
    pub kind: LaborKind,
    /// Who paid.
    pub payer: String,
    /// Amount after tax.
    pub amount: Amount,
}

/// Kinds of real estate (matter 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    /// Commodity housing.
    Commodity,
    /// Resettlement housing.
    Resettlement,
    /// Affordable housing.
    Affordable,
    /// A separately titled garage.
    Garage,
    /// A separately titled parking space.
    Parking,
    /// A separately titled storeroom.
    Storage,
    /// Anything else.
    Other,
}

impl PropertyKind {
    /// Garages, parking spaces and storerooms: leaving one out is an omission, not concealment.
    pub fn is_ancillary(&self) -> bool {
        matches!(
            self,
            PropertyKind::Garage | PropertyKind::Parking | PropertyKind::Storage
        )
    }
}

/// How a property was acquired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertySource {
    /// Bought.
    Purchase,
    /// Inherited.
    Inheritance,
    /// Received as a gift.
    Gift,
    /// Built oneself.
    SelfBuilt,
    /// Anything else.
    Other,
}

/// Kinds of disposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisposalKind {
    /// Sold.
    Sale,
    /// Given away.
    Gift,
    /// Anything else.
    Other,
}

/// A property's disposal since 1 January of the past year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposal {
    /// How.
    pub kind: DisposalKind,
    /// When.
    pub on: Date,
    /// For how much.
    pub price: Amount,
}

/// A property owned or co-owned by self, spouse or a co-residing child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealEstate {
    /// The owners among the report's persons.
    pub owners: Vec<PersonRef>,
    /// Title certificate number, as written on the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_number: Option<String>,
    /// Address.
    pub address: String,
    /// Whole-unit floor area from the title.
    pub area_m2: AreaM2,
    /// Kind of property.
    pub kind: PropertyKind,
    /// How it was acquired.
    pub source: PropertySource,
    /// Month of acquisition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquired_on: Option<MonthOrDate>,
    /// Price paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// Disposal since 1 January of the past year, if any.
    #[serde(default)]
    pub disposal: Option<Disposal>,
}

/// A stock holding (matter 12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockHolding {
    /// Who holds it.
    pub holder: PersonRef,
    /// Security code.
    pub code: String,
    /// Security name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number of shares.
    pub shares: Quantity,
    /// Value at the close of the trading day before the report date.
    pub market_value: Amount,
}

/// A fund holding (matter 12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundHolding {
    /// Who holds it.
    pub holder: PersonRef,
    /// Fund code.
    pub code: String,
    /// Fund name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Units held.
    pub units: Quantity,
    /// Net value at the close of the trading day before the report date.
    pub net_value: Amount,
}

/// An investment-type insurance policy (matter 12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InsurancePolicy {
    /// Policyholder.
    pub policyholder: PersonRef,
    /// Insurer.
    pub insurer: String,
    /// Product.
    pub product: String,
    /// Policy number.
    pub policy_number: String,
    /// Cumulative premiums paid.
    pub premiums_paid: Amount,
}

/// Legal forms of a business (matter 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessForm {
    /// Joint-stock company.
    JointStock,
    /// Limited liability company.
    Llc,
    /// Individual business.
    IndividualBusiness,
    /// Sole proprietorship.
    SoleProprietorship,
    /// Partnership.
    Partnership,
    /// Company registered abroad.
    Foreign,
    /// Anything else.
    Other,
}

/// Registration status of a business as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessStatus {
    /// Operating.
    Active,
    /// Licence revoked.
    Revoked,
    /// Withdrawn.
    Withdrawn,
    /// Moved out.
    Moved,
    /// Anything else.
    Other,
}

/// Senior roles in a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeniorRole {
    /// Legal representative.
    LegalRepresentative,
    /// Chair of the board.
    Chair,
    /// Vice chair.
    ViceChair,
    /// Director.
    Director,
    /// Supervisor.
    Supervisor,
    /// General manager.
    GeneralManager,
    /// Deputy general manager.
    DeputyGeneralManager,
    /// Chief financial officer.
    Cfo,
    /// Board secretary.
    BoardSecretary,
    /// Chief representative of a representative office.
    ChiefRepresentative,
}

/// A business in which a spouse, child or child's spouse invests or holds a senior role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Business {
    /// Who.
    pub person: PersonRef,
    /// The business's credit code (none for a company abroad).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    /// Name.
    pub name: String,
    /// Legal form.
    pub form: BusinessForm,
    /// Status.
    pub status: BusinessStatus,
    /// Registered capital.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_capital: Option<Amount>,
    /// Whether the person is a shareholder, partner or owner.
    #[serde(default)]
    pub shareholder: bool,
    /// Capital subscribed by the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribed: Option<Amount>,
    /// The person's share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_pct: Option<Percent>,
    /// Capital paid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_in: Option<Amount>,
    /// Month of the investment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invested_on: Option<MonthOrDate>,
    /// Senior role held, if any.
    #[serde(default)]
    pub senior_role: Option<SeniorRole>,
}

/// A deposit held abroad (matter 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverseasDeposit {
    /// Whose.
    pub holder: PersonRef,
    /// Country or region.
    pub country: Country,
    /// Bank or institution.
    pub institution: String,
    /// Account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Currency.
    pub currency: Currency,
    /// Amount in that currency.
    pub amount: Amount,
}

/// An investment held abroad (matter 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverseasInvestment {
    /// Whose.
    pub holder: PersonRef,
    /// Country or region.
    pub country: Country,
    /// What it is.
    pub description: String,
    /// Currency.
    pub currency: Currency,
    /// Amount in that currency.
    pub amount: Amount,
}

/// One report, as filed: `probity.declaration/1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Always [`FORMAT`].
    pub format: String,
    /// The profile whose rules apply (`"cn"`).
    pub profile: String,
    /// The report's own identifier.
    pub declaration_id: String,
    /// The declarant's resident ID.
    pub declarant_id: ResidentId,
    /// Annual, change or initial.
    pub kind: ReportKind,
    /// The year reported on.
    pub year: i32,
    /// The report date: holdings as of this day.
    pub filed_on: Date,
    /// The report this one corrects, if it is a correction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// For a change report: the date of the event and the sections it carries. Absent on annual
    /// and initial reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// The declarant and family members.
    pub persons: Vec<Person>,
    /// Sections marked "nothing to report".
    #[serde(default)]
    pub nothing_to_report: Vec<Section>,
    /// Matter 1. Always present on annual and initial reports; on a change report only when
    /// `change.sections` names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marriage: Option<Marriage>,
    /// Matters 2 and 3: documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub travel_documents: Vec<TravelDocument>,
    /// Matters 2 and 3: trips.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trips: Vec<Trip>,
    /// Matters 4 and 5.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_marriages: Vec<ChildMarriage>,
    /// Matter 6.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub residence_abroad: Vec<ResidenceAbroad>,
    /// Matter 7.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub employment: Vec<Employment>,
    /// Matter 8.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criminal_cases: Vec<CriminalCase>,
    /// Matter 9. Always present on annual and initial reports; absent on a change report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salary: Option<Salary>,
    /// Matter 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labor_income: Vec<LaborIncome>,
    /// Matter 11.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub real_estate: Vec<RealEstate>,
    /// Matter 12: stocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stocks: Vec<StockHolding>,
    /// Matter 12: funds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funds: Vec<FundHolding>,
    /// Matter 12: investment insurance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insurance: Vec<InsurancePolicy>,
    /// Matter 13.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub businesses: Vec<Business>,
    /// Matter 14: deposits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overseas_deposits: Vec<OverseasDeposit>,
    /// Matter 14: investments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overseas_investments: Vec<OverseasInvestment>,
    /// Free text.
    #[serde(default)]
    pub other_matters: String,
}

/// What a change report is about: the event's date and the sections it carries (FORMATS.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The date of the event; the report is due within the profile's `change_within_days`.
    pub on: Date,
    /// The sections the report carries, each a category of a matter the profile lets a change
    /// report carry (`Profile::change_categories`).
    pub sections: Vec<crate::finding::Category>,
}

impl Declaration {
    /// Whether the report carries a category at all: annual and initial reports carry every
    /// section; a change report only those its `change.sections` names. A report is compared only
    /// on what it carries, and never yields a finding on anything else.
    pub fn carries(&self, category: crate::finding::Category) -> bool {
        match (&self.kind, &self.change) {
            (ReportKind::Change, Some(change)) => change.sections.contains(&category),
            (ReportKind::Change, None) => false,
            _ => true,
        }
    }

    /// The person with a handle.
    pub fn person(&self, handle: &PersonRef) -> Option<&Person> {
        self.persons.iter().find(|p| &p.handle == handle)
    }

    /// The declarant's own entry.
    pub fn declarant(&self) -> Option<&Person> {
        self.persons.iter().find(|p| p.relation == Relation::Own)
    }

    /// How many items a section holds.
    pub fn section_len(&self, section: Section) -> usize {
        match section {
            Section::TravelDocuments => self.travel_documents.len(),
            Section::Trips => self.trips.len(),
            Section::ChildMarriages => self.child_marriages.len(),
            Section::ResidenceAbroad => self.residence_abroad.len(),
            Section::Employment => self.employment.len(),
            Section::CriminalCases => self.criminal_cases.len(),
            Section::LaborIncome => self.labor_income.len(),
            Section::RealEstate => self.real_estate.len(),
            Section::Stocks => self.stocks.len(),
            Section::Funds => self.funds.len(),
            Section::Insurance => self.insurance.len(),
            Section::Businesses => self.businesses.len(),
            Section::OverseasDeposits => self.overseas_deposits.len(),
            Section::OverseasInvestments => self.overseas_investments.len(),
        }
    }

    /// Marks every empty section "nothing to report" and unmarks every filled one, in form order.
    /// Generators and forms call this last so that the report is consistent by construction. A
    /// change report marks nothing: it holds only the sections it names.
    pub fn settle_nothing_to_report(&mut self) {
        if self.kind == ReportKind::Change {
            self.nothing_to_report.clear();
            return;
        }
        self.nothing_to_report = Section::ALL
            .into_iter()
            .filter(|s| self.section_len(*s) == 0)
            .collect();
    }
}
