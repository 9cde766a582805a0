//! Speed of the review view's data preparation: building the waveform pyramid (once per
//! call, while it is read), and preparing the lanes for one drawn frame of a two-hour
//! call (waveform envelope, pitch points, who-speaks steps) with the whole call in view
//! and zoomed on one minute.
//!
//! Run: `cargo bench --bench review`.

use std::hint::black_box;

use callcoach::analysis::{FrameOutput, Segment, Speaker};
use callcoach::review::lanes::{PitchTrack, segment_steps_into};
use callcoach::review::waveform::{Envelope, PyramidBuilder};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const RATE: u32 = 8000;
const TWO_HOURS_S: usize = 2 * 3600;

/// Speech-like test signal: a 120 Hz buzz gated on and off every 1.5 s.
fn sample(i: usize) -> i16 {
    let t = i as f64 / f64::from(RATE);
    let on = ((t / 1.5) as usize).is_multiple_of(2);
    if on {
        ((t * 120.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
    } else {
        ((i * 7919) % 64) as i16 - 32
    }
}

fn pyramid(c: &mut Criterion) {
    let mut group = c.benchmark_group("pyramid");
    group.sample_size(10);
    let seconds = 600;
    let samples: Vec<i16> = (0..seconds * RATE as usize).map(sample).collect();
    group.throughput(Throughput::Elements(seconds as u64));
    group.bench_function("build 10 min of one 8 kHz channel", |b| {
        b.iter(|| {
            let mut p = PyramidBuilder::new(RATE, samples.len() as u64);
            for s in &samples {
                p.push(*s);
            }
            black_box(p.finish())
        })
    });
    group.finish();
}

fn lanes(c: &mut Criterion) {
    let mut group = c.benchmark_group("lanes per frame, 2 h call");
    let mut b = PyramidBuilder::new(RATE, (TWO_HOURS_S * RATE as usize) as u64);
    for i in 0..TWO_HOURS_S * RATE as usize {
        b.push(sample(i));
    }
    let pyramid = b.finish();
    let mut pitch = PitchTrack::default();
    let frames: Vec<FrameOutput> = (0..TWO_HOURS_S * 100)
        .map(|i| FrameOutput {
            t_s: i as f64 * 0.01,
            agent_f0_hz: if (i / 150).is_multiple_of(2) {
                110.0 + (i % 40) as f32
            } else {
                0.0
            },
            agent_level_db: -20.0,
            agent_active: true,
            agent_speech: true,
            customer_f0_hz: 0.0,
            customer_level_db: -120.0,
            customer_active: false,
            customer_speech: false,
        })
        .collect();
    pitch.extend(&frames);
    let segments: Vec<Segment> = (0..TWO_HOURS_S / 3)
        .map(|k| Segment {
            speaker: if k.is_multiple_of(2) {
                Speaker::Agent
            } else {
                Speaker::Customer
            },
            start: k as f64 * 3.0,
            end: k as f64 * 3.0 + 1.5,
        })
        .collect();
    let px = 1000;
    for (name, t0, t1) in [
        ("whole call in view", 0.0, TWO_HOURS_S as f64),
        ("one minute in view", 3600.0, 3660.0),
    ] {
        let mut env = Envelope::default();
        let mut pts = Vec::new();
        let mut steps = Vec::new();
        group.bench_function(name, |bch| {
            bch.iter(|| {
                // The view prepares the visible range and as much again each side.
                let w = t1 - t0;
                let (p0, p1) = ((t0 - w).max(0.0), t1 + w);
                let bins = (2.0 * px as f64 * (p1 - p0) / w) as usize;
                pyramid.envelope_into(p0, p1, bins, &mut env);
                pyramid.envelope_into(p0, p1, bins, &mut env);
                pitch.visible_into(p0, p1, 4 * px, &mut pts);
                segment_steps_into(&segments, Speaker::Agent, p0, p1, 1.1, 1.9, &mut steps);
                segment_steps_into(&segments, Speaker::Customer, p0, p1, 0.1, 0.9, &mut steps);
                black_box((env.points.len(), pts.len(), steps.len()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pyramid, lanes);
criterion_main!(benches);
