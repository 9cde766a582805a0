//! UI tests of the live view (egui_kittest, headless): the gauges show a snapshot's
//! values in plain words, focus mode shows one cue, an agitated or rushed customer's
//! hint, the end-of-call summary in place of the cues, the technical status behind
//! "Details", the device-loss and headset-only banners, and the device picker remembers
//! its choice.

mod common;
use common::MemoryStorage;
use std::path::PathBuf;

use callcoach::analysis::rules::{CustomerState, Range, WindowReason};
use callcoach::analysis::{CustomerTurn, PaceChange, ReplyGap, Verdict};
use callcoach::config::Profile;
use callcoach::gui::live_view::{DEVICE_KEY, LiveSetup, LiveView, live_ui, status_bar_ui};
use callcoach::live::capture::DeviceInfo;
use callcoach::live::coach::{
    CallSummary, Cue, Gauges, PaceGauge, PitchGauge, PitchState, ReplyGauge, ReplyState, TalkGauge,
    Tone, focus_cue,
};
use callcoach::live::snapshot::{
    CallStatus, LiveSnapshot, RecordingStatus, SourceState, SourceStatus,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn snapshot() -> LiveSnapshot {
    let mut gauges = Gauges {
        now_s: 75.0,
        has_customer: true,
        pitch: PitchGauge {
            f0_hz: Some(112.0),
            band_hz: Some([100.0, 120.0]),
            baseline_hz: None,
            baseline_progress: 1.0,
            state: PitchState::InBand,
            frac_in_band: Some(0.61),
        },
        reply: ReplyGauge {
            state: ReplyState::Answered(ReplyGap {
                customer_end: 72.0,
                agent_start: 72.95,
                gap_s: 0.95,
                verdict: Verdict::InWindow,
                window_s: [0.8, 1.2],
                window_reason: WindowReason::Normal,
            }),
            aim_s: [0.8, 1.2],
            aim_reason: WindowReason::Normal,
            window_s: [0.8, 1.2],
            customer_turn: None,
            gaps: 4,
            in_window: 3,
        },
        pace: PaceGauge {
            last_rate: Some(4.1),
            changes_per_45s: Some(3.4),
            agent_talk_s: 41.2,
            min_talk_s: 20.0,
            range: Some(Range::Within),
            target: [3.0, 4.0],
            changes: vec![PaceChange {
                t: 62.4,
                from: 4.1,
                to: 3.2,
            }],
        },
        talk: TalkGauge {
            agent_s: 41.2,
            customer_s: 30.5,
            agent_share: Some(41.2 / 71.7),
            overlaps: 2,
            last_overlap_s: Some(10.0),
            silence_s: 0.0,
            long_silences: 1,
            long_silence_s: 5.0,
            monologue_s: 12.0,
            longest_monologue_s: 38.0,
            max_monologue_s: 60.0,
        },
        cue: Cue {
            text: String::new(),
            tone: Tone::Info,
        },
        summary: None,
    };
    gauges.cue = focus_cue(&gauges);
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
            path: PathBuf::from("recordings/call-20261123-101500.wav"),
        },
        recent_events: Vec::new(),
        report: None,
        call: CallStatus {
            in_call: true,
            calls_ended: 0,
        },
    }
}

fn harness(s: LiveSnapshot, focus: bool) -> Harness<'static> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 900.0))
        .build_ui(move |ui| live_ui(ui, &s, focus));
    h.run();
    h
}

#[test]
fn gauges_show_the_snapshot_values() {
    let h = harness(snapshot(), false);
    for label in [
        "112 Hz",
        "✔ in band",
        "band 100–120 Hz",
        "in band 61 % of voiced time",
        "0.95 s ✔ in the window",
        "aim 0.8–1.2 s",
        "3 of 4 replies in the window",
        "4.1 syllables per second",
        "3.4 pace changes per 45 s of talk (target 3–4)",
        "✔ on target",
        "last change at 62 s: 4.1 to 3.2 syllables per second",
        "agent 57 % / customer 43 %",
        "overlaps 2",
        "silence 0.0 s (1 long)",
        "monologue 12 s (longest 38 s, limit 60 s)",
    ] {
        h.get_by_label(label);
    }
    // The snapshot is on track: no customer hint, no banner, no internal label.
    assert!(h.query_by_label_contains("Customer").is_none());
    assert!(h.query_by_label_contains("Device lost").is_none());
    assert!(h.query_by_label_contains("in_window").is_none());
    assert!(h.query_by_label_contains("syl/s").is_none());
}

#[test]
fn pace_is_not_judged_before_the_score_s_minimum_talk() {
    let mut s = snapshot();
    s.gauges.pace.agent_talk_s = 12.0;
    s.gauges.pace.range = None;
    s.gauges.pace.changes = Vec::new();
    s.gauges.pace.changes_per_45s = Some(0.0);
    s.gauges.reply.state = ReplyState::Idle;
    s.gauges.cue = focus_cue(&s.gauges);
    assert_eq!(s.gauges.cue.text, "✔ On track");
    let h = harness(s.clone(), false);
    h.get_by_label("judged after 20 s of your talk (12 s so far)");
    assert!(h.query_by_label_contains("vary your pace").is_none());
    s.gauges.pace.agent_talk_s = 20.0;
    s.gauges.pace.range = Some(Range::Below);
    s.gauges.cue = focus_cue(&s.gauges);
    assert_eq!(s.gauges.cue.text, "〰 Vary your pace");
}

