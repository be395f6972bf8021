//! Reading a folder of registry extracts (FORMATS.md): one CSV file per source, each optional.
//! A file that is absent means the source was not queried; a header alone means it answered
//! "nothing". Unknown columns are ignored; a malformed row is an error naming file, line and column.

use std::path::{Path, PathBuf};

use probity_model::RegistryEvidence;
use probity_model::registry::*;
use serde::de::DeserializeOwned;

use crate::error::CheckError;

/// All extracts of one folder. `None` for a source that was not queried.
#[derive(Debug, Default, Clone)]
pub struct RegistryExtracts {
    /// `marriages.csv`.
    pub marriages: Option<Vec<MarriageRecord>>,
    /// `travel_documents.csv`.
    pub travel_documents: Option<Vec<TravelDocumentRecord>>,
    /// `border_crossings.csv`.
    pub border_crossings: Option<Vec<BorderCrossingRecord>>,
    /// `residence_abroad.csv`.
    pub residence_abroad: Option<Vec<ResidenceAbroadRecord>>,
    /// `employment.csv`.
    pub employment: Option<Vec<EmploymentRecord>>,
    /// `criminal_cases.csv`.
    pub criminal_cases: Option<Vec<CriminalCaseRecord>>,
    /// `tax_income.csv`.
    pub tax_income: Option<Vec<TaxIncomeRecord>>,
    /// `real_estate.csv`.
    pub real_estate: Option<Vec<RealEstateRecord>>,
    /// `stocks.csv`.
    pub stocks: Option<Vec<StockRecord>>,
    /// `funds.csv`.
    pub funds: Option<Vec<FundRecord>>,
    /// `insurance.csv`.
    pub insurance: Option<Vec<InsuranceRecord>>,
    /// `companies.csv`.
    pub companies: Option<Vec<CompanyRecord>>,
}

impl RegistryExtracts {
    /// Reads every source file present in `dir`.
    pub fn read_dir(dir: &Path) -> Result<RegistryExtracts, CheckError> {
        if !dir.is_dir() {
            return Err(CheckError::Io {
                path: dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
            });
        }
        RegistryExtracts::read_from(&Folder(dir))
    }

    /// Reads every source among `files`, each a file name (`real_estate.csv`,
    /// `stocks.parquet`, …) with its content, as a folder holding just those files would be
    /// read: nothing is written to disk, so extracts stored sealed are never in clear on it.
    /// Errors name the file by its name. Names that are no source's file are not read, as in
    /// a folder.
    pub fn from_named(files: &[NamedFile]) -> Result<RegistryExtracts, CheckError> {
        RegistryExtracts::read_from(&Named(files))
    }

    fn read_from(files: &(impl FileSet + Sync)) -> Result<RegistryExtracts, CheckError> {
        // The twelve files are independent: read them at once. Errors are returned in file
        // order, so the same bad input always gives the same message.
        let (mut marriages, mut travel_documents, mut border_crossings, mut residence_abroad) =
            (Ok(None), Ok(None), Ok(None), Ok(None));
        let (mut employment, mut criminal_cases, mut tax_income, mut real_estate) =
            (Ok(None), Ok(None), Ok(None), Ok(None));
        let (mut stocks, mut funds, mut insurance, mut companies) =
            (Ok(None), Ok(None), Ok(None), Ok(None));
        rayon::scope(|s| {
            s.spawn(|_| marriages = read_source(files, Source::Marriages));
            s.spawn(|_| travel_documents = read_source(files, Source::TravelDocuments));
            s.spawn(|_| border_crossings = read_source(files, Source::BorderCrossings));
            s.spawn(|_| residence_abroad = read_source(files, Source::ResidenceAbroad));
            s.spawn(|_| employment = read_source(files, Source::Employment));
            s.spawn(|_| criminal_cases = read_source(files, Source::CriminalCases));
            s.spawn(|_| tax_income = read_source(files, Source::TaxIncome));
            s.spawn(|_| real_estate = read_source(files, Source::RealEstate));
            s.spawn(|_| stocks = read_source(files, Source::Stocks));
            s.spawn(|_| funds = read_source(files, Source::Funds));
            s.spawn(|_| insurance = read_source(files, Source::Insurance));
            s.spawn(|_| companies = read_source(files, Source::Companies));
        });
        Ok(RegistryExtracts {
            marriages: marriages?,
            travel_documents: travel_documents?,
            border_crossings: border_crossings?,
            residence_abroad: residence_abroad?,
            employment: employment?,
            criminal_cases: criminal_cases?,
            tax_income: tax_income?,
            real_estate: real_estate?,
            stocks: stocks?,
            funds: funds?,
            insurance: insurance?,
            companies: companies?,
        })
    }

