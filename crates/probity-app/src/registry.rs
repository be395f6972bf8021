//! Registry extract files read and checked whole before anything is stored: what `probity
//! registry import` (from a folder) and the administrators' upload (named bytes) both store,
//! and what a verification run reads back from the store. Extracts held as bytes are read as
//! bytes: none is written to disk in clear on the way (the store keeps them sealed).

use std::path::Path;

use probity_check::{NamedFile, RegistryExtracts};
use probity_model::registry::Source;
use probity_store::RegistryFile;

use crate::verification::VerifyError;

/// Reads and checks every registry file of a folder (errors name file, line and column).
pub fn registry_files(dir: &Path) -> Result<Vec<RegistryFile>, VerifyError> {
    let extracts = RegistryExtracts::read_dir(dir)?;
    let mut files = Vec::new();
    for source in Source::ALL {
        let Some(rows) = extracts.rows_of(source) else {
            continue;
        };
        let Some(path) = ["csv", "parquet"]
            .iter()
            .map(|ext| dir.join(format!("{}.{ext}", source.file_stem())))
            .find(|p| p.is_file())
        else {
            continue;
        };
        let bytes = std::fs::read(&path)
            .map_err(|e| VerifyError::Unfit(format!("{}: {e}", path.display())))?;
        files.push(RegistryFile {
            source: source.file_stem().to_owned(),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            rows,
            bytes,
        });
    }
    if files.is_empty() {
        return Err(VerifyError::Unfit(format!(
            "{}: no registry extract files in it",
            dir.display()
        )));
    }
    Ok(files)
}

/// Reads and checks registry files given by name and content (an upload), as
/// [`registry_files`] reads a folder of them; errors name the file by its name. Every name must
/// be a registry file's ([`is_registry_file_name`]).
pub fn registry_files_named(
    files: Vec<(String, Vec<u8>)>,
) -> Result<Vec<RegistryFile>, VerifyError> {
    if let Some((name, _)) = files.iter().find(|(n, _)| !is_registry_file_name(n)) {
        return Err(VerifyError::Unfit(format!(
            "{name}: not a registry extract name (real_estate.csv, stocks.parquet, …)"
        )));
    }
    let named: Vec<NamedFile> = files
        .into_iter()
        .map(|(name, bytes)| NamedFile {
            name,
            bytes: bytes.into(),
        })
        .collect();
    let extracts = RegistryExtracts::from_named(&named)?;
    let mut out = Vec::new();
    for source in Source::ALL {
        let Some(rows) = extracts.rows_of(source) else {
            continue;
        };
        let Some(file) = named.iter().find(|f| {
            f.name
                .strip_suffix(".csv")
                .or(f.name.strip_suffix(".parquet"))
                == Some(source.file_stem())
        }) else {
            continue;
        };
        out.push(RegistryFile {
            source: source.file_stem().to_owned(),
            file_name: file.name.clone(),
            rows,
            bytes: file.bytes.to_vec(),
        });
    }
    if out.is_empty() {
        return Err(VerifyError::Unfit("no registry extract files given".into()));
    }
    Ok(out)
}

/// The extracts of registry files as stored ([`probity_store::Store::latest_registry_files`]),
/// read from their bytes.
pub fn extracts_of(
    files: Vec<probity_store::StoredRegistryFile>,
) -> Result<RegistryExtracts, VerifyError> {
    let named: Vec<NamedFile> = files
        .into_iter()
        .map(|f| NamedFile {
            name: f.file_name,
            bytes: f.bytes.into(),
        })
        .collect();
    Ok(RegistryExtracts::from_named(&named)?)
}

/// Whether `name` is a registry file name (`real_estate.csv`, `stocks.parquet`, …).
pub fn is_registry_file_name(name: &str) -> bool {
    Source::ALL.iter().any(|s| {
        name == format!("{}.csv", s.file_stem()) || name == format!("{}.parquet", s.file_stem())
    })
}