fn customer_turn(state: CustomerState) -> CustomerTurn {
    CustomerTurn {
        start: 66.0,
        end: 73.6,
        state,
        louder_db: if state == CustomerState::Agitated {
            6.2
        } else {
            0.4
        },
        higher: Some(if state == CustomerState::Agitated {
            0.18
        } else {
            0.01
        }),
        faster: Some(if state == CustomerState::Rushed {
            0.41
        } else {
            0.02
        }),
        syllables_per_s: 5.1,
    }
}

#[test]
fn after_an_agitated_turn_the_cue_says_pause_and_after_a_rushed_one_answer_promptly() {
    let mut s = snapshot();
    s.gauges.talk.last_overlap_s = None;
    s.gauges.reply.state = ReplyState::Timing {
        customer_end: 73.6,
        elapsed_s: 1.4,
    };
    s.gauges.reply.customer_turn = Some(customer_turn(CustomerState::Agitated));
    s.gauges.reply.aim_s = [3.0, 5.0];
    s.gauges.reply.aim_reason = WindowReason::AgitatedCustomer;
    s.gauges.cue = focus_cue(&s.gauges);
    assert_eq!(
        s.gauges.cue.text,
        "⏸ Upset customer: calm phrase, then pause… 1.4 s"
    );
    let h = harness(s.clone(), false);
    h.get_by_label("⏱ 1.4 s");
    h.get_by_label("aim 3.0–5.0 s");
    h.get_by_label("Customer upset: louder and higher than at the start: calm phrase, then pause");
    if let ReplyState::Timing { elapsed_s, .. } = &mut s.gauges.reply.state {
        *elapsed_s = 3.5;
    }
    assert_eq!(focus_cue(&s.gauges).text, "✔ Answer now, calmly (3.5 s)");
    // A rushed customer: the normal window, answered promptly.
    s.gauges.reply.state = ReplyState::Timing {
        customer_end: 73.6,
        elapsed_s: 0.3,
    };
    s.gauges.reply.customer_turn = Some(customer_turn(CustomerState::Rushed));
    s.gauges.reply.aim_s = [0.8, 1.2];
    s.gauges.reply.aim_reason = WindowReason::RushedCustomer;
    s.gauges.cue = focus_cue(&s.gauges);
    assert_eq!(
        s.gauges.cue.text,
        "⏩ Rushed customer: answer promptly (0.3 s)"
    );
    let h = harness(s.clone(), true);
    h.get_by_label("⏩ Rushed customer: answer promptly (0.3 s)");
    let h = harness(s, false);
    h.get_by_label("aim 0.8–1.2 s");
    h.get_by_label("Customer rushed: talking faster than at the start: answer promptly");
}

#[test]
fn at_the_end_of_the_call_the_cues_clear_and_the_summary_shows() {
    let mut s = snapshot();
    s.gauges.reply.state = ReplyState::Idle;
    s.gauges.summary = Some(CallSummary {
        score: 84,
        headline: "Call ended · score 84 / 100".into(),
        lines: vec![
            "Replies in the window: 3 of 4".into(),
            "Pace changes: 3.4 per 45 s of your talk (target 3–4)".into(),
        ],
    });
    s.gauges.cue = focus_cue(&s.gauges);
    assert_eq!(s.gauges.cue.text, "Call ended · score 84 / 100");
    for focus in [true, false] {
        let h = harness(s.clone(), focus);
        h.get_by_label("Call ended · score 84 / 100");
        h.get_by_label("Replies in the window: 3 of 4");
        h.get_by_label("Pace changes: 3.4 per 45 s of your talk (target 3–4)");
        for gone in ["Last reply", "✖ Overlap", "112 Hz", "aim 0.8–1.2 s"] {
            assert!(
                h.query_by_label_contains(gone).is_none(),
                "{gone} is still shown (focus {focus})"
            );
        }
    }
}

#[test]
fn technical_status_sits_behind_details() {
    let s = snapshot();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 100.0))
        .build_ui_state(
            move |ui, details: &mut bool| status_bar_ui(ui, &s, details),
            false,
        );
    h.run();
    h.get_by_label("⏺ live · USB Headset");
    for hidden in ["dBFS", "buffer", "CPU", "latency"] {
        assert!(
            h.query_by_label_contains(hidden).is_none(),
            "{hidden} shown"
        );
    }
    h.get_by_label("Details").click();
    h.run();
    assert!(*h.state());
    h.get_by_label("level -18 / -24 dBFS");
    h.get_by_label("buffer 480 frames");
    h.get_by_label("analysis 0.4 % CPU");
    h.get_by_label("latency 12 ms (p95 21)");
}

