//! The roster of reporting subjects (`roster.csv`).

use serde::{Deserialize, Serialize};

use crate::ids::ResidentId;
use crate::time::Date;

/// Rank of a subject's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rank {
    /// 正部级.
    Ministerial,
    /// 副部级.
    ViceMinisterial,
    /// 正厅(局)级.
    Department,
    /// 副厅(局)级.
    ViceDepartment,
    /// 正县(处)级.
    Division,
    /// 副县(处)级.
    ViceDivision,
    /// Anything else the roster includes.
    Other,
}

/// Sector of a subject's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Party, legislative, government, advisory, judicial and procuratorial organs.
    PartyState,
    /// Public institutions.
    PublicInstitution,
    /// State-owned enterprises.
    Soe,
    /// State-owned financial institutions.
    Financial,
    /// Anything else.
    Other,
}

/// Whether the subject still holds the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectStatus {
    /// In post.
    Active,
    /// Left the post, not yet retired: still reports.
    Left,
    /// Retired: no longer reports.
    Retired,
}

/// Reasons for a key check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyCheckReason {
    /// Proposed for promotion.
    Promotion,
    /// Proposed for the reserve pool.
    Reserve,
    /// Proposed for transfer to an important post.
    KeyPost,
    /// Named in a complaint.
    Complaint,
}

impl KeyCheckReason {
    /// Every reason.
    pub const ALL: [KeyCheckReason; 4] = [
        KeyCheckReason::Promotion,
        KeyCheckReason::Reserve,
        KeyCheckReason::KeyPost,
        KeyCheckReason::Complaint,
    ];

    /// The reason as written in `flags`.
    pub fn as_str(&self) -> &'static str {
        match self {
            KeyCheckReason::Promotion => "promotion",
            KeyCheckReason::Reserve => "reserve",
            KeyCheckReason::KeyPost => "key_post",
            KeyCheckReason::Complaint => "complaint",
        }
    }

    /// The reason written this way.
    pub fn parse(text: &str) -> Option<KeyCheckReason> {
        KeyCheckReason::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// One roster line: a reporting subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterEntry {
    /// Resident ID (unique in the roster).
    pub id: ResidentId,
    /// Full name.
    pub name: String,
    /// Organisation unit, as grouped in progress views.
    pub unit: String,
    /// Post title.
    pub position: String,
    /// Rank.
    pub rank: Rank,
    /// Sector.
    pub sector: Sector,
    /// Date the person became a subject.
    pub subject_since: Date,
    /// Status.
    pub status: SubjectStatus,
    /// Key-check reasons, `;`-separated in the file.
    #[serde(with = "flags")]
    pub flags: Vec<KeyCheckReason>,
}

mod flags {
    use super::KeyCheckReason;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(flags: &[KeyCheckReason], s: S) -> Result<S::Ok, S::Error> {
        let joined: Vec<&str> = flags.iter().map(KeyCheckReason::as_str).collect();
        s.serialize_str(&joined.join(";"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<KeyCheckReason>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        text.split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                KeyCheckReason::parse(t).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown key-check reason {t:?} (expected promotion, reserve, key_post or complaint)"
                    ))
                })
            })
            .collect()
    }
}
