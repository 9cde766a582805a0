//! The public output schema: one [`CallRecord`] per call, a line of `calls.jsonl` and a
//! row of `summary.csv`, and the one builder that makes it from the file and its analysis.
//! Batch scoring, the live app's recordings and `live --headless --report`, and the
//! review view all write and read records through this module.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::analysis::{CallReport, Verdict};
use crate::audio::wav::{Encoding, WavInfo};

/// The outcome for one file. Field names are a public interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// The file's path as found.
    pub file: String,
    /// The path's bytes in hex when they are not valid UTF-8 (`file` then shows them
    /// with U+FFFD): the key `--resume` matches such a file by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_bytes_hex: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    /// File size in bytes when scored (for `--resume`).
    pub file_size: u64,
    /// File modification time when scored, ns since the Unix epoch (for `--resume`).
    pub file_mtime_ns: u128,
    /// Sample rate of the file, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<u32>,
    /// Channels in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<u16>,
    /// Sample encoding (`pcm16`, `mulaw`, `alaw`, `float32`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The analysis (absent on error).
    #[serde(flatten)]
    pub report: Option<CallReport>,
    /// What went wrong (absent when ok).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The file a record is about, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given.
    pub path: String,
    /// Size in bytes (0 when it cannot be read).
    pub size: u64,
    /// Modification time, ns since the Unix epoch (0 when unknown).
    pub mtime_ns: u128,
    /// The path's bytes in hex when it is not valid UTF-8 (see
    /// [`CallRecord::file_bytes_hex`]).
    pub bytes_hex: Option<String>,
}

impl SourceFile {
    /// Reads the size and modification time of `path`; zeros when it cannot be read.
    pub fn stat(path: &Path) -> Self {
        let (size, mtime_ns) = match std::fs::metadata(path) {
            Ok(m) => (
                m.len(),
                m.modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos()),
            ),
            Err(_) => (0, 0),
        };
        Self {
            path: path.display().to_string(),
            size,
            mtime_ns,
            bytes_hex: path_bytes_hex(path),
        }
    }

    /// A path that was not read (a bad path in a batch): size and time 0.
    pub fn unread(path: &Path) -> Self {
        Self {
            path: path.display().to_string(),
            size: 0,
            mtime_ns: 0,
            bytes_hex: path_bytes_hex(path),
        }
    }
}

/// The path's bytes in hex when it is not valid UTF-8, so that two such names never
/// collide once made lossy (see [`CallRecord::file_bytes_hex`]).
#[cfg(unix)]
pub fn path_bytes_hex(path: &Path) -> Option<String> {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    path.to_str().is_none().then(|| {
        let mut hex = String::new();
        for b in path.as_os_str().as_bytes() {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    })
}

/// The path's bytes in hex when it is not valid UTF-8 (never on this platform).
#[cfg(not(unix))]
pub fn path_bytes_hex(_path: &Path) -> Option<String> {
    None
}

/// The path a record is about: from `file_bytes_hex` when present, else `file`.
#[cfg(unix)]
pub fn record_path(file: &str, file_bytes_hex: Option<&str>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let bytes: Option<Vec<u8>> = file_bytes_hex.and_then(|hex| {
        (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect()
    });
    match bytes {
        Some(bytes) => PathBuf::from(std::ffi::OsString::from_vec(bytes)),
        None => PathBuf::from(file),
    }
}

/// The path a record is about: `file`.
#[cfg(not(unix))]
pub fn record_path(file: &str, _file_bytes_hex: Option<&str>) -> PathBuf {
    PathBuf::from(file)
}

/// The audio format of a scored file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFormat {
    /// Frames per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Sample encoding.
    pub encoding: Encoding,
}

impl From<&WavInfo> for FileFormat {
    fn from(info: &WavInfo) -> Self {
        Self {
            sample_rate: info.sample_rate,
            channels: info.channels,
            encoding: info.encoding,
        }
    }
}

impl CallRecord {
    /// The record of `file`: `ok` with its format and report, or `error` with the
    /// message (which names the file).
    pub fn new(file: SourceFile, outcome: Result<(FileFormat, CallReport), String>) -> Self {
        let mut record = Self {
            file: file.path,
            file_bytes_hex: file.bytes_hex,
            status: "ok".into(),
            file_size: file.size,
            file_mtime_ns: file.mtime_ns,
            sample_rate: None,
            channels: None,
            encoding: None,
            report: None,
            error: None,
        };
        match outcome {
            Ok((format, report)) => {
                record.sample_rate = Some(format.sample_rate);
                record.channels = Some(format.channels);
                record.encoding = Some(format.encoding.as_str().to_string());
                record.report = Some(report);
            }
            Err(message) => {
                record.status = "error".into();
                record.error = Some(message);
            }
        }
        record
    }
}

/// `summary.csv` header.
pub const CSV_HEADER: [&str; 12] = [
    "file",
    "status",
    "duration_s",
    "agent_talk_s",
    "median_f0_hz",
    "frac_voiced_in_band",
    "reply_gap_median_s",
    "frac_gaps_in_window",
    "overlaps",
    "pace_changes_per_45s",
    "score",
    "error",
];

fn opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// Median of the reply gaps, s.
pub fn median_gap_s(report: &CallReport) -> Option<f64> {
    let mut gaps: Vec<f64> = report.reply_gaps.iter().map(|g| g.gap_s).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_by(f64::total_cmp);
    let n = gaps.len();
    let m = if n % 2 == 1 {
        gaps[n / 2]
    } else {
        (gaps[n / 2 - 1] + gaps[n / 2]) / 2.0
    };
    Some((m * 1000.0).round() / 1000.0)
}

impl CallRecord {
    /// The `summary.csv` row.
    pub fn csv_row(&self) -> [String; 12] {
        let r = self.report.as_ref();
        let gaps_in_window = r.and_then(|r| {
            (!r.reply_gaps.is_empty()).then(|| {
                let n = r
                    .reply_gaps
                    .iter()
                    .filter(|g| g.verdict == Verdict::InWindow)
                    .count();
                ((n as f64 / r.reply_gaps.len() as f64) * 1000.0).round() / 1000.0
            })
        });
        [
            self.file.clone(),
            self.status.clone(),
            opt(r.map(|r| r.duration_s)),
            opt(r.map(|r| r.agent.talk_s)),
            opt(r.and_then(|r| r.agent.median_f0_hz)),
            opt(r.and_then(|r| r.agent.frac_voiced_in_band)),
            opt(r.and_then(median_gap_s)),
            opt(gaps_in_window),
            r.map(|r| r.overlaps.to_string()).unwrap_or_default(),
            opt(r.and_then(|r| r.agent.pace_changes_per_45s)),
            r.map(|r| r.score.total.to_string()).unwrap_or_default(),
            self.error.clone().unwrap_or_default(),
        ]
    }
}
