//! Candidate pairs: records that share the value of some column. A value shared by too many right
//! records (a state, a common surname) says little and would make the cost quadratic, so such a
//! block is skipped and replaced by the finer blocks of that column combined with each other one.

use std::collections::HashMap;

use rayon::prelude::*;

use super::Table;
use super::config::FieldKind;

/// The most right records one blocking value may bring as candidates.
const BLOCK_CAP: usize = 16;

/// One left record's candidate pairs, and the fields whose block was too common to use.
type LeftCandidates = (Vec<(u32, u32)>, Vec<bool>);

/// Blocking keys of a right record for one field or a pair of fields.
type Index<'t> = HashMap<(&'t str, &'t str), Vec<u32>>;

fn index<'t>(table: &'t Table, f: usize, g: Option<usize>) -> Index<'t> {
    let mut map: Index<'t> = HashMap::new();
    for r in 0..table.len() {
        let Some(a) = table.values[f][r].as_deref() else {
            continue;
        };
        let b = match g {
            Some(g) => match table.values[g][r].as_deref() {
                Some(b) => b,
                None => continue,
            },
            None => "",
        };
        map.entry((a, b)).or_default().push(r as u32);
    }
    map
}

/// Candidate pairs and how usable each field was as a blocking key.
pub struct Blocking {
    /// Every candidate pair `(left, right)`, sorted, without repeats.
    pub pairs: Vec<(u32, u32)>,
    /// Per field: the share of left records (with a value) whose block on that field alone was
    /// small enough to use. A field mostly too common to block on cannot train the model alone.
    pub usable: Vec<f64>,
}

/// Every candidate pair `(left, right)`, sorted, without repeats.
pub fn candidates(left: &Table, right: &Table, kinds: &[FieldKind]) -> Blocking {
    let fields = kinds.len();
    let singles: Vec<Index<'_>> = (0..fields)
        .into_par_iter()
        .map(|f| index(right, f, None))
        .collect();
    // Fields where some value's block is too large get combined with every other field.
    let oversized: Vec<usize> = (0..fields)
        .filter(|&f| singles[f].values().any(|v| v.len() > BLOCK_CAP))
        .collect();
    let pairs: Vec<(usize, usize)> = oversized
        .iter()
        .flat_map(|&f| (0..fields).filter(move |&g| g != f).map(move |g| (f, g)))
        .collect();
    let compounds: Vec<((usize, usize), Index<'_>)> = pairs
        .par_iter()
        .map(|&(f, g)| ((f, g), index(right, f, Some(g))))
        .collect();

    let per_left: Vec<LeftCandidates> = (0..left.len())
        .into_par_iter()
        .map(|l| {
            let mut found: Vec<u32> = Vec::new();
            let mut too_big = Vec::new();
            for (f, single) in singles.iter().enumerate() {
                let Some(v) = left.values[f][l].as_deref() else {
                    continue;
                };
                match single.get(&(v, "")) {
                    Some(block) if block.len() <= BLOCK_CAP => found.extend_from_slice(block),
                    Some(_) => too_big.push(f),
                    None => {}
                }
            }
            let oversized: Vec<bool> = (0..fields).map(|f| too_big.contains(&f)).collect();
            for ((f, g), compound) in &compounds {
                if !too_big.contains(f) {
                    continue;
                }
                let (Some(a), Some(b)) =
                    (left.values[*f][l].as_deref(), left.values[*g][l].as_deref())
                else {
                    continue;
                };
                if let Some(block) = compound.get(&(a, b))
                    && block.len() <= BLOCK_CAP
                {
                    found.extend_from_slice(block);
                }
            }
            found.sort_unstable();
            found.dedup();
            (
                found.into_iter().map(|r| (l as u32, r)).collect(),
                oversized,
            )
        })
        .collect();
    let mut too_common = vec![0usize; fields];
    for (_, oversized) in &per_left {
        for (f, o) in oversized.iter().enumerate() {
            too_common[f] += usize::from(*o);
        }
    }
    let usable = (0..fields)
        .map(|f| {
            let with_value = left.values[f].iter().filter(|v| v.is_some()).count().max(1);
            1.0 - too_common[f] as f64 / with_value as f64
        })
        .collect();
    Blocking {
        pairs: per_left.into_iter().flat_map(|(p, _)| p).collect(),
        usable,
    }
}
