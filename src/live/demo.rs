//! A WAV file played through the live pipeline as if it were captured: blocks of 10 ms
//! at real-time pace (or as fast as possible, for tests and benchmarks), into the same
//! queue the capture callback feeds. Used by `callcoach live --demo FILE` and when no
//! input device exists.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::audio::wav::{WavInfo, WavStream};
use crate::audio_out::playback::{PlaybackBuilder, Player};

use super::session::{InputLayout, SharedStatus, lock_status};
use super::snapshot::SourceState;
use super::{
    BLOCK_SAMPLES, Block, FlowCounters, LiveError, StoppableThread, f32_to_i16, hand_over,
};

/// Audio per block handed over, ms (the size of a typical device callback).
pub const DEMO_BLOCK_MS: u32 = 10;

/// How fast the file is played.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Real time (speed 1.0 = as recorded).
    RealTime(f64),
    /// As fast as the analysis takes it (blocks wait for room in the queue).
    AsFastAsPossible,
}

/// A file being played into the pipeline.
pub struct DemoSource {
    worker: StoppableThread,
}

impl DemoSource {
    /// Opens `path` and starts playing it into `blocks`; returns the layout (the file's
    /// rate and channels, the agent on `agent_channel` of a stereo file).
    pub fn start(
        path: &Path,
        agent_channel: usize,
        pace: Pace,
        blocks: Sender<Block>,
        counters: Arc<FlowCounters>,
        status: SharedStatus,
    ) -> Result<(Self, InputLayout), LiveError> {
        let stream = WavStream::open(path)?;
        let info: WavInfo = stream.info().clone();
        let layout = InputLayout::Single {
            sample_rate: info.sample_rate,
            channels: info.channels,
            agent_channel: if info.channels > 1 { agent_channel } else { 0 },
        };
        {
            let mut s = lock_status(&status);
            s.label = format!("demo: {}", path.display());
            s.sample_rate = info.sample_rate;
            s.channels = info.channels;
            s.has_customer = info.channels > 1;
            s.state = SourceState::Running;
        }
        let path: PathBuf = path.to_path_buf();
        let worker = StoppableThread::spawn("callcoach-demo", move |stop| {
            play(
                stream, &path, &info, pace, &blocks, &counters, &status, &stop,
            );
        })?;
        Ok((Self { worker }, layout))
    }

    /// Stops playing (the session then ends).
    pub fn stop(&mut self) {
        self.worker.stop();
    }
}

#[allow(clippy::too_many_arguments)]
fn play(
    mut stream: WavStream,
    path: &Path,
    info: &WavInfo,
    pace: Pace,
    blocks: &Sender<Block>,
    counters: &FlowCounters,
    status: &SharedStatus,
    stop: &AtomicBool,
) {
    // Audible when an output device exists: the file plays through the shared player
    // (its own lock-free callback) from the moment the pacing starts.
    let player = match pace {
        Pace::RealTime(speed) => demo_player(path, speed),
        Pace::AsFastAsPossible => None,
    };
    let channels = usize::from(info.channels);
    let frames_per_block =
        ((info.sample_rate * DEMO_BLOCK_MS / 1000) as usize).clamp(1, BLOCK_SAMPLES / channels);
    let mut buf = Vec::with_capacity(frames_per_block * channels);
    let start = Instant::now();
    let mut sent_frames = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let n = match stream.read_frames(&mut buf, frames_per_block) {
            Ok(n) => n,
            Err(e) => {
                // The message names the file.
                lock_status(status).state = SourceState::Failed {
                    message: e.to_string(),
                };
                return;
            }
        };
        if n == 0 {
            break;
        }
        if let Pace::RealTime(speed) = pace {
            let due = Duration::from_secs_f64(
                sent_frames as f64 / f64::from(info.sample_rate) / speed.max(0.01),
            );
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        let mut send = |b: Block| match pace {
            Pace::RealTime(_) => blocks.try_send(b).is_ok(),
            Pace::AsFastAsPossible => blocks.send(b).is_ok(),
        };
        hand_over(
            &buf,
            channels,
            0,
            Instant::now(),
            counters,
            f32_to_i16,
            &mut send,
        );
        sent_frames += n as u64;
    }
    drop(player);
    lock_status(status).state = SourceState::Ended;
}

/// A player for the demo file on the default output, playing; `None` without a device.
fn demo_player(path: &Path, speed: f64) -> Option<Player> {
    let mut stream = WavStream::open(path).ok()?;
    let info = stream.info().clone();
    let channels = usize::from(info.channels);
    let mut builder = PlaybackBuilder::new(info.sample_rate, channels.min(2), info.frames);
    let mut buf = Vec::new();
    while stream.read_frames(&mut buf, 4096).ok()? > 0 {
        for frame in buf.chunks_exact(channels) {
            let second = frame.get(1).copied().unwrap_or(0.0);
            builder.push([f32_to_i16(frame[0]), f32_to_i16(second)]);
        }
    }
    let player = Player::new(builder.finish());
    if !player.has_device() {
        return None;
    }
    player.set_speed(speed as f32);
    player.set_playing(true);
    Some(player)
}
