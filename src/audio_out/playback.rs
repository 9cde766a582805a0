//! Listening to a call: the review view plays the call, and the live demo its file. The
//! decoded call is held compactly (G.711 mu-law bytes, at most 16 kHz: a two-hour stereo
//! 8 kHz call takes 115 MB), shared with the output callback as an `Arc<Vec<u8>>` (never
//! copied); the play position, speed, channel choice and play/pause are atomics. The
//! callback never allocates, locks or blocks: it reads the samples it needs, interpolates
//! linearly to the device rate and advances the position by `speed × call rate / device
//! rate` per output frame. Without an output device the view still works: the position
//! moves by seeking only, and [`Player::status`] says why playback is off.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::audio::g711::{linear_to_mulaw, mulaw_to_linear};

use super::output::{OutputStream, open_stream};

/// Highest rate audio is held at for listening, Hz.
pub const MAX_PLAY_RATE: u32 = 16_000;

/// The call's audio for listening: mu-law bytes, interleaved agent then customer (one
/// channel for a mono file).
#[derive(Debug, Clone)]
pub struct PlaybackAudio {
    /// Frames per second.
    pub rate: u32,
    /// 1 (mono file) or 2 (agent, customer).
    pub channels: u16,
    /// Samples, interleaved.
    pub samples: Arc<Vec<u8>>,
}

impl PlaybackAudio {
    /// Frames held.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// Seconds held.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.rate.max(1))
    }
}

/// Builds [`PlaybackAudio`] from the file's samples: keeps the rate up to
/// [`MAX_PLAY_RATE`], else averages groups of `ceil(rate / 16000)` frames.
#[derive(Debug)]
pub struct PlaybackBuilder {
    factor: usize,
    channels: usize,
    rate: u32,
    acc: [i32; 2],
    count: usize,
    samples: Vec<u8>,
}

impl PlaybackBuilder {
    /// A builder for `channels` (1 or 2) parties at `file_rate` Hz.
    pub fn new(file_rate: u32, channels: usize, frames_hint: u64) -> Self {
        let factor = file_rate.div_ceil(MAX_PLAY_RATE).max(1) as usize;
        let channels = channels.clamp(1, 2);
        let frames = usize::try_from(frames_hint).unwrap_or(0) / factor + 1;
        Self {
            factor,
            channels,
            rate: file_rate / factor as u32,
            acc: [0; 2],
            count: 0,
            samples: Vec::with_capacity(frames.saturating_mul(channels)),
        }
    }

    /// Adds one frame (`frame[1]` is ignored for one channel).
    #[inline]
    pub fn push(&mut self, frame: [i16; 2]) {
        self.acc[0] += i32::from(frame[0]);
        self.acc[1] += i32::from(frame[1]);
        self.count += 1;
        if self.count == self.factor {
            for c in 0..self.channels {
                let v = self.acc[c] / self.factor as i32;
                self.samples.push(linear_to_mulaw(v as i16));
            }
            self.acc = [0; 2];
            self.count = 0;
        }
    }

    /// The audio.
    pub fn finish(self) -> PlaybackAudio {
        PlaybackAudio {
            rate: self.rate,
            channels: self.channels as u16,
            samples: Arc::new(self.samples),
        }
    }
}

/// Which party to hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Listen {
    /// Both: agent left, customer right (mixed on a one-channel device).
    #[default]
    Both,
    /// The agent only.
    Agent,
    /// The customer only.
    Customer,
}

impl Listen {
    fn to_u8(self) -> u8 {
        match self {
            Self::Both => 0,
            Self::Agent => 1,
            Self::Customer => 2,
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Agent,
            2 => Self::Customer,
            _ => Self::Both,
        }
    }
}

/// Fixed-point position: call frames × 2^32.
const POS_ONE: f64 = 4_294_967_296.0;

/// State shared with the output callback (atomics only).
///
/// `pos` is where the next block will be rendered from; what is *heard* lags it by the
/// device's latency. The output callback therefore also publishes where the block it
/// just rendered starts and when the device says that start will be played
/// (`heard_pos`, `heard_at_ns`), and [`Self::position_frames`] runs on from there with
/// the clock while playing. `heard_at_ns` doubles as a sequence number: it is zeroed
/// while the pair is being written, and by a seek (until the next callback renders from
/// the new place).
#[derive(Debug)]
pub struct Transport {
    pos: AtomicU64,
    playing: AtomicBool,
    speed_bits: AtomicU32,
    listen: AtomicU8,
    heard_pos: AtomicU64,
    heard_at_ns: AtomicU64,
    /// Call frames per second.
    rate: f64,
    /// Origin of the `*_ns` clock values.
    epoch: Instant,
}

