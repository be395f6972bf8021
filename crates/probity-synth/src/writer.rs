//! Writing the folder: files opened once, people generated in parallel chunks and written in
//! index order, so that memory stays bounded and the bytes do not depend on scheduling.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use probity_model::Profile;
use probity_model::registry::Source;
use rayon::prelude::*;

use crate::household::{Ctx, PersonOut, build};
use crate::identity::{IdSpace, Numbers};
use crate::{SynthConfig, SynthError, SynthSummary};

/// People generated per parallel chunk.
const CHUNK: u64 = 4096;

/// Most people one run can hold: the identity layout's capacity, and ten-digit record ids.
pub(crate) fn max_people() -> u64 {
    IdSpace::capacity().min(10_000_000)
}

struct Out {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Out {
    fn create(path: PathBuf, header: &str) -> Result<Out, SynthError> {
        let file = File::create(&path).map_err(|source| SynthError::Io {
            path: path.clone(),
            source,
        })?;
        let mut out = Out {
            path,
            w: BufWriter::with_capacity(1 << 20, file),
        };
        if !header.is_empty() {
            out.write(header.as_bytes())?;
            out.write(b"\n")?;
        }
        Ok(out)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SynthError> {
        self.w.write_all(bytes).map_err(|source| SynthError::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.w.flush().map_err(|source| SynthError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

fn create_dir(path: &Path) -> Result<(), SynthError> {
    std::fs::create_dir_all(path).map_err(|source| SynthError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Generates the whole folder.
pub(crate) fn generate(
    config: &SynthConfig,
    out: &Path,
    progress: &(dyn Fn(u64) + Sync),
    inject: bool,
    previous: bool,
) -> Result<SynthSummary, SynthError> {
    if config.people > max_people() {
        return Err(SynthError::Config(format!(
            "at most {} people can be generated, not {}",
            max_people(),
            config.people
        )));
    }
    if !(1990..=2090).contains(&config.year) {
        return Err(SynthError::Config(format!(
            "the year reported on must be between 1990 and 2090, not {}",
            config.year
        )));
    }
    let ctx = Ctx {
        seed: config.seed,
        year: config.year,
        inject,
        previous,
        rates: config.noise.rates(),
        profile: Profile::builtin(probity_model::profile::DEFAULT_PROFILE)?,
        ids: IdSpace::new(config.seed),
        numbers: Numbers::new(config.seed),
    };
    let registries = out.join("registries");
    create_dir(&registries)?;
    let mut roster = Out::create(
        out.join("roster.csv"),
        "id,name,unit,position,rank,sector,subject_since,status,flags",
    )?;
    let mut declarations = Out::create(out.join("declarations.jsonl"), "")?;
    let mut truth = Out::create(out.join("truth.jsonl"), "")?;
    let mut timeliness = Out::create(out.join("truth_timeliness.jsonl"), "")?;
    let mut history = if previous {
        create_dir(&out.join("previous"))?;
        Some((
            Out::create(out.join("previous").join("declarations.jsonl"), "")?,
            Out::create(out.join("truth_year_over_year.jsonl"), "")?,
        ))
    } else {
        None
    };
    let mut sources = Vec::with_capacity(Source::ALL.len());
    for s in Source::ALL {
        sources.push(Out::create(
            registries.join(format!("{}.csv", s.file_stem())),
            &s.columns().join(","),
        )?);
    }

    // A producer thread generates chunk after chunk on the rayon pool while this thread writes
    // the previous one, in index order.
    let mut summary = SynthSummary::default();
    let people = config.people;
    std::thread::scope(|scope| -> Result<(), SynthError> {
        let (send, receive) =
            std::sync::mpsc::sync_channel::<Vec<Result<PersonOut, SynthError>>>(1);
        let ctx = &ctx;
        scope.spawn(move || {
            let mut start = 0;
            while start < people {
                let end = (start + CHUNK).min(people);
                let chunk: Vec<Result<PersonOut, SynthError>> = (start..end)
                    .into_par_iter()
                    .map(|i| build(ctx, i))
                    .collect();
                if send.send(chunk).is_err() {
                    // The writer stopped on an error; nothing more to do.
                    return;
                }
                start = end;
            }
        });
        for chunk in receive {
            for person in chunk {
                let person = person?;
                roster.write(&person.roster)?;
                declarations.write(&person.declaration)?;
                truth.write(&person.truth)?;
                timeliness.write(&person.timeliness_truth)?;
                if let Some((reports, yoy)) = history.as_mut() {
                    reports.write(&person.previous)?;
                    yoy.write(&person.yoy_truth)?;
                }
                for (file, rows) in sources.iter_mut().zip(person.sources.iter()) {
                    file.write(rows)?;
                }
                summary.people += 1;
                summary.declarations += u64::from(person.declared);
                summary.registry_rows += person.rows;
                summary.truth_findings += person.findings;
                summary.timeliness_findings += person.timeliness_findings;
                summary.previous_declarations += u64::from(person.previous_declared);
                summary.year_over_year_findings += person.yoy_findings;
            }
            progress(summary.people);
        }
        Ok(())
    })?;
    roster.finish()?;
    declarations.finish()?;
    truth.finish()?;
    timeliness.finish()?;
    if let Some((reports, yoy)) = history {
        reports.finish()?;
        yoy.finish()?;
    }
    for s in sources {
        s.finish()?;
    }
    Ok(summary)
}
