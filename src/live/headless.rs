//! `callcoach live --headless`: the live pipeline without a window. Every event is
//! written as one JSON line with its stream time and its wall-clock publish time; the
//! run ends after `--seconds` (capture), at the end of the demo file, or on SIGINT or
//! SIGTERM (Unix), each time with the recording finished and scored and the report
//! written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::LiveError;
use super::pipeline::{LivePipeline, PipelineOptions, SourceChoice};
use super::session::{CallEnd, CallMode, SessionEnd, StateChange};
use super::snapshot::{RecordingStatus, SourceState};
use crate::audio::wav::WavStream;
use crate::record::{CallRecord, FileFormat, SourceFile};

/// Options of a headless run.
#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    /// The pipeline.
    pub pipeline: PipelineOptions,
    /// Stop after this much wall-clock time (`None`: until the source ends).
    pub seconds: Option<f64>,
    /// Write events here as JSON Lines (`None`: standard output).
    pub events: Option<PathBuf>,
    /// Write the call's scored JSON here at the end: the record `callcoach score` gives
    /// for the demo file, or for the recording of a captured call (a capture that was
    /// not recorded has no file: empty path, size and time 0). With automatic calls,
    /// one record per call, one per line (JSON Lines), each for its recording.
    pub report: Option<PathBuf>,
}

/// How a headless run ended.
#[derive(Debug)]
pub struct HeadlessEnd {
    /// The session's outcome.
    pub session: SessionEnd,
    /// Why the source failed (a demo file that stops decoding, such as a NaN sample),
    /// naming the file; the report then is an error record, as `callcoach score` gives.
    pub source_error: Option<String>,
}

