//! # probity-check
//!
//! The cross-check engine: declarations and registry extracts in, discrepancies out. Pure: it reads
//! files only through [`RegistryExtracts::read_dir`], and knows no database.
//!
//! The path of a run: [`RegistryExtracts`] holds the rows of every source present;
//! [`resolve::RegistryIndex`] indexes them by the person they name; for each report,
//! [`resolve::Family::resolve`] attributes rows to its members (with the evidence used); the
//! modules under [`sections`] match rows with declared items and compare them at the profile's
//! precision; [`engine::Ctx::push`] classifies each finding through the profile's rules.
//! [`Checker`] indexes the extracts once and then checks reports in any number of batches, in
//! parallel, each independent of the others; [`check_all`] does both for one batch.
//!
//! ```
//! use probity_check::{RegistryExtracts, check_all};
//! use probity_model::Profile;
//!
//! let profile = Profile::builtin("cn").unwrap();
//! let extracts = RegistryExtracts::default(); // no source queried: nothing can be found
//! let findings = check_all(&[], &|_| Some(&profile), &extracts);
//! assert!(findings.is_empty());
//! ```

pub mod address;
pub mod changes;
pub mod engine;
pub mod error;
pub mod extract;
pub mod link;
pub mod normalize;
pub mod parquet;
pub mod resolve;
pub mod sections;
pub mod wealth;

pub use engine::{Checker, check_all, check_declaration};
pub use error::CheckError;
pub use extract::{NamedFile, RegistryExtracts};