impl Transport {
    /// A transport for audio at `rate` call frames per second, at 0, paused.
    pub fn new(rate: u32) -> Self {
        Self {
            pos: AtomicU64::new(0),
            playing: AtomicBool::new(false),
            speed_bits: AtomicU32::new(1.0f32.to_bits()),
            listen: AtomicU8::new(0),
            heard_pos: AtomicU64::new(0),
            heard_at_ns: AtomicU64::new(0),
            rate: f64::from(rate.max(1)),
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the transport was made (at least 1, so 0 can mean "unknown").
    fn now_ns(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Play position in call frames: the frame being heard now while playing (the
    /// rendered position less what is still queued in the device), else where playing
    /// will resume.
    pub fn position_frames(&self) -> f64 {
        let pos = self.pos.load(Ordering::Acquire) as f64 / POS_ONE;
        if !self.is_playing() {
            return pos;
        }
        let at = self.heard_at_ns.load(Ordering::Acquire);
        let heard = self.heard_pos.load(Ordering::Acquire) as f64 / POS_ONE;
        if at == 0 || self.heard_at_ns.load(Ordering::Acquire) != at {
            return pos;
        }
        let since_s = (self.now_ns() as f64 - at as f64) * 1e-9;
        (heard + since_s * f64::from(self.speed()) * self.rate).clamp(0.0, pos)
    }

    fn set_position_frames(&self, frames: f64) {
        self.heard_at_ns.store(0, Ordering::Release);
        self.pos
            .store((frames.max(0.0) * POS_ONE) as u64, Ordering::Release);
    }

    /// Publishes that the block starting at `start_bits` (fixed point) is heard
    /// `latency` after now. Called by the output callback only.
    #[cfg_attr(not(feature = "audio"), allow(dead_code))]
    pub(super) fn mark_heard(&self, start_bits: u64, latency: Duration) {
        let at = self
            .now_ns()
            .saturating_add(u64::try_from(latency.as_nanos()).unwrap_or(0));
        self.heard_at_ns.store(0, Ordering::Release);
        self.heard_pos.store(start_bits, Ordering::Release);
        self.heard_at_ns.store(at, Ordering::Release);
    }

    /// Playback speed, 0.5–2.
    pub fn speed(&self) -> f32 {
        f32::from_bits(self.speed_bits.load(Ordering::Relaxed))
    }

    /// Which party is heard.
    pub fn listen(&self) -> Listen {
        Listen::from_u8(self.listen.load(Ordering::Relaxed))
    }

    /// Whether playing.
    pub fn is_playing(&self) -> bool {
        self.playing.load(Ordering::Relaxed)
    }
}

/// Fills `out` (interleaved, `out_channels` per frame) from `audio` at the transport's
/// position, advancing it; silence when paused. `device_rate` is the output's rate.
/// Returns where the rendered block starts (fixed point), or `None` when paused or when
/// a seek made meanwhile won. Allocates nothing and takes no lock: this is the output
/// callback's body.
pub fn render(
    transport: &Transport,
    audio: &PlaybackAudio,
    out: &mut [f32],
    out_channels: usize,
    device_rate: u32,
) -> Option<u64> {
    let out_channels = out_channels.max(1);
    if !transport.is_playing() {
        out.fill(0.0);
        return None;
    }
    let frames = audio.frames();
    let ch = usize::from(audio.channels.max(1));
    let step = f64::from(transport.speed()) * f64::from(audio.rate) / f64::from(device_rate.max(1));
    let listen = transport.listen();
    let start_bits = transport.pos.load(Ordering::Acquire);
    let mut pos = start_bits as f64 / POS_ONE;
    let sample = |i: usize, c: usize| -> f32 {
        let b = audio
            .samples
            .get(i * ch + c.min(ch - 1))
            .copied()
            .unwrap_or(0xFF);
        f32::from(mulaw_to_linear(b)) / 32768.0
    };
    for frame in out.chunks_mut(out_channels) {
        if pos >= frames as f64 {
            frame.fill(0.0);
            continue;
        }
        let i = pos as usize;
        let frac = (pos - i as f64) as f32;
        let j = (i + 1).min(frames - 1);
        let at = |c: usize| sample(i, c) * (1.0 - frac) + sample(j, c) * frac;
        let (agent, customer) = (at(0), if ch > 1 { at(1) } else { at(0) });
        let (left, right) = match (listen, ch) {
            (_, 1) => (agent, agent),
            (Listen::Both, _) => (agent, customer),
            (Listen::Agent, _) => (agent, agent),
            (Listen::Customer, _) => (customer, customer),
        };
        if frame.len() == 1 {
            frame[0] = if listen == Listen::Both && ch > 1 {
                0.5 * (left + right)
            } else {
                left
            };
        } else {
            for (k, o) in frame.iter_mut().enumerate() {
                *o = if k % 2 == 0 { left } else { right };
            }
        }
        pos += step;
    }
    if pos >= frames as f64 {
        transport.playing.store(false, Ordering::Relaxed);
        pos = frames as f64;
    }
    // A seek made while rendering wins over the position reached here.
    transport
        .pos
        .compare_exchange(
            start_bits,
            (pos * POS_ONE) as u64,
            Ordering::AcqRel,
            Ordering::Relaxed,
        )
        .ok()
}

/// Whether sound can be heard, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaybackStatus {
    /// Playing through this device.
    On {
        /// Device description.
        device: String,
        /// Output rate, Hz.
        rate: u32,
    },
    /// No sound; the reason.
    Off(String),
}

/// Playback of one call: the transport, and the cpal stream when a device exists.
pub struct Player {
    audio: PlaybackAudio,
    transport: Arc<Transport>,
    stream: Option<OutputStream>,
    status: PlaybackStatus,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("status", &self.status)
            .field("frames", &self.audio.frames())
            .finish_non_exhaustive()
    }
}

impl Player {
    /// A player on the default output device, or with playback off (the reason kept)
    /// when there is none or it cannot be opened.
    pub fn new(audio: PlaybackAudio) -> Self {
        let transport = Arc::new(Transport::new(audio.rate));
        match open_stream(&audio, &transport) {
            Ok((stream, status)) => Self {
                audio,
                transport,
                stream: Some(stream),
                status,
            },
            Err(reason) => Self::without_device(audio, transport, reason.to_string()),
        }
    }

    /// A player with playback off (tests, or no device wanted).
    pub fn silent(audio: PlaybackAudio, reason: &str) -> Self {
        let transport = Arc::new(Transport::new(audio.rate));
        Self::without_device(audio, transport, reason.to_string())
    }

    fn without_device(audio: PlaybackAudio, transport: Arc<Transport>, reason: String) -> Self {
        Self {
            audio,
            transport,
            stream: None,
            status: PlaybackStatus::Off(reason),
        }
    }

    /// On or off, and why.
    pub fn status(&self) -> &PlaybackStatus {
        &self.status
    }

    /// Whether sound can play.
    pub fn has_device(&self) -> bool {
        self.stream.is_some()
    }

    /// The audio held.
    pub fn audio(&self) -> &PlaybackAudio {
        &self.audio
    }

    /// Play position, s.
    pub fn position_s(&self) -> f64 {
        self.transport.position_frames() / f64::from(self.audio.rate.max(1))
    }

    /// Moves the play position to `t_s` (clamped to the call).
    pub fn seek(&self, t_s: f64) {
        let t = t_s.clamp(0.0, self.audio.duration_s());
        self.transport
            .set_position_frames(t * f64::from(self.audio.rate));
    }

    /// Whether playing.
    pub fn is_playing(&self) -> bool {
        self.transport.is_playing()
    }

    /// Starts or stops playing (only with a device; from the end, starts again at 0).
    pub fn set_playing(&self, on: bool) {
        if on && self.stream.is_none() {
            return;
        }
        if on && self.position_s() >= self.audio.duration_s() - 0.01 {
            self.seek(0.0);
        }
        self.transport.playing.store(on, Ordering::Relaxed);
    }

    /// Playback speed, clamped to 0.5–2.
    pub fn set_speed(&self, speed: f32) {
        self.transport
            .speed_bits
            .store(speed.clamp(0.5, 2.0).to_bits(), Ordering::Relaxed);
    }

    /// Playback speed.
    pub fn speed(&self) -> f32 {
        self.transport.speed()
    }

    /// Which party is heard.
    pub fn set_listen(&self, listen: Listen) {
        self.transport
            .listen
            .store(listen.to_u8(), Ordering::Relaxed);
    }

    /// Which party is heard.
    pub fn listen(&self) -> Listen {
        self.transport.listen()
    }

    /// The shared transport (for tests of [`render`]).
    pub fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64) -> PlaybackAudio {
        let mut b = PlaybackBuilder::new(rate, 2, 0);
        for i in 0..(f64::from(rate) * seconds) as usize {
            let a = ((i as f64 * 0.05).sin() * 10_000.0) as i16;
            b.push([a, 0]);
        }
        b.finish()
    }

    #[test]
    fn builder_keeps_low_rates_and_decimates_high_ones() {
        assert_eq!(tone(8000, 1.0).rate, 8000);
        assert_eq!(tone(8000, 1.0).frames(), 8000);
        let hi = tone(48_000, 1.0);
        assert_eq!(hi.rate, 16_000);
        assert_eq!(hi.frames(), 16_000);
        assert_eq!(PlaybackBuilder::new(44_100, 1, 0).finish().rate, 14_700);
    }

    #[test]
    fn render_advances_by_speed_and_resamples_to_the_device() {
        let player = Player::silent(tone(8000, 2.0), "test");
        let t = player.transport();
        let mut out = vec![0.0f32; 48_000 * 2];
        // Paused: silence, no movement.
        render(t, player.audio(), &mut out, 2, 48_000);
        assert_eq!(player.position_s(), 0.0);
        assert!(out.iter().all(|v| *v == 0.0));
        t.playing.store(true, Ordering::Relaxed);
        render(t, player.audio(), &mut out[..48_000], 2, 48_000);
        assert!(
            (player.position_s() - 0.5).abs() < 1e-6,
            "{}",
            player.position_s()
        );
        player.set_speed(2.0);
        render(t, player.audio(), &mut out[..48_000], 2, 48_000);
        assert!(
            (player.position_s() - 1.5).abs() < 1e-6,
            "{}",
            player.position_s()
        );
        // Left is the agent's tone, right the silent customer.
        assert!(out.chunks(2).any(|f| f[0].abs() > 0.1));
        assert!(out.chunks(2).all(|f| f[1].abs() < 1e-3));
        player.set_listen(Listen::Customer);
        render(t, player.audio(), &mut out[..4800], 2, 48_000);
        assert!(out[..4800].iter().all(|v| v.abs() < 1e-3));
        // Past the end: stops at the end.
        player.set_speed(0.25);
        assert_eq!(player.speed(), 0.5);
        player.set_speed(2.0);
        render(t, player.audio(), &mut out, 2, 48_000);
        assert!(!player.is_playing());
        assert!((player.position_s() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_playhead_is_what_is_heard_not_what_is_rendered() {
        let player = Player::silent(tone(8000, 3.0), "test");
        let t = player.transport();
        t.playing.store(true, Ordering::Relaxed);
        // 0.1 s rendered, to be heard from 50 ms on.
        let mut out = vec![0.0f32; 4800 * 2];
        let start = render(t, player.audio(), &mut out, 2, 48_000).expect("rendered");
        assert_eq!(start, 0);
        t.mark_heard(start, Duration::from_millis(50));
        assert!(player.position_s() < 1e-9, "{}", player.position_s());
        std::thread::sleep(Duration::from_millis(80));
        let p = player.position_s();
        assert!((0.03 - 1e-6..=0.1).contains(&p), "{p}");
        // Never beyond what was rendered.
        std::thread::sleep(Duration::from_millis(150));
        assert!((player.position_s() - 0.1).abs() < 1e-9);
        // A seek shows the sought place at once; pausing shows where playing resumes.
        player.seek(2.0);
        assert!((player.position_s() - 2.0).abs() < 1e-9);
        render(t, player.audio(), &mut out, 2, 48_000).expect("rendered");
        t.playing.store(false, Ordering::Relaxed);
        assert!((player.position_s() - 2.1).abs() < 1e-9);
    }

    #[test]
    fn without_a_device_seek_works_and_play_does_nothing() {
        let player = Player::silent(tone(8000, 3.0), "no device");
        assert_eq!(player.status(), &PlaybackStatus::Off("no device".into()));
        player.set_playing(true);
        assert!(!player.is_playing());
        player.seek(1.25);
        assert!((player.position_s() - 1.25).abs() < 1e-9);
        player.seek(99.0);
        assert!((player.position_s() - 3.0).abs() < 1e-9);
    }
}
