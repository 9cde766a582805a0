//! The coach's notes, pinned to a time (and optionally a span), saved beside the WAV as
//! `FILE.coach.json` (`call.wav` → `call.coach.json`). The WAV itself is never written.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Version written into the notes file.
pub const NOTES_VERSION: u32 = 1;

/// One coach note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Time the note is pinned to, s from the start of the call.
    pub t_s: f64,
    /// End of the span it covers, s (`None`: a point in time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
    /// The note.
    pub text: String,
}

/// The notes file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotesFile {
    /// Format version ([`NOTES_VERSION`]).
    pub version: u32,
    /// File name of the call the notes belong to.
    pub call: String,
    /// Notes sorted by time.
    pub notes: Vec<Note>,
}

/// Why the notes could not be read or written; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// Notes file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a notes file.
    #[error("{}: not a callcoach notes file: {source}", path.display())]
    Parse {
        /// Notes file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
}

/// `call.wav` → `call.coach.json`, in the same folder.
pub fn notes_path(wav: &Path) -> PathBuf {
    wav.with_extension("coach.json")
}

/// The notes saved beside `wav`; none when there is no notes file.
pub fn load(wav: &Path) -> Result<Vec<Note>, NotesError> {
    let path = notes_path(wav);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(NotesError::Io { path, source }),
    };
    let file: NotesFile =
        serde_json::from_str(&text).map_err(|source| NotesError::Parse { path, source })?;
    let mut notes = file.notes;
    sort(&mut notes);
    Ok(notes)
}

/// Sorts notes by time.
pub fn sort(notes: &mut [Note]) {
    notes.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
}

/// Saves `notes` beside `wav` (written to a temporary file, then renamed, so a crash
/// never leaves half a file). With no notes, an existing notes file is removed.
pub fn save(wav: &Path, notes: &[Note]) -> Result<PathBuf, NotesError> {
    let path = notes_path(wav);
    let io = |source| NotesError::Io {
        path: path.clone(),
        source,
    };
    if notes.is_empty() {
        match std::fs::remove_file(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path),
            Err(e) => return Err(io(e)),
        }
    }
    let mut sorted = notes.to_vec();
    sort(&mut sorted);
    let file = NotesFile {
        version: NOTES_VERSION,
        call: wav
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        notes: sorted,
    };
    let json = serde_json::to_string_pretty(&file)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let tmp = path.with_extension("json.partial");
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(json.as_bytes()).map_err(io)?;
    f.write_all(b"\n").map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip_beside_the_wav() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wav = dir.path().join("call.wav");
        assert_eq!(notes_path(&wav), dir.path().join("call.coach.json"));
        assert!(load(&wav).expect("no file is no notes").is_empty());
        let notes = vec![
            Note {
                t_s: 12.5,
                end_s: Some(14.0),
                text: "good pause".into(),
            },
            Note {
                t_s: 3.0,
                end_s: None,
                text: "too fast \"here\"".into(),
            },
        ];
        save(&wav, &notes).expect("save");
        let back = load(&wav).expect("load");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], notes[1]);
        assert_eq!(back[1], notes[0]);
        assert!(!wav.exists(), "the WAV is never written");
        save(&wav, &[]).expect("save none");
        assert!(!notes_path(&wav).exists());
    }

    #[test]
    fn a_broken_notes_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wav = dir.path().join("c.wav");
        std::fs::write(notes_path(&wav), "{nope").expect("write");
        let e = load(&wav).expect_err("broken");
        assert!(e.to_string().contains("c.coach.json"), "{e}");
    }
}
