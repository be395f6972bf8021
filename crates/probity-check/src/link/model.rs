//! The Fellegi–Sunter model: per field and level, the probability of that agreement among matches
//! (m) and among non-matches (u), and the share of matches among candidates (λ).

use std::collections::HashMap;

use rayon::prelude::*;

use super::compare::{level, levels};
use super::config::FieldKind;
use super::{Pairing, Table};

/// Random pairs drawn to estimate u.
const U_SAMPLE: usize = 50_000;
/// EM iterations at most.
const EM_ITERATIONS: usize = 200;
/// Floor for any probability, so that one unseen level cannot veto a pair.
const FLOOR: f64 = 1e-6;

/// An estimated model.
#[derive(Debug, Clone)]
pub struct Model {
    /// `m[field][level]`.
    pub m: Vec<Vec<f64>>,
    /// `u[field][level]`, among random pairs.
    pub u: Vec<Vec<f64>>,
    /// Estimated number of matching pairs between the two files (or within the one).
    pub matches: f64,
    /// Prior probability that two random records match: `matches` over the possible pairs
    /// (`left × right`, or `n (n − 1) / 2` deduplicating).
    pub lambda: f64,
}

/// A small deterministic generator (SplitMix64) for the u sample: the same inputs give the same
/// model.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Model {
    /// Estimates the model without labels, as Splink does: u from random pairs; m by EM over the
    /// candidates that agree exactly on one usable blocking field, that field left out (its
    /// agreement is forced there), averaged over such sessions; the number of matches from each
    /// session's share of matches and the m of its field.
    pub fn estimate(
        left: &Table,
        right: &Table,
        kinds: &[FieldKind],
        patterns: &[Vec<u8>],
        usable: &[f64],
        pairing: Pairing,
    ) -> Model {
        let u = estimate_u(left, right, kinds, pairing);
        let initial_m: Vec<Vec<f64>> = kinds
            .iter()
            .map(|k| {
                let n = levels(*k);
                let mut v = vec![0.1 / (n as f64 - 2.0).max(1.0); n];
                v[0] = 0.0;
                v[n - 1] = 0.9;
                v
            })
            .collect();
        let fields = kinds.len();
        let mut sums: Vec<Vec<f64>> = initial_m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut sessions_per_field = vec![0usize; fields];
        let mut session_matches: Vec<(usize, f64)> = Vec::new();
        // Distinct patterns with their counts, once: sessions filter these, not the pairs.
        let mut counts: HashMap<&[u8], f64> = HashMap::new();
        for p in patterns {
            *counts.entry(p.as_slice()).or_default() += 1.0;
        }
        let mut distinct: Vec<(&[u8], f64)> = counts.into_iter().collect();
        // HashMap order is random; sort so that sums, and so the model, are the same every run.
        distinct.sort_by(|a, b| a.0.cmp(b.0));
        for f in 0..fields {
            if usable[f] < 0.5 {
                continue;
            }
            let top = (levels(kinds[f]) - 1) as u8;
            let aggregated: Vec<(&[u8], f64)> = distinct
                .iter()
                .filter(|(p, _)| p[f] == top)
                .copied()
                .collect();
            let size: f64 = aggregated.iter().map(|(_, c)| c).sum();
            if size < 10.0 {
                continue;
            }
            let (m, lambda) = em_session(&aggregated, &initial_m, &u, f);
            for g in (0..fields).filter(|&g| g != f) {
                for l in 0..m[g].len() {
                    sums[g][l] += m[g][l];
                }
                sessions_per_field[g] += 1;
            }
            session_matches.push((f, lambda * size));
        }
        let m: Vec<Vec<f64>> = (0..fields)
            .map(|g| {
                if sessions_per_field[g] == 0 {
                    initial_m[g].clone()
                } else {
                    sums[g]
                        .iter()
                        .map(|s| s / sessions_per_field[g] as f64)
                        .collect()
                }
            })
            .collect();
        // A session on field f sees only the matches that agree exactly on f.
        let estimates: Vec<f64> = session_matches
            .iter()
            .map(|(f, found)| found / m[*f][levels(kinds[*f]) - 1].max(0.05))
            .collect();
        let possible = pairing.possible_pairs(left.len(), right.len()).max(1.0);
        // Linking, a record matches at most one other; deduplicating, a person may have several
        // records, so only the number of pairs bounds the matches.
        let most = match pairing {
            Pairing::Link => left.len().min(right.len()).max(1) as f64,
            Pairing::Dedupe => possible,
        };
        let matches = if estimates.is_empty() {
            most
        } else {
            (estimates.iter().sum::<f64>() / estimates.len() as f64).clamp(1.0, most)
        };
        let lambda = (matches / possible).clamp(1e-15, 0.5);
        Model {
            m,
            u,
            matches,
            lambda,
        }
    }

    /// Posterior probability that a pair with this agreement pattern is a match. For many
    /// pairs, [`Model::scorer`] computes the logarithms once.
    pub fn probability(&self, pattern: &[u8]) -> f64 {
        self.scorer().probability(pattern)
    }

    /// A scorer with the model's log weights computed once.
    pub fn scorer(&self) -> Scorer {
        Scorer {
            prior: (self.lambda / (1.0 - self.lambda)).ln(),
            weights: log_weights(&self.m, &self.u),
        }
    }
}

