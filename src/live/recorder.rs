//! Recording of the call as captured: a 16-bit PCM WAV whose header is rewritten every
//! [`HEADER_EVERY_S`] so the file is readable at any moment (`kill -9` loses at most that
//! much audio), plus [`repair`] for a file whose last stretch was written after its last
//! header update and [`score_recording`] for one whose scored JSON was never written (the
//! app was killed mid-call). A write failure (disk full) stops the recording and is
//! reported; the caller keeps coaching.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::audio::wav::{AudioError, find_data_chunk, has_wav_extension};
use crate::config::Profile;
use crate::file_analysis::{AnalyzeOptions, score_one};

/// The header is brought up to date this often, s of audio.
pub const HEADER_EVERY_S: f64 = 0.5;

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct RecordError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

/// Where a recording is written: a file, or any seekable writer (tests).
pub trait RecordSink: Write + Seek + Send {}
impl<T: Write + Seek + Send> RecordSink for T {}

/// A WAV being written.
pub struct Recorder {
    path: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<Box<dyn RecordSink>>>>,
    channels: u16,
    sample_rate: u32,
    since_header: u64,
    frames: u64,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("frames", &self.frames)
            .finish()
    }
}

impl Recorder {
    /// Creates `path` for `channels` of 16-bit PCM at `sample_rate`.
    pub fn create(path: &Path, sample_rate: u32, channels: u16) -> Result<Self, RecordError> {
        let file = File::create(path).map_err(|e| RecordError {
            path: path.to_path_buf(),
            message: format!("cannot create the recording: {e}"),
        })?;
        Self::with_sink(path, Box::new(file), sample_rate, channels)
    }

    /// Records into `sink`, reported as `path`.
    pub fn with_sink(
        path: &Path,
        sink: Box<dyn RecordSink>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<Self, RecordError> {
        let spec = hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let fail = |e: hound::Error| RecordError {
            path: path.to_path_buf(),
            message: format!("cannot create the recording: {e}"),
        };
        let mut writer = hound::WavWriter::new(BufWriter::new(sink), spec).map_err(fail)?;
        // A valid (empty) header on disk from the start.
        writer.flush().map_err(fail)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Some(writer),
            channels,
            sample_rate,
            since_header: 0,
            frames: 0,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends interleaved samples (whole frames); refreshes the header every
    /// [`HEADER_EVERY_S`]. On error the recording stops (further writes are ignored).
    pub fn write(&mut self, samples: &[i16]) -> Result<(), RecordError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let result = (|| {
            for &s in samples {
                writer.write_sample(s)?;
            }
            let frames = (samples.len() / usize::from(self.channels.max(1))) as u64;
            self.frames += frames;
            self.since_header += frames;
            if self.since_header as f64 >= HEADER_EVERY_S * f64::from(self.sample_rate) {
                self.since_header = 0;
                writer.flush()?;
            }
            Ok::<(), hound::Error>(())
        })();
        result.map_err(|e| {
            self.writer = None;
            RecordError {
                path: self.path.clone(),
                message: format!("recording stopped: {e}"),
            }
        })
    }

    /// Completes the file.
    pub fn finish(mut self) -> Result<PathBuf, RecordError> {
        if let Some(writer) = self.writer.take() {
            writer.finalize().map_err(|e| RecordError {
                path: self.path.clone(),
                message: format!("cannot complete the recording: {e}"),
            })?;
        }
        Ok(self.path)
    }
}

/// A file name for a call starting now: `call-YYYYMMDD-HHMMSS.wav` (UTC).
pub fn call_file_name(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "call-{year:04}{month:02}{day:02}-{:02}{:02}{:02}.wav",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Makes a WAV readable in full after a crash: if its data runs past what the header
/// says (audio written after the last header update), the RIFF and data sizes are set to
/// cover every whole frame on disk. Returns whether the file was changed.
pub fn repair(path: &Path) -> Result<bool, AudioError> {
    let io_error = |error| AudioError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_error)?;
    let chunk = find_data_chunk(&mut file, path)?;
    let block_align = u64::from(chunk.block_align.max(1));
    let whole = (chunk.available - chunk.available % block_align).min(u64::from(u32::MAX) - 64);
    if whole == u64::from(chunk.declared_size) {
        return Ok(false);
    }
    let mut patch = || -> io::Result<()> {
        file.seek(SeekFrom::Start(chunk.data_offset - 4))?;
        file.write_all(&(whole as u32).to_le_bytes())?;
        let riff = (chunk.data_offset + whole - 8) as u32;
        file.seek(SeekFrom::Start(4))?;
        file.write_all(&riff.to_le_bytes())?;
        file.sync_all()
    };
    patch().map_err(io_error)?;
    Ok(true)
}

/// Repairs every `*.wav` in `dir` (the recordings of earlier runs); returns the files
/// changed. Files that are not WAVs are left alone.
pub fn repair_dir(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut repaired = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if has_wav_extension(&path) && matches!(repair(&path), Ok(true)) {
            repaired.push(path);
        }
    }
    repaired.sort();
    repaired
}

/// Prefix of the live app's recordings (see [`call_file_name`]).
pub const CALL_FILE_PREFIX: &str = "call-";

/// The live app's recordings in `dir` (`call-*.wav`) that have no scored JSON beside
/// them: calls an earlier run did not finish. Sorted by name.
pub fn unscored(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            has_wav_extension(p)
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(CALL_FILE_PREFIX))
                && !p.with_extension("json").exists()
        })
        .collect();
    out.sort();
    out
}

/// Scores the recording `wav` as `callcoach score` does and writes the record beside it
/// (`.json`); an unreadable recording gets an error record. The agent is on the
/// profile's channel. Returns the JSON written.
pub fn score_recording(wav: &Path, profile: &Profile) -> Result<PathBuf, RecordError> {
    let record = score_one(wav, profile, &AnalyzeOptions::default(), None);
    let json = wav.with_extension("json");
    let fail = |message: String| RecordError {
        path: json.clone(),
        message,
    };
    let text = serde_json::to_string_pretty(&record)
        .map_err(|e| fail(format!("cannot encode the score: {e}")))?;
    std::fs::write(&json, text + "\n").map_err(|e| fail(format!("cannot write the score: {e}")))?;
    Ok(json)
}
