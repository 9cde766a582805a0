//! UI tests of the compact window (egui_kittest, headless) at its smallest size,
//! 320×120: every kind of cue the focus order can give is shown whole (its text node
//! lies inside the window, at a readable size), the calm states show when nothing is
//! wrong, and the red "● REC" badge shows only while recording.

use std::path::PathBuf;

use callcoach::analysis::rules::{Range, WindowReason};
use callcoach::analysis::{CallAnalyzer, ChannelMap, ReplyGap, Verdict};
use callcoach::config::Profile;
use callcoach::gui::compact::{COMPACT_SIZE, MIN_TEXT_PT, compact_cue, compact_ui};
use callcoach::live::coach::{BandSetting, Coach, Gauges, PitchState, ReplyState, focus_cue};
use callcoach::live::snapshot::{
    CallStatus, LiveSnapshot, RecordingStatus, SourceState, SourceStatus,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// Gauges of a call 90 s in with nothing wrong: the agent has talked 50 s, changed
/// pace 3.6 times per 45 s (on target), and speaks in the band.
fn calm_gauges() -> Gauges {
    let profile = Profile::default();
    let mut g = Coach::new(profile.clone(), BandSetting::from_profile(&profile), true).gauges();
    g.now_s = 90.0;
    g.talk.agent_s = 50.0;
    g.talk.customer_s = 30.0;
    g.pace.agent_talk_s = 50.0;
    g.pace.changes_per_45s = Some(3.6);
    g.pace.range = Some(Range::Within);
    g.pitch.f0_hz = Some(110.0);
    g.pitch.band_hz = Some([100.0, 120.0]);
    g.pitch.state = PitchState::InBand;
    g
}

fn snapshot(gauges: Gauges, in_call: bool) -> LiveSnapshot {
    LiveSnapshot {
        gauges,
        strip: Vec::new(),
        source: SourceStatus {
            label: "USB Headset".into(),
            sample_rate: 48000,
            channels: 2,
            has_customer: true,
            state: SourceState::Running,
        },
        input_level_db: [-18.0, -24.0],
        dropped_blocks: 0,
        callback_frames: 480,
        analysis_load: 0.004,
        latency_ms: Some([12.0, 21.0]),
        recording: RecordingStatus::Recording {
            path: PathBuf::from("call-20261123-101500.wav"),
        },
        recent_events: Vec::new(),
        report: None,
        call: CallStatus {
            in_call,
            calls_ended: 0,
        },
    }
}

/// Every branch of the focus order, with the longest numbers it shows.
fn every_cue_kind() -> Vec<(&'static str, Gauges)> {
    let mut out = Vec::new();
    let mut g = calm_gauges();
    g.talk.last_overlap_s = Some(89.0);
    out.push(("overlap", g));
    for elapsed_s in [0.4, 1.0, 12.8] {
        let mut g = calm_gauges();
        g.reply.state = ReplyState::Timing {
            customer_end: 90.0 - elapsed_s,
            elapsed_s,
        };
        out.push(("reply timer", g));
    }
    let mut g = calm_gauges();
    g.talk.monologue_s = 125.0;
    out.push(("monologue", g));
    let mut g = calm_gauges();
    g.talk.silence_s = 14.0;
    out.push(("silence", g));
    for state in [PitchState::High, PitchState::Low] {
        let mut g = calm_gauges();
        g.pitch.state = state;
        out.push(("pitch", g));
    }
    for range in [Range::Below, Range::Above] {
        let mut g = calm_gauges();
        g.pace.range = Some(range);
        out.push(("pace", g));
    }
    for verdict in [
        Verdict::InWindow,
        Verdict::Early,
        Verdict::Late,
        Verdict::Overlap,
    ] {
        let mut g = calm_gauges();
        g.reply.state = ReplyState::Answered(ReplyGap {
            customer_end: 70.0,
            agent_start: 82.34,
            gap_s: 12.34,
            verdict,
            window_s: [0.8, 1.2],
            window_reason: WindowReason::Normal,
        });
        out.push(("last reply", g));
    }
    out.push(("on track", calm_gauges()));
    out
}

fn harness(s: Option<LiveSnapshot>) -> Harness<'static> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(COMPACT_SIZE[0], COMPACT_SIZE[1]))
        .build_ui(move |ui| compact_ui(ui, s.as_ref()));
    h.run();
    h
}

/// The text node `text` lies whole inside the 320×120 window and is at least as tall
/// as one line of the smallest text.
fn assert_whole(h: &Harness<'_>, text: &str, what: &str) {
    let rect = h.get_by_label(text).rect();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, COMPACT_SIZE.into());
    assert!(
        window.contains_rect(rect),
        "{what}: \"{text}\" at {rect:?} is cut by the {window:?} window"
    );
    assert!(
        rect.height() >= MIN_TEXT_PT,
        "{what}: \"{text}\" is {} points high",
        rect.height()
    );
}

#[test]
fn every_cue_kind_is_whole_at_320_by_120() {
    let cases = every_cue_kind();
    let mut texts: Vec<String> = Vec::new();
    for (what, gauges) in cases {
        let cue = focus_cue(&gauges);
        let s = snapshot(gauges, true);
        assert_eq!(compact_cue(Some(&s)), cue, "{what}: the focus cue is shown");
        let h = harness(Some(s));
        assert_whole(&h, &cue.text, what);
        h.get_by_label("REC");
        texts.push(cue.text);
    }
    texts.sort();
    texts.dedup();
    // Overlap, three timer states, monologue, silence, two pitch cues, two pace cues,
    // four verdicts of the last reply, and on track: all different words.
    assert_eq!(texts.len(), 15, "{texts:?}");
}

#[test]
fn nothing_wrong_shows_a_calm_state_never_a_blank() {
    // In a call with nothing wrong: the focus order's calm cue.
    let h = harness(Some(snapshot(calm_gauges(), true)));
    let calm = focus_cue(&calm_gauges()).text;
    assert!(!calm.trim().is_empty());
    assert_whole(&h, &calm, "on track");
    // Between calls the old call's cues are gone: waiting, or the last call's score.
    let mut late = calm_gauges();
    late.talk.silence_s = 14.0;
    let mut waiting = snapshot(late.clone(), false);
    waiting.recording = RecordingStatus::Off;
    let h = harness(Some(waiting.clone()));
    assert_whole(&h, "Waiting for a call…", "waiting");
    assert!(h.query_by_label_contains("Silence").is_none());
    assert!(h.query_by_label("REC").is_none(), "nothing is recorded");
    let mut ended = waiting;
    let map = ChannelMap::new(2, 0).expect("stereo");
    let mut report = CallAnalyzer::new(8000, map, Profile::default()).finish();
    report.score.total = 87;
    ended.report = Some(Box::new(report));
    let h = harness(Some(ended));
    assert_whole(&h, "Call ended · score 87 / 100", "ended");
    // Before anything runs.
    let h = harness(None);
    assert_whole(&h, "Not listening: press ▶ Start", "not listening");
}
