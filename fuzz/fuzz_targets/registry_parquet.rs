//! A registry extract as any Parquet bytes, read from memory as the source the first byte picks:
//! an error or rows, never a panic that escapes `read_parquet`.
//!
//! The `parquet` crate panics on some corrupt data; `read_parquet` catches that and returns an
//! error. libFuzzer's panic hook aborts at the panic, before it can be caught, so `init` puts the
//! standard hook back: a caught panic is printed and the run goes on, and an uncaught one still
//! aborts (libfuzzer-sys aborts when a panic leaves the target).
#![no_main]

use std::path::Path;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use probity_check::parquet::read_parquet;
use probity_model::registry::*;

fuzz_target!(init: drop(std::panic::take_hook()), |data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let source = Source::ALL[usize::from(pick) % Source::ALL.len()];
    let path = Path::new("fuzz.parquet");
    let file = Bytes::copy_from_slice(file);
    let _ = match source {
        Source::Marriages => read_parquet::<MarriageRecord, _>(path, file, source).map(|r| r.len()),
        Source::TravelDocuments => {
            read_parquet::<TravelDocumentRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::BorderCrossings => {
            read_parquet::<BorderCrossingRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::ResidenceAbroad => {
            read_parquet::<ResidenceAbroadRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::Employment => {
            read_parquet::<EmploymentRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::CriminalCases => {
            read_parquet::<CriminalCaseRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::TaxIncome => {
            read_parquet::<TaxIncomeRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::RealEstate => {
            read_parquet::<RealEstateRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::Stocks => read_parquet::<StockRecord, _>(path, file, source).map(|r| r.len()),
        Source::Funds => read_parquet::<FundRecord, _>(path, file, source).map(|r| r.len()),
        Source::Insurance => {
            read_parquet::<InsuranceRecord, _>(path, file, source).map(|r| r.len())
        }
        Source::Companies => read_parquet::<CompanyRecord, _>(path, file, source).map(|r| r.len()),
    }
    .map_err(|e| e.to_string());
});
