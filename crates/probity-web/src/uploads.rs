//! Registry extract files from a folder, read and checked whole before anything is stored: what
//! `probity registry import` and the administrators' upload both store.

use std::path::Path;

use probity_check::RegistryExtracts;
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

/// Whether `name` is a registry file name (`real_estate.csv`, `stocks.parquet`, …).
pub fn is_registry_file_name(name: &str) -> bool {
    Source::ALL.iter().any(|s| {
        name == format!("{}.csv", s.file_stem()) || name == format!("{}.parquet", s.file_stem())
    })
}
