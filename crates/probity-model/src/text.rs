//! What a text field of an input file may hold, in every importer alike (roster, declarations,
//! registry extracts): at most [`MAX_TEXT_BYTES`] bytes, and no control character other than
//! tab, line feed and carriage return (no NUL, no escape sequences).

use std::fmt;

/// The longest text field an importer takes, in bytes of UTF-8 (about 1,300 Chinese characters;
/// the longest real field, an address or a company name, is far shorter).
pub const MAX_TEXT_BYTES: usize = 4096;

/// Why a text field is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// Longer than [`MAX_TEXT_BYTES`]; holds the length.
    TooLong(usize),
    /// Holds a control character; holds its code point.
    Control(u32),
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextProblem::TooLong(n) => {
                write!(f, "{n} bytes where a field holds at most {MAX_TEXT_BYTES}")
            }
            TextProblem::Control(c) => write!(f, "holds the control character U+{c:04X}"),
        }
    }
}

/// What is wrong with a text field, if anything.
pub fn text_problem(text: &str) -> Option<TextProblem> {
    if text.len() > MAX_TEXT_BYTES {
        return Some(TextProblem::TooLong(text.len()));
    }
    text.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| TextProblem::Control(u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_and_control_characters_are_refused() {
        assert_eq!(text_problem("陈良生"), None);
        assert_eq!(text_problem("line\none\ttab\r"), None);
        assert_eq!(text_problem(&"x".repeat(MAX_TEXT_BYTES)), None);
        assert_eq!(
            text_problem(&"x".repeat(MAX_TEXT_BYTES + 1)),
            Some(TextProblem::TooLong(MAX_TEXT_BYTES + 1))
        );
        assert_eq!(text_problem("a\0b"), Some(TextProblem::Control(0)));
        assert_eq!(text_problem("\u{1b}[31m"), Some(TextProblem::Control(0x1b)));
        assert_eq!(text_problem("\u{85}"), Some(TextProblem::Control(0x85)));
        assert_eq!(
            TextProblem::Control(0).to_string(),
            "holds the control character U+0000"
        );
    }
}
