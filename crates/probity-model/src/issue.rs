//! A report's problems as data. An [`Issue`] says where (a JSON path), what (a stable
//! [`IssueCode`] with named [`Arg`]s, which a reader's language turns into words: the web keeps a
//! message per code in each locale) and, for the command line, an English sentence.
//!
//! The codes are a contract like the paths: a script may match on them, a locale file must hold
//! every one of them ([`IssueCode::ALL`]), and a code keeps its meaning once published.

use std::fmt;

use serde_json::Value;

use crate::country::Country;
use crate::decimal::DecimalError;
use crate::declaration::Section;
use crate::ids::{CreditCode, CreditCodeError, ResidentId, ResidentIdError};
use crate::profile::Covered;
use crate::quantity::{Amount, AreaM2, Currency, Percent, Quantity};
use crate::time::{Date, DateError, MonthOrDate, YearMonth};

/// One problem in a report: where (a JSON path such as `$.real_estate[2].area_m2`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// JSON path of the value at fault.
    pub path: String,
    /// What is wrong, as a stable code.
    pub code: IssueCode,
    /// The values the message names (`value`, `ref`, `max`, …), in the order they appear.
    pub args: Vec<(&'static str, Arg)>,
    /// What is wrong, in an English sentence (the command line prints it).
    pub message: String,
}

impl Issue {
    /// An issue at `path`; `message` is its English sentence.
    pub fn new(
        path: impl Into<String>,
        code: IssueCode,
        args: Vec<(&'static str, Arg)>,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            path: path.into(),
            code,
            args,
            message: message.into(),
        }
    }

    /// The argument called `name`, if the issue has one.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A value an issue names. Most are shown as they are; the names of sections and of the people a
/// section covers come from a fixed vocabulary that a reader's language translates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is: something the report holds (a value, a ref, a date) or a number.
    Text(String),
    /// A section of the report.
    Section(Section),
    /// The people a section covers.
    Covered(Vec<Covered>),
}

impl Arg {
    /// The argument as plain text: the value itself, a section's key, the covered people's
    /// names joined by `", "` (`self, spouse, co_residing_child`).
    pub fn plain(&self) -> String {
        match self {
            Arg::Text(t) => t.clone(),
            Arg::Section(s) => s.key().to_owned(),
            Arg::Covered(who) => who
                .iter()
                .map(|c| covered_key(*c))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}

/// The name of a kind of covered person, as profiles write it (`co_residing_child`).
pub fn covered_key(c: Covered) -> &'static str {
    match c {
        Covered::Own => "self",
        Covered::Spouse => "spouse",
        Covered::Child => "child",
        Covered::ChildSpouse => "child_spouse",
        Covered::CoResidingChild => "co_residing_child",
    }
}

/// Every kind of covered person, for translation tables.
pub const COVERED: [Covered; 5] = [
    Covered::Own,
    Covered::Spouse,
    Covered::Child,
    Covered::ChildSpouse,
    Covered::CoResidingChild,
];

macro_rules! issue_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, )*) => {
        /// What is wrong with a value of a report, as a stable code (its name is `kebab-case`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum IssueCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl IssueCode {
            /// Every code.
            pub const ALL: &'static [IssueCode] = &[$(IssueCode::$variant),*];

            /// The code's name (`missing-field`).
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(IssueCode::$variant => $name,)*
                }
            }
        }
    };
}

