//! `probity bench …`: speed and memory, measured on this machine, printed for BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use probity_check::{Checker, RegistryExtracts};
use probity_model::Profile;
use probity_synth::{Noise, SynthConfig};
use serde_json::json;

use crate::cmd::check::{CheckCounts, FindingsFormat, check_file, stream_declarations};
use crate::output::{Output, SummaryFormat};

/// Arguments of `probity bench check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Reporting subjects to generate (one annual report each).
    #[arg(long, default_value_t = 100_000)]
    people: u64,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Noise of the synthetic registries.
    #[arg(long, default_value = "default", value_parser = ["none", "low", "default", "high"])]
    noise: String,
    /// Folder for the data; generated only if it holds no declarations.jsonl yet.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// How the figures are printed.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU seconds this process has used, user and system (Linux `/proc/self/stat`, 100 ticks/s).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn size_mb(path: &Path) -> f64 {
    let mut bytes = 0u64;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_file() {
            bytes = meta.len();
        } else if let Ok(entries) = std::fs::read_dir(path) {
            bytes = entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum();
        }
    }
    bytes as f64 / 1e6
}

/// Runs `probity bench check`.
pub fn check(args: CheckArgs, quiet: bool) -> Result<ExitCode> {
    let out = Output::new(quiet, args.format);
    let dir = args.dir.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "target/bench/check-{}-{}-{}",
            args.people, args.seed, args.noise
        ))
    });
    let declarations = dir.join("declarations.jsonl");
    let registries = dir.join("registries");
    if !declarations.exists() {
        let noise: Noise = args
            .noise
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown noise {:?}", args.noise))?;
        let config = SynthConfig {
            people: args.people,
            seed: args.seed,
            noise,
            year: 2025,
        };
        out.say(format!(
            "generating {} people into {}",
            args.people,
            dir.display()
        ));
        crate::cmd::synth::generate(&config, &dir, &out)?;
    }
    let input_mb = size_mb(&declarations) + size_mb(&registries);
    let profile = Profile::builtin("cn")?;

    // The whole check first, so that the peak memory is the check's own: read and parse the
    // extracts, index, then stream the declarations through resolve, match, compare, classify
    // and write `found.jsonl`, as `probity check --out` does.
    let found_path = dir.join("found.jsonl");
    let cpu0 = cpu_seconds().unwrap_or(0.0);
    let t = Instant::now();
    let extracts = RegistryExtracts::read_dir(&registries)?;
    let checker = Checker::new(&extracts);
    let profiles = [profile];
    let counts = {
        let mut counts = CheckCounts::default();
        crate::output::write_file(&found_path, |w| {
            counts = check_file(&declarations, &checker, &profiles, w, FindingsFormat::Jsonl)?;
            Ok(())
        })?;
        counts
    };
    let total = t.elapsed().as_secs_f64();
    let cpu1 = cpu_seconds().unwrap_or(0.0);
    let peak = peak_rss_mib().unwrap_or(0.0);
    let registry_rows = extracts.rows();
    drop(checker);
    drop(extracts);

    // The floor: only reading and parsing the same files, declarations streamed the same way.
    let t = Instant::now();
    let extracts = RegistryExtracts::read_dir(&registries)?;
    let n = stream_declarations(
        &declarations,
        |_, d| {
            drop(d);
            Ok(())
        },
        |_| Ok(()),
    )?;
    let floor = t.elapsed().as_secs_f64();
    let cpu2 = cpu_seconds().unwrap_or(0.0);
    drop(extracts);
    let findings = counts.findings;

    let figures = json!({
        "declarations": n,
        "registry_rows": registry_rows,
        "findings": findings,
        "input_mb": input_mb,
        "parse_floor_s": floor,
        "check_s": total,
        "ratio_to_floor": total / floor,
        "declarations_per_s": n as f64 / total,
        "input_mb_per_s": input_mb / total,
        "peak_rss_mib": peak,
        "cores_busy_floor": (cpu2 - cpu1) / floor,
        "cores_busy_check": (cpu1 - cpu0) / total,
        "found": found_path.display().to_string(),
    });
    out.summary(&figures);
    out.say(format!(
        "{n} declarations, {registry_rows} registry rows, {input_mb:.0} MB of input"
    ));
    out.say(format!(
        "parse floor   {floor:>8.2} s   ({:.0} declarations/s, {:.1} cores busy)",
        n as f64 / floor,
        (cpu2 - cpu1) / floor
    ));
    out.say(format!(
        "full check    {total:>8.2} s   ({:.0} declarations/s, {:.1} MB/s, {:.1} cores busy), {:.2}× the floor",
        n as f64 / total,
        input_mb / total,
        (cpu1 - cpu0) / total,
        total / floor
    ));
    out.say(format!(
        "peak RSS      {peak:>8.0} MiB (the check); {findings} findings in {}",
        found_path.display()
    ));
    Ok(ExitCode::SUCCESS)
}
