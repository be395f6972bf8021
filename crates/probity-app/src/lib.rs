//! Probity's application layer: the work the command line and the web application share and
//! that has nothing to do with HTTP. It sits between the store and engine below and the two
//! front ends above (`probity` verbs, `probity-web` handlers), which only translate their
//! input into these calls and the results into their output.
//!
//! - [`verification`]: a cycle's verification run (the engine over the reports in force, the
//!   registry extracts as stored, the run recorded as cases).
//! - [`registry`]: registry extract files checked whole before they are stored, from a folder
//!   or from named bytes (an upload), never written to disk in clear.
//! - [`accounts`]: declarant accounts for a whole roster at once, with usernames people can
//!   remember and initial passwords handed out once.
//! - [`passwords`]: hashing and checking chosen passwords, tokens and their hashes.

pub mod accounts;
pub mod passwords;
pub mod registry;
pub mod verification;
