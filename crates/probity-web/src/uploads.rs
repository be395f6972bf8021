//! Registry extract files from a folder, read and checked whole before anything is stored: what
//! `probity registry import` and the administrators' upload both store.

use std::path::Path;

use probity_check::RegistryExtracts;
use probity_model::registry::Source;
use probity_store::RegistryFile;

use crate::verification::VerifyError;

fn rows_of(extracts: &RegistryExtracts, source: Source) -> Option<usize> {
    fn n<T>(v: &Option<Vec<T>>) -> Option<usize> {
        v.as_ref().map(Vec::len)
    }
    match source {
        Source::Marriages => n(&extracts.marriages),
        Source::TravelDocuments => n(&extracts.travel_documents),
        Source::BorderCrossings => n(&extracts.border_crossings),
        Source::ResidenceAbroad => n(&extracts.residence_abroad),
        Source::Employment => n(&extracts.employment),
        Source::CriminalCases => n(&extracts.criminal_cases),
        Source::TaxIncome => n(&extracts.tax_income),
        Source::RealEstate => n(&extracts.real_estate),
        Source::Stocks => n(&extracts.stocks),
        Source::Funds => n(&extracts.funds),
        Source::Insurance => n(&extracts.insurance),
        Source::Companies => n(&extracts.companies),
    }
}

/// Reads and checks every registry file of a folder (errors name file, line and column).
pub fn registry_files(dir: &Path) -> Result<Vec<RegistryFile>, VerifyError> {
    let extracts = RegistryExtracts::read_dir(dir)?;
    let mut files = Vec::new();
    for source in Source::ALL {
        let Some(rows) = rows_of(&extracts, source) else {
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
