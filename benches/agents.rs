//! Speed of voice-print building: both channels of a stereo call through the engine's
//! front end and tracker (activity, F0) plus the mel cepstra. Budget: at most twice the
//! time of the engine's whole analysis of the same call (`benches/engine.rs`, `call/`),
//! so checking a call's channels costs no more than scoring it again.
//!
//! Run: `cargo bench --bench agents`. Throughput is printed as elements/s where one
//! element is one second of stereo audio.

#[path = "../tests/common/mod.rs"]
mod common;
use common::{corpus, read_wav};
use std::hint::black_box;

use callcoach::agents::ChannelPrintsBuilder;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A dev-corpus call: rate, channels, interleaved samples.
fn load(name: &str) -> (u32, usize, Vec<f32>) {
    read_wav(&corpus("dev/calls").join(name))
}

fn prints(c: &mut Criterion) {
    let mut group = c.benchmark_group("voice_prints");
    group.sample_size(10);
    // c011: 8 kHz mu-law stereo, 66.7 s. c004: 16 kHz PCM stereo (resampled inside).
    for name in ["c011.wav", "c004.wav"] {
        let (rate, channels, samples) = load(name);
        let seconds = samples.len() as f64 / channels as f64 / f64::from(rate);
        group.throughput(Throughput::Elements(seconds.round() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut builder = ChannelPrintsBuilder::new(rate, channels);
                builder.push_interleaved(black_box(&samples));
                black_box(builder.finish())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, prints);
criterion_main!(benches);
