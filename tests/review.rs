//! The coaches' review view: what it shows equals `callcoach score` on the
//! same file; clicking an event moves the playhead; notes survive a reopen; the report
//! and the CSV hold every gap, note and event; every format the engine reads opens.

mod common;
use common::{MemoryStorage, corpus, demo_call, score_jsonl};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::time::{Duration, Instant};

use callcoach::analysis::CallReport;
use callcoach::audio::wav::{Encoding, WavStream, write_g711};
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use callcoach::gui::review_view::ReviewView;
use callcoach::palette;
use callcoach::record::CallRecord;
use callcoach::review::events::{self, EventKind};
use callcoach::review::export::{self, clock};
use callcoach::review::load::{self, LoadError, LoadJob, LoadRequest};
use callcoach::review::notes::Note;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// A copy of the demo call in a temporary folder, so notes and reports are written there.
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo_call.wav");
    std::fs::copy(demo_call(), &path).expect("copy demo");
    (dir, path)
}

fn engine(path: &Path) -> CallReport {
    analyze_file(path, &Profile::default(), &AnalyzeOptions::default(), None)
        .expect("engine")
        .report
}

/// `callcoach score --format jsonl FILE`, from the real binary: its one record.
fn score_cli(path: &Path) -> CallRecord {
    let mut records: Vec<CallRecord> = score_jsonl([path]);
    assert_eq!(records.len(), 1, "one record");
    records.remove(0)
}

fn harness(file: &Path) -> Harness<'static, ReviewView> {
    let ctx = egui::Context::default();
    let view = ReviewView::new(&ctx, Some(file.to_path_buf()), Profile::default(), None);
    let mut h = review_harness(view);
    wait_loaded(&mut h, Duration::from_secs(60));
    // Settle: the first frames apply the initial view.
    h.run_steps(3);
    h
}

/// A 1400 × 1000 harness around `view`.
fn review_harness(view: ReviewView) -> Harness<'static, ReviewView> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_ui_state(|ui, view: &mut ReviewView| view.ui(ui), view)
}

/// Steps the harness until the view has finished loading, failing after `limit`.
fn wait_loaded(h: &mut Harness<'static, ReviewView>, limit: Duration) {
    let start = Instant::now();
    while h.state().is_loading() {
        assert!(start.elapsed() < limit, "still loading after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
}

fn event_label(e: &callcoach::review::ReviewEvent) -> String {
    let value = match e.kind {
        EventKind::Note => {
            let mut v: String = e.detail.chars().take(40).collect();
            if e.detail.chars().count() > 40 {
                v.push('…');
            }
            v
        }
        EventKind::ReplyGap(_) => format!("{:.3} s", e.value),
        _ => format!("{:.2} {}", e.value, e.unit),
    };
    format!("{}  {}  {}", clock(e.t_s), e.kind.label(), value)
}

#[test]
fn demo_call_shows_every_gap_marker_and_the_score_of_callcoach_score() {
    let (_dir, wav) = demo_copy();
    let cli = score_cli(&wav);
    let cli_report = cli.report.expect("scored");
    assert_eq!(cli_report, engine(&wav), "CLI and engine agree");
    let h = harness(&wav);
    let view = h.state();
    assert!(view.message().is_none(), "{:?}", view.message());
    let report = &view.call().expect("loaded").report;
    // The same numbers as `callcoach score`, all of them.
    assert_eq!(report, &cli_report);
    let gaps = cli_report.reply_gaps.len();
    assert_eq!(gaps, 6, "the demo call has six designed gaps");
    assert_eq!(view.gap_markers_drawn(), gaps);
    // One row per gap in the event list, with the gap's value.
    let rows = h.query_all_by_label_contains("reply gap:").count();
    assert_eq!(rows, gaps);
    for g in &cli_report.reply_gaps {
        let text = format!("{:.3} s", g.gap_s);
        assert!(
            h.query_by_label_contains(&text).is_some(),
            "gap {text} listed"
        );
    }
    h.get_by_label(&format!("Score {} / 100", cli_report.score.total));
    // Without a sound card the view says why playback is off.
    if let Some(callcoach::audio_out::playback::PlaybackStatus::Off(reason)) =
        view.playback_status()
    {
        assert!(
            h.query_by_label_contains("playback off:").is_some(),
            "{reason}"
        );
    }
}

#[test]
fn clicking_an_event_moves_the_playhead_there() {
    let (_dir, wav) = demo_copy();
    let mut h = harness(&wav);
    assert!(h.state().playhead_s().abs() < 1e-9);
    let events: Vec<_> = h.state().events().to_vec();
    let target = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ReplyGap(_)))
        .nth(3)
        .expect("a fourth gap")
        .clone();
    h.get_by_label(&event_label(&target)).click();
    h.run_steps(3);
    let t = h.state().playhead_s();
    assert!((t - target.t_s).abs() < 1e-3, "{t} vs {}", target.t_s);
    // N jumps to the next flagged event after it.
    let next = events::next_flagged(&events, target.t_s)
        .expect("a later flagged event")
        .clone();
    h.key_press(egui::Key::N);
    h.run_steps(3);
    let t = h.state().playhead_s();
    assert!((t - next.t_s).abs() < 1e-3, "{t} vs {}", next.t_s);
    h.key_press(egui::Key::P);
    h.run_steps(3);
    let t = h.state().playhead_s();
    assert!(t < next.t_s - 0.01, "{t}");
}

