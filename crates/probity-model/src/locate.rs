//! Finds the line on which a JSON path's value starts in a JSON text, so that an error in a
//! pretty-printed file points at the line to fix rather than at the start of the object.

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Splits `$.a[2].b` into steps. Returns `None` for text that is not such a path.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(Step::Key(r[..end].to_owned()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Step::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// The 1-based line, within `text`, where the value at `path` starts; where the path does not
/// exist (a missing field), the line of its deepest existing ancestor. `None` if `text` is not JSON
/// enough to walk.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let target = steps(path)?;
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    scanner.skip_ws();
    let mut best = (0usize, scanner.line);
    scanner.value(&target, Some(0), &mut best)?;
    Some(best.1)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Walks one value starting at `pos`. `depth` is how many steps of `target` lead here, or
    /// `None` off the path; `best` keeps the deepest match and its line.
    fn value(
        &mut self,
        target: &[Step],
        depth: Option<usize>,
        best: &mut (usize, usize),
    ) -> Option<()> {
        if let Some(d) = depth
            && d >= best.0
        {
            *best = (d, self.line);
        }
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                loop {
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        self.pos += 1;
                        return Some(());
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let next =
                        depth.filter(|d| matches!(target.get(*d), Some(Step::Key(k)) if *k == key));
                    let next = next.map(|d| d + 1);
                    self.value(target, next, best)?;
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                let mut index = 0;
                loop {
                    self.skip_ws();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Some(());
                    }
                    let next = depth
                        .filter(|d| matches!(target.get(*d), Some(Step::Index(i)) if *i == index));
                    let next = next.map(|d| d + 1);
                    self.value(target, next, best)?;
                    index += 1;
                    self.skip_ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => break,
                b'\n' => return None,
                _ => self.pos += 1,
            }
        }
        let raw = std::str::from_utf8(self.bytes.get(start..self.pos)?).ok()?;
        self.pos += 1;
        // Keys with escapes are compared in their decoded form.
        if raw.contains('\\') {
            serde_json::from_str(&format!("\"{raw}\"")).ok()
        } else {
            Some(raw.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "{\n  \"a\": 1,\n  \"list\": [\n    {\"x\": 1},\n    {\n      \"x\": 2\n    }\n  ]\n}\n";

    #[test]
    fn finds_nested_values() {
        assert_eq!(line_of(TEXT, "$"), Some(1));
        assert_eq!(line_of(TEXT, "$.a"), Some(2));
        assert_eq!(line_of(TEXT, "$.list[0].x"), Some(4));
        assert_eq!(line_of(TEXT, "$.list[1].x"), Some(6));
    }

    #[test]
    fn a_missing_value_points_at_its_parent() {
        assert_eq!(line_of(TEXT, "$.list[1].y"), Some(5));
        assert_eq!(line_of(TEXT, "$.nothing"), Some(1));
    }
}
