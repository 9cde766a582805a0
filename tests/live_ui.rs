//! UI tests of the live view (egui_kittest, headless): the gauges show a snapshot's
//! values, focus mode shows one cue, the device-loss and headset-only banners, and the
//! device picker remembers its choice.

mod common;
use common::MemoryStorage;
use std::path::PathBuf;

use callcoach::analysis::{PaceChange, Verdict};
use callcoach::config::Profile;
use callcoach::gui::live_view::{DEVICE_KEY, LiveSetup, LiveView, live_ui};
use callcoach::live::capture::DeviceInfo;
use callcoach::live::coach::{
    Cue, Gauges, PaceGauge, PitchGauge, PitchState, ReplyGauge, ReplyState, TalkGauge, Tone,
    UpsetSigns, focus_cue,
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
            state: ReplyState::Answered {
                gap_s: 0.95,
                verdict: Verdict::InWindow,
            },
            aim_s: [0.8, 1.2],
            window_s: [0.8, 1.2],
            upset: UpsetSigns::default(),
            gaps: 4,
            in_window: 3,
        },
        pace: PaceGauge {
            last_rate: Some(4.1),
            changes_recent: 3,
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
        "0.95 s ✔ in window",
        "aim 0.8–1.2 s",
        "3 of 4 replies in the window",
        "4.1 syl/s",
        "3 pace changes in the last 45 s (target 3–4)",
        "last change at 62 s: 4.1 to 3.2 syl/s",
        "agent 57 % / customer 43 %",
        "overlaps 2",
        "silence 0.0 s (1 long)",
        "monologue 12 s (longest 38 s, limit 60 s)",
    ] {
        h.get_by_label(label);
    }
    // The snapshot is on track: no upset hint, no banner.
    assert!(h.query_by_label_contains("pause 3–5 s").is_none());
    assert!(h.query_by_label_contains("Device lost").is_none());
}

#[test]
fn the_reply_timer_runs_and_an_upset_customer_turns_the_hint_into_a_long_pause() {
    let mut s = snapshot();
    s.gauges.reply.state = ReplyState::Timing {
        customer_end: 73.6,
        elapsed_s: 1.4,
    };
    s.gauges.reply.upset = UpsetSigns {
        louder_db: 6.0,
        higher: 0.12,
        denser: 0.0,
    };
    s.gauges.reply.aim_s = [3.0, 5.0];
    let h = harness(s, false);
    h.get_by_label("⏱ 1.4 s");
    h.get_by_label("aim 3.0–5.0 s");
    h.get_by_label("Customer upset or rushed: pause 3–5 s before answering");
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
