//! A registry extract as any CSV bytes, read as the source the first byte picks: an error or rows,
//! never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use probity_check::extract::read_csv;
use probity_model::registry::*;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, csv)) = data.split_first() else {
        return;
    };
    let source = Source::ALL[usize::from(pick) % Source::ALL.len()];
    let path = Path::new("fuzz.csv");
    let _ = match source {
        Source::Marriages => read_csv::<MarriageRecord, _>(path, csv, source).map(|r| r.len()),
        Source::TravelDocuments => {
            read_csv::<TravelDocumentRecord, _>(path, csv, source).map(|r| r.len())
        }
        Source::BorderCrossings => {
            read_csv::<BorderCrossingRecord, _>(path, csv, source).map(|r| r.len())
        }
        Source::ResidenceAbroad => {
            read_csv::<ResidenceAbroadRecord, _>(path, csv, source).map(|r| r.len())
        }
        Source::Employment => read_csv::<EmploymentRecord, _>(path, csv, source).map(|r| r.len()),
        Source::CriminalCases => {
            read_csv::<CriminalCaseRecord, _>(path, csv, source).map(|r| r.len())
        }
        Source::TaxIncome => read_csv::<TaxIncomeRecord, _>(path, csv, source).map(|r| r.len()),
        Source::RealEstate => read_csv::<RealEstateRecord, _>(path, csv, source).map(|r| r.len()),
        Source::Stocks => read_csv::<StockRecord, _>(path, csv, source).map(|r| r.len()),
        Source::Funds => read_csv::<FundRecord, _>(path, csv, source).map(|r| r.len()),
        Source::Insurance => read_csv::<InsuranceRecord, _>(path, csv, source).map(|r| r.len()),
        Source::Companies => read_csv::<CompanyRecord, _>(path, csv, source).map(|r| r.len()),
    }
    .map_err(|e| e.to_string());
});
