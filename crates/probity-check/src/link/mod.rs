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
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| CheckError::Io {
                path: path.to_owned(),
                source: std::io::Error::other(e.to_string()),
            })?;
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

/// Links two tables under a configuration.
pub fn link(config: &LinkConfig, left: &Table, right: &Table, threshold: f64) -> Linkage {
    let kinds: Vec<FieldKind> = config.fields.iter().map(|f| f.kind).collect();
    let blocked = blocking::candidates(left, right, &kinds);
    let candidates = blocked.pairs;
    let patterns: Vec<Vec<u8>> = candidates
        .par_iter()
        .map(|&(l, r)| compare::pattern(left, right, l as usize, r as usize, &kinds))
        .collect();
    let model = model::Model::estimate(left, right, &kinds, &patterns, &blocked.usable);
    let scorer = model.scorer();
    let scores: Vec<f64> = if config.one_to_one {
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
    if config.one_to_one {
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
