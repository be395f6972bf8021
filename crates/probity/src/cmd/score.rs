//! `probity score`: how well found discrepancies agree with the truth, by FORMATS.md's identity rule.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_model::finding::FindingIdentity;
use probity_model::{Classification, Discrepancy};
use serde_json::{Value, json};

use crate::output::{Output, SummaryFormat};

/// Arguments of `probity score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The true findings (`truth.jsonl`, or any discrepancies file taken as right).
    #[arg(long)]
    truth: PathBuf,
    /// The findings to score (`probity check` output, or `probity findings` export, JSONL).
    #[arg(long)]
    found: PathBuf,
    /// How the scores are printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

fn read(path: &Path) -> Result<Vec<Discrepancy>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let at = || format!("{}:{}", path.display(), i + 1);
            let mut line: Value = serde_json::from_str(l).with_context(at)?;
            // A line of `probity findings` is a discrepancy line with where it stands besides.
            if let Value::Object(m) = &mut line {
                for extra in ["case_id", "report_kind", "run"] {
                    m.remove(extra);
                }
            }
            serde_json::from_value(line).with_context(at)
        })
        .collect()
}

/// Pairs each true finding with at most one found finding that is the same finding.
pub fn pair(truth: &[Discrepancy], found: &[Discrepancy]) -> Vec<(usize, usize)> {
    let mut by_identity: HashMap<FindingIdentity, Vec<usize>> = HashMap::new();
    for (j, f) in found.iter().enumerate() {
        by_identity.entry(f.identity()).or_default().push(j);
    }
    let mut used = vec![false; found.len()];
    let mut pairs = Vec::new();
    for (i, t) in truth.iter().enumerate() {
        if let Some(candidates) = by_identity.get(&t.identity())
            && let Some(&j) = candidates
                .iter()
                .find(|&&j| !used[j] && t.same_finding(&found[j]))
        {
            used[j] = true;
            pairs.push((i, j));
        }
    }
    pairs
}

/// Precision, recall and F1 of one slice.
#[derive(Default, Clone, Copy)]
struct Tally {
    truth: usize,
    found: usize,
    matched: usize,
}

impl Tally {
    fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.matched as f64 / self.found as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.matched as f64 / self.truth as f64
        }
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn json(&self) -> Value {
        json!({"truth": self.truth, "found": self.found, "matched": self.matched,
            "precision": self.precision(), "recall": self.recall(), "f1": self.f1()})
    }
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let truth = read(&args.truth)?;
    let found = read(&args.found)?;
    let pairs = pair(&truth, &found);

    let mut overall = Tally::default();
    let mut violations = Tally::default();
    let mut slices: BTreeMap<String, Tally> = BTreeMap::new();
    let is_violation = |c: Classification| c != Classification::Review;
    let keys = |d: &Discrepancy| {
        [
            format!("category {}", d.category),
            format!("kind {}", d.kind),
            format!("classification {}", d.classification),
        ]
    };
    for t in &truth {
        overall.truth += 1;
        violations.truth += usize::from(is_violation(t.classification));
        for k in keys(t) {
            slices.entry(k).or_default().truth += 1;
        }
    }
    for f in &found {
        overall.found += 1;
        violations.found += usize::from(is_violation(f.classification));
        for k in keys(f) {
            slices.entry(k).or_default().found += 1;
        }
    }
    let mut agree = 0;
    for &(i, j) in &pairs {
        let (t, f) = (&truth[i], &found[j]);
        overall.matched += 1;
        if is_violation(t.classification) && is_violation(f.classification) {
            violations.matched += 1;
        }
        agree += usize::from(t.classification == f.classification && t.rule == f.rule);
        // A pair counts in a slice when the true finding is in it.
        for k in keys(t) {
            slices.entry(k).or_default().matched += 1;
        }
    }
    let agreement = if pairs.is_empty() {
        1.0
    } else {
        agree as f64 / pairs.len() as f64
    };

    out.summary(&json!({
        "overall": overall.json(),
        "concealment_and_omission": violations.json(),
        "classification_agreement": agreement,
        "slices": slices.iter().map(|(k, t)| (k.clone(), t.json())).collect::<serde_json::Map<_, _>>(),
    }));
    let line = |name: &str, t: &Tally| {
        format!(
            "{name:<36} {:>8} {:>8} {:>8}   P {:.4}  R {:.4}  F1 {:.4}",
            t.truth,
            t.found,
            t.matched,
            t.precision(),
            t.recall(),
            t.f1()
        )
    };
    out.say(format!(
        "{:<36} {:>8} {:>8} {:>8}",
        "", "truth", "found", "matched"
    ));
    out.say(line("overall", &overall));
    out.say(line("concealment + omission", &violations));
    out.say(format!(
        "classification agreement (class and rule) {agreement:.4} over {} matched",
        pairs.len()
    ));
    for (k, t) in &slices {
        out.say(line(k, t));
    }
    Ok(ExitCode::SUCCESS)
}
