//! The review player heard end to end: a private PulseAudio with a null sink
//! (`../shared/tools/with-virtual-audio.sh`) takes what the review [`Player`] plays
//! through cpal while `parec` records the sink's monitor. The recording must be the file:
//! found by cross-correlation, correlated above 0.99 on each channel, at the file's level,
//! lasting the file's length ÷ speed; a seek starts it at the sought sample; 2× and 0.5×
//! play at those speeds; with one party chosen the other party's speech is absent. The
//! reported playhead is compared with the audio the sink emitted at the same instant.
//!
//! The test relaunches itself inside `with-virtual-audio.sh` (the outer run sets up the
//! server and waits; the inner run, marked by an environment variable, does the work).
//! Needs pulseaudio and pulseaudio-utils (`.ci/test` installs them).

mod common;
use common::{demo_call, read_wav, shared};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use callcoach::audio::wav::{Encoding, write_g711};
use callcoach::audio_out::playback::{Listen, PlaybackStatus, Player};
use callcoach::config::Profile;
use callcoach::review::load::{LoadJob, LoadRequest};
use realfft::RealFftPlanner;

/// Set in the inner run (inside the private PulseAudio).
const INNER: &str = "CALLCOACH_REVIEW_PLAYBACK_E2E_INNER";
/// The recording's rate and channels (the null sink's).
const REC_RATE: f64 = 48_000.0;
/// The fixture: three seconds of the agent's speech in the demo call (from 26.5 s) on the
/// left, three of the customer's (from 34.5 s) on the right, so that both parties are heard
/// all through and each one's presence or absence can be measured.
const AGENT_FROM_S: f64 = 26.5;
const CUSTOMER_FROM_S: f64 = 34.5;
const FIXTURE_S: f64 = 3.0;

/// Interleaved samples, and (read instant, frames received so far) per read.
type Received = (Vec<f32>, Vec<(Instant, usize)>);

/// `parec` on the null sink's monitor: float stereo at 48 kHz, and for each read the
/// instant it returned and the frames received so far (to put the recording on the
/// wall clock).
struct Recorder {
    child: std::process::Child,
    reader: Option<std::thread::JoinHandle<()>>,
    data: Arc<Mutex<Received>>,
}

impl Recorder {
    fn start() -> Self {
        let mut child = Command::new("parec")
            .args([
                "--raw",
                "--format=float32le",
                "--rate=48000",
                "--channels=2",
                "--latency-msec=10",
                "--device=vsink.monitor",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("parec runs");
        let mut out = child.stdout.take().expect("stdout");
        let data = Arc::new(Mutex::new((Vec::new(), Vec::new())));
        let shared = Arc::clone(&data);
        let reader = std::thread::Builder::new()
            .name("parec-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 4096];
                let mut pending: Vec<u8> = Vec::new();
                while let Ok(n) = out.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let now = Instant::now();
                    pending.extend_from_slice(&buf[..n]);
                    let whole = pending.len() / 4 * 4;
                    let mut d = shared.lock().expect("lock");
                    d.0.extend(
                        pending[..whole]
                            .chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    );
                    pending.drain(..whole);
                    let frames = d.0.len() / 2;
                    d.1.push((now, frames));
                }
            })
            .expect("reader thread starts");
        Self {
            child,
            reader: Some(reader),
            data,
        }
    }

