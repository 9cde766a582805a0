//! The recordings the live app made (`recordings/` in the data directory), each scored on a named worker
//! thread (`review-scan`) through the same engine, so the list can show their scores.

use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;

use crate::audio::wav::has_wav_extension;
use crate::config::Profile;
use crate::file_analysis::{AnalyzeOptions, score_one};
use crate::record::CallRecord;

/// Folder the live app records into: `recordings/` in callcoach's data directory
/// ([`crate::paths::recordings_dir`]), or `recordings` in the working directory when
/// there is no data directory.
pub fn default_dir() -> PathBuf {
    crate::paths::recordings_dir().unwrap_or_else(|_| PathBuf::from("recordings"))
}

/// One scored recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The file.
    pub path: PathBuf,
    /// Score, or the error.
    pub score: Result<(u32, f64), String>,
}

/// WAV files directly in `dir`, sorted by name.
pub fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && has_wav_extension(p))
        .collect();
    files.sort();
    Ok(files)
}

/// A running scan.
#[derive(Debug)]
pub struct Scan {
    rx: Receiver<Recording>,
    /// Recordings scored so far.
    pub done: Vec<Recording>,
    /// Files found.
    pub total: usize,
}

impl Scan {
    /// Scores every WAV in `dir` on a worker thread; `on_each` is called after each.
    pub fn start(
        dir: &Path,
        profile: Profile,
        on_each: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        // A folder not made yet holds no recordings.
        let files = list(dir).unwrap_or_default();
        let total = files.len();
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("review-scan".into())
            .spawn(move || {
                for path in files {
                    let record: CallRecord =
                        score_one(&path, &profile, &AnalyzeOptions::default(), None);
                    let score = match (&record.report, &record.error) {
                        (Some(r), _) => Ok((r.score.total, r.duration_s)),
                        (None, e) => Err(e.clone().unwrap_or_else(|| "not scored".into())),
                    };
                    if tx.send(Recording { path, score }).is_err() {
                        return;
                    }
                    on_each();
                }
            })?;
        Ok(Self {
            rx,
            done: Vec::new(),
            total,
        })
    }

    /// Takes the recordings scored since the last call.
    pub fn poll(&mut self) {
        self.done.extend(self.rx.try_iter());
    }
}
