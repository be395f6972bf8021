//! Person-level record linkage between two files (`probity link`): the resolution the engine uses
//! for registry rows, generalised to any two CSV files and configured columns.
//!
//! The method is Fellegi–Sunter, with every parameter estimated from the data and no labels:
//! 1. [`compare`] turns each configured column into a normal form and each pair of values into an
//!    agreement level (exact, close, far, or missing);
//! 2. [`blocking`] proposes candidate pairs that share the value of some column (or, where one
//!    column's value is too common, of two columns), so the cost grows near linearly;
//! 3. [`model`] estimates the u-probabilities from random pairs, and the m-probabilities by
//!    expectation–maximisation over the candidates that agree on one blocking field (that field
//!    left out), averaged over fields; agreement patterns are aggregated, so EM costs nothing
//!    however many pairs there are. Each pair is scored with its posterior probability of being a
//!    match (one-to-one: among all the records it could match);
//! 4. pairs at or above the threshold are kept, best first, optionally one-to-one (greedy).
//!
//! [`dedupe`] runs the same steps on one table against itself, keeping each unordered pair of
//! distinct records once.

pub mod blocking;
pub mod compare;
pub mod config;
pub mod model;

use std::path::Path;

use rayon::prelude::*;

pub use config::{FieldKind, FieldSpec, LinkConfig};

use crate::error::CheckError;

/// One side's records: ids and the configured fields in normal form.
pub struct Table {
    /// The id column's values.
    pub ids: Vec<String>,
    /// `values[field][record]`, `None` for a blank cell.
    pub values: Vec<Vec<Option<Box<str>>>>,
}

impl Table {
    /// Reads a CSV file's id column and the given columns, normalised by kind.
    pub fn read(path: &Path, id: &str, columns: &[(&str, FieldKind)]) -> Result<Table, CheckError> {
        let file = std::fs::File::open(path).map_err(|e| CheckError::Io {
            path: path.to_owned(),
            source: e,
        })?;
        Table::from_reader(path, std::io::BufReader::new(file), id, columns)
    }

    /// [`Table::read`] from any reader; `path` names it in errors.
    pub fn from_reader(
        path: &Path,
        reader: impl std::io::Read,
        id: &str,
        columns: &[(&str, FieldKind)],
    ) -> Result<Table, CheckError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(reader);
        let headers = reader
            .headers()
            .map_err(|e| {
                crate::extract::row_error(
                    path,
                    &e,
                    1,
                    &csv::StringRecord::new(),
                    &csv::StringRecord::new(),
                )
            })?
            .clone();
        let position = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| CheckError::MissingColumn {
                    path: path.to_owned(),
                    column: name.to_owned(),
                })
        };
        let id_at = position(id)?;
        let at: Vec<usize> = columns
            .iter()
            .map(|(c, _)| position(c))
            .collect::<Result<_, _>>()?;
        let mut ids = Vec::new();
        let mut values: Vec<Vec<Option<Box<str>>>> = vec![Vec::new(); columns.len()];
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() + 1);
                    return Err(crate::extract::row_error(path, &e, line, &record, &headers));
                }
            }
            ids.push(record.get(id_at).unwrap_or_default().trim().to_owned());
            for (f, (&i, (_, kind))) in at.iter().zip(columns).enumerate() {
                let raw = record.get(i).unwrap_or_default();
                values[f].push(compare::normalise(raw, *kind));
            }
        }
        Ok(Table { ids, values })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One accepted pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Index into the left table.
    pub left: u32,
    /// Index into the right table.
    pub right: u32,
    /// Posterior probability of a match, in [0, 1].
    pub score: f64,
}

/// What a linkage run produced, with the estimated model for inspection.
pub struct Linkage {
    /// Accepted pairs, best first.
    pub links: Vec<Link>,
    /// Candidate pairs compared.
    pub candidates: usize,
    /// The estimated model.
    pub model: model::Model,
}

/// What a run pairs: the records of two files, or the records of one file with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Left records with right records.
    Link,
    /// Records of one table with each other (left and right are the same table): each unordered
    /// pair once, never a record with itself.
    Dedupe,
}

impl Pairing {
    /// How many pairs there are to find matches among.
    pub fn possible_pairs(self, left: usize, right: usize) -> f64 {
        match self {
            Pairing::Link => left as f64 * right as f64,
            Pairing::Dedupe => left as f64 * (left.saturating_sub(1)) as f64 / 2.0,
        }
    }
}

/// Links two tables under a configuration.
pub fn link(config: &LinkConfig, left: &Table, right: &Table, threshold: f64) -> Linkage {
    run(config, left, right, threshold, Pairing::Link)
}

/// Finds the pairs of records of one table that are the same person: each unordered pair once, as
/// `left < right` (record order), never a record with itself. The model is estimated as for
/// [`link`], without labels; `one_to_one` does not apply, since a person may appear more than
/// twice.
pub fn dedupe(config: &LinkConfig, table: &Table, threshold: f64) -> Linkage {
    run(config, table, table, threshold, Pairing::Dedupe)
}

fn run(
    config: &LinkConfig,
    left: &Table,
    right: &Table,
    threshold: f64,
    pairing: Pairing,
) -> Linkage {
    let kinds: Vec<FieldKind> = config.fields.iter().map(|f| f.kind).collect();
    let mut blocked = blocking::candidates(left, right, &kinds);
    if pairing == Pairing::Dedupe {
        // Blocking one table against itself proposes (a, b), (b, a) and (a, a): keep (a, b).
        blocked.pairs.retain(|(l, r)| l < r);
    }
    let candidates = blocked.pairs;
    let patterns: Vec<Vec<u8>> = candidates
        .par_iter()
        .map(|&(l, r)| compare::pattern(left, right, l as usize, r as usize, &kinds))
        .collect();
    let model = model::Model::estimate(left, right, &kinds, &patterns, &blocked.usable, pairing);
    let scorer = model.scorer();
    let one_to_one = config.one_to_one && pairing == Pairing::Link;
    let scores: Vec<f64> = if one_to_one {
        // Each left record has at most one match: its candidates (contiguous, as blocking emits
        // them in left order) compete for it.
        let log_bf: Vec<f64> = patterns
            .par_iter()
            .map(|p| scorer.log_bayes_factor(p))
            .collect();
        let pi = (model.matches / left.len().max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
        let mut scores = vec![0.0; candidates.len()];
        let mut start = 0;
        while start < candidates.len() {
            let left_record = candidates[start].0;
            let end = candidates[start..]
                .iter()
                .position(|c| c.0 != left_record)
                .map_or(candidates.len(), |n| start + n);
            let posteriors = model::competing_posteriors(&log_bf[start..end], pi, right.len());
            scores[start..end].copy_from_slice(&posteriors);
            start = end;
        }
        scores
    } else {
        patterns.par_iter().map(|p| scorer.probability(p)).collect()
    };
    let mut links: Vec<Link> = candidates
        .iter()
        .zip(&scores)
        .filter(|(_, score)| **score >= threshold)
        .map(|(&(l, r), &score)| Link {
            left: l,
            right: r,
            score,
        })
        .collect();
    links.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    if one_to_one {
        let mut left_used = vec![false; left.len()];
        let mut right_used = vec![false; right.len()];
        links.retain(|l| {
            let free = !left_used[l.left as usize] && !right_used[l.right as usize];
            if free {
                left_used[l.left as usize] = true;
                right_used[l.right as usize] = true;
            }
            free
        });
    }
    Linkage {
        links,
        candidates: candidates.len(),
        model,
    }
}
