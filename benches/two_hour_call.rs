//! A two-hour stereo 8 kHz mu-law call (the demo call repeated, 115 MB, written to a
//! temporary folder) in the review view: opening it (analysis through `analyze_file`
//! with the frame sink; waveform pyramid and playback buffer on a second thread
//! alongside), and drawing one frame with the whole call in view and zoomed on an event
//! (egui layout and tessellation, CPU side).
//!
//! Budgets: the call opens within 10 s, and a frame takes at most 16 ms (one frame of a
//! 60 Hz display) either way.
//!
//! Run: `cargo bench --bench two_hour_call`.

#[path = "../tests/common/mod.rs"]
mod common;
use common::demo_call;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use callcoach::audio::wav::{Encoding, WavStream, write_g711};
use callcoach::config::Profile;
use callcoach::gui::review_view::ReviewView;
use callcoach::review::load::{LoadJob, LoadRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;

const TWO_HOURS_S: usize = 2 * 3600;

/// Writes the demo call repeated to two hours at `path`.
fn write_two_hours(path: &Path) {
    let mut stream = WavStream::open(&demo_call()).expect("open demo");
    let mut one = Vec::new();
    let mut block = Vec::new();
    while stream.read_frames(&mut block, 4096).expect("read") > 0 {
        one.extend(block.iter().map(|s| (s * 32767.0) as i16));
    }
    let target = TWO_HOURS_S * 8000 * 2;
    let mut all = Vec::with_capacity(target);
    while all.len() < target {
        let n = (target - all.len()).min(one.len());
        all.extend_from_slice(&one[..n]);
    }
    write_g711(path, 8000, 2, Encoding::MuLaw, &all).expect("write");
}

fn open(path: &Path) -> callcoach::review::load::LoadedCall {
    LoadJob::start(
        LoadRequest {
            path: path.to_path_buf(),
            profile: Profile::default(),
            agent_channel: None,
        },
        || {},
    )
    .expect("start")
    .wait()
    .expect("loads")
}

/// A 1400 × 1000 review view with `path` loaded.
fn loaded_view(path: &Path) -> Harness<'static, ReviewView> {
    let ctx = egui::Context::default();
    let view = ReviewView::new(&ctx, Some(path.to_path_buf()), Profile::default(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, view: &mut ReviewView| view.ui(ui), view);
    while h.state().is_loading() {
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    // The first frames apply the initial view.
    h.run_steps(3);
    h
}

fn two_hour_call(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("two_hours.wav");
    write_two_hours(&path);

    let mut group = c.benchmark_group("two-hour call");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(90));
    group.bench_function("open", |b| b.iter(|| black_box(open(&path))));
    group.finish();

    let mut h = loaded_view(&path);
    let mut group = c.benchmark_group("two-hour call frame");
    group.bench_function("whole call in view", |b| b.iter(|| h.step()));
    // Zoomed in on an event in the middle (what a click in the event list does).
    h.state_mut().seek(3600.0);
    h.key_press(egui::Key::N);
    h.run_steps(3);
    assert!(h.state().playhead_s() > 3600.0, "zoomed on an event");
    group.bench_function("zoomed on an event", |b| b.iter(|| h.step()));
    group.finish();
}

criterion_group!(benches, two_hour_call);
criterion_main!(benches);