    /// Rows of one source; `None` when it was not queried.
    pub fn rows_of(&self, source: Source) -> Option<usize> {
        fn n<T>(v: &Option<Vec<T>>) -> Option<usize> {
            v.as_ref().map(Vec::len)
        }
        match source {
            Source::Marriages => n(&self.marriages),
            Source::TravelDocuments => n(&self.travel_documents),
            Source::BorderCrossings => n(&self.border_crossings),
            Source::ResidenceAbroad => n(&self.residence_abroad),
            Source::Employment => n(&self.employment),
            Source::CriminalCases => n(&self.criminal_cases),
            Source::TaxIncome => n(&self.tax_income),
            Source::RealEstate => n(&self.real_estate),
            Source::Stocks => n(&self.stocks),
            Source::Funds => n(&self.funds),
            Source::Insurance => n(&self.insurance),
            Source::Companies => n(&self.companies),
        }
    }

    /// The rows whose `record_id` is in `ids`, with every column as text in the file's order:
    /// the evidence a verifier reads beside a finding. One pass over the rows.
    pub fn evidence(
        &self,
        ids: &std::collections::HashSet<&str>,
    ) -> std::collections::HashMap<String, RegistryEvidence> {
        fn pick<T: Record + serde::Serialize>(
            source: Source,
            rows: &Option<Vec<T>>,
            ids: &std::collections::HashSet<&str>,
            out: &mut std::collections::HashMap<String, RegistryEvidence>,
        ) {
            for row in rows.iter().flatten() {
                if !ids.contains(row.record_id()) {
                    continue;
                }
                let Ok(serde_json::Value::Object(map)) = serde_json::to_value(row) else {
                    continue;
                };
                let fields = source
                    .columns()
                    .iter()
                    .map(|c| {
                        let text = match map.get(*c) {
                            None | Some(serde_json::Value::Null) => String::new(),
                            Some(serde_json::Value::String(s)) => s.clone(),
                            Some(v) => v.to_string(),
                        };
                        ((*c).to_owned(), text)
                    })
                    .collect();
                out.insert(
                    row.record_id().to_owned(),
                    RegistryEvidence {
                        source: source.file_stem().to_owned(),
                        record_id: row.record_id().to_owned(),
                        fields,
                    },
                );
            }
        }
        let mut out = std::collections::HashMap::new();
        pick(Source::Marriages, &self.marriages, ids, &mut out);
        pick(
            Source::TravelDocuments,
            &self.travel_documents,
            ids,
            &mut out,
        );
        pick(
            Source::BorderCrossings,
            &self.border_crossings,
            ids,
            &mut out,
        );
        pick(
            Source::ResidenceAbroad,
            &self.residence_abroad,
            ids,
            &mut out,
        );
        pick(Source::Employment, &self.employment, ids, &mut out);
        pick(Source::CriminalCases, &self.criminal_cases, ids, &mut out);
        pick(Source::TaxIncome, &self.tax_income, ids, &mut out);
        pick(Source::RealEstate, &self.real_estate, ids, &mut out);
        pick(Source::Stocks, &self.stocks, ids, &mut out);
        pick(Source::Funds, &self.funds, ids, &mut out);
        pick(Source::Insurance, &self.insurance, ids, &mut out);
        pick(Source::Companies, &self.companies, ids, &mut out);
        out
    }

    /// Total rows across sources.
    pub fn rows(&self) -> usize {
        Source::ALL.iter().filter_map(|s| self.rows_of(*s)).sum()
    }
}

/// A row type with a record id, for the uniqueness check.
pub trait Record {
    /// The row's `record_id`.
    fn record_id(&self) -> &str;
}

macro_rules! record {
    ($($t:ty),*) => {$(
        impl Record for $t {
            fn record_id(&self) -> &str {
                &self.record_id
            }
        }
    )*};
}
record!(
    MarriageRecord,
    TravelDocumentRecord,
    BorderCrossingRecord,
    ResidenceAbroadRecord,
    EmploymentRecord,
    CriminalCaseRecord,
    TaxIncomeRecord,
    RealEstateRecord,
    StockRecord,
    FundRecord,
    InsuranceRecord,
    CompanyRecord
);

