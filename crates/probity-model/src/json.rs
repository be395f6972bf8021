//! JSON text checks that a parsed `serde_json::Value` can no longer make: a key repeated in one
//! object. `serde_json` keeps the last of two equal keys without a word, so a report holding
//! `"wages": "1", …, "wages": "100000"` would be read as one value while a person reading the
//! file sees the other; reports with a repeated key are refused instead, naming it.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A key found twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The JSON path of the object (`$`, `$.persons[1]`).
    pub path: String,
    /// The key repeated.
    pub key: String,
    /// The line of the second occurrence, 1-based.
    pub line: usize,
}

/// The first key repeated within one object of `text`, if any. Text that is not JSON has none
/// (the parser that reads it says what is wrong).
pub fn duplicate_key(text: &str) -> Option<DuplicateKey> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut found = None;
    let outcome = Walk {
        path: "$".to_owned(),
        found: &mut found,
    }
    .deserialize(&mut de);
    match (outcome, found) {
        (Err(e), Some(mut d)) => {
            d.line = e.line();
            Some(d)
        }
        _ => None,
    }
}

/// Walks any value; on a repeated key records it in `found` and stops with an error.
struct Walk<'f> {
    path: String,
    found: &'f mut Option<DuplicateKey>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(Walk {
                path: format!("{}[{i}]", self.path),
                found: &mut *self.found,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                *self.found = Some(DuplicateKey {
                    path: self.path.clone(),
                    key: key.clone(),
                    line: 0,
                });
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            map.next_value_seed(Walk {
                path: format!("{}.{key}", self.path),
                found: &mut *self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_named_with_its_object_and_line() {
        let text = "{\n  \"persons\": [{\"ref\": \"self\"}, {\"ref\": \"a\",\n \"ref\": \"b\"}],\n  \"x\": 1\n}";
        assert_eq!(
            duplicate_key(text),
            Some(DuplicateKey {
                path: "$.persons[1]".into(),
                key: "ref".into(),
                line: 3,
            })
        );
        let top = "{\"salary\": {\"wages\": \"1\"}, \"salary\": {}}";
        assert_eq!(duplicate_key(top).unwrap().path, "$");
        assert_eq!(duplicate_key(top).unwrap().key, "salary");
    }

    #[test]
    fn equal_keys_in_different_objects_and_bad_json_are_not_duplicates() {
        assert_eq!(
            duplicate_key("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 1}, {\"a\": 2}]}"),
            None
        );
        assert_eq!(duplicate_key("{\"a\": "), None);
        assert_eq!(duplicate_key("[1, \"x\", null, true, 2.5, -3]"), None);
        // Escapes are keys as decoded: "\u0061" is "a".
        assert_eq!(
            duplicate_key("{\"a\": 1, \"\\u0061\": 2}").unwrap().key,
            "a"
        );
    }
}