/// One EM session: u fixed, m of every field but `blocked` and the share of matches estimated.
fn em_session(
    aggregated: &[(&[u8], f64)],
    initial_m: &[Vec<f64>],
    u: &[Vec<f64>],
    blocked: usize,
) -> (Vec<Vec<f64>>, f64) {
    let total: f64 = aggregated.iter().map(|(_, c)| c).sum();
    let mut m = initial_m.to_vec();
    let mut lambda: f64 = 0.5;
    for _ in 0..EM_ITERATIONS {
        let mut weights = log_weights(&m, u);
        // The blocked field agrees in every pair of the session: it carries no evidence here.
        weights[blocked].iter_mut().for_each(|w| *w = 0.0);
        let prior = (lambda / (1.0 - lambda)).ln();
        let mut m_acc: Vec<Vec<f64>> = m.iter().map(|v| vec![0.0; v.len()]).collect();
        let mut matches = 0.0;
        for (p, c) in aggregated {
            let w = posterior(prior, &weights, p) * c;
            matches += w;
            for (f, &lvl) in p.iter().enumerate() {
                m_acc[f][lvl as usize] += w;
            }
        }
        let new_lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        for (f, acc) in m_acc.iter().enumerate() {
            let observed: f64 = acc[1..].iter().sum();
            if f == blocked || observed <= 0.0 {
                continue;
            }
            for l in 1..acc.len() {
                let v = (acc[l] / observed).max(FLOOR);
                change = change.max((v - m[f][l]).abs());
                m[f][l] = v;
            }
        }
        lambda = new_lambda;
        if change < 1e-6 {
            break;
        }
    }
    (m, lambda)
}

/// Scores patterns with precomputed log-likelihood ratios.
pub struct Scorer {
    prior: f64,
    weights: Vec<Vec<f64>>,
}

impl Scorer {
    /// Posterior probability that a pair with this agreement pattern is a match.
    pub fn probability(&self, pattern: &[u8]) -> f64 {
        posterior(self.prior, &self.weights, pattern)
    }

    /// The log Bayes factor of a pattern: the evidence of the pair alone, without the prior.
    pub fn log_bayes_factor(&self, pattern: &[u8]) -> f64 {
        pattern
            .iter()
            .enumerate()
            .map(|(f, &l)| self.weights[f][l as usize])
            .sum()
    }
}

