//! Published checkpoints of the audit log: the file `probity serve` appends them to (and the
//! command it hands each to), and the series `probity audit verify --checkpoints` reads back.
//!
//! The database's signed head proves the log has not been cut short *unless* someone with
//! write access puts back an older signed head (any earlier read or backup holds one) after
//! deleting the events since: that is a valid head of a valid, shorter log. A checkpoint
//! published outside the database after those events is what catches it, so the server
//! publishes its head by itself — at start, on an interval, and at shutdown — to a file the
//! operator chooses (one line each, `probity-checkpoint/1:SEQ:SHA256:MAC`, the format of
//! `probity audit checkpoint`), and optionally to a command that pushes it elsewhere.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use probity_store::Checkpoint;

/// The file name of the published checkpoints, by default beside the key file (which is kept
/// outside the database already).
pub const DEFAULT_FILE: &str = "probity.checkpoints";

/// Where checkpoints go when `--checkpoints` is not given: `probity.checkpoints` in the key
/// file's folder.
pub fn default_path(key_file: &Path) -> PathBuf {
    match key_file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(DEFAULT_FILE),
        _ => PathBuf::from(DEFAULT_FILE),
    }
}

/// Reads a series of published checkpoints: one a line, in the order published; blank lines
/// and lines starting with `#` are skipped. Each comes with its line number.
pub fn read_series(path: &Path) -> Result<Vec<(usize, Checkpoint)>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let checkpoint = text
            .parse::<Checkpoint>()
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), i + 1))?;
        out.push((i + 1, checkpoint));
    }
    Ok(out)
}

/// Appends checkpoints to the published file (only when the head moved) and hands each to the
/// hook command, if one.
#[derive(Debug)]
pub struct Publisher {
    path: PathBuf,
    hook: Option<String>,
    /// The last checkpoint in the file.
    written: Option<Checkpoint>,
    /// The last checkpoint the hook took (a failed hook is tried again at the next publication).
    pushed: Option<Checkpoint>,
}

/// What one publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The head had not moved since the last checkpoint in the file (and the hook has it).
    Unchanged,
    /// Appended (and handed to the hook).
    Appended,
    /// Appended, but the head is behind the last checkpoint published: the log was shortened,
    /// or a backup restored.
    Behind {
        /// The last checkpoint published before.
        last: Checkpoint,
    },
}

impl Publisher {
    /// Opens the file (created, mode 0600, when missing; refused when it holds a line that is
    /// not a checkpoint) and remembers the last checkpoint it holds.
    pub fn open(path: &Path, hook: Option<String>) -> Result<Publisher> {
        let written = if path.exists() {
            read_series(path)?.pop().map(|(_, c)| c)
        } else {
            None
        };
        append_file(path)?;
        Ok(Publisher {
            path: path.to_owned(),
            hook,
            pushed: written.clone(),
            written,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Publishes `head`: appends it to the file (synced) unless it is the last line already,
    /// then hands it to the hook on standard input. A hook that fails is an error; its
    /// checkpoint is in the file, and the hook is given it again at the next publication.
    pub fn publish(&mut self, head: &Checkpoint) -> Result<Published> {
        let mut outcome = Published::Unchanged;
        if self.written.as_ref() != Some(head) {
            let mut file = append_file(&self.path)?;
            file.write_all(format!("{head}\n").as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot append to {}", self.path.display()))?;
            outcome = match self.written.replace(head.clone()) {
                Some(last) if last.seq > head.seq => Published::Behind { last },
                _ => Published::Appended,
            };
        }
        if let Some(hook) = &self.hook
            && self.pushed.as_ref() != Some(head)
        {
            run_hook(hook, &head.to_string())?;
            self.pushed = Some(head.clone());
        }
        Ok(outcome)
    }
}

/// The file opened for appending only, created with mode 0600.
fn append_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot open {} to append checkpoints", path.display()))
}

/// Runs `sh -c HOOK` with the checkpoint line on standard input; an error unless it exits 0.
fn run_hook(hook: &str, line: &str) -> Result<()> {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(hook)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run the checkpoint hook {hook:?}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its input is its own business: the exit status decides.
        let _ = stdin.write_all(format!("{line}\n").as_bytes());
    }
    let status = child
        .wait()
        .with_context(|| format!("the checkpoint hook {hook:?}"))?;
    if !status.success() {
        bail!("the checkpoint hook {hook:?} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    #[test]
    fn intervals_read_as_people_write_them() {
        assert_eq!(
            crate::config::parse_positive_duration("600").unwrap(),
            Duration::from_secs(600)
        );
        assert_eq!(
            crate::config::parse_positive_duration("45s").unwrap(),
            Duration::from_secs(45)
        );
        assert_eq!(
            crate::config::parse_positive_duration("10m").unwrap(),
            Duration::from_secs(600)
        );
        assert_eq!(
            crate::config::parse_positive_duration("2h").unwrap(),
            Duration::from_secs(7200)
        );
        for bad in ["0", "0m", "", "m", "10d", "-5", "1.5m"] {
            assert!(
                crate::config::parse_positive_duration(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_default_file_sits_beside_the_key_file() {
        assert_eq!(
            default_path(Path::new("/secure/probity.keys")),
            Path::new("/secure/probity.checkpoints")
        );
        assert_eq!(
            default_path(Path::new("probity.keys")),
            Path::new("probity.checkpoints")
        );
    }

    #[test]
    fn a_checkpoint_is_appended_once_and_a_step_back_is_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        let hooked = dir.path().join("hooked");
        let hook = format!("cat >> '{}'", hooked.display());
        let at = |seq: i64| Checkpoint {
            seq,
            sha256: format!("{seq:064x}"),
            mac: "ab".repeat(32),
        };
        let mut p = Publisher::open(&path, Some(hook.clone())).unwrap();
        assert_eq!(p.publish(&at(3)).unwrap(), Published::Appended);
        assert_eq!(p.publish(&at(3)).unwrap(), Published::Unchanged);
        assert_eq!(p.publish(&at(5)).unwrap(), Published::Appended);
        // Opened again (a restart): it knows the last line, and says when the head went back.
        let mut p = Publisher::open(&path, Some(hook)).unwrap();
        assert_eq!(p.publish(&at(5)).unwrap(), Published::Unchanged);
        assert_eq!(
            p.publish(&at(4)).unwrap(),
            Published::Behind { last: at(5) }
        );
        let lines: Vec<i64> = read_series(&path)
            .unwrap()
            .iter()
            .map(|(_, c)| c.seq)
            .collect();
        assert_eq!(lines, vec![3, 5, 4]);
        assert_eq!(
            std::fs::read_to_string(&hooked).unwrap(),
            format!("{}\n{}\n{}\n", at(3), at(5), at(4))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A failing hook is an error, and is tried again with the same checkpoint.
        let mut p = Publisher::open(&path, Some("exit 3".into())).unwrap();
        assert!(p.publish(&at(6)).is_err());
        assert!(p.publish(&at(6)).is_err());
        // A line that is not a checkpoint is named.
        std::fs::write(&path, format!("{}\nnonsense\n", at(1))).unwrap();
        let e = read_series(&path).unwrap_err().to_string();
        assert!(e.ends_with(":2: not a checkpoint: expected probity-checkpoint/1:SEQ:SHA256:MAC, got \"nonsense\""), "{e}");
    }
}
