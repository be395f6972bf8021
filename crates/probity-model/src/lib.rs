//! # probity-model
//!
//! Probity's domain: values that can only be valid, the declaration (report) of FORMATS.md, the
//! rows registry extracts hold, discrepancies, the roster, profiles, and the validation of a report.
//! This crate does no IO: text and values in, values and errors out.
//!
//! The main types: [`ResidentId`], [`CreditCode`], [`Amount`]/[`Money`], [`AreaM2`], [`Percent`],
//! [`Date`]; [`Declaration`]; [`Profile`]; [`Discrepancy`]; and [`validation::parse_and_validate`].
//!
//! ```
//! use probity_model::{Profile, ResidentId, validation};
//!
//! let id = ResidentId::parse("350111199006074875").unwrap();
//! assert_eq!(id.birth_date().to_string(), "1990-06-07");
//! assert!(ResidentId::parse("350111199006074876").is_err()); // wrong check character
//!
//! let profile = Profile::builtin("cn").unwrap();
//! let report: serde_json::Value = serde_json::json!({"format": "probity.declaration/1"});
//! let issues = validation::parse_and_validate(&report, |_| Some(&profile)).unwrap_err();
//! assert!(issues.iter().any(|i| i.path == "$.declarant_id" && i.message == "missing field"));
//! ```

pub mod country;
pub mod decimal;
pub mod declaration;
pub mod finding;
pub mod form;
pub mod ids;
pub mod issue;
pub mod json;
pub mod locate;
pub mod obligation;
pub mod profile;
pub mod quantity;
pub mod registry;
pub mod roster;
pub mod sample;
pub mod text;
pub mod time;
pub mod unit;
pub mod validation;

pub use country::Country;
pub use decimal::Decimal;
pub use declaration::{Declaration, Section};
pub use finding::{
    Category, Classification, Discrepancy, FindingEvidence, FindingKind, RegistryEvidence,
};
pub use ids::{CreditCode, ResidentId, Sex};
pub use profile::Profile;
pub use quantity::{Amount, AreaM2, Currency, Money, Percent, Quantity};
pub use roster::RosterEntry;
pub use time::{Date, MonthOrDate, YearMonth};
