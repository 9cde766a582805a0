//! Speed of the engine. Budgets: the whole analysis of a stereo 8 kHz call
//! (both channels: resampling, activity, pitch, turns, pace) must run at >= 300 s of
//! audio per CPU-second, goal 1500; the pitch estimator per 10 ms hop is compared with
//! the `pitch-detection` crate's YIN on the same frames.
//!
//! Run: `cargo bench --bench engine`. Times are the process's CPU time (`measure`), so
//! throughputs are per CPU-second: elements/s where one element is one second of audio
//! (stereo for `call/`), or one frame (for `pitch/`).

#[path = "../tests/common/mod.rs"]
mod common;
use common::{corpus, read_wav};
use std::hint::black_box;

use callcoach::analysis::settings::{
    FRAME_LENGTH, MAX_LAG, MIN_LAG, PITCH_WINDOW_LENGTH, YIN_THRESHOLD,
};
use callcoach::analysis::{CallAnalyzer, ChannelMap};
use callcoach::config::Profile;
use callcoach::dsp::yin::Yin;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
mod measure;
use measure::{CpuTime, cpu_criterion};
use pitch_detection::detector::PitchDetector;
use pitch_detection::detector::yin::YINDetector;

/// A dev-corpus call: rate, channels, interleaved samples.
fn load(name: &str) -> (u32, usize, Vec<f32>) {
    read_wav(&corpus("dev/calls").join(name))
}

fn call(c: &mut Criterion<CpuTime>) {
    let mut group = c.benchmark_group("call");
    group.sample_size(10);
    // c011: 8 kHz mu-law stereo, 66.7 s. c004: 16 kHz PCM stereo (resampled inside).
    for name in ["c011.wav", "c004.wav"] {
        let (rate, channels, samples) = load(name);
        let seconds = samples.len() as f64 / channels as f64 / f64::from(rate);
        group.throughput(Throughput::Elements(seconds.round() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let map = ChannelMap::new(channels, 0).expect("map");
                let mut analyzer = CallAnalyzer::new(rate, map, Profile::default());
                analyzer.push_interleaved(black_box(&samples));
                black_box(analyzer.finish())
            })
        });
    }
    group.finish();
}

fn pitch(c: &mut Criterion<CpuTime>) {
    let (_, channels, samples) = load("c011.wav");
    let agent: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    // 200 voiced-speech frames from the middle of the call.
    let frames: Vec<&[f32]> = (0..200)
        .map(|i| {
            let start = 11 * 8000 + i * 80;
            &agent[start..start + FRAME_LENGTH]
        })
        .collect();
    let mut group = c.benchmark_group("pitch");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("callcoach_yin_realfft", |b| {
        let mut yin = Yin::new(PITCH_WINDOW_LENGTH, MIN_LAG, MAX_LAG, YIN_THRESHOLD);
        b.iter(|| {
            for f in &frames {
                black_box(yin.analyze(black_box(f)));
            }
        })
    });
    group.bench_function("pitch_detection_yin", |b| {
        let frames64: Vec<Vec<f64>> = frames
            .iter()
            .map(|f| f.iter().map(|&x| f64::from(x)).collect())
            .collect();
        let mut detector = YINDetector::new(FRAME_LENGTH, FRAME_LENGTH / 2);
        b.iter(|| {
            for f in &frames64 {
                black_box(detector.get_pitch(black_box(f), 8000, 0.0, 0.2));
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = cpu_criterion();
    targets = call, pitch
}
criterion_main!(benches);