/// Posterior probabilities of a left record's candidates when it has at most one match among the
/// `right_total` right records: a match exists with probability `pi`, a priori equally likely to be
/// any right record; candidates weigh by their Bayes factors, and the records blocking left out by
/// their expected Bayes factor under non-match, which is 1. `log_bf` are the candidates'.
pub fn competing_posteriors(log_bf: &[f64], pi: f64, right_total: usize) -> Vec<f64> {
    if log_bf.is_empty() {
        return Vec::new();
    }
    let n = right_total.max(log_bf.len()) as f64;
    let k = log_bf.len() as f64;
    // P_j = (π/n)·BF_j / ((1−π) + (π/n)·(Σ BF_l + n − k)), in logs for stability.
    let prior = (pi / n).ln();
    let rest = (1.0 - pi).max(1e-300).ln();
    let outside = if n > k {
        prior + (n - k).ln()
    } else {
        f64::NEG_INFINITY
    };
    let terms: Vec<f64> = log_bf.iter().map(|b| prior + b).collect();
    let scale = terms.iter().copied().fold(rest.max(outside), f64::max);
    let denominator = (rest - scale).exp()
        + (outside - scale).exp()
        + terms.iter().map(|t| (t - scale).exp()).sum::<f64>();
    terms
        .iter()
        .map(|t| ((t - scale).exp() / denominator).clamp(0.0, 1.0))
        .collect()
}

/// `ln(m/u)` per field and level; level 0 (missing) weighs nothing.
fn log_weights(m: &[Vec<f64>], u: &[Vec<f64>]) -> Vec<Vec<f64>> {
    m.iter()
        .zip(u)
        .map(|(mf, uf)| {
            mf.iter()
                .zip(uf)
                .enumerate()
                .map(|(l, (m, u))| {
                    if l == 0 {
                        0.0
                    } else {
                        (m.max(FLOOR) / u.max(FLOOR)).ln()
                    }
                })
                .collect()
        })
        .collect()
}

/// Posterior from the prior log-odds and the pattern's weights (logs: ten small factors stay exact).
fn posterior(prior: f64, weights: &[Vec<f64>], pattern: &[u8]) -> f64 {
    let log_ratio = prior
        + pattern
            .iter()
            .enumerate()
            .map(|(f, &l)| weights[f][l as usize])
            .sum::<f64>();
    1.0 / (1.0 + (-log_ratio).exp())
}

fn estimate_u(left: &Table, right: &Table, kinds: &[FieldKind], pairing: Pairing) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = kinds.iter().map(|k| vec![0.0; levels(*k)]).collect();
    if left.is_empty() || right.is_empty() {
        return counts
            .into_iter()
            .map(|v| vec![1.0 / v.len() as f64; v.len()])
            .collect();
    }
    // Deduplicating, a record paired with itself is no random pair: draw from the others.
    let distinct = pairing == Pairing::Dedupe;
    if distinct && left.len() < 2 {
        return counts
            .into_iter()
            .map(|v| vec![1.0 / v.len() as f64; v.len()])
            .collect();
    }
    let n = U_SAMPLE.min(pairing.possible_pairs(left.len(), right.len()) as usize);
    // Fixed chunks with their own streams: the same sample whatever the number of threads.
    const CHUNK: usize = 10_000;
    let chunks: Vec<Vec<Vec<f64>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|chunk| {
            let mut rng = SplitMix(0x5EED_0F11_4B00 + chunk as u64);
            let mut local: Vec<Vec<f64>> = kinds.iter().map(|k| vec![0.0; levels(*k)]).collect();
            for _ in 0..CHUNK.min(n - chunk * CHUNK) {
                let l = (rng.next() % left.len() as u64) as usize;
                let r = if distinct {
                    // Any record but `l`, uniformly.
                    (l + 1 + (rng.next() % (right.len() as u64 - 1)) as usize) % right.len()
                } else {
                    (rng.next() % right.len() as u64) as usize
                };
                for (f, kind) in kinds.iter().enumerate() {
                    let lvl = level(
                        left.values[f][l].as_deref(),
                        right.values[f][r].as_deref(),
                        *kind,
                    );
                    local[f][lvl as usize] += 1.0;
                }
            }
            local
        })
        .collect();
    for local in chunks {
        for (f, levels) in local.into_iter().enumerate() {
            for (l, c) in levels.into_iter().enumerate() {
                counts[f][l] += c;
            }
        }
    }
    counts
        .into_iter()
        .map(|c| {
            let observed: f64 = c[1..].iter().sum();
            let mut u = vec![0.0; c.len()];
            for l in 1..c.len() {
                // Half a count of smoothing: a level never seen among random pairs is rare, not impossible.
                u[l] = ((c[l] + 0.5) / (observed + 0.5 * (c.len() - 1) as f64)).max(FLOOR);
            }
            u
        })
        .collect()
}
