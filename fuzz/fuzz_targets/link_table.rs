//! A linkage file as any CSV bytes: read with one column of every kind, then linked with itself
//! (blocking, comparison, estimation, scoring) and deduplicated: an error or pairs, never a panic,
//! and every score a probability.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use probity_check::link::{FieldKind, FieldSpec, LinkConfig, Table, link};

const COLUMNS: [(&str, FieldKind); 7] = [
    ("name", FieldKind::Name),
    ("text", FieldKind::Text),
    ("date", FieldKind::Date),
    ("exact", FieldKind::Exact),
    ("number", FieldKind::Number),
    ("postcode", FieldKind::Postcode),
    ("address", FieldKind::Address),
];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, csv)) = data.split_first() else {
        return;
    };
    let Ok(table) = Table::from_reader(Path::new("fuzz.csv"), csv, "id", &COLUMNS) else {
        return;
    };
    let config = LinkConfig {
        left_id: "id".into(),
        right_id: "id".into(),
        one_to_one: flags & 1 == 1,
        threshold: None,
        fields: COLUMNS
            .iter()
            .map(|(c, kind)| FieldSpec {
                left: (*c).into(),
                right: (*c).into(),
                kind: *kind,
            })
            .collect(),
    };
    let threshold = f64::from(flags >> 1) / 127.0;
    let linkage = link(&config, &table, &table, threshold);
    for l in &linkage.links {
        assert!((0.0..=1.0).contains(&l.score), "score {}", l.score);
        assert!((l.left as usize) < table.len() && (l.right as usize) < table.len());
    }
});
