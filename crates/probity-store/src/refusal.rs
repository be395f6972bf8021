//! Why the store refused a request that does not fit the stored state: a code and named
//! arguments, as validation issues have, so that each interface says it in its reader's
//! language (the web through Fluent, `refusal-CODE` in `locales/*/refusals.ftl`) while the CLI
//! and logs read the English sentence of [`REFUSALS`].
//!
//! Arguments are never personal data (no usernames, names or identity numbers): a refusal's
//! text may reach a log.

use std::fmt;

/// Every refusal the store raises: its code and its English sentence, arguments in braces.
/// The web's locales hold a message for each code, with the same arguments (tested there);
/// a test here keeps every `Refusal::new("…")` of the store's sources in this list.
pub const REFUSALS: &[(&str, &str)] = &[
    ("no-account", "no such account"),
    ("username-taken", "the username is taken"),
    ("username-repeated", "a username is repeated"),
    ("no-unit", "no unit {unit} on the roster"),
    (
        "backup-exists",
        "{path} exists: a backup never overwrites a file",
    ),
    (
        "backup-other-key",
        "{path} was written with another key file than {keys}",
    ),
    (
        "restore-not-empty",
        "the database is not empty ({table} holds {rows} rows): restore into a fresh one",
    ),
    (
        "schema-mismatch",
        "the database schema is at migration {newest}, this server expects {expected}",
    ),
    (
        "key-changed",
        "the active key changed during rotation (now {key})",
    ),
    (
        "not-a-determination",
        "{outcome} is not a determination of profile {profile}",
    ),
    ("question-empty", "the question is empty"),
    (
        "due-date-invalid",
        "the due date {date} is not a date (YYYY-MM-DD)",
    ),
    ("answer-empty", "the answer is empty"),
    ("no-explanation", "no request for explanation {id}"),
    (
        "explanation-not-yours",
        "request for explanation {id} is not addressed to you",
    ),
    (
        "explanation-answered",
        "request for explanation {id} is answered already",
    ),
    ("reasoning-missing", "a determination needs its reasoning"),
    (
        "measure-mismatch",
        "measure {measure} does not follow from a determination of {outcome}",
    ),
    ("no-finding", "no finding {id}"),
    (
        "replace-own",
        "determination {id} in force on this finding was decided or confirmed by you: only other verifiers may replace it",
    ),
    ("no-determination", "no determination {id}"),
    (
        "confirmed-already",
        "determination {id} is confirmed already",
    ),
    (
        "needs-no-confirmation",
        "determination {id} needs no confirmation",
    ),
    (
        "superseded",
        "determination {id} was superseded by a later determination",
    ),
    (
        "confirm-own",
        "determination {id} was decided by you: a second verifier must confirm it",
    ),
    (
        "confirm-replaces-own",
        "determination {id} would replace determination {replaced}, which you decided or confirmed: another verifier must confirm it",
    ),
    ("no-case", "no case {id}"),
    (
        "commitment-invalid",
        "the commitment is the lower-case hex SHA-256 of the seed (64 characters)",
    ),
    ("cycle-not-open", "cycle {year} is not open"),
    (
        "sample-drawn",
        "cycle {year} has its sample committed already: a draw is never redone",
    ),
    (
        "no-sample",
        "cycle {year} has no sample committed: run `probity sample draw` first",
    ),
    (
        "seed-mismatch",
        "this seed is not the one committed to (its SHA-256 differs)",
    ),
    ("sample-vanished", "the sample vanished"),
    (
        "no-roster",
        "no roster imported yet: import the roster before opening a cycle",
    ),
];

/// A request the store refused: a code of [`REFUSALS`] and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    code: &'static str,
    args: Vec<(&'static str, String)>,
}

impl Refusal {
    /// A refusal with no arguments yet. `code` is one of [`REFUSALS`].
    pub fn new(code: &'static str) -> Self {
        Self {
            code,
            args: Vec::new(),
        }
    }

    /// The refusal with one more named argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// Its stable code (the API's `code`, the web's `refusal-CODE`).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Its named arguments, in the order given.
    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// The English sentence with its arguments filled in.
    pub fn english(&self) -> String {
        let template = REFUSALS
            .iter()
            .find(|(c, _)| *c == self.code)
            .map_or(self.code, |(_, t)| *t);
        self.args
            .iter()
            .fold(template.to_owned(), |s, (name, value)| {
                s.replace(&format!("{{{name}}}"), value)
            })
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

impl From<Refusal> for crate::StoreError {
    fn from(r: Refusal) -> Self {
        crate::StoreError::Conflict(r)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used)]
    use super::*;

    /// The arguments a sentence names, in braces.
    pub(crate) fn placeholders(sentence: &str) -> Vec<&str> {
        let mut out: Vec<&str> = sentence
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .filter(|n| n.chars().all(|c| c.is_ascii_lowercase()) && !n.is_empty())
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn every_refusal_raised_is_listed_and_every_listed_one_raised() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut raised = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for piece in text.split("Refusal::new(\"").skip(1) {
                let code = piece.split('"').next().unwrap().to_owned();
                raised.insert(code);
            }
        }
        // This file's doc and test name the pattern: drop what is not a code.
        raised.retain(|c| !c.contains('…') && !c.is_empty());
        let listed: std::collections::BTreeSet<String> =
            REFUSALS.iter().map(|(c, _)| (*c).to_owned()).collect();
        assert_eq!(raised, listed, "raised codes and the list differ");
        assert!(listed.len() > 30, "the sources are read");
    }

    #[test]
    fn the_english_sentence_fills_its_arguments() {
        let r = Refusal::new("confirm-own").arg("id", 2);
        assert_eq!(
            r.to_string(),
            "determination 2 was decided by you: a second verifier must confirm it"
        );
        assert_eq!(placeholders("a {b} c {a}"), vec!["a", "b"]);
    }
}