/// Reads `<stem>.csv` or `<stem>.parquet`, whichever is present; `None` when neither is.
fn read_source<T: DeserializeOwned + Record + Sync>(
    files: &impl FileSet,
    source: Source,
) -> Result<Option<Vec<T>>, CheckError> {
    let csv = format!("{}.csv", source.file_stem());
    let parquet = format!("{}.parquet", source.file_stem());
    match (files.open(&csv)?, files.open(&parquet)?) {
        (Some(_), Some(_)) => Err(CheckError::TwoFormats {
            csv: files.path(&csv),
            parquet: files.path(&parquet),
        }),
        (Some(Opened::File(file)), None) => {
            read_csv(&files.path(&csv), std::io::BufReader::new(file), source).map(Some)
        }
        (Some(Opened::Bytes(bytes)), None) => {
            read_csv(&files.path(&csv), bytes.as_ref(), source).map(Some)
        }
        (None, Some(Opened::File(file))) => {
            crate::parquet::read_parquet(&files.path(&parquet), file, source).map(Some)
        }
        (None, Some(Opened::Bytes(bytes))) => {
            crate::parquet::read_parquet(&files.path(&parquet), bytes, source).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// One registry extract file held in memory: its name (`real_estate.csv`) and content.
#[derive(Debug, Clone)]
pub struct NamedFile {
    /// The file's name, as in a folder of extracts.
    pub name: String,
    /// Its content.
    pub bytes: bytes::Bytes,
}

/// A file of a [`FileSet`], opened.
enum Opened {
    File(std::fs::File),
    Bytes(bytes::Bytes),
}

/// Where the extract files of one reading come from: a folder, or files held in memory.
trait FileSet {
    /// The file called `name`, or `None` when the set has none.
    fn open(&self, name: &str) -> Result<Option<Opened>, CheckError>;
    /// How errors name the file called `name`.
    fn path(&self, name: &str) -> PathBuf;
}

struct Folder<'a>(&'a Path);

impl FileSet for Folder<'_> {
    fn open(&self, name: &str) -> Result<Option<Opened>, CheckError> {
        let path = self.0.join(name);
        match std::fs::File::open(&path) {
            Ok(file) => Ok(Some(Opened::File(file))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CheckError::Io { path, source: e }),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

struct Named<'a>(&'a [NamedFile]);

impl FileSet for Named<'_> {
    fn open(&self, name: &str) -> Result<Option<Opened>, CheckError> {
        Ok(self
            .0
            .iter()
            .find(|f| f.name == name)
            .map(|f| Opened::Bytes(f.bytes.clone())))
    }

    fn path(&self, name: &str) -> PathBuf {
        PathBuf::from(name)
    }
}

/// Checks that a header holds every column the source requires.
pub(crate) fn require_columns(
    path: &Path,
    headers: &csv::StringRecord,
    source: Source,
) -> Result<(), CheckError> {
    // Blank cells are absent values (FORMATS.md), so every column must be present in the header.
    for column in source.columns() {
        if !headers.iter().any(|h| h == *column) {
            return Err(CheckError::MissingColumn {
                path: path.to_owned(),
                column: (*column).to_owned(),
            });
        }
    }
    Ok(())
}

/// Refuses a file whose rows repeat a `record_id`, naming the first row that repeats an earlier
/// one (`lines[i]` is row `i`'s line or row number). Row numbers are sorted by a hash of their
/// id, which is linear in memory traffic, where comparing the ids themselves in the sort reads
/// rows all over a large file's memory, and 12 bytes a row for a moment, where a set of ids
/// would copy every id; rows whose hashes agree are then compared by id.
pub(crate) fn unique_ids<T: Record + Sync>(
    path: &Path,
    rows: &[T],
    lines: &[u64],
) -> Result<(), CheckError> {
    use rayon::prelude::*;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let id = |i: u32| rows.get(i as usize).map_or("", Record::record_id);
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut order: Vec<(u64, u32)> = (0..rows.len() as u32)
        .into_par_iter()
        .map(|i| (hasher.hash_one(id(i)), i))
        .collect();
    order.par_sort_unstable();
    // Within a run of equal hashes (rows in file order), a row whose id an earlier row of the
    // run has is a repeat; the earliest repeat is where a reader going through the file would
    // first have seen one.
    let mut repeat: Option<u32> = None;
    for run in order
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (k, &(_, j)) in run.iter().enumerate().skip(1) {
            if run[..k].iter().any(|&(_, i)| id(i) == id(j)) {
                repeat = Some(repeat.map_or(j, |r| r.min(j)));
                break;
            }
        }
    }
    match repeat {
        None => Ok(()),
        Some(i) => Err(CheckError::DuplicateRecord {
            path: path.to_owned(),
            line: lines.get(i as usize).copied().unwrap_or(u64::from(i) + 1),
            record_id: id(i).to_owned(),
        }),
    }
}

/// A reader that notes where a `\r\n` line end's `\n` falls, for [`CrlfLines::line`].
///
/// The `csv` crate gives a record the line of its first byte, and after a `\r\n` line end
/// that first byte is the `\n`, still counted on the line before: a CRLF file's rows would be
/// named one line too early, an LF file's rightly. Only the offsets not yet behind the reader's
/// current record are kept, so memory stays as small as the `csv` crate's read-ahead.
struct CrlfLines<R> {
    inner: R,
    offset: u64,
    last_was_cr: bool,
    lf_after_cr: std::collections::VecDeque<u64>,
}

impl<R: std::io::Read> std::io::Read for CrlfLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' && self.last_was_cr {
                self.lf_after_cr.push_back(self.offset + i as u64);
            }
            self.last_was_cr = b == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> CrlfLines<R> {
    /// The 1-based line of the record the `csv` crate places at `position`.
    fn line(&mut self, position: &csv::Position) -> u64 {
        while self
            .lf_after_cr
            .front()
            .is_some_and(|&o| o < position.byte())
        {
            self.lf_after_cr.pop_front();
        }
        let on_lf = self.lf_after_cr.front() == Some(&position.byte());
        position.line() + u64::from(on_lf)
    }
}

