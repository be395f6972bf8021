//! `probity check`: the stateless cross-check of a declarations file against a registry folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use probity_check::{Checker, RegistryExtracts};
use probity_model::{Declaration, Discrepancy, Profile};
use rayon::prelude::*;
use serde_json::json;

use crate::output::SummaryFormat;

/// How discrepancies are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FindingsFormat {
    /// One JSON object a line (`discrepancies.jsonl`).
    Jsonl,
    /// CSV with the same columns, lists joined with `;`.
    Csv,
}

/// Arguments of `probity check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Declarations, one JSON object a line.
    #[arg(long)]
    declarations: PathBuf,
    /// Folder of registry extracts (one CSV per source; an absent file is a source not queried).
    #[arg(long)]
    registries: PathBuf,
    /// Where to write the discrepancies (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// How discrepancies are written.
    #[arg(long, value_enum, default_value_t = FindingsFormat::Jsonl)]
    format: FindingsFormat,
    /// How the counts are printed (to standard error when the discrepancies go to standard output).
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    summary: SummaryFormat,
}

/// Bytes of a declarations file read and checked at a time: large enough that both cores stay
/// busy over a chunk, small enough that memory holds the chunk and not the file.
const CHUNK_BYTES: usize = 16 << 20;

/// Reads a JSONL file of declarations chunk by chunk and passes each declaration, with its line
/// number, to `each`, in parallel within a chunk; `sink` gets each chunk's results in file order,
/// and the next chunk is read while the current one is processed. The first malformed line, or
/// the first error of `each`, in file order, stops the run with an error that names file, line,
/// column and what is wrong. Returns the number of declarations.
pub fn stream_declarations<T: Send>(
    path: &Path,
    each: impl Fn(usize, Declaration) -> Result<T> + Sync,
    sink: impl FnMut(Vec<T>) -> Result<()>,
) -> Result<usize> {
    stream_chunks(path, CHUNK_BYTES, each, sink)
}

fn stream_chunks<T: Send>(
    path: &Path,
    chunk_bytes: usize,
    each: impl Fn(usize, Declaration) -> Result<T> + Sync,
    mut sink: impl FnMut(Vec<T>) -> Result<()>,
) -> Result<usize> {
    let cannot_read = || format!("cannot read {}", path.display());
    let mut file = std::fs::File::open(path).with_context(cannot_read)?;
    let mut carry = Vec::new();
    let mut chunk = next_chunk(&mut file, &mut carry, chunk_bytes).with_context(cannot_read)?;
    let (mut first_line, mut count) = (0usize, 0usize);
    while !chunk.is_empty() {
        let (results, next) = rayon::join(
            || parse_chunk(path, &chunk, first_line, &each),
            || next_chunk(&mut file, &mut carry, chunk_bytes),
        );
        let results = results?;
        count += results.len();
        sink(results)?;
        first_line += chunk.iter().filter(|&&b| b == b'\n').count();
        chunk = next.with_context(cannot_read)?;
    }
    Ok(count)
}

/// The next whole lines of `file`, about `chunk_bytes` of them; empty at the end. `carry` holds
/// what was read past the last line end.
fn next_chunk(
    file: &mut std::fs::File,
    carry: &mut Vec<u8>,
    chunk_bytes: usize,
) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = std::mem::take(carry);
    loop {
        let before = buf.len();
        let want = chunk_bytes.max(1);
        buf.resize(before + want, 0);
        let n = file.read(&mut buf[before..])?;
        buf.truncate(before + n);
        if n == 0 {
            // End of file: whatever is left is the last line.
            return Ok(buf);
        }
        if buf.len() >= chunk_bytes
            && let Some(end) = buf.iter().rposition(|&b| b == b'\n')
        {
            *carry = buf.split_off(end + 1);
            return Ok(buf);
        }
    }
}

