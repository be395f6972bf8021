//! `probity findings --cycle Y [--format jsonl|csv]`: the findings in force of a cycle as
//! FORMATS.md exports them — the discrepancy's fields, then `case_id`, `report_kind` and `run` —
//! one line per finding in force in the cycle's latest run of each report
//! (`Store::findings_in_force`), for analysts and for tests. An audited read.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use probity_store::FindingInForce;

use crate::cmd::check::FindingsFormat;
use crate::cmd::db::{self, Database};

/// Arguments of `probity findings`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cycle (the year reported on).
    #[arg(long)]
    cycle: i32,
    /// JSONL (one object a line) or CSV (lists joined with `;`).
    #[arg(long, value_enum, default_value_t = FindingsFormat::Jsonl)]
    format: FindingsFormat,
}

/// Prints the findings in force of a cycle on standard output.
pub fn run(args: Args, database: &Database, _quiet: bool) -> Result<ExitCode> {
    let found = db::runtime()?.block_on(async {
        let store = db::open(database).await?;
        let known = store.cycle_list().await?;
        if !known.iter().any(|c| c.year == args.cycle) {
            store.close().await;
            return Err(anyhow!("--cycle: cycle {} was never opened", args.cycle));
        }
        let found = store.findings_in_force(&db::stamp(), args.cycle).await?;
        store.close().await;
        anyhow::Ok(found)
    })?;
    let mut out = std::io::stdout().lock();
    write(&mut out, &found, args.format)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the lines: FORMATS.md's discrepancy fields in their order, then the three of a stored
/// finding.
pub fn write(w: &mut dyn Write, found: &[FindingInForce], format: FindingsFormat) -> Result<()> {
    match format {
        FindingsFormat::Jsonl => {
            for f in found {
                let line = serde_json::to_string(&f.finding)?;
                let body = line
                    .strip_suffix('}')
                    .ok_or_else(|| anyhow!("a finding is not a JSON object"))?;
                writeln!(
                    w,
                    "{body},\"case_id\":{},\"report_kind\":{},\"run\":{}}}",
                    f.case_id,
                    serde_json::to_string(&f.report_kind)?,
                    f.run
                )?;
            }
        }
        FindingsFormat::Csv => {
            let mut csv = probity_store::csv_out::Writer::from_writer(w);
            csv.write_record([
                "declaration_id",
                "declarant_id",
                "category",
                "person_id",
                "kind",
                "field",
                "declared",
                "registry",
                "declared_path",
                "registry_record_ids",
                "classification",
                "rule",
                "note",
                "case_id",
                "report_kind",
                "run",
            ])?;
            for f in found {
                let d = &f.finding;
                csv.write_record([
                    d.declaration_id.as_str(),
                    &d.declarant_id,
                    d.category.as_str(),
                    &d.person_id,
                    d.kind.as_str(),
                    &d.field,
                    &d.declared,
                    &d.registry,
                    &d.declared_path,
                    &d.registry_record_ids.join(";"),
                    d.classification.as_str(),
                    &d.rule,
                    &d.note,
                    &f.case_id.to_string(),
                    &f.report_kind,
                    &f.run.to_string(),
                ])?;
            }
            csv.flush()?;
        }
    }
    Ok(())
}
