//! CSV exports, in two variants of the same rows:
//!
//! - **for the reader** (the default): headers and coded values (standing, report kind,
//!   category, classification, determination, measure, yes/no) in the reader's language, UTF-8
//!   with a byte-order mark, so that Excel on a Chinese system opens it without mojibake;
//! - **for machines** (`?format=codes`): the stable column names and codes of the API and
//!   FORMATS.md, UTF-8 without a mark.
//!
//! Handlers build their rows once, in codes, and hand them here; names, units and numbers pass
//! through as they are.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::WebError;
use crate::i18n::Tr;

/// The byte-order mark Excel looks for to read a CSV file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// The variant asked for (`?format=codes`); the reader's by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Headers and codes in the reader's language, with a byte-order mark.
    #[default]
    Reader,
    /// Stable column names and codes, no mark.
    Codes,
}

/// The query that chooses the variant; other parameters are left to the handler's own query.
#[derive(Debug, Default, Deserialize)]
pub struct Format {
    /// `codes` for the machine-readable variant.
    #[serde(default)]
    pub format: Variant,
}

/// Names of the profile's determinations and measures, by id, in the reader's language.
pub(crate) type ProfileNames<'a> = &'a dyn Fn(&str) -> String;

/// A column's header for the reader: `csv-COLUMN` where the locale has it, else the names of
/// the families of columns (`category_X`, `classification_X`, `determination_X`, `measure_X`,
/// a standing), else the code.
fn header(t: Tr, names: ProfileNames<'_>, column: &str) -> String {
    if let Some(label) = t.find(&format!("csv-{column}")) {
        return label;
    }
    if let Some(c) = column.strip_prefix("category_") {
        return t.get(&format!("category-{c}"));
    }
    if let Some(c) = column.strip_prefix("classification_") {
        return t.get(&format!("class-{c}"));
    }
    if let Some(id) = column
        .strip_prefix("determination_")
        .or_else(|| column.strip_prefix("measure_"))
    {
        return names(id);
    }
    t.find(column).unwrap_or_else(|| column.to_owned())
}

/// A value for the reader: the codes of the coded columns in words.
fn value(t: Tr, column: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    match column {
        "standing" => t.find(value).unwrap_or_else(|| value.to_owned()),
        "report_kind" => t.kind(value),
        "level" | "after_close" => t
            .find(&format!("csv-{column}-{value}"))
            .unwrap_or_else(|| value.to_owned()),
        _ => value.to_owned(),
    }
}

/// The export as a response: `records` (header first, in codes) written in the variant asked
/// for, as an attachment called `file_name`.
pub(crate) fn respond(
    t: Tr,
    variant: Variant,
    names: ProfileNames<'_>,
    file_name: &str,
    records: Vec<Vec<String>>,
) -> Result<Response, WebError> {
    let mut w = probity_store::csv_out::Writer::from_writer(Vec::new());
    let mut rows = records.into_iter();
    let columns: Vec<String> = rows.next().unwrap_or_default();
    let fail = |e: csv::Error| WebError::internal(t, e);
    match variant {
        Variant::Codes => {
            w.write_record(&columns).map_err(fail)?;
            for r in rows {
                w.write_record(&r).map_err(fail)?;
            }
        }
        Variant::Reader => {
            let headers: Vec<String> = columns.iter().map(|c| header(t, names, c)).collect();
            w.write_record(&headers).map_err(fail)?;
            for r in rows {
                let r: Vec<String> = r
                    .iter()
                    .zip(&columns)
                    .map(|(v, c)| value(t, c, v))
                    .collect();
                w.write_record(&r).map_err(fail)?;
            }
        }
    }
    let written = w
        .into_inner()
        .map_err(|e| WebError::internal(t, e.error()))?;
    let body = match variant {
        Variant::Reader => [BOM.as_bytes(), &written].concat(),
        Variant::Codes => written,
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response())
}
