//! The live pipeline: audio sources (a capture device through cpal, or a WAV file played
//! at real-time pace), a bounded lock-free hand-over to a named analysis thread that runs
//! the same streaming engine as batch scoring, the gauges computed from its frames and
//! events, and the recording of the call.
//!
//! ```text
//! cpal callback ──Block──▶ bounded queue ──▶ analysis thread ──▶ LiveSnapshot (UI draws)
//!   (no alloc, no lock)     (drops counted)    CallAnalyzer        events (headless, UI)
//!                                               Recorder (WAV)
//! ```

pub mod agent;
pub mod capture;
pub mod coach;
pub mod demo;
pub mod error;
pub mod headless;
pub mod pipeline;
pub mod recorder;
pub mod session;
pub mod snapshot;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

pub use error::{CaptureError, LiveError, RecordingError};

/// Interleaved samples one [`Block`] can carry.
pub const BLOCK_SAMPLES: usize = 960;
/// Capacity of the hand-over queue, in blocks (about 4 s of 48 kHz stereo).
pub const QUEUE_BLOCKS: usize = 400;
/// The buffer asked of the device, in frames per callback at 48 kHz (10 ms); scaled to
/// the device's rate.
pub const DEVICE_BUFFER_MS: u32 = 10;

/// A piece of captured audio on its way to the analysis thread. Fixed size, copied by
/// value, so sending it allocates nothing.
#[derive(Clone, Copy)]
pub struct Block {
    /// Which input it came from (0: the main input; 1: the customer-side input of a pair).
    pub source: u8,
    /// Interleaved samples used in `samples` (whole frames).
    pub len: u16,
    /// When the callback that produced it started.
    pub captured_at: Instant,
    /// Samples as 16-bit PCM (what is recorded, and exactly what is analyzed).
    pub samples: [i16; BLOCK_SAMPLES],
}

impl Block {
    /// An empty block from `source`, stamped `captured_at`.
    pub fn empty(source: u8, captured_at: Instant) -> Self {
        Self {
            source,
            len: 0,
            captured_at,
            samples: [0; BLOCK_SAMPLES],
        }
    }

    /// The samples in use.
    pub fn data(&self) -> &[i16] {
        &self.samples[..usize::from(self.len)]
    }
}

/// Counters the audio side updates and the analysis side reads; atomics only.
#[derive(Debug, Default)]
pub struct FlowCounters {
    /// Blocks dropped because the queue was full.
    pub dropped_blocks: AtomicU64,
    /// Callbacks received.
    pub callbacks: AtomicU64,
    /// Frames in the last callback (what the device actually gives).
    pub last_callback_frames: AtomicU64,
    /// Largest callback seen, frames.
    pub max_callback_frames: AtomicU64,
}

impl FlowCounters {
    /// Shared counters.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Blocks dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped_blocks.load(Ordering::Relaxed)
    }
}

/// Splits `input` (interleaved, `channels` per frame) into blocks of whole frames,
/// converting each sample with `convert`, and offers each block to `send`; a refused
/// block is counted as dropped. This is the whole body of the audio callback: it does
/// not allocate, lock or block.
pub fn hand_over<T: Copy>(
    input: &[T],
    channels: usize,
    source: u8,
    captured_at: Instant,
    counters: &FlowCounters,
    convert: impl Fn(T) -> i16,
    mut send: impl FnMut(Block) -> bool,
) {
    let channels = channels.max(1);
    let frames = input.len() / channels;
    counters.callbacks.fetch_add(1, Ordering::Relaxed);
    counters
        .last_callback_frames
        .store(frames as u64, Ordering::Relaxed);
    counters
        .max_callback_frames
        .fetch_max(frames as u64, Ordering::Relaxed);
    let per_block = (BLOCK_SAMPLES / channels) * channels;
    for chunk in input[..frames * channels].chunks(per_block) {
        let mut block = Block::empty(source, captured_at);
        for (dst, &src) in block.samples.iter_mut().zip(chunk) {
            *dst = convert(src);
        }
        block.len = chunk.len() as u16;
        if !send(block) {
            counters.dropped_blocks.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Converts a float sample to 16-bit PCM (rounded, clipped).
pub fn f32_to_i16(x: f32) -> i16 {
    let v = (x * 32768.0).round();
    if v.is_nan() {
        0
    } else {
        v.clamp(-32768.0, 32767.0) as i16
    }
}

/// A named worker thread with a stop flag: [`StoppableThread::stop`] (or dropping it)
/// raises the flag and waits for the thread to end.
pub struct StoppableThread {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StoppableThread {
    /// Spawns `work` on a thread called `name`; `work` gets the stop flag to watch.
    pub fn spawn(
        name: &str,
        work: impl FnOnce(Arc<AtomicBool>) + Send + 'static,
    ) -> Result<Self, LiveError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || work(flag))
            .map_err(|error| LiveError::Thread {
                name: name.into(),
                error,
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Raises the stop flag and waits for the thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for StoppableThread {
    fn drop(&mut self) {
        self.stop();
    }
}
