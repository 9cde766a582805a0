//! Opening a call off the UI thread. A named worker thread (`review-load`) runs the
//! engine through [`analyze_file`] (with the frame sink for the pitch lane) while a
//! second one (`review-decode`) reads the samples for the waveform pyramid and the
//! playback buffer; both report progress and stop when cancelled.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::analysis::{CallReport, ChannelMap, FrameOutput};
use crate::audio::wav::{AudioError, WavInfo, WavStream};
use crate::config::Profile;
use crate::file_analysis::{AnalyzeError, AnalyzeOptions, READ_BLOCK_FRAMES, analyze_file};

use super::lanes::PitchTrack;
use super::waveform::{Pyramid, PyramidBuilder};
use crate::audio_out::playback::{PlaybackAudio, PlaybackBuilder};

/// Why a call could not be opened; the message names the file and the problem.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The engine could not analyze it.
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// The audio could not be read for the waveform and playback.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The user cancelled.
    #[error("{}: opening cancelled", .0.display())]
    Cancelled(PathBuf),
    /// A worker thread could not start or died.
    #[error("{}: {}", .path.display(), .problem)]
    Worker {
        /// File.
        path: PathBuf,
        /// What happened.
        problem: String,
    },
}

/// How long opening took.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadTimings {
    /// The engine's analysis (with the frame sink), s.
    pub analysis_s: f64,
    /// Reading the samples into the waveform pyramid and playback buffer, s.
    pub decode_s: f64,
    /// Wall time from start to the call being ready, s.
    pub total_s: f64,
}

/// A call ready to review.
#[derive(Debug, Clone)]
pub struct LoadedCall {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub info: WavInfo,
    /// The agent channel used (0 for mono).
    pub agent_channel: usize,
    /// The engine's report: the same as `callcoach score` on the file.
    pub report: CallReport,
    /// The agent's pitch contour.
    pub pitch: PitchTrack,
    /// Waveform pyramids: agent, then customer (absent for mono).
    pub waveform: [Option<Pyramid>; 2],
    /// The audio for listening.
    pub audio: PlaybackAudio,
    /// How long it took.
    pub timings: LoadTimings,
}

/// What to open.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    /// The file.
    pub path: PathBuf,
    /// Coaching profile.
    pub profile: Profile,
    /// Agent channel (overrides the profile's).
    pub agent_channel: Option<usize>,
}

/// A running open: poll it from the UI, cancel it, or wait for it.
#[derive(Debug)]
pub struct LoadJob {
    path: PathBuf,
    cancel: Arc<AtomicBool>,
    /// Progress of the analysis and the decoding, each in 1/10000.
    progress: Arc<[AtomicU32; 2]>,
    rx: Receiver<Result<LoadedCall, LoadError>>,
    handle: Option<JoinHandle<()>>,
}

impl LoadJob {
    /// Starts opening `request` on a named worker thread; `on_done` is called from it when
    /// the result is ready (the view asks for a repaint there).
    pub fn start(
        request: LoadRequest,
        on_done: impl FnOnce() + Send + 'static,
    ) -> Result<Self, LoadError> {
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
        let (tx, rx) = crossbeam_channel::bounded(1);
        let path = request.path.clone();
        let (c, p) = (Arc::clone(&cancel), Arc::clone(&progress));
        let handle = std::thread::Builder::new()
            .name("review-load".into())
            .spawn(move || {
                let result = load(&request, &c, &p);
                let _ = tx.send(result);
                on_done();
            })
            .map_err(|e| LoadError::Worker {
                path: path.clone(),
                problem: format!("cannot start the loading thread: {e}"),
            })?;
        Ok(Self {
            path,
            cancel,
            progress,
            rx,
            handle: Some(handle),
        })
    }

    /// The file being opened.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Share done, 0–1.
    pub fn progress(&self) -> f32 {
        let a = self.progress[0].load(Ordering::Relaxed);
        let b = self.progress[1].load(Ordering::Relaxed);
        (a + b) as f32 / 20_000.0
    }

    /// Asks the workers to stop; the result will be [`LoadError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result, once ready.
    pub fn try_take(&mut self) -> Option<Result<LoadedCall, LoadError>> {
        match self.rx.try_recv() {
            Ok(r) => {
                if let Some(h) = self.handle.take() {
                    let _ = h.join();
                }
                Some(r)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(LoadError::Worker {
                path: self.path.clone(),
                problem: "the loading thread stopped without a result".into(),
            })),
        }
    }

    /// Waits for the result.
    pub fn wait(mut self) -> Result<LoadedCall, LoadError> {
        let r = self.rx.recv().unwrap_or_else(|_| {
            Err(LoadError::Worker {
                path: self.path.clone(),
                problem: "the loading thread stopped without a result".into(),
            })
        });
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        r
    }
}

impl Drop for LoadJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

