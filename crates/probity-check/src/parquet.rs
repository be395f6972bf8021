//! Registry extracts as Parquet files with the same columns as the CSV ones. Each column is cast
//! to text and each row deserialised exactly as a CSV row is, so both formats accept and refuse
//! the same values.

use std::path::Path;

use arrow_array::{Array, StringArray};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use probity_model::registry::Source;
use serde::de::DeserializeOwned;

use crate::error::CheckError;
use crate::extract::{Record, require_columns, row_error, unique_ids};

/// Reads one source's Parquet file; `path` names it in errors.
pub fn read_parquet<T: DeserializeOwned + Record + Sync>(
    path: &Path,
    file: std::fs::File,
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
