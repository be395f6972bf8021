//! Registry extracts as Parquet files with the same columns as the CSV ones. Each column is cast
//! to text and each row deserialised exactly as a CSV row is, so both formats accept and refuse
//! the same values.

use std::path::Path;

use arrow_array::{Array, StringArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;
use probity_model::registry::Source;
use serde::de::DeserializeOwned;

use crate::error::CheckError;
use crate::extract::{Record, require_columns, row_error, unique_ids};

/// Reads one source's Parquet data from a file or from bytes in memory (any [`ChunkReader`]:
/// `std::fs::File`, `bytes::Bytes`); `path` names it in errors.
///
/// The `parquet` crate's decoders can panic on corrupt data (fuzzing found an assertion on a
/// dictionary's bit width, `fuzz/README.md`); such a panic is caught here and becomes
/// [`CheckError::Parquet`], so a malformed file is the input's fault, never a crash. While the
/// decoder runs, [`decoding`] is true on this thread, so that a panic hook can keep quiet about a
/// panic that is about to be turned into an error.
pub fn read_parquet<T: DeserializeOwned + Record + Sync, R: ChunkReader + 'static>(
    path: &Path,
    file: R,
    source: Source,
) -> Result<Vec<T>, CheckError> {
    DECODING.with(|d| d.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode::<T, R>(path, file, source)
    }));
    DECODING.with(|d| d.set(false));
    result.unwrap_or_else(|_| {
        Err(CheckError::Parquet {
            path: path.to_owned(),
            message: "the Parquet decoder failed on malformed data".into(),
        })
    })
}

thread_local! {
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while [`read_parquet`] runs on this thread: a panic now is caught and reported as an
/// error, so a panic hook need not print it.
pub fn decoding() -> bool {
    DECODING.with(std::cell::Cell::get)
}

fn decode<T: DeserializeOwned + Record + Sync, R: ChunkReader + 'static>(
    path: &Path,
    file: R,
    source: Source,
) -> Result<Vec<T>, CheckError> {
    let unreadable = |e: &dyn std::fmt::Display| CheckError::Parquet {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(&e))?;
    let headers: csv::StringRecord = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().trim().to_owned())
        .collect();
    require_columns(path, &headers, source)?;
    let reader = builder.build().map_err(|e| unreadable(&e))?;
    let mut rows = Vec::new();
    let mut row_number = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| unreadable(&e))?;
        let columns: Vec<StringArray> = batch
            .columns()
            .iter()
            .map(|c| {
                let text = arrow_cast::cast(c, &DataType::Utf8).map_err(|e| unreadable(&e))?;
                text.as_any()
                    .downcast_ref::<StringArray>()
                    .cloned()
                    .ok_or_else(|| unreadable(&"a column does not cast to text"))
            })
            .collect::<Result<_, _>>()?;
        for i in 0..batch.num_rows() {
            row_number += 1;
            let record: csv::StringRecord = columns
                .iter()
                .map(|c| if c.is_null(i) { "" } else { c.value(i) })
                .collect();
            if let Err(CheckError::Row {
                column, message, ..
            }) = crate::extract::text_cells(path, row_number, &record, &headers)
            {
                return Err(CheckError::ParquetRow {
                    path: path.to_owned(),
                    row: row_number,
                    column,
                    message,
                });
            }
            let row: T = record.deserialize(Some(&headers)).map_err(|e| {
                match row_error(path, &e, row_number, &record, &headers) {
                    CheckError::Row {
                        column, message, ..
                    } => CheckError::ParquetRow {
                        path: path.to_owned(),
                        row: row_number,
                        column,
                        message,
                    },
                    other => other,
                }
            })?;
            rows.push(row);
        }
    }
    // Row `i` is Parquet row `i + 1`.
    unique_ids(path, &rows, &[])?;
    rows.shrink_to_fit();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use probity_model::registry::FundRecord;

    use super::*;

    #[test]
    fn a_file_that_makes_the_decoder_panic_is_an_error() {
        // Found by `cargo fuzz run registry_parquet`: a funds file whose dictionary page claims a
        // bit width wider than its index type, on which `parquet` 59 asserts.
        let data = include_bytes!("../tests/data/parquet_decoder_panic.parquet");
        let path = Path::new("funds.parquet");
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, data).unwrap();
        let err = read_parquet::<FundRecord, _>(path, file, Source::Funds).unwrap_err();
        assert!(
            matches!(&err, CheckError::Parquet { message, .. } if message.contains("malformed")),
            "{err}"
        );
        assert!(!decoding(), "the flag is cleared after a panic");
    }
}