#[test]
fn a_note_survives_close_and_reopen_and_the_wav_is_untouched() {
    let (_dir, wav) = demo_copy();
    let before = std::fs::read(&wav).expect("read wav");
    let text = "Good calm answer here, keep this pace";
    let t_note;
    {
        let mut h = harness(&wav);
        let target = h.state().events()[2].clone();
        h.get_by_label(&event_label(&target)).click();
        h.run_steps(3);
        t_note = h.state().playhead_s();
        let field = h.get_by_label("New note");
        field.focus();
        field.type_text(text);
        h.run_steps(2);
        h.get_by_label(&format!("✏ Add note at {}", clock(t_note)))
            .click();
        h.run_steps(3);
        assert_eq!(h.state().notes().len(), 1);
        h.state_mut().shutdown();
    }
    let notes_file = wav.with_extension("coach.json");
    assert!(notes_file.exists());
    let h = harness(&wav);
    let notes = h.state().notes();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].text, text);
    assert!((notes[0].t_s - t_note).abs() < 1e-9);
    h.get_by_label(&format!("✏ {text}"));
    assert_eq!(
        std::fs::read(&wav).expect("read wav"),
        before,
        "WAV unchanged"
    );
}

#[test]
fn report_holds_the_score_every_gap_and_note_and_the_csv_parses() {
    let (_dir, wav) = demo_copy();
    let cli = score_cli(&wav).report.expect("scored");
    let mut h = harness(&wav);
    let notes = [
        (3.0, None, "Opening: <warm> & clear"),
        (20.0, Some(26.0), "Too quick here — wait for the customer"),
    ];
    for (t, end, text) in notes {
        h.state_mut().add_note(t, end, text);
    }
    h.run_steps(2);
    let (html_path, csv_path) = h.state_mut().export().expect("export");
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert!(html.contains(&format!(
        r#"<span class="score" id="score">{}</span>"#,
        cli.score.total
    )));
    for g in &cli.reply_gaps {
        assert!(
            html.contains(&format!("{:.3} s", g.gap_s)),
            "gap {}",
            g.gap_s
        );
    }
    for (_, _, text) in notes {
        assert!(html.contains(&export::escape(text)), "note {text}");
    }
    for c in &cli.agent.pace_changes {
        assert!(html.contains(&format!("{:.2} syllables/s", c.to)));
    }
    assert!(html.contains("<svg"), "charts inline");
    assert!(
        !html.contains("http://")
            || html.matches("http://").count()
                == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "no network"
    );
    assert!(!html.contains("https://"));
    assert!(html.contains("@media print"));

    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        export::CSV_HEADER.to_vec()
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let view_events = h.state().events();
    assert_eq!(rows.len(), view_events.len());
    let gap_rows: Vec<f64> = rows
        .iter()
        .filter(|r| &r[2] == "reply_gap")
        .map(|r| r[4].parse().expect("value"))
        .collect();
    let cli_gaps: Vec<f64> = cli.reply_gaps.iter().map(|g| g.gap_s).collect();
    assert_eq!(gap_rows, cli_gaps, "exact gap values");
    assert_eq!(rows.iter().filter(|r| &r[2] == "note").count(), 2);
    assert_eq!(
        rows.iter().filter(|r| &r[2] == "long_silence").count(),
        cli.long_silences.len()
    );
    assert_eq!(
        rows.iter().filter(|r| &r[2] == "pace_change").count(),
        cli.agent.pace_changes.len()
    );
}

