//! The sample of a cycle: frozen frame and seed commitment first, the seed revealed later, the
//! draw recomputable from what is stored (`probity_model::sample` has the algorithm).

use crate::refusal::Refusal;
use probity_model::sample::{Frame, Member, commitment};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::StoreError;
use crate::record::{Value, fetch};
use crate::schema::{SAMPLE_DRAWS, SUBJECTS};
use crate::store::{Stamp, Store};

/// What the sealed `drawn` column holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    frame: Frame,
    drawn: Vec<String>,
}

/// A cycle's sample as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The cycle.
    pub cycle: i32,
    /// The random part's rate.
    pub rate: probity_model::sample::Rate,
    /// SHA-256 of the seed, committed before the draw.
    pub seed_commitment: String,
    /// The frozen frame's hash.
    pub frame_sha256: String,
    /// The seed, once revealed.
    pub seed: Option<String>,
    /// The frozen frame.
    pub frame: Frame,
    /// The drawn subjects' blind indexes (empty until revealed).
    pub drawn: Vec<String>,
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Store {
    /// Freezes the frame of cycle `year` (every subject on the roster due for the year's annual
    /// report under [`probity_model::obligation::annual_due`] — not one who joined after the
    /// year, nor a retired one —, whether their annual report is filed, their key-check flags)
    /// and records the seed's commitment. Once only.
    pub async fn commit_sample(
        &self,
        stamp: &Stamp,
        profile: &probity_model::Profile,
        year: i32,
        rate: probity_model::sample::Rate,
        seed_commitment: &str,
    ) -> Result<Sample, StoreError> {
        if !is_hex64(seed_commitment) {
            return Err(Refusal::new("commitment-invalid").into());
        }
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let cycle = sqlx::query("SELECT COUNT(*) FROM cycles WHERE year = $1")
            .bind(i64::from(year))
            .fetch_one(w.conn())
            .await?
            .try_get::<i64, _>(0)?;
        if cycle == 0 {
            return Err(Refusal::new("cycle-not-open").arg("year", year).into());
        }
        let existing = fetch(
            w.conn(),
            &keys,
            &SAMPLE_DRAWS,
            "cycle = $1",
            &[Value::Int(year.into())],
        )
        .await?;
        if !existing.is_empty() {
            return Err(Refusal::new("sample-drawn").arg("year", year).into());
        }
        let filed: std::collections::HashSet<String> = sqlx::query(
            "SELECT DISTINCT person_key FROM declarations WHERE year = $1 AND kind = 'annual'",
        )
        .bind(i64::from(year))
        .fetch_all(w.conn())
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        let mut members = Vec::new();
        for r in sqlx::query(
            "SELECT person_key, flags, subject_since, status FROM subjects WHERE on_roster = 1",
        )
        .fetch_all(w.conn())
        .await?
        {
            let since: String = r.try_get(2)?;
            let status: String = r.try_get(3)?;
            let since = probity_model::Date::parse(&since)
                .map_err(|_| StoreError::Corrupt("a subject_since is no date".into()))?;
            let status = serde_json::from_value(serde_json::Value::String(status))
                .map_err(|_| StoreError::Corrupt("a subject's status is unknown".into()))?;
            if probity_model::obligation::annual_due(profile, since, status, year).is_none() {
                continue;
            }
            let person_key: String = r.try_get(0)?;
            members.push(Member {
                filed: filed.contains(&person_key),
                person_key,
                flags: r.try_get(1)?,
            });
        }
        let frame = Frame::new(members);
        let frame_sha256 = frame.sha256();
        let stored = Stored {
            frame: frame.clone(),
            drawn: Vec::new(),
        };
        let bytes = serde_json::to_vec(&stored)
            .map_err(|e| StoreError::Corrupt(format!("a frame does not serialise: {e}")))?;
        w.insert(
            &SAMPLE_DRAWS,
            "sample.commit",
            vec![
                Value::Int(year.into()),
                rate.to_string().into(),
                seed_commitment.into(),
                frame_sha256.as_str().into(),
                stamp.at.as_str().into(),
                Value::Null,
                Value::Null,
                Value::Bytes(bytes),
            ],
        )
        .await?;
        w.commit().await?;
        Ok(Sample {
            cycle: year,
            rate,
            seed_commitment: seed_commitment.to_owned(),
            frame_sha256,
            seed: None,
            frame,
            drawn: Vec::new(),
        })
    }

    /// The sample of a cycle, if committed.
    pub async fn sample(&self, year: i32) -> Result<Option<Sample>, StoreError> {
        let mut conn = self.connection().await?;
        let keys = self.keys();
        let rows = fetch(
            &mut conn,
            &keys,
            &SAMPLE_DRAWS,
            "cycle = $1",
            &[Value::Int(year.into())],
        )
        .await?;
        let Some(r) = rows.into_iter().next() else {
            return Ok(None);
        };
        let stored: Stored = serde_json::from_slice(r[7].as_bytes().unwrap_or_default())
            .map_err(|e| StoreError::Corrupt(format!("a stored frame does not parse: {e}")))?;
        Ok(Some(Sample {
            cycle: year,
            rate: r[1]
                .as_text()
                .and_then(|t| probity_model::sample::Rate::parse(t).ok())
                .ok_or_else(|| StoreError::Corrupt("a sample's rate is not a rate".into()))?,
            seed_commitment: r[2].as_text().unwrap_or_default().to_owned(),
            frame_sha256: r[3].as_text().unwrap_or_default().to_owned(),
            seed: r[5].as_text().map(str::to_owned),
            frame: stored.frame,
            drawn: stored.drawn,
        }))
    }

    /// Reveals the seed: refused unless its SHA-256 is the commitment; draws from the frozen
    /// frame and stores the draw. Revealing again with the same seed changes nothing.
    pub async fn reveal_sample(
        &self,
        stamp: &Stamp,
        year: i32,
        seed: &str,
    ) -> Result<Sample, StoreError> {
        let Some(mut sample) = self.sample(year).await? else {
            return Err(Refusal::new("no-sample").arg("year", year).into());
        };
        if commitment(seed) != sample.seed_commitment {
            return Err(Refusal::new("seed-mismatch").into());
        }
        if sample.seed.is_some() {
            return Ok(sample);
        }
        sample.drawn = sample.frame.draw(seed, sample.rate);
        sample.seed = Some(seed.to_owned());
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let row = fetch(
            w.conn(),
            &keys,
            &SAMPLE_DRAWS,
            "cycle = $1",
            &[Value::Int(year.into())],
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::from(Refusal::new("sample-vanished")))?;
        let stored = Stored {
            frame: sample.frame.clone(),
            drawn: sample.drawn.clone(),
        };
        let bytes = serde_json::to_vec(&stored)
            .map_err(|e| StoreError::Corrupt(format!("a draw does not serialise: {e}")))?;
        let mut updated = row;
        updated[5] = seed.into();
        updated[6] = stamp.at.as_str().into();
        updated[7] = Value::Bytes(bytes);
        w.upsert(&SAMPLE_DRAWS, "sample.reveal", updated).await?;
        w.commit().await?;
        Ok(sample)
    }

    /// Recomputes a revealed draw from what is stored: `Err` says what differs.
    pub async fn verify_sample(&self, year: i32) -> Result<Result<Sample, String>, StoreError> {
        let Some(sample) = self.sample(year).await? else {
            return Ok(Err(format!("cycle {year} has no sample")));
        };
        if sample.frame.sha256() != sample.frame_sha256 {
            return Ok(Err(
                "the stored frame does not match its recorded hash".into()
            ));
        }
        let Some(seed) = &sample.seed else {
            return Ok(Err("the seed is not revealed yet".into()));
        };
        if commitment(seed) != sample.seed_commitment {
            return Ok(Err("the stored seed does not match the commitment".into()));
        }
        if sample.frame.draw(seed, sample.rate) != sample.drawn {
            return Ok(Err("the stored draw is not what the seed draws".into()));
        }
        Ok(Ok(sample))
    }

    /// The resident IDs of subjects by blind index (a staff read of personal data: recorded).
    pub async fn resident_ids(
        &self,
        stamp: &Stamp,
        person_keys: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut w = self.writer(stamp).await?;
        let keys = w.keys.clone();
        let mut ids = Vec::with_capacity(person_keys.len());
        for k in person_keys {
            let rows = fetch(
                w.conn(),
                &keys,
                &SUBJECTS,
                "person_key = $1",
                &[k.as_str().into()],
            )
            .await?;
            if let Some(r) = rows.first() {
                ids.push(String::from_utf8_lossy(r[1].as_bytes().unwrap_or_default()).into_owned());
            }
        }
        w.event(
            "subject.read",
            "subjects",
            &format!("read the resident IDs of {} subjects", ids.len()),
        )
        .await?;
        w.commit().await?;
        Ok(ids)
    }
}
