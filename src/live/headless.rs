//! `callcoach live --headless`: the live pipeline without a window. Every event is
//! written as one JSON line with its stream time and its wall-clock publish time; the
//! run ends after `--seconds` (capture) or at the end of the demo file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::pipeline::{LivePipeline, PipelineOptions, SourceChoice};
use super::session::SessionEnd;
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
    /// not recorded has no file: empty path, size and time 0).
    pub report: Option<PathBuf>,
}

/// Runs the pipeline; returns its outcome.
pub fn run(options: HeadlessOptions) -> Result<SessionEnd> {
    let mut out: Box<dyn Write> = match &options.events {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut pipeline = LivePipeline::start(options.pipeline.clone(), Arc::new(|| {}))
        .map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let mut last_state = None;
    let write_events = |out: &mut Box<dyn Write>, pipeline: &LivePipeline| -> Result<()> {
        for e in pipeline.session().events().try_iter() {
            serde_json::to_writer(&mut *out, &e)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    };
    loop {
        std::thread::sleep(Duration::from_millis(20));
        write_events(&mut out, &pipeline).context("cannot write the events")?;
        let state = pipeline.session().snapshot().source.state;
        if last_state.as_ref() != Some(&state) {
            if let SourceState::Lost { message } | SourceState::Failed { message } = &state {
                eprintln!("callcoach: {message}");
            }
            if matches!(state, SourceState::Running) && last_state.is_some() {
                eprintln!("callcoach: input is back; capture goes on");
            }
            last_state = Some(state);
        }
        let timed_out = options
            .seconds
            .is_some_and(|s| started.elapsed().as_secs_f64() >= s);
        if timed_out || pipeline.is_finished() {
            break;
        }
    }
    let end = pipeline.stop().map_err(anyhow::Error::msg)?;
    // The events decided at the end of the stream.
    write_events(&mut out, &pipeline).context("cannot write the events")?;
    if let Some(path) = &options.report {
        let record = report_record(&options.pipeline.source, &end)?;
        std::fs::write(path, serde_json::to_string_pretty(&record)? + "\n")
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(end)
}

/// The record of a finished run: the demo file or the recording, with the live report.
fn report_record(source: &SourceChoice, end: &SessionEnd) -> Result<CallRecord> {
    let (file, format) = match (source, &end.recording) {
        (SourceChoice::Demo { path, .. }, _) => {
            let stream = WavStream::open(path)?;
            (SourceFile::stat(path), FileFormat::from(stream.info()))
        }
        (SourceChoice::Capture(_), RecordingStatus::Saved { wav, .. }) => {
            (SourceFile::stat(wav), end.layout.recorded_format())
        }
        (SourceChoice::Capture(_), _) => (
            SourceFile {
                path: String::new(),
                size: 0,
                mtime_ns: 0,
            },
            end.layout.recorded_format(),
        ),
    };
    Ok(CallRecord::new(file, Ok((format, end.report.clone()))))
}
