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
use super::session::{SessionEnd, StateChange};
use super::snapshot::SourceState;

/// Options of a headless run.
#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    /// The pipeline.
    pub pipeline: PipelineOptions,
    /// Stop after this much wall-clock time (`None`: until the source ends).
    pub seconds: Option<f64>,
    /// Write events here as JSON Lines (`None`: standard output).
    pub events: Option<PathBuf>,
    /// Write the call's scored JSON here at the end.
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
    // Every state change is reported, from the session's log (a device lost and back
    // between two looks at the snapshot is still reported).
    let mut last_change: Option<StateChange> = None;
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
        for change in pipeline.session().source_changes() {
            if last_change
                .as_ref()
                .is_some_and(|last| change.seq <= last.seq)
            {
                continue;
            }
            match &change.state {
                SourceState::Lost { message } | SourceState::Failed { message } => {
                    eprintln!("callcoach: {message}");
                }
                SourceState::Running
                    if last_change
                        .as_ref()
                        .is_some_and(|last| matches!(last.state, SourceState::Lost { .. })) =>
                {
                    eprintln!("callcoach: input is back; capture goes on");
                }
                _ => {}
            }
            last_change = Some(change);
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
        let record = crate::batch::CallRecord {
            file: match &options.pipeline.source {
                SourceChoice::Demo { path, .. } => path.display().to_string(),
                SourceChoice::Capture(_) => String::new(),
            },
            status: "ok".into(),
            file_size: 0,
            file_mtime_ns: 0,
            sample_rate: None,
            channels: None,
            encoding: None,
            report: Some(end.report.clone()),
            error: None,
        };
        std::fs::write(path, serde_json::to_string_pretty(&record)? + "\n")
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    Ok(end)
}