/// Reads one source's CSV from any reader; `path` names it in errors.
pub fn read_csv<T: DeserializeOwned + Record + Sync, R: std::io::Read>(
    path: &Path,
    reader: R,
    source: Source,
) -> Result<Vec<T>, CheckError> {
    let reader = CrlfLines {
        inner: reader,
        offset: 0,
        last_was_cr: false,
        lf_after_cr: std::collections::VecDeque::new(),
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| {
            row_error(
                path,
                &e,
                1,
                &csv::StringRecord::new(),
                &csv::StringRecord::new(),
            )
        })?
        .clone();
    let trimmed: csv::StringRecord = headers.iter().map(str::trim).collect();
    require_columns(path, &trimmed, source)?;
    csv.set_headers(trimmed.clone());
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| csv.get_mut().line(p));
                return Err(row_error(path, &e, line, &record, &trimmed));
            }
        }
        // The line the record starts on, counted from 1 as files are (the header is line 1).
        let line = match record.position() {
            Some(p) => csv.get_mut().line(p),
            None => 0,
        };
        text_cells(path, line, &record, &trimmed)?;
        let row: T = record
            .deserialize(Some(&trimmed))
            .map_err(|e| row_error(path, &e, line, &record, &trimmed))?;
        rows.push(row);
        lines.push(line);
    }
    unique_ids(path, &rows, &lines)?;
    // Rows are held for the whole run: give back what the vector's doubling left unused.
    rows.shrink_to_fit();
    Ok(rows)
}

/// Refuses a row with a cell longer than a field may be or holding a control character
/// ([`probity_model::text::text_problem`]), naming file, line and column, never the value.
pub(crate) fn text_cells(
    path: &Path,
    line: u64,
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
) -> Result<(), CheckError> {
    for (i, cell) in record.iter().enumerate() {
        if let Some(problem) = probity_model::text::text_problem(cell) {
            return Err(CheckError::Row {
                path: PathBuf::from(path),
                line,
                column: headers.get(i).map(|c| format!("{c}: ")).unwrap_or_default(),
                message: problem.to_string(),
            });
        }
    }
    Ok(())
}