#[test]
fn focus_mode_shows_only_the_most_important_cue() {
    let mut s = snapshot();
    s.gauges.talk.last_overlap_s = None;
    s.gauges.reply.state = ReplyState::Timing {
        customer_end: 74.1,
        elapsed_s: 0.9,
    };
    s.gauges.cue = focus_cue(&s.gauges);
    let h = harness(s.clone(), true);
    h.get_by_label("✔ Answer now (0.9 s)");
    assert!(
        h.query_by_label("112 Hz").is_none(),
        "no dashboard in focus mode"
    );
    assert!(h.query_by_label("overlaps 2").is_none());
    // An overlap a moment ago outranks the timer.
    s.gauges.talk.last_overlap_s = Some(74.0);
    s.gauges.cue = focus_cue(&s.gauges);
    let h = harness(s, true);
    h.get_by_label("✖ Overlap: let them finish");
}

#[test]
fn a_lost_device_shows_a_banner_and_a_headset_alone_says_gaps_need_the_customer() {
    let mut s = snapshot();
    s.source.state = SourceState::Lost {
        message:
            "input lost: The requested device is no longer available; waiting for it to return"
                .into(),
    };
    let h = harness(s, false);
    let banner = h
        .query_by_label_contains(
            "Device lost: input lost: The requested device is no longer available",
        )
        .is_some();
    assert!(banner, "device-loss banner");
    assert!(h.query_by_label_contains("The recording is kept").is_some());
    let mut s = snapshot();
    s.gauges.has_customer = false;
    let h = harness(s, false);
    assert!(
        h.query_by_label_contains("reply gaps need the customer side")
            .is_some()
    );
    h.get_by_label("needs the customer side");
}

fn device(name: &str, monitor: bool) -> DeviceInfo {
    DeviceInfo {
        host: "PulseAudio".into(),
        name: name.into(),
        channels: 2,
        sample_rate: 48000,
        rates: vec![[8000, 48000]],
        is_default: false,
        is_monitor: monitor,
    }
}

#[test]
fn the_device_picker_lists_inputs_and_remembers_the_choice() {
    let ctx = egui::Context::default();
    let mut view = LiveView::new(&ctx, None, LiveSetup::default(), Profile::default());
    view.set_devices(vec![
        device("USB Headset", false),
        device("Monitor of Built-in Audio", true),
    ]);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 900.0))
        .build_ui_state(|ui, v: &mut LiveView| v.ui(ui), view);
    h.run();
    h.get_by_label("Choose an input and press ▶ Start.");
    h.get_by_label("Input").click();
    h.run();
    h.get_by_label("USB Headset").click();
    h.run();
    assert_eq!(h.state().device(), Some("USB Headset"));
    h.get_by_label("Customer side").click();
    h.run();
    h.get_by_label("Monitor of Built-in Audio (monitor)")
        .click();
    h.run();
    assert_eq!(
        h.state().customer_device(),
        Some("Monitor of Built-in Audio")
    );
    let mut storage = MemoryStorage::default();
    h.state_mut().save(&mut storage);
    assert_eq!(
        storage.0.get(DEVICE_KEY).map(String::as_str),
        Some("USB Headset")
    );
    let again = LiveView::new(
        &ctx,
        Some(&storage),
        LiveSetup::default(),
        Profile::default(),
    );
    assert_eq!(again.device(), Some("USB Headset"));
    assert_eq!(again.customer_device(), Some("Monitor of Built-in Audio"));
}

#[test]
fn the_agent_picks_themselves_once_and_is_remembered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let agents = dir.path().join("agents.toml");
    std::fs::write(
        &agents,
        "[agents.anna]\nname = \"Anna Berg\"\n[agents.bo]\nname = \"Bo Ek\"\n",
    )
    .expect("writes");
    let setup = || LiveSetup {
        agents_file: Some(agents.clone()),
        ..LiveSetup::default()
    };
    let ctx = egui::Context::default();
    let view = LiveView::new(&ctx, None, setup(), Profile::default());
    assert_eq!(view.agent(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1300.0, 900.0))
        .build_ui_state(|ui, v: &mut LiveView| v.ui(ui), view);
    h.run();
    h.get_by_label("Agent").click();
    h.run();
    h.get_by_label("Bo Ek").click();
    h.run();
    assert_eq!(h.state().agent(), Some("bo"));
    let mut storage = MemoryStorage::default();
    h.state_mut().save(&mut storage);
    assert_eq!(
        storage
            .0
            .get(callcoach::gui::live_view::AGENT_KEY)
            .map(String::as_str),
        Some("bo")
    );
    // The next start comes back with the same agent ...
    let again = LiveView::new(&ctx, Some(&storage), setup(), Profile::default());
    assert_eq!(again.agent(), Some("bo"));
    // ... unless they have been forgotten since.
    std::fs::write(&agents, "[agents.anna]\nname = \"Anna Berg\"\n").expect("writes");
    let gone = LiveView::new(&ctx, Some(&storage), setup(), Profile::default());
    assert_eq!(gone.agent(), None);
}