#[test]
fn a_file_that_cannot_be_read_gets_a_message_and_the_view_stays_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("broken.wav");
    std::fs::write(&bad, b"this is not audio at all, just text").expect("write");
    let mut h = harness(&bad);
    let msg = h.state().message().expect("a message").to_string();
    assert!(
        msg.contains("broken.wav") && msg.contains("not a WAV"),
        "{msg}"
    );
    assert!(h.query_by_label_contains("not a WAV").is_some());
    assert!(h.state().call().is_none());
    // Still usable: open a good call.
    let (_d2, wav) = demo_copy();
    h.state_mut().open_file(wav.clone());
    wait_loaded(&mut h, Duration::from_secs(60));
    h.run_steps(2);
    assert_eq!(h.state().call().expect("loaded").report, engine(&wav));
    assert!(h.state().message().is_none());
}

fn load_direct(path: &Path, agent_channel: Option<usize>) -> Result<load::LoadedCall, LoadError> {
    LoadJob::start(
        LoadRequest {
            path: path.to_path_buf(),
            profile: Profile::default(),
            agent_channel,
        },
        || {},
    )
    .expect("start")
    .wait()
}

#[test]
fn every_format_the_engine_reads_opens_with_the_engines_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Real corpus calls: mu-law, A-law, PCM 8 and 16 kHz, mono.
    let mut files: Vec<PathBuf> = ["c011.wav", "c007.wav", "c001.wav", "c004.wav", "c003.wav"]
        .iter()
        .map(|n| corpus("dev/calls").join(n))
        .collect();
    // The demo call as float32, and as 48 kHz 16-bit PCM (each sample held 6 times).
    let (_, _, samples) = common::read_wav(&demo_call());
    let float = dir.path().join("float.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&float, spec).expect("create");
    for s in &samples {
        w.write_sample(*s).expect("write");
    }
    w.finalize().expect("finalize");
    let hi = dir.path().join("pcm48k.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&hi, spec).expect("create");
    for frame in samples.chunks(2) {
        for _ in 0..6 {
            for s in frame {
                w.write_sample((s * 32767.0) as i16).expect("write");
            }
        }
    }
    w.finalize().expect("finalize");
    let alaw = dir.path().join("alaw.wav");
    let pcm: Vec<i16> = samples.iter().map(|s| (s * 32767.0) as i16).collect();
    write_g711(&alaw, 8000, 2, Encoding::ALaw, &pcm).expect("alaw");
    files.extend([float, hi, alaw]);
    for f in &files {
        let call = load_direct(f, None).expect("loads");
        assert_eq!(call.report, engine(f), "{}", f.display());
        let d = call.info.duration_s();
        assert!(
            (call.audio.duration_s() - d).abs() < 0.01,
            "{}",
            f.display()
        );
        assert!(call.audio.rate <= 16_000);
        let stereo = call.info.channels == 2;
        assert_eq!(call.waveform[1].is_some(), stereo, "{}", f.display());
        // Stereo calls by their channels, the mono call (two voices) by diarization.
        assert!(call.report.reply_gaps_measured, "{}", f.display());
        assert_eq!(
            call.report.speakers_from.is_some(),
            !stereo,
            "{}",
            f.display()
        );
    }
    // The agent channel chosen in the view reaches the engine.
    let swapped = load_direct(&corpus("dev/calls/c011.wav"), Some(1)).expect("loads");
    let want = analyze_file(
        &corpus("dev/calls/c011.wav"),
        &Profile::default(),
        &AnalyzeOptions {
            agent_channel: Some(1),
            ..AnalyzeOptions::default()
        },
        None,
    )
    .expect("engine")
    .report;
    assert_eq!(swapped.report, want);
    assert_eq!(swapped.agent_channel, 1);
    assert!(matches!(
        load_direct(&corpus("dev/calls/c011.wav"), Some(5)),
        Err(LoadError::Analyze(_))
    ));
}

#[test]
fn opening_can_be_cancelled() {
    let cancel = Arc::new(AtomicBool::new(true));
    let progress = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let r = load::load(
        &LoadRequest {
            path: corpus("dev/calls/c005.wav"),
            profile: Profile::default(),
            agent_channel: None,
        },
        &cancel,
        &progress,
    );
    assert!(matches!(r, Err(LoadError::Cancelled(_))), "{r:?}");
}

#[test]
fn the_progress_hook_observes_without_changing_results() {
    let path = corpus("dev/calls/c009.wav");
    let plain = engine(&path);
    let calls = Arc::new(AtomicU32::new(0));
    let last = Arc::new(std::sync::Mutex::new(0.0f64));
    let options = AnalyzeOptions {
        agent_channel: None,
        progress: Some({
            let calls = Arc::clone(&calls);
            let last = Arc::clone(&last);
            Arc::new(move |p: callcoach::file_analysis::Progress| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Ok(mut l) = last.lock() {
                    *l = p.fraction();
                }
                std::ops::ControlFlow::Continue(())
            })
        }),
        ..AnalyzeOptions::default()
    };
    let mut frames = 0usize;
    let hooked = analyze_file(
        &path,
        &Profile::default(),
        &options,
        Some(&mut |f: &[callcoach::analysis::FrameOutput]| frames += f.len()),
    )
    .expect("engine");
    assert_eq!(hooked.report, plain);
    assert!(calls.load(std::sync::atomic::Ordering::Relaxed) > 100);
    assert_eq!(*last.lock().expect("lock"), 1.0);
    assert!(frames > 9000);
    // Breaking stops with an error naming the file.
    let stop = AnalyzeOptions {
        agent_channel: None,
        progress: Some(Arc::new(|_| std::ops::ControlFlow::Break(()))),
        ..AnalyzeOptions::default()
    };
    let e = analyze_file(&path, &Profile::default(), &stop, None).expect_err("cancelled");
    assert!(
        e.to_string().contains("c009.wav") && e.to_string().contains("cancelled"),
        "{e}"
    );
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn a_dropped_file_opens_and_the_event_list_sorts_by_value() {
    let (_dir, wav) = demo_copy();
    let ctx = egui::Context::default();
    let view = ReviewView::new(&ctx, None, Profile::default(), None);
    let mut h = review_harness(view);
    h.run_steps(2);
    assert!(h.query_by_label("📂 Open a call…").is_some(), "start page");
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(wav.clone())));
    h.step();
    wait_loaded(&mut h, Duration::from_secs(60));
    h.run_steps(3);
    assert_eq!(h.state().call().expect("loaded").path, wav);
    // Sort by value: ascending, then descending on a second click.
    h.get_by_label("value").click();
    h.run_steps(2);
    let values: Vec<f64> = h.state().events().iter().map(|e| e.value).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    h.get_by_label("value ⬆").click();
    h.run_steps(2);
    let values: Vec<f64> = h.state().events().iter().map(|e| e.value).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[test]