/// Why a headless run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    /// The events file cannot be created.
    #[error("{}: cannot create", path.display())]
    CreateEvents {
        /// The events file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The pipeline did not start, or its session did not end cleanly.
    #[error(transparent)]
    Pipeline(#[from] LiveError),
    /// An event cannot be written.
    #[error("cannot write the events")]
    WriteEvents(#[source] std::io::Error),
    /// The report cannot be encoded.
    #[error(transparent)]
    EncodeReport(#[from] serde_json::Error),
    /// The report file cannot be written.
    #[error("{}: cannot write", path.display())]
    WriteReport {
        /// The report file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Set by SIGINT or SIGTERM: the run ends as when `--seconds` have passed.
static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Ends the run cleanly on SIGINT (Ctrl-C) and SIGTERM instead of dying with a
/// recording left to repair.
#[cfg(unix)]
fn catch_stop_signals() {
    extern "C" fn on_signal(_: libc::c_int) {
        STOP_REQUESTED.store(true, Ordering::Relaxed);
    }
    let handler = on_signal as extern "C" fn(libc::c_int);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, handler as libc::sighandler_t);
        }
    }
}

#[cfg(not(unix))]
fn catch_stop_signals() {}

/// Runs the pipeline; returns its outcome.
pub fn run(options: HeadlessOptions) -> Result<HeadlessEnd, HeadlessError> {
    catch_stop_signals();
    let mut out: Box<dyn Write> = match &options.events {
        Some(p) => Box::new(BufWriter::new(File::create(p).map_err(|source| {
            HeadlessError::CreateEvents {
                path: p.clone(),
                source,
            }
        })?)),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut pipeline = LivePipeline::start(options.pipeline.clone(), Arc::new(|| {}))?;
    let started = Instant::now();
    // Every state change is reported, from the session's log (a device lost and back
    // between two looks at the snapshot is still reported).
    let mut last_change: Option<StateChange> = None;
    let write_events = |out: &mut Box<dyn Write>, pipeline: &LivePipeline| {
        let write = |out: &mut Box<dyn Write>| -> std::io::Result<()> {
            for e in pipeline.session().events().try_iter() {
                serde_json::to_writer(&mut *out, &e)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        };
        write(out).map_err(HeadlessError::WriteEvents)
    };
    loop {
        std::thread::sleep(Duration::from_millis(20));
        write_events(&mut out, &pipeline)?;
        for change in pipeline.session().source_changes() {
            if last_change
                .as_ref()
                .is_some_and(|last| change.seq <= last.seq)
            {
                continue;
            }
            match &change.state {
                // A failed source is reported once, by the caller, from `source_error`.
                SourceState::Lost { message } => {
                    let _ = writeln!(std::io::stderr(), "callcoach: {message}");
                }
                SourceState::Running
                    if last_change
                        .as_ref()
                        .is_some_and(|last| matches!(last.state, SourceState::Lost { .. })) =>
                {
                    let _ = writeln!(
                        std::io::stderr(),
                        "callcoach: input is back; capture goes on"
                    );
                }
                _ => {}
            }
            last_change = Some(change);
        }
        let timed_out = options
            .seconds
            .is_some_and(|s| started.elapsed().as_secs_f64() >= s);
        if timed_out || pipeline.is_finished() || STOP_REQUESTED.load(Ordering::Relaxed) {
            break;
        }
    }
    let end = pipeline.stop()?;
    let source_error = match pipeline.session().snapshot().source.state {
        SourceState::Failed { message } => Some(message),
        _ => None,
    };
    // The events decided at the end of the stream.
    write_events(&mut out, &pipeline)?;
    if let Some(path) = &options.report {
        let text = if options.pipeline.calls == CallMode::WHOLE_STREAM {
            let record = report_record(&options.pipeline.source, &end, source_error.as_deref());
            serde_json::to_string_pretty(&record)? + "\n"
        } else {
            let mut lines = String::new();
            for call in &end.calls {
                lines += &serde_json::to_string(&call_record(call, &end))?;
                lines.push('\n');
            }
            lines
        };
        std::fs::write(path, text).map_err(|source| HeadlessError::WriteReport {
            path: path.clone(),
            source,
        })?;
    }
    Ok(HeadlessEnd {
        session: end,
        source_error,
    })
}

/// The record of a finished run: the demo file or the recording, with the live report,
/// or an error record (as `callcoach score` gives) when the source failed.
fn report_record(
    source: &SourceChoice,
    end: &SessionEnd,
    source_error: Option<&str>,
) -> CallRecord {
    let (file, format) = match (source, &end.recording) {
        (SourceChoice::Demo { path, .. }, _) => (
            SourceFile::stat(path),
            WavStream::open(path)
                .map(|stream| FileFormat::from(stream.info()))
                .map_err(|e| e.to_string()),
        ),
        (SourceChoice::Capture(_), RecordingStatus::Saved { wav, .. }) => {
            (SourceFile::stat(wav), Ok(end.layout.recorded_format()))
        }
        (SourceChoice::Capture(_), _) => (
            SourceFile::unread(Path::new("")),
            Ok(end.layout.recorded_format()),
        ),
    };
    let outcome = match (source_error, format) {
        (Some(message), _) => Err(message.to_string()),
        (None, Err(message)) => Err(message),
        (None, Ok(format)) => Ok((format, end.report.clone())),
    };
    let mut record = CallRecord::new(file, outcome);
    if record.report.is_some() {
        record.agent_channel = end.layout.agent_channel();
    }
    record.agent_id = end.agent.clone();
    record
}

/// The record of one call of a session with automatic calls: its recording with the
/// live report (no file when it was not recorded).
fn call_record(call: &CallEnd, end: &SessionEnd) -> CallRecord {
    let file = match &call.recording {
        RecordingStatus::Saved { wav, .. } => SourceFile::stat(wav),
        _ => SourceFile::unread(Path::new("")),
    };
    let mut record = CallRecord::new(
        file,
        Ok((end.layout.recorded_format(), call.report.clone())),
    );
    record.agent_channel = end.layout.agent_channel();
    record.agent_id = end.agent.clone();
    record
}