pub(crate) fn row_error(
    path: &Path,
    e: &csv::Error,
    line: u64,
    record: &csv::StringRecord,
    headers: &csv::StringRecord,
) -> CheckError {
    let (column, message) = match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let message = err.kind().to_string();
            // Errors raised by a value's own parser carry no field index; the value they quote
            // names the column.
            let index = err.field().map(|i| i as usize).or_else(|| {
                let mut hits = record
                    .iter()
                    .enumerate()
                    .filter(|(_, cell)| !cell.is_empty() && message.contains(&format!("{cell:?}")));
                match (hits.next(), hits.next()) {
                    (Some((i, _)), None) => Some(i),
                    _ => None,
                }
            });
            let column = index
                .and_then(|i| headers.get(i))
                .map(|c| format!("{c}: "))
                .unwrap_or_default();
            (column, message)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            String::new(),
            format!("{len} fields where the header has {expected_len}"),
        ),
        _ => (String::new(), e.to_string()),
    };
    CheckError::Row {
        path: PathBuf::from(path),
        line,
        column,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str);

    impl Record for Row {
        fn record_id(&self) -> &str {
            self.0
        }
    }

    fn line_of_error(text: &str) -> (u64, String) {
        let read = read_csv::<probity_model::registry::StockRecord, _>(
            Path::new("stocks.csv"),
            text.as_bytes(),
            Source::Stocks,
        );
        match read {
            Err(CheckError::Row {
                line,
                column,
                message,
                ..
            }) => (line, format!("{column}{message}")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bad_row_is_named_by_its_own_line() {
        let head = "record_id,holder_id,holder_name,account,code,name,shares,close_price,as_of\n";
        let row = |id: &str, shares: &str| {
            format!("{id},350111199006074875,陈良生,A1,600519,茅台,{shares},1.5,2025-12-31\n")
        };
        // Line 3 holds a bad number.
        let text = format!(
            "{head}{}{}{}",
            row("S1", "100"),
            row("S2", "1OO"),
            row("S3", "1")
        );
        let (line, what) = line_of_error(&text);
        assert_eq!(line, 3, "{what}");
        assert!(what.starts_with("shares: "), "{what}");
        // Line 3 has a field too few.
        let short = row("S2", "100").replace(",2025-12-31", "");
        let text = format!("{head}{}{short}{}", row("S1", "100"), row("S3", "1"));
        assert_eq!(line_of_error(&text).0, 3);
        // A quoted name over lines 2 and 3: the bad row after it is line 4.
        let text = format!(
            "{head}{}{}",
            row("S1", "100").replace("茅台", "\"茅\n台\""),
            row("S2", "x")
        );
        assert_eq!(line_of_error(&text).0, 4);
        // CRLF line ends count the same.
        let text = format!("{head}{}{}", row("S1", "100"), row("S2", "x")).replace('\n', "\r\n");
        assert_eq!(line_of_error(&text).0, 3);
    }

    #[test]
    fn long_cells_and_control_characters_are_refused_by_column() {
        let head = "record_id,holder_id,holder_name,account,code,name,shares,close_price,as_of\n";
        let row = |name: &str| {
            format!("S1,350111199006074875,陈良生,A1,600519,{name},100,1.5,2025-12-31\n")
        };
        let (line, what) = line_of_error(&format!("{head}{}", row("茅\0台")));
        assert_eq!(
            (line, what.as_str()),
            (2, "name: holds the control character U+0000")
        );
        let long = "茅".repeat(2000);
        let (line, what) = line_of_error(&format!("{head}{}", row(&long)));
        assert_eq!(
            (line, what.as_str()),
            (2, "name: 6000 bytes where a field holds at most 4096")
        );
    }

    #[test]
    fn the_first_row_that_repeats_an_id_is_named() {
        let path = Path::new("x.csv");
        let rows = [Row("a"), Row("b"), Row("c"), Row("b"), Row("a"), Row("b")];
        let lines = [2, 3, 4, 6, 7, 8];
        match unique_ids(path, &rows, &lines) {
            Err(CheckError::DuplicateRecord {
                line, record_id, ..
            }) => assert_eq!((line, record_id.as_str()), (6, "b")),
            other => panic!("{other:?}"),
        }
        // Without lines (Parquet), row i is row number i + 1.
        match unique_ids(path, &rows, &[]) {
            Err(CheckError::DuplicateRecord { line, .. }) => assert_eq!(line, 4),
            other => panic!("{other:?}"),
        }
        assert!(unique_ids(path, &rows[..3], &lines).is_ok());
        assert!(unique_ids::<Row>(path, &[], &[]).is_ok());
    }
}