fn opening_shows_progress_and_cancel_leaves_the_view_usable() {
    // Twenty minutes of the demo call: long enough to cancel while it is analyzed.
    let dir = tempfile::tempdir().expect("tempdir");
    let long = dir.path().join("twenty_minutes.wav");
    let mut stream = WavStream::open(&demo_call()).expect("open demo");
    let mut one = Vec::new();
    let mut block = Vec::new();
    while stream.read_frames(&mut block, 4096).expect("read") > 0 {
        one.extend(block.iter().map(|s| (s * 32767.0) as i16));
    }
    let mut all = Vec::new();
    while all.len() < 20 * 60 * 8000 * 2 {
        all.extend_from_slice(&one);
    }
    write_g711(&long, 8000, 2, Encoding::MuLaw, &all).expect("write");
    let ctx = egui::Context::default();
    let view = ReviewView::new(&ctx, Some(long.clone()), Profile::default(), None);
    let mut h = review_harness(view);
    h.step();
    assert!(h.state().is_loading());
    assert!(h.query_by_label_contains("Analyzing").is_some());
    h.get_by_label("✖ Cancel").click();
    h.step();
    wait_loaded(&mut h, Duration::from_secs(30));
    h.run_steps(2);
    let msg = h.state().message().expect("a message").to_string();
    assert!(
        msg.contains("twenty_minutes.wav") && msg.contains("cancelled"),
        "{msg}"
    );
    assert!(h.state().call().is_none());
    assert!(
        h.query_by_label("📂 Open a call…").is_some(),
        "start page again"
    );
}

