//! One frame of the Calls page with 10,000 calls in its list, drawn headless (egui's
//! layout and tessellation through kittest, no GPU): the page must stay responsive.
//! Budget: a frame well under 16 ms. Every frame sorts and filters the whole list, then
//! lays out only the rows in view.
//!
//! Run: `cargo bench --bench calls_page`.

use std::hint::black_box;
use std::path::PathBuf;

use callcoach::analysis::Rule;
use callcoach::config::Profile;
use callcoach::gui::calls_view::CallsView;
use callcoach::team::calls::CallRow;
use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;

/// Calls in the list.
const CALLS: usize = 10_000;

fn rows() -> Vec<CallRow> {
    (0..CALLS)
        .map(|i| CallRow {
            file: PathBuf::from(format!("recordings/agent{:02}/call-{i:05}.wav", i % 40)),
            agent: Some(format!("agent{:02}", i % 40)),
            call_start: Some(format!("2026-{:02}-{:02}T10:00:00", 1 + i % 3, 1 + i % 28)),
            score: Some(((i * 37) % 101) as u32),
            coverage: Some(1.0),
            in_band_pct: Some((i % 100) as f64),
            replies_in_window_pct: Some(((i * 7) % 100) as f64),
            late_replies: (i % 5) as u32,
            overlaps: (i % 3) as u32,
            long_silences: (i % 2) as u32,
            deductions: [(i % 4) as f64; Rule::ALL.len()],
            error: None,
        })
        .collect()
}

fn frame(c: &mut Criterion) {
    let ctx = egui::Context::default();
    let mut view = CallsView::new(&ctx, Profile::default());
    view.set_rows(rows());
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 800.0))
        .build_ui_state(
            |ui, v: &mut CallsView| {
                black_box(v.ui(ui));
            },
            view,
        );
    h.run();
    c.bench_function("calls_page/frame_10k_calls", |b| b.iter(|| h.step()));
}

criterion_group!(benches, frame);
criterion_main!(benches);