fn share(done: u64, total: u64) -> u32 {
    (done.min(total) * 10_000)
        .checked_div(total)
        .map_or(10_000, |v| v as u32)
}

/// Opens `request` on this thread (the decoding on a second one), for the job and for
/// benchmarks.
pub fn load(
    request: &LoadRequest,
    cancel: &Arc<AtomicBool>,
    progress: &Arc<[AtomicU32; 2]>,
) -> Result<LoadedCall, LoadError> {
    let start = Instant::now();
    let path = request.path.clone();
    let agent_channel = request
        .agent_channel
        .unwrap_or(request.profile.agent_channel);
    // Open once here so that a bad file fails fast with the reader's message.
    let stream = WavStream::open(&path)?;
    let info = stream.info().clone();
    let map = ChannelMap::new(usize::from(info.channels), agent_channel).map_err(|problem| {
        AnalyzeError::Channels {
            path: path.display().to_string(),
            problem,
        }
    })?;
    let decoder = {
        let cancel = Arc::clone(cancel);
        let progress = Arc::clone(progress);
        std::thread::Builder::new()
            .name("review-decode".into())
            .spawn(move || decode(stream, map, &cancel, &progress))
            .map_err(|e| LoadError::Worker {
                path: path.clone(),
                problem: format!("cannot start the decoding thread: {e}"),
            })?
    };
    let t_analysis = Instant::now();
    let mut pitch = PitchTrack::default();
    let options = AnalyzeOptions {
        agent_channel: Some(agent_channel),
        progress: Some({
            let cancel = Arc::clone(cancel);
            let progress = Arc::clone(progress);
            Arc::new(move |p| {
                progress[0].store(share(p.frames_done, p.frames_total), Ordering::Relaxed);
                if cancel.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
        }),
        ..AnalyzeOptions::default()
    };
    let analyzed = analyze_file(
        &path,
        &request.profile,
        &options,
        Some(&mut |frames: &[FrameOutput]| pitch.extend(frames)),
    );
    let analysis_s = t_analysis.elapsed().as_secs_f64();
    if analyzed.is_err() {
        cancel.store(true, Ordering::Relaxed);
    }
    let decoded = decoder.join().map_err(|_| LoadError::Worker {
        path: path.clone(),
        problem: "the decoding thread panicked".into(),
    })?;
    let analyzed = match analyzed {
        Ok(a) => a,
        Err(AnalyzeError::Cancelled { .. }) => return Err(LoadError::Cancelled(path)),
        Err(e) => return Err(e.into()),
    };
    let Some((waveform, audio, decode_s)) = decoded? else {
        return Err(LoadError::Cancelled(path));
    };
    Ok(LoadedCall {
        path,
        info: analyzed.info,
        agent_channel: map.agent,
        report: analyzed.report,
        pitch,
        waveform,
        audio,
        timings: LoadTimings {
            analysis_s,
            decode_s,
            total_s: start.elapsed().as_secs_f64(),
        },
    })
}

type Decoded = ([Option<Pyramid>; 2], PlaybackAudio, f64);

fn to_i16(x: f32) -> i16 {
    (x * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Reads every sample into the pyramids and the playback buffer; `None` when cancelled.
fn decode(
    mut stream: WavStream,
    map: ChannelMap,
    cancel: &AtomicBool,
    progress: &[AtomicU32; 2],
) -> Result<Option<Decoded>, LoadError> {
    let t = Instant::now();
    let info = stream.info().clone();
    let channels = usize::from(info.channels);
    let parties = if map.customer.is_some() { 2 } else { 1 };
    let mut agent = PyramidBuilder::new(info.sample_rate, info.frames);
    let mut customer = map
        .customer
        .map(|_| PyramidBuilder::new(info.sample_rate, info.frames));
    let mut play = PlaybackBuilder::new(info.sample_rate, parties, info.frames);
    let mut block = Vec::with_capacity(READ_BLOCK_FRAMES * channels);
    let mut done = 0u64;
    let mut last_check = Instant::now();
    loop {
        let n = stream.read_frames(&mut block, READ_BLOCK_FRAMES)?;
        if n == 0 {
            break;
        }
        for frame in block.chunks_exact(channels) {
            let a = to_i16(frame[map.agent]);
            let c = map.customer.map_or(0, |c| to_i16(frame[c]));
            agent.push(a);
            if let Some(b) = customer.as_mut() {
                b.push(c);
            }
            play.push([a, c]);
        }
        done += n as u64;
        if last_check.elapsed() > Duration::from_millis(20) {
            last_check = Instant::now();
            progress[1].store(share(done, info.frames), Ordering::Relaxed);
            if cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
        }
    }
    progress[1].store(10_000, Ordering::Relaxed);
    Ok(Some((
        [Some(agent.finish()), customer.map(PyramidBuilder::finish)],
        play.finish(),
        t.elapsed().as_secs_f64(),
    )))
}