#[test]
fn recent_files_are_kept_between_runs() {
    let (_dir, wav) = demo_copy();
    let mut storage = MemoryStorage::default();
    {
        let mut h = harness(&wav);
        h.state_mut().save(&mut storage);
    }
    let ctx = egui::Context::default();
    let mut view = ReviewView::new(&ctx, None, Profile::default(), None);
    view.restore(Some(&storage));
    let mut h = review_harness(view);
    h.run_steps(2);
    // The start page lists it; a click opens it.
    h.get_by_label(&wav.display().to_string()).click();
    h.step();
    wait_loaded(&mut h, Duration::from_secs(60));
    assert_eq!(h.state().call().expect("loaded").path, wav);
}

/// Presses, holds and releases the primary button at `pos` (a click, not a drag).
fn click_at(h: &mut Harness<'static, ReviewView>, pos: egui::Pos2) {
    h.hover_at(pos);
    h.step();
    h.drag_at(pos);
    h.step();
    h.drop_at(pos);
    h.run_steps(2);
}

#[test]
fn clicking_a_lane_moves_the_playhead_to_the_time_under_the_pointer() {
    let (_dir, wav) = demo_copy();
    let mut h = harness(&wav);
    // Whole call in view, then zoomed onto an event (what a click in the list does).
    for zoomed in [false, true] {
        if zoomed {
            let e = h.state().events()[4].clone();
            h.get_by_label(&event_label(&e)).click();
            h.run_steps(3);
        }
        for (lane, fraction) in [
            ("lane_pitch", 0.3f32),
            ("lane_wave_agent", 0.8),
            ("lane_gaps", 0.05),
            ("lane_talk", 0.55),
        ] {
            let frame = h.state().lane_frame(lane).expect("lane drawn");
            let [v0, v1] = h.state().visible_range();
            let per_px = (v1 - v0) / f64::from(frame.width());
            let x = frame.left() + fraction * frame.width();
            let want = v0 + f64::from(x - frame.left()) * per_px;
            assert!(want > 0.5, "{lane}: {want}");
            click_at(&mut h, egui::pos2(x, frame.center().y));
            let t = h.state().playhead_s();
            assert!(
                (t - want).abs() <= per_px,
                "{lane} (zoomed {zoomed}): playhead {t:.4} s, under the pointer {want:.4} s, one pixel {per_px:.4} s"
            );
            // A click is not a pan: the view stays where it was.
            let [a, b] = h.state().visible_range();
            assert!((a - v0).abs() < 1e-9 && (b - v1).abs() < 1e-9, "{a} {b}");
        }
    }
}

#[test]
fn dragging_the_position_slider_moves_the_playhead_with_it() {
    let (_dir, wav) = demo_copy();
    let mut h = harness(&wav);
    let d = h.state().call().expect("loaded").audio.duration_s();
    let rect = h
        .get_by_role_and_label(egui::accesskit::Role::Slider, "position")
        .rect();
    // egui's slider: the handle's centre runs over the rect less half a handle at each
    // end (height / 2.5, times the aspect ratio of a bar handle), linearly from 0 to the
    // call's length.
    let r = match egui::Visuals::default().handle_shape {
        egui::style::HandleShape::Circle => rect.height() / 2.5,
        egui::style::HandleShape::Rect { aspect_ratio } => rect.height() / 2.5 * aspect_ratio,
    };
    let (left, width) = (rect.left() + r, rect.width() - 2.0 * r);
    let per_px = d / f64::from(width);
    let y = rect.center().y;
    assert!(h.state().playhead_s().abs() < 1e-9);
    h.hover_at(egui::pos2(left, y));
    h.step();
    h.drag_at(egui::pos2(left, y));
    h.step();
    let mut last = 0.0;
    for fraction in [0.1f32, 0.25, 0.5, 0.73, 0.9] {
        let x = left + fraction * width;
        h.hover_at(egui::pos2(x, y));
        h.step();
        let t = h.state().playhead_s();
        let want = f64::from(fraction) * d;
        assert!(
            (t - want).abs() <= per_px,
            "while dragging to {fraction}: playhead {t:.3} s, want {want:.3} s (one pixel {per_px:.3} s)"
        );
        assert!(t > last, "follows the drag");
        last = t;
    }
    h.drop_at(egui::pos2(left + 0.9 * width, y));
    h.run_steps(2);
    assert!(
        (h.state().playhead_s() - last).abs() < 1e-9,
        "stays where it was let go"
    );
}

