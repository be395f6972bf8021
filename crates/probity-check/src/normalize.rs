//! Normal forms under which registry text and declared text are compared: names (simplified and
//! traditional variants, spaces and `·` ignored), certificate numbers, company names.

use unicode_normalization::UnicodeNormalization;

/// A person's name in comparable form: NFKC (full-width to half-width), traditional characters to
/// simplified, without whitespace or name separators (`·`, `•`, `.`).
pub fn name(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '・' | '‧' | '-'))
        .collect();
    fast2s::convert(&folded).to_lowercase()
}

/// A certificate number in comparable form: NFKC (full-width brackets become half-width), no
/// spaces or brackets, and without the `第` and `号` that some writers add around the serial.
pub fn certificate(text: &str) -> String {
    text.nfkc()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']' | '〔' | '〕' | '第' | '号')
        })
        .collect::<String>()
        .to_uppercase()
}

/// A document, policy or account number: NFKC, no spaces, upper case.
pub fn number(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

/// A company or employer name in comparable form: [`name`] without brackets and without the
/// legal-form words that writers add or drop (`有限公司`, `股份`, `集团`, `有限责任`).
pub fn company(text: &str) -> String {
    let mut n: String = name(text)
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '[' | ']'))
        .collect();
    for word in [
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团",
        "公司",
        "有限责任",
        "股份",
    ] {
        n = n.replace(word, "");
    }
    n
}

/// True when `a` and `b` differ in exactly one position (same length in characters).
pub fn one_substitution_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).filter(|(x, y)| x != y).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_variants_and_separators() {
        assert_eq!(name("郭順"), name("郭顺"));
        assert_eq!(name("郭 顺"), name("郭顺"));
        assert_eq!(name("林·碧玉"), name("林碧玉"));
        assert_eq!(name("葉美英"), name("叶美英"));
        assert_eq!(name("鄭華燕"), name("郑华燕"));
        assert_ne!(name("郭顺"), name("郭舜"));
    }

    #[test]
    fn certificates_fold_brackets_and_serial_words() {
        assert_eq!(
            certificate("闽（2022）莆田市不动产权第7327149号"),
            certificate("闽(2022)莆田市不动产权第7327149号")
        );
        assert_eq!(
            certificate("闽(2025)福州市不动产权3460227"),
            certificate("闽(2025)福州市不动产权第3460227号")
        );
    }

    #[test]
    fn company_names_drop_legal_forms() {
        assert_eq!(
            company("厦门市和瑞科技公司"),
            company("厦门市和瑞科技有限公司")
        );
        assert_eq!(company("福州融资担保有限责任公司"), "福州融资担保");
    }
}
