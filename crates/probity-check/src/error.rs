//! Errors of the cross-check, each saying whose fault it is: the input's (a file that is missing,
//! unreadable or malformed) — the engine itself has no failure modes once its input is read.

use std::path::PathBuf;

use thiserror::Error;

/// Why registry extracts or declarations could not be read. Always the input's fault.
#[derive(Debug, Error)]
pub enum CheckError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A CSV file lacks a column the format requires.
    #[error("{path}:1: missing column {column:?}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A CSV row does not fit the format.
    #[error("{path}:{line}: {column}{message}")]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// `column name: ` when known.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A Parquet row does not fit the format.
    #[error("{path}: row {row}: {column}{message}")]
    ParquetRow {
        /// The file.
        path: PathBuf,
        /// 1-based row number.
        row: u64,
        /// `column name: ` when known.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file cannot be read as Parquet.
    #[error("{path}: not a readable Parquet file: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The reader's reason.
        message: String,
    },
    /// Both a CSV and a Parquet file hold the same source.
    #[error("{csv} and {parquet} both hold the same source: keep one")]
    TwoFormats {
        /// The CSV file.
        csv: PathBuf,
        /// The Parquet file.
        parquet: PathBuf,
    },
    /// Two rows of one file share a `record_id`.
    #[error("{path}:{line}: record_id {record_id:?} is used twice in this file")]
    DuplicateRecord {
        /// The file.
        path: PathBuf,
        /// 1-based line of the second use.
        line: u64,
        /// The id.
        record_id: String,
    },
    /// A declaration does not parse or validate.
    #[error("{path}:{line}: {message}")]
    Declaration {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The first problem (`$.path: message`).
        message: String,
    },
}