/// The rules of a style sheet as (context and selector, body): a rule inside a block
/// such as `@media print` gets `@media print > ` before its selector.
fn css_rules(css: &str, prefix: &str, out: &mut Vec<(String, String)>) {
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let selector = rest[..open].trim().to_string();
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let body = &rest[open + 1..end];
        if body.contains('{') {
            css_rules(body, &format!("{prefix}{selector} > "), out);
        } else {
            out.push((format!("{prefix}{selector}"), body.trim().to_string()));
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
}

/// The value `property` gets for `selector` in `context` ("" or "@media print > ").
fn css_value(
    rules: &[(String, String)],
    context: &str,
    selector: &str,
    property: &str,
) -> Option<String> {
    rules
        .iter()
        .filter(|(sel, _)| {
            sel.strip_prefix(context).is_some_and(|s| {
                !s.contains(" > ") && s.split(',').any(|one| one.trim() == selector)
            })
        })
        .flat_map(|(_, body)| body.split(';'))
        .filter_map(|decl| decl.split_once(':'))
        .filter(|(p, _)| p.trim() == property)
        .map(|(_, v)| v.trim().to_string())
        .next_back()
}

#[test]
fn the_report_prints_its_timeline_on_one_page_at_the_page_width() {
    let call = load_direct(&demo_call(), None).expect("loads");
    let profile = Profile::default();
    let events = events::collect(&call.report, &profile, &[]);
    let html = export::html_report(&call, &profile, &[], &events);
    let css = &html[html.find("<style>").expect("style") + 7..html.find("</style>").expect("end")];
    let mut rules = Vec::new();
    css_rules(css, "", &mut rules);
    let print = "@media print > ";
    // The timeline is one block that is not split across pages, nor is any chart.
    assert_eq!(
        css_value(&rules, print, ".timeline", "break-inside").as_deref(),
        Some("avoid"),
        "{rules:?}"
    );
    assert_eq!(
        css_value(&rules, print, "figure", "break-inside").as_deref(),
        Some("avoid")
    );
    // Charts scale to the page's width, keeping their proportions.
    assert_eq!(
        css_value(&rules, "", "svg", "max-width").as_deref(),
        Some("100%")
    );
    assert_eq!(
        css_value(&rules, "", "svg", "height").as_deref(),
        Some("auto")
    );
    assert_eq!(
        css_value(&rules, "", "figure", "max-width").as_deref(),
        Some("100%")
    );
    // The paper is the printer's (A4 or Letter): margins only.
    let page = format!("{print}@page");
    assert!(
        rules
            .iter()
            .any(|(s, b)| s == &page && b.contains("margin")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .filter(|(s, _)| s.ends_with("@page"))
            .all(|(_, b)| !b.contains("size")),
        "no fixed paper size"
    );
    // Every chart is inside the timeline block, with its heading.
    let start = html
        .find(r#"<section class="timeline">"#)
        .expect("timeline section");
    let end = start + html[start..].find("</section>").expect("section end");
    let section = &html[start..end];
    assert!(section.contains("<h2>Timeline</h2>"));
    let charts = html.matches("<figure>").count();
    assert!(charts >= 6, "{charts} charts");
    assert_eq!(
        section.matches("<figure>").count(),
        charts,
        "all charts in the block"
    );
    assert_eq!(section.matches("</figure>").count(), charts);
}

#[test]
fn the_report_draws_in_the_palette_colors() {
    let call = load_direct(&demo_call(), None).expect("loads");
    let profile = Profile::default();
    let notes = [Note {
        t_s: 3.0,
        end_s: Some(6.0),
        text: "calm opening".into(),
    }];
    let events = events::collect(&call.report, &profile, &notes);
    let html = export::html_report(&call, &profile, &notes, &events);
    let r = &call.report;
    let hex = palette::hex;
    assert_eq!(hex(palette::AGENT), "#0072b2");
    // Who speaks: one bar per segment, in its party's color.
    let bars = |color: palette::Rgb| {
        html.matches(&format!(r#"height="14" fill="{}"/>"#, hex(color)))
            .count()
    };
    let agent_segments = r
        .segments
        .iter()
        .filter(|s| s.speaker != callcoach::analysis::Speaker::Customer)
        .count();
    assert!(agent_segments > 0);
    assert_eq!(bars(palette::AGENT), agent_segments);
    assert_eq!(bars(palette::CUSTOMER), r.segments.len() - agent_segments);
    // The waveforms: the agent's and the customer's colors.
    for color in [palette::AGENT, palette::CUSTOMER] {
        assert!(
            html.contains(&format!(
                r#"stroke="{}" stroke-width="1.2" fill="none"/>"#,
                hex(color)
            )),
            "waveform in {}",
            hex(color)
        );
    }
    // Every gap's verdict in its color, in words beside it.
    assert_eq!(r.reply_gaps.len(), 6);
    for g in &r.reply_gaps {
        let cell = format!(
            r#"<td style="color:{}">{}</td>"#,
            hex(palette::verdict_rgb(g.verdict)),
            palette::verdict_label(g.verdict)
        );
        assert!(html.contains(&cell), "{cell}");
    }
    // Long silences outlined in the idle grey; pace and its changes in the reddish
    // purple; the note's mark in it too, its number in the darker shade.
    assert_eq!(
        html.matches(&format!(
            r#"stroke="{}" stroke-dasharray"#,
            hex(palette::IDLE)
        ))
        .count(),
        r.long_silences.len()
    );
    assert_eq!(
        html.matches(&format!(
            r#"l5 5l-5 5l-5 -5z" fill="{}""#,
            hex(palette::PACE)
        ))
        .count(),
        r.agent.pace_changes.len()
    );
    assert!(html.contains(&format!(
        r#"height="3" fill="{}"/><text x="#,
        hex(palette::PACE)
    )));
    assert!(html.contains(&format!(
        r#"font-size="9" fill="{}">✎ 1</text>"#,
        hex(palette::PACE_TEXT)
    )));
}

#[test]
fn without_a_native_dialog_open_browses_folders_and_opens_a_wav() {
    let dir = tempfile::tempdir().expect("tempdir");
    let calls = dir.path().join("calls");
    std::fs::create_dir(&calls).expect("mkdir");
    let wav = calls.join("Monday.WAV");
    std::fs::copy(demo_call(), &wav).expect("copy");
    std::fs::write(calls.join("readme.txt"), b"not a call").expect("write");
    let ctx = egui::Context::default();
    let mut view = ReviewView::new(&ctx, None, Profile::default(), None);
    view.without_native_dialog("no portal in this test");
    let mut h = review_harness(view);
    h.run_steps(2);
    assert!(h.state().file_browser().is_none());
    h.get_by_label("📂 Open a call…").click();
    h.run_steps(4);
    assert!(
        h.state().file_browser().is_some(),
        "the built-in browser opens"
    );
    // It says why the desktop's dialog is not used.
    assert!(
        h.query_by_label_contains("no portal in this test")
            .is_some()
    );
    // Type the folder, then go into its sub-folder by clicking it.
    let field = h.get_by_label("Folder");
    field.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Folder")
        .type_text(&dir.path().display().to_string());
    h.run_steps(1);
    h.get_by_label("Go").click();
    h.run_steps(4);
    let canonical = std::fs::canonicalize(dir.path()).expect("canonical");
    assert_eq!(h.state().file_browser().expect("open").dir(), canonical);
    h.get_by_label("📁 calls").click();
    h.run_steps(4);
    assert_eq!(
        h.state().file_browser().expect("open").dir(),
        canonical.join("calls")
    );
    // The WAV (upper-case extension) is listed with its size and length; the text file is not.
    let d = WavStream::open(&wav).expect("wav").info().duration_s();
    let size_mb = std::fs::metadata(&wav).expect("meta").len() as f64 / 1e6;
    assert!(size_mb > 1.0);
    h.get_by_label(&format!("🎧 Monday.WAV  ({size_mb:.1} MB, {})", clock(d)));
    assert!(h.query_by_label_contains("readme.txt").is_none());
    h.get_by_label_contains("Monday.WAV").click();
    h.step();
    wait_loaded(&mut h, Duration::from_secs(60));
    h.run_steps(2);
    assert!(h.state().file_browser().is_none(), "closed after choosing");
    let call = h.state().call().expect("loaded");
    assert_eq!(
        std::fs::canonicalize(&call.path).expect("path"),
        canonical.join("calls/Monday.WAV")
    );
    assert_eq!(call.report, engine(&wav));
}