issue_codes! {
    // The form: every value has its type.
    /// The text is not JSON. Args: `detail` (the parser's English words).
    NotJson = "not-json",
    /// A key appears twice in one object (`serde_json` would keep the last without a word).
    /// Args: `key`. The path is the object's.
    DuplicateKey = "duplicate-key",
    /// A text longer than [`crate::text::MAX_TEXT_BYTES`]. Args: `limit`, `length` (bytes).
    TextTooLong = "text-too-long",
    /// A text with a control character (NUL, an escape, …). Args: `character` (`U+0000`).
    ControlCharacter = "control-character",
    /// The report is not a JSON object.
    NotAnObject = "not-an-object",
    /// A required field is absent.
    MissingField = "missing-field",
    /// A field the format does not have.
    UnknownField = "unknown-field",
    /// A list was expected.
    NotAList = "not-a-list",
    /// A value of the wrong JSON type (a number where text is expected, …).
    WrongType = "wrong-type",
    /// Not one of the values a choice allows. Args: `value`.
    UnknownChoice = "unknown-choice",
    /// Not a decimal number. Args: `value`.
    NotANumber = "not-a-number",
    /// More digits than a number may have. Args: `value`.
    TooManyDigits = "too-many-digits",
    /// More decimal places than the field allows. Args: `value`, `max`.
    TooManyDecimals = "too-many-decimals",
    /// Negative where only zero or more is allowed. Args: `value`.
    Negative = "negative",
    /// Outside the allowed range. Args: `value`, `min`, `max`.
    OutOfRange = "out-of-range",
    /// A resident ID of the wrong length. Args: `length`.
    IdLength = "id-length",
    /// A resident ID with a non-digit among its first 17 characters. Args: `position`.
    IdNotDigit = "id-not-digit",
    /// A resident ID whose area code is no province. Args: `area`.
    IdArea = "id-area",
    /// A resident ID whose birth date is not a date. Args: `date`.
    IdBirthDate = "id-birth-date",
    /// A resident ID whose last character is neither a digit nor X. Args: `found`.
    IdCheckCharacter = "id-check-character",
    /// A resident ID whose check character does not fit. Args: `found`, `expected`.
    IdChecksum = "id-checksum",
    /// A credit code of the wrong length. Args: `length`.
    CreditCodeLength = "credit-code-length",
    /// A credit code with a character outside its alphabet. Args: `position`, `found`.
    CreditCodeAlphabet = "credit-code-alphabet",
    /// A credit code whose area code is not six digits.
    CreditCodeArea = "credit-code-area",
    /// A credit code whose check character does not fit. Args: `found`, `expected`.
    CreditCodeChecksum = "credit-code-checksum",
    /// Not a date written `YYYY-MM-DD`. Args: `value`.
    NotADate = "not-a-date",
    /// A date of the right shape that the calendar does not have. Args: `value`.
    NoSuchDay = "no-such-day",
    /// Not a month written `YYYY-MM`. Args: `value`.
    NotAMonth = "not-a-month",
    /// Not an ISO 3166-1 country or region code. Args: `value`.
    NotACountry = "not-a-country",
    /// Not an ISO 4217 currency code. Args: `value`.
    NotACurrency = "not-a-currency",
    /// A value that does not parse, for a reason no other code names. Args: `detail` (English).
    Invalid = "invalid",
    /// The report names a profile this system does not have. Args: `profile`.
    UnknownProfile = "unknown-profile",

    // The rules that tie values together.
    /// A field with a fixed value holds another. Args: `expected`.
    MustBe = "must-be",
    /// Empty text where something must be written.
    Empty = "empty",
    /// A report that names itself as the one it corrects.
    SupersedesItself = "supersedes-itself",
    /// A year the report cannot be on. Args: `year`.
    YearOutOfRange = "year-out-of-range",
    /// A change report without `change` (the date of the event and the sections it carries).
    ChangeRequired = "change-required",
    /// `change` on an annual or initial report.
    ChangeOnlyOnChangeReport = "change-only-on-change-report",
    /// A change report names no section.
    ChangeNamesNothing = "change-names-nothing",
    /// A change report names a section of a matter a change report does not carry. Args: `section`
    /// (its key).
    NotAChangeMatter = "not-a-change-matter",
    /// A change report names a section twice. Args: `section`.
    ChangeSectionTwice = "change-section-twice",
    /// A change report names a section and holds nothing of it.
    ChangeSectionEmpty = "change-section-empty",
    /// A change report holds a section it does not name.
    NotNamedInChange = "not-named-in-change",
    /// A field that only annual and initial reports carry (`salary`, `nothing_to_report`) on a
    /// change report.
    NotOnChangeReport = "not-on-change-report",

    /// An annual report dated before its year has ended. Args: `year`.
    AnnualFiledEarly = "annual-filed-early",
    /// A person ref used twice. Args: `ref`.
    RefRepeated = "ref-repeated",
    /// A person with neither a resident ID nor a nationality.
    IdOrNationality = "id-or-nationality",
    /// The same resident ID for two people.
    IdRepeated = "id-repeated",
    /// A resident ID whose birth date is after the report date.
    BornAfterReport = "born-after-report",
    /// The declarant without a resident ID.
    DeclarantIdRequired = "declarant-id-required",
    /// The declarant's resident ID differs from `declarant_id`.
    NotDeclarantId = "not-declarant-id",
    /// A child not marked co-residing or not.
    CoResidingUnset = "co-residing-unset",
    /// A child's spouse who does not name the child.
    OfRequired = "of-required",
    /// A ref that names no child. Args: `ref`.
    NotAChild = "not-a-child",
    /// Someone other than a child marked co-residing.
    CoResidingOnlyChild = "co-residing-only-child",
    /// Someone other than a child's spouse with `of`.
    OfOnlyChildSpouse = "of-only-child-spouse",
    /// Not exactly one person with relation `self`. Args: `found`.
    OneSelf = "one-self",
    /// More than one spouse. Args: `found`.
    OneSpouse = "one-spouse",
    /// A section listed twice as having nothing to report. Args: `section`.
    ListedTwice = "listed-twice",
    /// A section marked as having nothing to report that has items. Args: `section`.
    NothingButItems = "nothing-but-items",
    /// A section neither filled nor marked as having nothing to report.
    SectionUnfilled = "section-unfilled",
    /// A ref that names nobody in `persons`. Args: `ref`.
    NotARef = "not-a-ref",
    /// A person this section does not cover. Args: `ref`, `who` (the covered people).
    NotCovered = "not-covered",
    /// A date after the report date. Args: `date`, `filed_on`.
    AfterReportDate = "after-report-date",
    /// A marital change for someone never married.
    NeverMarriedChange = "never-married-change",
    /// The last marital change is missing.
    LastChangeRequired = "last-change-required",
    /// A married declarant whose last change is not a marriage.
    MarriedChangeKind = "married-change-kind",
    /// A divorced declarant whose last change is not a divorce.
    DivorcedChangeKind = "divorced-change-kind",
    /// A widowed declarant whose last change is not being widowed.
    WidowedChangeKind = "widowed-change-kind",
    /// A married declarant who lists no spouse.
    SpouseRequired = "spouse-required",
    /// A spouse listed with a status other than married.
    SpouseButNotMarried = "spouse-but-not-married",
    /// A document that expires before it was issued.
    ExpiresBeforeIssued = "expires-before-issued",
    /// A trip that ends before it starts.
    ReturnedBeforeDeparting = "returned-before-departing",
    /// A trip without a destination.
    DestinationRequired = "destination-required",
    /// The mainland where a place abroad is meant.
    NotAbroad = "not-abroad",
    /// A ref that must name a child and does not.
    MustBeChild = "must-be-child",
    /// A ref that must name this child's spouse and does not.
    NotChildsSpouse = "not-childs-spouse",
    /// Zero where an amount or quantity must be more.
    NotPositive = "not-positive",
    /// A property without an owner.
    OwnerRequired = "owner-required",
    /// An owner named twice.
    NamedTwice = "named-twice",
    /// A disposal from before the period reported on. Args: `since`.
    DisposalBeforePeriod = "disposal-before-period",
    /// A disposal before the acquisition.
    DisposedBeforeAcquired = "disposed-before-acquired",
    /// Not a security code. Args: `value`.
    NotASecurityCode = "not-a-security-code",
    /// A business reported for neither a share nor a senior role.
    ShareOrRole = "share-or-role",
    /// A shareholder who states neither the capital subscribed nor the share.
    SubscribedOrShare = "subscribed-or-share",
    /// More subscribed than the registered capital.
    MoreThanCapital = "more-than-capital",
    /// More paid in than subscribed.
    MoreThanSubscribed = "more-than-subscribed",
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Coded = (IssueCode, Vec<(&'static str, Arg)>);

fn text(name: &'static str, value: impl ToString) -> (&'static str, Arg) {
    (name, Arg::Text(value.to_string()))
}

/// The code and args of a number refused by [`crate::Decimal::parse`] or a quantity's parser.
pub fn decimal_code(e: &DecimalError) -> (IssueCode, Vec<(&'static str, Arg)>) {
    match e {
        DecimalError::Syntax(v) => (IssueCode::NotANumber, vec![text("value", v)]),
        DecimalError::TooLong(v) => (IssueCode::TooManyDigits, vec![text("value", v)]),
        DecimalError::Scale { value, max } => (
            IssueCode::TooManyDecimals,
            vec![text("value", value), text("max", max)],
        ),
        DecimalError::Negative(v) => (IssueCode::Negative, vec![text("value", v)]),
        DecimalError::Range { value, min, max } => (
            IssueCode::OutOfRange,
            vec![text("value", value), text("min", min), text("max", max)],
        ),
    }
}

fn resident_id_code(e: &ResidentIdError) -> Coded {
    match e {
        ResidentIdError::Length(n) => (IssueCode::IdLength, vec![text("length", n)]),
        ResidentIdError::NotDigit { position } => {
            (IssueCode::IdNotDigit, vec![text("position", position)])
        }
        ResidentIdError::Area(a) => (IssueCode::IdArea, vec![text("area", a)]),
        ResidentIdError::BirthDate(d) => (IssueCode::IdBirthDate, vec![text("date", d)]),
        ResidentIdError::CheckCharacter(c) => (IssueCode::IdCheckCharacter, vec![text("found", c)]),
        ResidentIdError::Checksum { found, expected } => (
            IssueCode::IdChecksum,
            vec![text("found", found), text("expected", expected)],
        ),
    }
}

fn credit_code_code(e: &CreditCodeError) -> Coded {
    match e {
        CreditCodeError::Length(n) => (IssueCode::CreditCodeLength, vec![text("length", n)]),
        CreditCodeError::Alphabet { position, found } => (
            IssueCode::CreditCodeAlphabet,
            vec![text("position", position), text("found", found)],
        ),
        CreditCodeError::Area => (IssueCode::CreditCodeArea, vec![]),
        CreditCodeError::Checksum { found, expected } => (
            IssueCode::CreditCodeChecksum,
            vec![text("found", found), text("expected", expected)],
        ),
    }
}

fn date_code(e: &DateError) -> Coded {
    match e {
        DateError::DateSyntax(v) => (IssueCode::NotADate, vec![text("value", v)]),
        DateError::NoSuchDay(v) => (IssueCode::NoSuchDay, vec![text("value", v)]),
        DateError::MonthSyntax(v) => (IssueCode::NotAMonth, vec![text("value", v)]),
    }
}

/// The code of a value that serde refused with `message`; `raw` is the value at fault, when the
/// path reaches it.
///
/// The model's value types refuse through their own parsers, whose error is turned into serde's
/// message text on the way out. To recover the typed error, the text is parsed again by each of
/// those parsers, and the one whose error reads exactly as `message` names the code: an exact
/// match on our own words, never a guess on a prefix.
pub(crate) fn from_serde(raw: Option<&Value>, message: &str) -> Coded {
    if let Some(Value::String(s)) = raw {
        let s = s.as_str();
        macro_rules! try_parser {
            ($parse:expr, $code:expr) => {
                if let Err(e) = $parse(s)
                    && e.to_string() == message
                {
                    return $code(&e);
                }
            };
        }
        try_parser!(Amount::parse, decimal_code);
        try_parser!(AreaM2::parse, decimal_code);
        try_parser!(Percent::parse, decimal_code);
        try_parser!(Quantity::parse, decimal_code);
        try_parser!(crate::decimal::Decimal::parse, decimal_code);
        try_parser!(Date::parse, date_code);
        try_parser!(YearMonth::parse, date_code);
        try_parser!(MonthOrDate::parse, date_code);
        try_parser!(ResidentId::parse, resident_id_code);
        try_parser!(CreditCode::parse, credit_code_code);
        if Country::parse(s).is_err_and(|e| e.to_string() == message) {
            return (IssueCode::NotACountry, vec![text("value", s)]);
        }
        if Currency::parse(s).is_err_and(|e| e.to_string() == message) {
            return (IssueCode::NotACurrency, vec![text("value", s)]);
        }
    }
    // serde's own words (serde::de::Error's default messages).
    if message.starts_with("invalid type:") {
        return (IssueCode::WrongType, vec![]);
    }
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((value, _)) = rest.split_once('`')
    {
        return (IssueCode::UnknownChoice, vec![text("value", value)]);
    }
    (IssueCode::Invalid, vec![text("detail", message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_kebab_case_names() {
        let mut seen = std::collections::HashSet::new();
        for code in IssueCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name}"
            );
        }
    }

    #[test]
    fn value_errors_keep_their_kind_and_values() {
        let code = |raw: &str, parse: fn(&str) -> String| {
            let message = parse(raw);
            from_serde(Some(&Value::String(raw.into())), &message)
        };
        let amount = |s: &str| Amount::parse(s).unwrap_err().to_string();
        assert_eq!(
            code("1.234", amount),
            (
                IssueCode::TooManyDecimals,
                vec![("value", "1.234".into()), ("max", "2".into())]
            )
        );
        let id = |s: &str| ResidentId::parse(s).unwrap_err().to_string();
        assert_eq!(code("350111199006074876", id).0, IssueCode::IdChecksum);
        let date = |s: &str| Date::parse(s).unwrap_err().to_string();
        assert_eq!(code("2025-02-30", date).0, IssueCode::NoSuchDay);
        let country = |s: &str| Country::parse(s).unwrap_err().to_string();
        assert_eq!(code("XX", country).0, IssueCode::NotACountry);
        // A message that is none of ours keeps its words as the detail.
        assert_eq!(
            from_serde(None, "something else"),
            (
                IssueCode::Invalid,
                vec![("detail", "something else".into())]
            )
        );
    }
}
