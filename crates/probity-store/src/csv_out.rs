//! Every CSV Probity writes (exports on the web, the `probity` command's CSV outputs) goes
//! through [`Writer`], which neutralises cells a spreadsheet would run as a formula.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a `'`
//! in front, so that a spreadsheet shows it as text instead of evaluating it (a name such as
//! `=HYPERLINK(…)` on the roster cannot become a link in the department's spreadsheet). A cell
//! that is wholly a number (`-12`, `+3.50`, `-0.25`) is left as it is: a spreadsheet reads it as
//! that number and nothing else, so negative amounts and differences stay numbers. Every other
//! cell is written unchanged.

use std::borrow::Cow;
use std::io;

/// The characters that make a spreadsheet read a cell as a formula (or, tab and CR, shift it).
const FORMULA_LEADS: [u8; 6] = [b'=', b'+', b'-', b'@', b'\t', b'\r'];

/// Whether `cell` is a plain decimal number: an optional sign, digits, and optionally a point
/// and more digits.
fn is_number(cell: &[u8]) -> bool {
    let body = match cell.first() {
        Some(b'+' | b'-') => &cell[1..],
        _ => cell,
    };
    let (int, frac) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    !int.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit))
}

/// The cell as it is safe to write: with a `'` in front when it begins like a formula and is not
/// a plain number, else unchanged.
pub fn neutralise(cell: &[u8]) -> Cow<'_, [u8]> {
    match cell.first() {
        Some(b) if FORMULA_LEADS.contains(b) && !is_number(cell) => {
            let mut safe = Vec::with_capacity(cell.len() + 1);
            safe.push(b'\'');
            safe.extend_from_slice(cell);
            Cow::Owned(safe)
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV writer whose every cell goes through [`neutralise`]; otherwise `csv::Writer`.
#[derive(Debug)]
pub struct Writer<W: io::Write> {
    inner: csv::Writer<W>,
}

impl<W: io::Write> Writer<W> {
    /// A writer with the `csv` crate's defaults (comma, `\n`, quoting as needed).
    pub fn from_writer(w: W) -> Writer<W> {
        Writer {
            inner: csv::Writer::from_writer(w),
        }
    }

    /// Writes one record, each cell neutralised.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let cells: Vec<T> = record.into_iter().collect();
        self.inner
            .write_record(cells.iter().map(|c| neutralise(c.as_ref())))
    }

    /// Flushes the buffer to the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and gives back the underlying writer. The same signature as
    /// `csv::Writer::into_inner`, so that a writer swaps for this one unchanged.
    #[allow(clippy::result_large_err)]
    pub fn into_inner(self) -> Result<W, csv::IntoInnerError<csv::Writer<W>>> {
        self.inner.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cells: &[&str]) -> String {
        let mut w = Writer::from_writer(Vec::new());
        w.write_record(cells).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formula_leading_text_is_prefixed() {
        for cell in [
            "=1+1",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "+",
            "=HYPERLINK(\"http://x\")",
        ] {
            let safe = neutralise(cell.as_bytes());
            assert_eq!(&*safe, format!("'{cell}").as_bytes(), "{cell:?}");
        }
    }

    #[test]
    fn numbers_and_plain_text_are_unchanged() {
        for cell in [
            "-12", "+3", "-0.25", "12.50", "", "张三", "a=b", "'=x", "1-2", "x@y",
        ] {
            assert_eq!(&*neutralise(cell.as_bytes()), cell.as_bytes(), "{cell:?}");
        }
        for cell in ["-1.", "-.5", "--1", "-1e5", "+1,000"] {
            assert_eq!(
                &*neutralise(cell.as_bytes()),
                format!("'{cell}").as_bytes(),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn the_writer_neutralises_every_cell() {
        assert_eq!(
            written(&["=cmd()", "-5", "ok", "@x"]),
            "'=cmd(),-5,ok,'@x\n"
        );
        // Quoted as the csv crate quotes: the `'` is inside the quotes.
        assert_eq!(written(&["=a,b"]), "\"'=a,b\"\n");
    }
}
