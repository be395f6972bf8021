//! The linkage configuration file (FORMATS.md, "Linkage configuration").

use serde::Deserialize;

/// How a column is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A person's name: Jaro–Winkler levels, traditional/simplified and spacing folded.
    Name,
    /// Free text: Jaro–Winkler levels.
    Text,
    /// A date: exact, one edit (a typo or swapped digits), else different.
    Date,
    /// Equal or not.
    Exact,
    /// A number: equal, close (within 5%), else different.
    Number,
    /// A postcode: exact, one edit, else different.
    Postcode,
    /// An address: token overlap levels.
    Address,
}

/// One compared column pair.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Column in the left file.
    pub left: String,
    /// Column in the right file; the left one's name when not given (and unused deduplicating).
    #[serde(default)]
    pub right: String,
    /// How to compare.
    pub kind: FieldKind,
}

/// A linkage configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// Id column of the left file.
    pub left_id: String,
    /// Id column of the right file; `left_id` when not given (and unused deduplicating).
    #[serde(default)]
    pub right_id: String,
    /// Each record in at most one pair (linking two files; deduplicating, a person may have
    /// several records and this is ignored).
    #[serde(default)]
    pub one_to_one: bool,
    /// Posterior probability at or above which a pair is accepted (default 0.5).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The compared columns.
    #[serde(rename = "field")]
    pub fields: Vec<FieldSpec>,
}

impl LinkConfig {
    /// Parses and checks a configuration.
    pub fn from_toml(text: &str) -> Result<LinkConfig, String> {
        let mut config: LinkConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        // Files that name their columns alike need not say so twice.
        if config.right_id.is_empty() {
            config.right_id = config.left_id.clone();
        }
        for field in &mut config.fields {
            if field.right.is_empty() {
                field.right = field.left.clone();
            }
        }
        if config.fields.is_empty() {
            return Err("at least one [[field]] is needed".into());
        }
        if config.threshold.is_some_and(|t| !(0.0..=1.0).contains(&t)) {
            return Err("threshold is a probability between 0 and 1".into());
        }
        Ok(config)
    }
}