    /// Waits until the monitor delivers audio (a null sink idling at its default 2 s
    /// latency starts doing so only when its timer next fires).
    fn wait_flowing(&self) {
        let limit = Instant::now() + Duration::from_secs(10);
        while self.data.lock().expect("lock").1.is_empty() {
            assert!(Instant::now() < limit, "parec records nothing");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the sink has emitted `silence_s` of digital silence (exact zeros on both
    /// channels) after `since`: what the player had queued has played out. The fixture's
    /// own pauses hold at most 37 ms of exact zeros (74 ms at half speed).
    fn wait_silent_after(&self, since: Instant, silence_s: f64) {
        let silence = (silence_s * REC_RATE) as usize * 2;
        let limit = Instant::now() + Duration::from_secs(10);
        loop {
            {
                let d = self.data.lock().expect("lock");
                let from = d.1.iter().take_while(|(t, _)| *t <= since).last();
                let from = from.map_or(0, |(_, frames)| frames * 2);
                let after = &d.0[from.min(d.0.len())..];
                if after.len() >= silence
                    && after[after.len() - silence..].iter().all(|v| *v == 0.0)
                {
                    return;
                }
            }
            assert!(Instant::now() < limit, "playback never fell silent");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops recording; returns left, right and the instant of frame 0.
    fn stop(mut self) -> (Vec<f32>, Vec<f32>, Instant) {
        self.child.kill().expect("stop parec");
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            r.join().expect("reader");
        }
        let d = self.data.lock().expect("lock");
        // Frame k was captured at t0 + k / rate; no read returns before its frames exist,
        // so the earliest `read instant − frames / rate` is the best bound on t0.
        let t0 =
            d.1.iter()
                .map(|(t, n)| *t - Duration::from_secs_f64(*n as f64 / REC_RATE))
                .min()
                .expect("parec delivered audio");
        let left = d.0.iter().step_by(2).copied().collect();
        let right = d.0.iter().skip(1).step_by(2).copied().collect();
        (left, right, t0)
    }
}

/// What the player should emit at 48 kHz for one channel of the source (8 kHz), from
/// source frame `from` for `n` output samples at `speed`: the source, linearly
/// interpolated, as the player's resampler does.
fn expected(src: &[f32], src_rate: f64, from_s: f64, speed: f64, n: usize) -> Vec<f32> {
    let step = speed * src_rate / REC_RATE;
    let start = from_s * src_rate;
    (0..n)
        .map(|k| {
            let p = start + k as f64 * step;
            let i = p as usize;
            let f = (p - i as f64) as f32;
            let a = src.get(i).copied().unwrap_or(0.0);
            let b = src.get(i + 1).copied().unwrap_or(a);
            a * (1.0 - f) + b * f
        })
        .collect()
}

/// Where `template` sits in `signal`: the lag with the highest normalised correlation
/// among windows holding at least a quarter of the template's energy (FFT
/// cross-correlation), and that correlation.
fn find(signal: &[f32], template: &[f32]) -> (usize, f64) {
    assert!(signal.len() >= template.len(), "recording too short");
    let n = (signal.len() + template.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let spectrum = |x: &[f32]| {
        let mut buf = vec![0.0f64; n];
        for (b, v) in buf.iter_mut().zip(x) {
            *b = f64::from(*v);
        }
        let mut out = fwd.make_output_vec();
        fwd.process(&mut buf, &mut out).expect("fft");
        out
    };
    let s = spectrum(signal);
    let t = spectrum(template);
    let mut prod: Vec<_> = s.iter().zip(&t).map(|(a, b)| a * b.conj()).collect();
    let mut corr = inv.make_output_vec();
    inv.process(&mut prod, &mut corr).expect("ifft");
    let et: f64 = template.iter().map(|v| f64::from(*v).powi(2)).sum();
    let mut prefix = vec![0.0f64; signal.len() + 1];
    for (i, v) in signal.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*v).powi(2);
    }
    let m = template.len();
    (0..=signal.len() - m)
        .filter_map(|lag| {
            let es = prefix[lag + m] - prefix[lag];
            (es > 0.25 * et).then(|| (lag, corr[lag] / n as f64 / (es * et).sqrt()))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a window with the template's energy")
}

/// Normalised correlation of two equal stretches.
fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt().max(1e-30)
}

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|v| f64::from(*v).powi(2)).sum()
}

/// One stretch of playback.
struct Run {
    name: &'static str,
    listen: Listen,
    speed: f32,
    seek_s: f64,
    /// Instants the run started and ended (after the tail), and (instant, playhead) pairs.
    started: Option<Instant>,
    ended: Option<Instant>,
    playhead: Vec<(Instant, f64)>,
}

impl Run {
    fn new(name: &'static str, listen: Listen, speed: f32, seek_s: f64) -> Self {
        Self {
            name,
            listen,
            speed,
            seek_s,
            started: None,
            ended: None,
            playhead: Vec::new(),
        }
    }
}

/// What was measured on one run.
#[derive(Debug)]
struct Measured {
    start_s: f64,
    start_delay_s: f64,
    duration_s: f64,
    expected_duration_s: f64,
    corr: [f64; 2],
    gain_db: f64,
    absent_db: Option<f64>,
    playhead_ms: Vec<f64>,
}

#[test]
fn review_player_is_heard_through_pulseaudio() {
    if std::env::var_os(INNER).is_none() {
        let exe = std::env::current_exe().expect("test binary");
        let status = Command::new(shared().join("tools/with-virtual-audio.sh"))
            .arg("env")
            .arg(format!("{INNER}=1"))
            .arg(exe)
            .args([
                "--exact",
                "review_player_is_heard_through_pulseaudio",
                "--nocapture",
                "--test-threads=1",
            ])
            .status()
            .expect("with-virtual-audio.sh runs");
        assert!(status.success(), "the run inside PulseAudio failed");
        return;
    }
    inner();
}

fn inner() {
    // The fixture: stereo 8 kHz mu-law, as telephony systems record.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = dir.path().join("overtalk.wav");
    let (rate, ch, demo) = read_wav(&demo_call());
    assert_eq!(ch, 2);
    let frame = |s: f64| (s * f64::from(rate)) as usize;
    let pcm: Vec<i16> = (0..frame(FIXTURE_S))
        .flat_map(|k| {
            [
                demo[(frame(AGENT_FROM_S) + k) * 2],
                demo[(frame(CUSTOMER_FROM_S) + k) * 2 + 1],
            ]
        })
        .map(|v| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    write_g711(&fixture, rate, 2, Encoding::MuLaw, &pcm).expect("write fixture");
    // The reference is the file as the engine's reader decodes it.
    let (rate, _, file) = read_wav(&fixture);
    let src_rate = f64::from(rate);
    let agent: Vec<f32> = file.iter().step_by(2).copied().collect();
    let customer: Vec<f32> = file.iter().skip(1).step_by(2).copied().collect();
    let file_s = agent.len() as f64 / src_rate;

    // Opened as the view opens it.
    let call = LoadJob::start(
        LoadRequest {
            path: fixture.clone(),
            profile: Profile::default(),
            agent_channel: None,
        },
        || {},
    )
    .expect("start")
    .wait()
    .expect("loads");
    assert_eq!(call.agent_channel, 0);
    let player = Player::new(call.audio.clone());
    match player.status() {
        PlaybackStatus::On { device, rate } => println!("playing on {device} at {rate} Hz"),
        PlaybackStatus::Off(why) => panic!("no playback inside PulseAudio: {why}"),
    }

    let recorder = Recorder::start();
    recorder.wait_flowing();
    std::thread::sleep(Duration::from_millis(300));
    let mut runs = [
        Run::new("both 1x from 0", Listen::Both, 1.0, 0.0),
        Run::new("agent 2x from 0.5 s", Listen::Agent, 2.0, 0.5),
        Run::new("customer 0.5x from 2 s", Listen::Customer, 0.5, 2.0),
    ];
    for run in &mut runs {
        player.set_listen(run.listen);
        player.set_speed(run.speed);
        player.seek(run.seek_s);
        run.started = Some(Instant::now());
        player.set_playing(true);
        let limit = Instant::now() + Duration::from_secs(10);
        while player.is_playing() {
            assert!(
                Instant::now() < limit,
                "{}: never reached the end",
                run.name
            );
            run.playhead.push((Instant::now(), player.position_s()));
            std::thread::sleep(Duration::from_millis(5));
        }
        // The end of the call stops the player; what is queued still plays out.
        recorder.wait_silent_after(Instant::now(), 0.2);
        run.ended = Some(Instant::now());
    }
    let (left, right, t0) = recorder.stop();
    // REVIEW_E2E_DUMP=FILE.wav keeps the recording, to listen to after a failure.
    if let Some(dump) = std::env::var_os("REVIEW_E2E_DUMP") {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&dump, spec).expect("dump");
        for (l, r) in left.iter().zip(&right) {
            w.write_sample(*l).expect("write");
            w.write_sample(*r).expect("write");
        }
        w.finalize().expect("finalize");
    }
    let at = |t: Instant| ((t.saturating_duration_since(t0)).as_secs_f64() * REC_RATE) as usize;

    let mut all_errors = Vec::new();
    for run in &runs {
        let speed = f64::from(run.speed);
        let (a, b) = (
            at(run.started.expect("started")),
            at(run.ended.expect("ended")).min(left.len()),
        );
        let (rl, rr) = (&left[a..b], &right[a..b]);
        let heard_s = file_s - run.seek_s;
        let n = (heard_s / speed * REC_RATE) as usize;
        let (want_l, want_r, other) = match run.listen {
            Listen::Both => (&agent, &customer, None),
            Listen::Agent => (&agent, &agent, Some(&customer)),
            Listen::Customer => (&customer, &customer, Some(&agent)),
        };
        let el = expected(want_l, src_rate, run.seek_s, speed, n);
        let er = expected(want_r, src_rate, run.seek_s, speed, n);
        let mix =
            |x: &[f32], y: &[f32]| -> Vec<f32> { x.iter().zip(y).map(|(p, q)| p + q).collect() };
        // Where the whole run's expected output sits in the recording.
        let (lag, _) = find(&mix(rl, rr), &mix(&el, &er));
        let corr = [
            correlation(&rl[lag..lag + n], &el),
            correlation(&rr[lag..lag + n], &er),
        ];
        let gain_db = 10.0
            * ((energy(&rl[lag..lag + n]) + energy(&rr[lag..lag + n]))
                / (energy(&el) + energy(&er)))
            .log10();
        // Where the first and the last half second of the heard part land, each on its own.
        let w = (0.5 / speed * REC_RATE) as usize;
        let (first, _) = find(&mix(rl, rr), &mix(&el[..w], &er[..w]));
        let (last, _) = find(&mix(rl, rr), &mix(&el[n - w..], &er[n - w..]));
        let duration_s = (last + w - first) as f64 / REC_RATE;
        // From pressing play to the first sound.
        let start_delay_s = first as f64 / REC_RATE;
        // Which source instant the first heard sample is: the start of the whole file
        // found in the recording with the sought position's output.
        let whole_l = expected(
            want_l,
            src_rate,
            0.0,
            speed,
            (file_s / speed * REC_RATE) as usize,
        );
        let whole_r = expected(want_r, src_rate, 0.0, speed, whole_l.len());
        let probe = mix(&rl[first..first + w], &rr[first..first + w]);
        let (src_lag, _) = find(&mix(&whole_l, &whole_r), &probe);
        let start_s = src_lag as f64 / REC_RATE * speed;
        // The other party: what is left after the chosen party's output is removed, against
        // the other party's own content over the same stretch.
        let absent_db = other.map(|o| {
            let eo = expected(o, src_rate, run.seek_s, speed, n);
            let resid: Vec<f32> = rl[lag..lag + n]
                .iter()
                .zip(&el)
                .map(|(r, e)| r - e)
                .collect();
            10.0 * (energy(&resid) / energy(&eo)).log10()
        });
        // Playhead: the reported position against the source instant the sink emitted
        // at the same moment (frame `a + lag` of the recording is `seek_s`).
        let playhead_ms: Vec<f64> = run
            .playhead
            .iter()
            .filter_map(|(t, p)| {
                let k = at(*t) as f64 - (a + lag) as f64;
                let emitted = run.seek_s + k / REC_RATE * speed;
                // Only while sound is playing (not the first 100 ms nor the last 100 ms).
                (k / REC_RATE > 0.1 && emitted < file_s - 0.1 * speed)
                    .then(|| (p - emitted) * 1000.0)
            })
            .collect();
        let m = Measured {
            start_s,
            start_delay_s,
            duration_s,
            expected_duration_s: heard_s / speed,
            corr,
            gain_db,
            absent_db,
            playhead_ms,
        };
        let ph = &m.playhead_ms;
        let mean = ph.iter().sum::<f64>() / ph.len().max(1) as f64;
        let worst = ph.iter().fold(0.0f64, |w, e| w.max(e.abs()));
        println!(
            "{}: heard {:.0} ms after play, from {:.4} s (sought {:.2}); lasts {:.4} s (file {:.4} s); corr L {:.4} R {:.4}; gain {:+.2} dB; other party {:?} dB; playhead − emitted mean {mean:+.1} ms, worst {worst:.1} ms over {} readings",
            run.name,
            m.start_delay_s * 1000.0,
            m.start_s,
            run.seek_s,
            m.duration_s,
            m.expected_duration_s,
            m.corr[0],
            m.corr[1],
            m.gain_db,
            m.absent_db.map(|d| (d * 10.0).round() / 10.0),
            ph.len()
        );
        all_errors.extend_from_slice(ph);
        // What was heard is the file.
        assert!(m.corr[0] > 0.99 && m.corr[1] > 0.99, "{}: {m:?}", run.name);
        assert!(m.gain_db.abs() < 0.5, "{}: level {m:?}", run.name);
        // From the sought sample, at the chosen speed, for the file's length ÷ speed.
        assert!(
            (m.start_s - run.seek_s).abs() < 0.002,
            "{}: seek {m:?}",
            run.name
        );
        assert!(m.start_delay_s < 0.25, "{}: slow to start {m:?}", run.name);
        assert!(
            (m.duration_s - m.expected_duration_s).abs() < 0.01,
            "{}: duration {m:?}",
            run.name
        );
        // The other party is absent: the residual is far below its content.
        if let Some(d) = m.absent_db {
            assert!(d < -30.0, "{}: other party audible {m:?}", run.name);
        }
        assert!(ph.len() > 50, "{}: playhead readings", run.name);
    }
    let mean = all_errors.iter().sum::<f64>() / all_errors.len() as f64;
    let mut abs: Vec<f64> = all_errors.iter().map(|e| e.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let p95 = abs[(abs.len() * 95 / 100).min(abs.len() - 1)];
    let max = abs[abs.len() - 1];
    println!(
        "playhead − emitted over all runs: mean {mean:+.1} ms, |error| p95 {p95:.1} ms, max {max:.1} ms ({} readings)",
        abs.len()
    );
    // The playhead shows what is being heard: within a few ms, not a buffer ahead.
    assert!(
        mean.abs() < 5.0 && p95 < 10.0,
        "playhead off by {mean:.1} ms (p95 {p95:.1})"
    );
}