fn parse_chunk<T: Send>(
    path: &Path,
    chunk: &[u8],
    first_line: usize,
    each: &(impl Fn(usize, Declaration) -> Result<T> + Sync),
) -> Result<Vec<T>> {
    let text = std::str::from_utf8(chunk).map_err(|e| {
        let line = first_line
            + 1
            + chunk[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        anyhow::anyhow!("{}:{line}: not UTF-8 text", path.display())
    })?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (first_line + i + 1, l))
        .collect();
    let results: Vec<Result<T>> = lines
        .par_iter()
        .map(|&(line, text)| {
            let d = serde_json::from_str::<Declaration>(text).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{line}: column {}: {}",
                    path.display(),
                    e.column(),
                    strip_position(&e.to_string())
                )
            })?;
            each(line, d)
        })
        .collect();
    // The first error in file order, so that the same input always gives the same message.
    results.into_iter().collect()
}

fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// Writes discrepancies as JSONL or CSV, batch after batch.
pub enum FindingsWriter<'w> {
    /// One JSON object a line.
    Jsonl(&'w mut dyn Write),
    /// CSV, the header written once.
    Csv(Box<probity_store::csv_out::Writer<&'w mut dyn Write>>),
}

impl<'w> FindingsWriter<'w> {
    /// Starts a file (the CSV header).
    pub fn new(w: &'w mut dyn Write, format: FindingsFormat) -> Result<FindingsWriter<'w>> {
        Ok(match format {
            FindingsFormat::Jsonl => FindingsWriter::Jsonl(w),
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
                ])?;
                FindingsWriter::Csv(Box::new(csv))
            }
        })
    }

    /// Writes a batch.
    pub fn write(&mut self, findings: &[Discrepancy]) -> Result<()> {
        match self {
            FindingsWriter::Jsonl(w) => {
                for f in findings {
                    serde_json::to_writer(&mut **w, f)?;
                    w.write_all(b"\n")?;
                }
            }
            FindingsWriter::Csv(csv) => {
                for f in findings {
                    csv.write_record([
                        f.declaration_id.as_str(),
                        &f.declarant_id,
                        f.category.as_str(),
                        &f.person_id,
                        f.kind.as_str(),
                        &f.field,
                        &f.declared,
                        &f.registry,
                        &f.declared_path,
                        &f.registry_record_ids.join(";"),
                        f.classification.as_str(),
                        &f.rule,
                        &f.note,
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Flushes what is buffered.
    pub fn finish(self) -> Result<()> {
        match self {
            FindingsWriter::Jsonl(w) => w.flush()?,
            FindingsWriter::Csv(mut csv) => csv.flush()?,
        }
        Ok(())
    }
}

/// What a check of a declarations file counted.
#[derive(Debug, Default)]
pub struct CheckCounts {
    /// Declarations checked.
    pub declarations: usize,
    /// Findings written.
    pub findings: usize,
    /// Findings by category, kind and classification.
    pub by_kind: BTreeMap<(String, String, String), usize>,
}

/// Checks every declaration of the file at `path` against `checker`, chunk by chunk, writing the
/// findings to `w` in file order as they come; only the chunk in flight is held in memory. A
/// declaration naming a profile not in `profiles` is an error naming its line.
pub fn check_file(
    path: &Path,
    checker: &Checker<'_>,
    profiles: &[Profile],
    w: &mut dyn Write,
    format: FindingsFormat,
) -> Result<CheckCounts> {
    let mut writer = FindingsWriter::new(w, format)?;
    let mut counts = CheckCounts::default();
    counts.declarations = stream_declarations(
        path,
        |line, d| {
            let profile = profiles
                .iter()
                .find(|p| p.id == d.profile)
                .with_context(|| {
                    format!(
                        "{}:{line}: declaration {} names unknown profile {:?}",
                        path.display(),
                        d.declaration_id,
                        d.profile
                    )
                })?;
            Ok(checker.check(&d, profile))
        },
        |chunk| {
            for findings in chunk {
                counts.findings += findings.len();
                for f in &findings {
                    *counts
                        .by_kind
                        .entry((
                            f.category.to_string(),
                            f.kind.to_string(),
                            f.classification.to_string(),
                        ))
                        .or_default() += 1;
                }
                writer.write(&findings)?;
            }
            Ok(())
        },
    )?;
    writer.finish()?;
    Ok(counts)
}

/// Runs the verb.
pub fn run(args: Args, quiet: bool) -> Result<ExitCode> {
    let profiles: Vec<Profile> = Profile::builtin_ids()
        .map(Profile::builtin)
        .collect::<Result<_, _>>()?;
    let extracts = RegistryExtracts::read_dir(&args.registries)?;
    let checker = Checker::new(&extracts);
    let counts = match &args.out {
        Some(path) => {
            let mut counts = CheckCounts::default();
            crate::output::write_file(path, |w| {
                counts = check_file(&args.declarations, &checker, &profiles, w, args.format)?;
                Ok(())
            })?;
            counts
        }
        None => {
            // Standard output gets the findings whole or not at all too: held until the end.
            let mut buffer = Vec::new();
            let counts = check_file(
                &args.declarations,
                &checker,
                &profiles,
                &mut buffer,
                args.format,
            )?;
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            w.write_all(&buffer)?;
            w.flush()?;
            counts
        }
    };

    // With the findings on standard output, the summary goes to standard error.
    let to_stderr = args.out.is_none();
    let emit = |line: String| {
        if quiet {
        } else if to_stderr {
            eprintln!("{line}");
        } else {
            crate::outln!("{line}");
        }
    };
    match args.summary {
        SummaryFormat::Json => {
            let rows: Vec<_> = counts
                .by_kind
                .iter()
                .map(|((c, k, cl), n)| json!({"category": c, "kind": k, "classification": cl, "count": n}))
                .collect();
            let summary = json!({"declarations": counts.declarations, "registry_rows": extracts.rows(), "findings": counts.findings, "counts": rows});
            if to_stderr {
                eprintln!("{summary}")
            } else {
                crate::outln!("{summary}")
            }
        }
        SummaryFormat::Text => {
            emit(format!(
                "{} declarations, {} registry rows: {} findings",
                counts.declarations,
                extracts.rows(),
                counts.findings
            ));
            for ((c, k, cl), n) in &counts.by_kind {
                emit(format!("  {c:<22} {k:<12} {cl:<12} {n:>8}"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small/declarations.jsonl");
        std::fs::read_to_string(path).unwrap()
    }

    /// Every declaration with its line, as `stream_chunks` passes them, chunk by chunk.
    fn stream(path: &Path, chunk_bytes: usize) -> Result<(Vec<(usize, String)>, usize)> {
        let mut seen = Vec::new();
        let mut chunks = 0;
        stream_chunks(
            path,
            chunk_bytes,
            |line, d| Ok((line, d.declaration_id)),
            |chunk| {
                chunks += 1;
                seen.extend(chunk);
                Ok(())
            },
        )?;
        Ok((seen, chunks))
    }

    #[test]
    fn any_chunk_size_gives_every_declaration_once_at_its_line() {
        let lines: Vec<String> = example().lines().map(str::to_owned).collect();
        assert!(lines.len() >= 2, "the example has several reports");
        // Blank lines between and after reports count as lines but hold nothing.
        let text = format!("{}\n\n{}\n   \n", lines[0], lines[1..].join("\n"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, &text).unwrap();
        let expected: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let d: Declaration = serde_json::from_str(l).unwrap();
                (i + 1, d.declaration_id)
            })
            .collect();
        for chunk_bytes in [1, 7, 100, lines[0].len(), 1 << 20] {
            let (seen, chunks) = stream(&path, chunk_bytes).unwrap();
            assert_eq!(seen, expected, "chunks of {chunk_bytes} bytes");
            if chunk_bytes == 1 {
                assert_eq!(chunks, lines.len() + 2, "one line a chunk");
            }
        }
    }

    #[test]
    fn the_first_bad_line_in_file_order_is_the_error_whatever_the_chunks() {
        let good = example().lines().next().unwrap().to_owned();
        let text = format!("{good}\n{{\"format\": 1}}\n{good}\nnot json\n{good}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, &text).unwrap();
        for chunk_bytes in [1, 50, 1 << 20] {
            let err = stream(&path, chunk_bytes).unwrap_err().to_string();
            assert!(err.contains("d.jsonl:2: column"), "{chunk_bytes}: {err}");
        }
    }

    #[test]
    fn an_empty_file_has_no_declarations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl");
        std::fs::write(&path, "").unwrap();
        assert_eq!(stream(&path, 16).unwrap(), (Vec::new(), 0));
    }
}
