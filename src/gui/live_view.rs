//! The live gauges for agents during calls: pitch against the calming band, the reply
//! timer with its window, pace and pace changes, talk ratio, overlaps, silence and
//! monologue, strip charts of the last 60 s, a focus mode with one cue at a time, and a
//! status bar (device, rate, level, dropped buffers, analysis load, latency). The view
//! only draws the [`LiveSnapshot`] the analysis thread publishes.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Color32, RichText};
use egui_plot::{Axis, MarkerShape, Plot, PlotPoints, Points, Span};

use crate::agents::AgentStore;
use crate::analysis::Speaker;
use crate::analysis::rules::{Range, WindowReason};
use crate::config::Profile;
use crate::live;
use crate::live::capture::{CaptureSpec, DeviceInfo, list_input_devices};
use crate::live::coach::{BandSetting, PitchState, ReplyState, STRIP_S, Tone, customer_words};
use crate::live::demo::Pace;
use crate::live::pipeline::{LivePipeline, PipelineOptions, SourceChoice};
use crate::live::session::{AgentChoice, CallMode, SessionEnd};
use crate::live::snapshot::{EventRecord, LiveSnapshot, RecordingStatus, SourceState};

use super::theme;

/// Storage key of the remembered input device.
pub const DEVICE_KEY: &str = "callcoach.live.device";
/// Storage key of the remembered customer-side device.
pub const CUSTOMER_DEVICE_KEY: &str = "callcoach.live.customer_device";
/// Storage key of the focus-mode setting.
pub const FOCUS_KEY: &str = "callcoach.live.focus";
/// Storage key of the status bar's details setting.
pub const DETAILS_KEY: &str = "callcoach.live.details";
/// Storage key of the recording setting.
pub const RECORD_KEY: &str = "callcoach.live.record";
/// Storage key of the agent who picked themselves.
pub const AGENT_KEY: &str = "callcoach.live.agent";
/// Storage key of the compact-window setting.
pub const COMPACT_KEY: &str = "callcoach.live.compact";
/// Storage key of the setting that calls (and their recordings) start on speech.
pub const START_ON_SPEECH_KEY: &str = "callcoach.live.start_on_speech";
/// The key that starts a call now or ends the current one (when the window has focus).
pub const CALL_KEY: egui::Key = egui::Key::F9;

/// How the live view starts.
#[derive(Debug, Clone, Default)]
pub struct LiveSetup {
    /// Start this pipeline at once (`None`: wait for the user, using the remembered
    /// device).
    pub pipeline: Option<PipelineOptions>,
    /// The device or demo was given on the command line (it wins over the remembered).
    pub device_given: bool,
    /// The agents file the agent picker lists and a finished call teaches (`None`: no
    /// picker).
    pub agents_file: Option<PathBuf>,
    /// Record captured calls here (`None`: `recordings/` in the data directory).
    pub record_dir: Option<PathBuf>,
}

/// State of the live view.
pub struct LiveView {
    ctx: egui::Context,
    profile: Profile,
    pipeline: Option<LivePipeline>,
    options: Option<PipelineOptions>,
    last: Option<LiveSnapshot>,
    devices: Option<Vec<DeviceInfo>>,
    devices_rx: Option<crossbeam_channel::Receiver<Vec<DeviceInfo>>>,
    device: Option<String>,
    customer_device: Option<String>,
    /// Show one cue at a time.
    pub focus: bool,
    /// Show the technical status (levels, buffer, CPU, latency) in the status bar.
    pub details: bool,
    /// Show the compact always-on-top window with the one most urgent cue.
    pub compact: bool,
    record: bool,
    /// Calls, and their recordings, start on the first speech (else the first call
    /// starts with the capture).
    start_on_speech: bool,
    record_dir: PathBuf,
    /// How the running session cuts calls.
    running_calls: CallMode,
    message: Option<String>,
    started_once: bool,
    /// The agents file, its agents as (id, name), and the agent coached.
    agents_file: Option<PathBuf>,
    agents: Vec<(String, String)>,
    agent: Option<String>,
    /// The source of the running call (what a finished call is learned from).
    running_source: Option<SourceChoice>,
    /// What the learning thread says when it is done.
    learned_rx: Option<crossbeam_channel::Receiver<String>>,
}

impl LiveView {
    /// A live view; with a pipeline in `setup`, the call starts on first draw.
    pub fn new(
        ctx: &egui::Context,
        storage: Option<&dyn eframe::Storage>,
        setup: LiveSetup,
        profile: Profile,
    ) -> Self {
        let get = |key: &str| storage.and_then(|s| s.get_string(key));
        let mut device = get(DEVICE_KEY).filter(|s| !s.is_empty());
        let customer_device = get(CUSTOMER_DEVICE_KEY).filter(|s| !s.is_empty());
        if let Some(PipelineOptions {
            source: SourceChoice::Capture(spec),
            ..
        }) = &setup.pipeline
            && setup.device_given
        {
            device = match spec {
                CaptureSpec::Single { device, .. } => device.clone(),
                CaptureSpec::Pair { mic, .. } => mic.clone(),
            };
        }
        let agents: Vec<(String, String)> = setup
            .agents_file
            .as_deref()
            .and_then(|f| AgentStore::open(f).ok())
            .map(|store| {
                store
                    .agents()
                    .map(|a| (a.id.clone(), a.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let agent = match setup.pipeline.as_ref().and_then(|p| p.agent.as_ref()) {
            Some(choice) => Some(choice.id.clone()),
            None => get(AGENT_KEY).filter(|id| agents.iter().any(|(a, _)| a == id)),
        };
        let mut options = setup.pipeline;
        // Without a device on the command line, use the remembered one.
        if !setup.device_given
            && let Some(PipelineOptions {
                source: SourceChoice::Capture(spec),
                ..
            }) = options.as_mut()
        {
            *spec = capture_spec(&device, &customer_device, profile.agent_channel);
        }
        Self {
            ctx: ctx.clone(),
            profile,
            pipeline: None,
            options,
            last: None,
            devices: None,
            devices_rx: None,
            device,
            customer_device,
            focus: get(FOCUS_KEY).is_some_and(|v| v == "true"),
            details: get(DETAILS_KEY).is_some_and(|v| v == "true"),
            compact: get(COMPACT_KEY).is_some_and(|v| v == "true"),
            record: get(RECORD_KEY).is_none_or(|v| v != "false"),
            start_on_speech: get(START_ON_SPEECH_KEY).is_none_or(|v| v != "false"),
            record_dir: setup
                .record_dir
                .clone()
                .unwrap_or_else(crate::review::recordings::default_dir),
            running_calls: CallMode::WHOLE_STREAM,
            message: None,
            started_once: false,
            agents_file: setup.agents_file,
            agents,
            agent,
            running_source: None,
            learned_rx: None,
        }
    }

    /// The agent coached (`None`: nobody picked).
    pub fn agent(&self) -> Option<&str> {
        self.agent.as_deref()
    }

    /// Picks the agent coached from the next call on (as the picker does).
    pub fn set_agent(&mut self, id: Option<String>) {
        self.agent = id;
    }

    /// Shows a given snapshot (UI tests, and the last state after a call ends).
    pub fn show_snapshot(&mut self, snapshot: LiveSnapshot) {
        self.last = Some(snapshot);
        self.started_once = true;
    }

    /// Sets the device list (as listed by cpal; UI tests give their own).
    pub fn set_devices(&mut self, devices: Vec<DeviceInfo>) {
        self.devices = Some(devices);
        self.devices_rx = None;
    }

    /// The chosen input device (`None`: the default input).
    pub fn device(&self) -> Option<&str> {
        self.device.as_deref()
    }

    /// The chosen customer-side device.
    pub fn customer_device(&self) -> Option<&str> {
        self.customer_device.as_deref()
    }

    /// Persists the device choice and settings.
    pub fn save(&mut self, storage: &mut dyn eframe::Storage) {
        storage.set_string(DEVICE_KEY, self.device.clone().unwrap_or_default());
        storage.set_string(AGENT_KEY, self.agent.clone().unwrap_or_default());
        storage.set_string(
            CUSTOMER_DEVICE_KEY,
            self.customer_device.clone().unwrap_or_default(),
        );
        storage.set_string(FOCUS_KEY, self.focus.to_string());
        storage.set_string(DETAILS_KEY, self.details.to_string());
        storage.set_string(COMPACT_KEY, self.compact.to_string());
        storage.set_string(RECORD_KEY, self.record.to_string());
        storage.set_string(START_ON_SPEECH_KEY, self.start_on_speech.to_string());
    }

    /// The latest snapshot shown (`None` before the first call).
    pub fn snapshot(&self) -> Option<&LiveSnapshot> {
        self.last.as_ref()
    }

    /// Whether a session (capture or demo) is running.
    pub fn is_running(&self) -> bool {
        self.pipeline.is_some()
    }

    /// How captured calls are cut: on speech (or with the capture), ending after the
    /// profile's silence.
    fn capture_calls(&self) -> CallMode {
        CallMode {
            end_silence_s: Some(self.profile.talk.call_end_silence_s),
            start_with_stream: !self.start_on_speech,
        }
    }

    /// Stops capture and analysis, finishing the recording.
    pub fn shutdown(&mut self) {
        self.stop_call();
    }

    fn repaint_handle(&self) -> Arc<dyn Fn() + Send + Sync> {
        let ctx = self.ctx.clone();
        Arc::new(move || ctx.request_repaint())
    }

    fn start(&mut self, mut options: PipelineOptions) {
        self.stop_call();
        if matches!(options.source, SourceChoice::Capture(_)) {
            options.calls = self.capture_calls();
        }
        self.running_calls = options.calls;
        self.running_source = Some(options.source.clone());
        match LivePipeline::start(options.clone(), self.repaint_handle()) {
            Ok(p) => {
                self.pipeline = Some(p);
                self.message = None;
            }
            Err(e) => {
                let demo = crate::paths::bundled_demo();
                let is_capture = matches!(options.source, SourceChoice::Capture(_));
                if let (true, Some(demo)) = (is_capture, demo) {
                    self.message = Some(format!(
                        "No input device ({e}). Playing the bundled demo call through the live pipeline."
                    ));
                    let demo_options = PipelineOptions {
                        source: SourceChoice::Demo {
                            path: demo,
                            pace: Pace::RealTime(1.0),
                            agent_channel: 0,
                        },
                        record_dir: None,
                        calls: CallMode::WHOLE_STREAM,
                        ..options
                    };
                    self.running_calls = CallMode::WHOLE_STREAM;
                    if let Ok(p) = LivePipeline::start(demo_options, self.repaint_handle()) {
                        self.pipeline = Some(p);
                    }
                } else {
                    self.message = Some(e.to_string());
                }
            }
        }
    }

    fn stop_call(&mut self) {
        if let Some(mut p) = self.pipeline.take() {
            match p.stop() {
                Ok(end) => {
                    self.learn_from(&end);
                    let mut last = p.session().snapshot();
                    last.report = Some(Box::new(end.report));
                    last.recording = end.recording;
                    self.last = Some(last);
                }
                Err(e) => self.message = Some(e.to_string()),
            }
        }
    }

    /// Adds the finished calls of the chosen agent to their print and baseline, on a
    /// thread of its own (it reads the whole recordings).
    fn learn_from(&mut self, end: &SessionEnd) {
        let (Some(id), Some(file), Some(source)) =
            (&end.agent, &self.agents_file, &self.running_source)
        else {
            return;
        };
        let sources = live::agent::learning_sources(source, end);
        if sources.is_empty() {
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (id, file, ctx) = (id.clone(), file.clone(), self.ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("callcoach-learn".into())
            .spawn(move || {
                let said = live::agent::learn(&file, &id, &sources)
                    .unwrap_or_else(|e| format!("could not learn from the call: {e}"));
                let _ = tx.send(said);
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.learned_rx = Some(rx);
        }
    }

    fn poll_learned(&mut self) {
        if let Some(rx) = &self.learned_rx
            && let Ok(said) = rx.try_recv()
        {
            self.message = Some(said);
            self.learned_rx = None;
        }
    }

    /// The profile and agent of the next call: the team's, or the picked agent's.
    fn agent_setup(&self) -> (Profile, Option<AgentChoice>) {
        let chosen = self.agent.as_ref().zip(self.agents_file.as_ref());
        match chosen.map(|(id, file)| {
            AgentStore::open(file)
                .map_err(live::agent::LiveAgentError::from)
                .and_then(|store| live::agent::choose(&store, id, &self.profile))
        }) {
            Some(Ok((profile, choice))) => (profile, Some(choice)),
            _ => (self.profile.clone(), None),
        }
    }

    fn capture_options(&self) -> PipelineOptions {
        let (profile, agent) = self.agent_setup();
        let spec = capture_spec(&self.device, &self.customer_device, profile.agent_channel);
        PipelineOptions {
            source: SourceChoice::Capture(spec),
            band: BandSetting::from_profile(&profile),
            profile,
            record_dir: self.record.then(|| self.record_dir.clone()),
            agent,
            calls: self.capture_calls(),
            cue_log: false,
        }
    }

    fn poll_devices(&mut self) {
        if let Some(rx) = &self.devices_rx
            && let Ok(list) = rx.try_recv()
        {
            self.devices = Some(list);
            self.devices_rx = None;
        }
    }

    fn refresh_devices(&mut self) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("callcoach-devices".into())
            .spawn(move || {
                let _ = tx.send(list_input_devices());
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.devices_rx = Some(rx);
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll_learned();
        if !self.started_once {
            self.started_once = true;
            if let Some(options) = self.options.take() {
                self.start(options);
            }
            if self.devices.is_none() {
                self.refresh_devices();
            }
        }
        self.poll_devices();
        if let Some(p) = &self.pipeline {
            self.last = Some(p.session().snapshot());
            if p.is_finished() {
                self.stop_call();
            }
        }
        egui::Panel::top("live_controls").show(ui, |ui| self.controls_ui(ui));
        egui::Panel::bottom("live_status").show(ui, |ui| match &self.last {
            Some(s) => status_bar_ui(ui, s, &mut self.details),
            None => {
                ui.label("Not capturing.");
            }
        });
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(m) = &self.message {
                banner_ui(ui, theme::HIGH, &format!("⚠ {m}"));
            }
            match &self.last {
                Some(s) => live_ui(ui, s, self.focus),
                None => {
                    ui.label("Choose an input and press ▶ Start.");
                }
            }
        });
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            let running = self.pipeline.is_some();
            let names: Vec<(String, bool)> = self
                .devices
                .as_ref()
                .map(|d| d.iter().map(|d| (d.name.clone(), d.is_monitor)).collect())
                .unwrap_or_default();
            ui.add_enabled_ui(!running, |ui| {
                if self.agents_file.is_some() && !self.agents.is_empty() {
                    let shown = self
                        .agent
                        .as_ref()
                        .and_then(|id| self.agents.iter().find(|(a, _)| a == id))
                        .map_or_else(|| "nobody".to_string(), |(_, name)| name.clone());
                    egui::ComboBox::new("live_agent", "Agent")
                        .selected_text(shown)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut self.agent, None, "nobody");
                            for (id, name) in &self.agents {
                                ui.selectable_value(&mut self.agent, Some(id.clone()), name);
                            }
                        });
                }
                egui::ComboBox::new("live_device", "Input")
                    .selected_text(self.device.clone().unwrap_or_else(|| "default".into()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.device, None, "default");
                        for (name, _) in &names {
                            ui.selectable_value(&mut self.device, Some(name.clone()), name);
                        }
                    });
                egui::ComboBox::new("live_customer_device", "Customer side")
                    .selected_text(
                        self.customer_device
                            .clone()
                            .unwrap_or_else(|| "none (stereo input or headset only)".into()),
                    )
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.customer_device, None, "none");
                        for (name, monitor) in &names {
                            let label = if *monitor {
                                format!("{name} (monitor)")
                            } else {
                                name.clone()
                            };
                            ui.selectable_value(
                                &mut self.customer_device,
                                Some(name.clone()),
                                label,
                            );
                        }
                    });
                if ui
                    .button("↻ Devices")
                    .on_hover_text("List the devices again")
                    .clicked()
                {
                    self.refresh_devices();
                }
                ui.checkbox(&mut self.record, "Record");
                ui.checkbox(&mut self.start_on_speech, "Start calls on speech")
                    .on_hover_text(
                        "A call, and its recording, starts on the first speech after silence; \
                         off: the first call starts when you press Start",
                    );
            });
            ui.separator();
            self.call_buttons_ui(ui);
            ui.separator();
            ui.toggle_value(&mut self.focus, "🎯 Focus mode")
                .on_hover_text("Show one cue at a time: the most important now");
            ui.toggle_value(&mut self.compact, "🗗 Compact")
                .on_hover_text("A small always-on-top window with the one most urgent cue");
            if let Some(s) = &self.last {
                rec_badge_ui(ui, s, 16.0);
            }
        });
    }

    /// Start listening, start or end a call (also with [`CALL_KEY`]), stop listening.
    fn call_buttons_ui(&mut self, ui: &mut egui::Ui) {
        let key = ui.input(|i| i.key_pressed(CALL_KEY));
        let Some(p) = &self.pipeline else {
            if ui
                .button("▶ Start")
                .on_hover_text("Listen on the input: a call starts on the first speech")
                .clicked()
            {
                let options = self.capture_options();
                self.start(options);
            }
            return;
        };
        let in_call = self.last.as_ref().is_some_and(|s| s.call.in_call);
        if self.running_calls == CallMode::WHOLE_STREAM {
            if ui.button("⏹ End call").clicked() || key {
                self.stop_call();
            }
            return;
        }
        if in_call {
            if ui
                .button("⏹ End call")
                .on_hover_text("End this call now (F9); listening goes on")
                .clicked()
                || key
            {
                p.end_call();
            }
        } else if ui
            .button("▶ Start call now")
            .on_hover_text("Start a call without waiting for speech (F9)")
            .clicked()
            || key
        {
            p.start_call();
        }
        if ui
            .button("⏏ Stop")
            .on_hover_text("Stop listening")
            .clicked()
        {
            self.stop_call();
        }
    }
}

/// The headset (`None`: default input) alone or with a customer-side input.
fn capture_spec(
    device: &Option<String>,
    customer: &Option<String>,
    agent_channel: usize,
) -> CaptureSpec {
    match customer {
        Some(c) => CaptureSpec::Pair {
            mic: device.clone(),
            customer: c.clone(),
        },
        None => CaptureSpec::Single {
            device: device.clone(),
            agent_channel,
        },
    }
}

fn banner_ui(ui: &mut egui::Ui, color: Color32, text: &str) {
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(egui::Stroke::new(1.5, color))
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(text).strong());
        });
}

/// A clear red "● REC" while a call is being recorded (nothing otherwise), text
/// `size` points high; the dot is drawn (the bundled fonts have no "●").
pub fn rec_badge_ui(ui: &mut egui::Ui, s: &LiveSnapshot, size: f32) {
    if !matches!(s.recording, RecordingStatus::Recording { .. }) {
        return;
    }
    egui::Frame::new()
        .fill(theme::REC)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = size * 0.3;
                let (dot, _) =
                    ui.allocate_exact_size(egui::vec2(size * 0.7, size), egui::Sense::hover());
                ui.painter()
                    .circle_filled(dot.center(), size * 0.33, Color32::WHITE);
                ui.label(
                    RichText::new("REC")
                        .size(size)
                        .strong()
                        .color(Color32::WHITE),
                );
            });
        })
        .response
        .on_hover_text("This call is being recorded");
}

/// The color of a cue's tone.
pub fn tone_color(tone: Tone) -> Color32 {
    match tone {
        Tone::Good => theme::GOOD,
        Tone::Info => theme::IDLE,
        Tone::Adjust => theme::HIGH,
        Tone::Alert => theme::ALERT,
    }
}

/// Draws the whole live display for `s`: banners, the gauges (or the focus cue) and
/// the strip charts.
pub fn live_ui(ui: &mut egui::Ui, s: &LiveSnapshot, focus: bool) {
    if let SourceState::Lost { message } = &s.source.state {
        banner_ui(
            ui,
            theme::ALERT,
            &format!(
                "🔌 Device lost: {message}. The recording is kept; capture resumes when it returns."
            ),
        );
    }
    if let SourceState::Failed { message } = &s.source.state {
        banner_ui(ui, theme::ALERT, &format!("✖ Input failed: {message}"));
    }
    if let RecordingStatus::Failed { message, .. } = &s.recording {
        banner_ui(
            ui,
            theme::HIGH,
            &format!("⚠ Recording stopped: {message}. Coaching goes on."),
        );
    }
    if !s.gauges.has_customer {
        banner_ui(
            ui,
            theme::LOW,
            "ℹ Only the agent's microphone: reply gaps need the customer side (a stereo input, or a customer-side input such as \"Monitor of …\").",
        );
    }
    if s.gauges.summary.is_some() {
        summary_ui(ui, s);
    } else if focus {
        focus_ui(ui, s);
    } else {
        gauges_ui(ui, s);
        ui.separator();
        strip_charts_ui(ui, s);
    }
}

/// The end of a call: the cues are cleared; the score and its main measures show.
pub fn summary_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let Some(summary) = &s.gauges.summary else {
        return;
    };
    ui.add_space(12.0);
    ui.label(RichText::new(&summary.headline).size(28.0).strong());
    for line in &summary.lines {
        ui.label(line);
    }
    if let RecordingStatus::Saved { wav, json } = &s.recording {
        ui.label(format!("Saved {} and {}", wav.display(), json.display()));
    }
}

/// Focus mode: one big cue.
pub fn focus_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let cue = &s.gauges.cue;
    let color = tone_color(cue.tone);
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        ui.label(RichText::new(&cue.text).size(48.0).color(color).strong());
    });
}

/// The four gauges side by side.
pub fn gauges_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    ui.columns(4, |cols| {
        pitch_gauge_ui(&mut cols[0], s);
        reply_gauge_ui(&mut cols[1], s);
        pace_gauge_ui(&mut cols[2], s);
        talk_gauge_ui(&mut cols[3], s);
    });
}

fn gauge_frame(ui: &mut egui::Ui, title: &str, add: impl FnOnce(&mut egui::Ui)) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_min_height(190.0);
        ui.set_width(ui.available_width());
        ui.label(RichText::new(title).strong());
        add(ui);
    });
}

/// Pitch: an arc from 60 to 250 Hz with the band shaded and a needle at the smoothed F0.
pub fn pitch_gauge_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let p = &s.gauges.pitch;
    gauge_frame(ui, "Pitch", |ui| {
        let (rect, _) =
            ui.allocate_exact_size(egui::vec2(ui.available_width(), 90.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let center = egui::pos2(rect.center().x, rect.bottom() - 6.0);
        let radius = (rect.width() / 2.0 - 8.0).min(rect.height() - 12.0);
        const LO: f64 = 60.0;
        const HI: f64 = 250.0;
        let angle = |f: f64| {
            let x = ((f.clamp(LO, HI) - LO) / (HI - LO)) as f32;
            std::f32::consts::PI * (1.0 - x)
        };
        let at = |a: f32, r: f32| center + egui::vec2(a.cos() * r, -a.sin() * r);
        let arc = |from: f64, to: f64, color: Color32, width: f32| {
            let n = 40;
            let pts: Vec<egui::Pos2> = (0..=n)
                .map(|i| {
                    let f = from + (to - from) * f64::from(i) / f64::from(n);
                    at(angle(f), radius)
                })
                .collect();
            painter.add(egui::Shape::line(pts, egui::Stroke::new(width, color)));
        };
        arc(LO, HI, theme::IDLE.gamma_multiply(0.5), 6.0);
        if let Some([lo, hi]) = p.band_hz {
            arc(lo, hi, theme::GOOD, 10.0);
        }
        if let Some(f) = p.f0_hz {
            let color = match p.state {
                PitchState::InBand => theme::GOOD,
                PitchState::High => theme::HIGH,
                PitchState::Low => theme::LOW,
                _ => theme::IDLE,
            };
            painter.line_segment(
                [center, at(angle(f64::from(f)), radius + 4.0)],
                egui::Stroke::new(3.0, color),
            );
        }
        painter.circle_filled(center, 4.0, ui.visuals().text_color());
        let value = match p.f0_hz {
            Some(f) => format!("{f:.0} Hz"),
            None => "— Hz".into(),
        };
        let state = match p.state {
            PitchState::NoVoice => "not speaking",
            PitchState::Measuring => "measuring your baseline",
            PitchState::Low => "⬇ below the band",
            PitchState::InBand => "✔ in band",
            PitchState::High => "⬆ above the band",
        };
        ui.label(RichText::new(value).size(22.0));
        ui.label(state);
        match p.band_hz {
            Some([lo, hi]) => ui.label(format!("band {lo:.0}–{hi:.0} Hz")),
            None => ui.label(format!(
                "band: baseline {:.0} % measured",
                p.baseline_progress * 100.0
            )),
        };
        if let Some(frac) = p.frac_in_band {
            ui.label(format!("in band {:.0} % of voiced time", frac * 100.0));
        }
    });
}

/// Reply interval: the timer running after the customer's last word, the window marked
/// on a bar, the last gap and its verdict.
pub fn reply_gauge_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let r = &s.gauges.reply;
    gauge_frame(ui, "Reply interval", |ui| {
        if !s.gauges.has_customer {
            ui.label("needs the customer side");
            return;
        }
        const SCALE_S: f64 = 6.0;
        let (rect, _) =
            ui.allocate_exact_size(egui::vec2(ui.available_width(), 28.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let x = |t: f64| rect.left() + rect.width() * (t.clamp(0.0, SCALE_S) / SCALE_S) as f32;
        painter.rect_filled(rect, 3.0, theme::IDLE.gamma_multiply(0.3));
        let [a, b] = r.aim_s;
        painter.rect_filled(
            egui::Rect::from_x_y_ranges(x(a)..=x(b), rect.y_range()),
            0.0,
            theme::GOOD.gamma_multiply(0.6),
        );
        let (value, color) = match &r.state {
            ReplyState::Idle => ("—".to_string(), theme::IDLE),
            ReplyState::Timing { elapsed_s, .. } => {
                let color = if *elapsed_s < a {
                    theme::LOW
                } else if *elapsed_s <= b {
                    theme::GOOD
                } else {
                    theme::HIGH
                };
                (format!("⏱ {elapsed_s:.1} s"), color)
            }
            ReplyState::Answered(gap) => (
                format!("{:.2} s {}", gap.gap_s, theme::verdict_label(gap.verdict)),
                theme::verdict_color(gap.verdict),
            ),
        };
        let t = match &r.state {
            ReplyState::Timing { elapsed_s, .. } => Some(*elapsed_s),
            ReplyState::Answered(gap) => Some(gap.gap_s.max(0.0)),
            ReplyState::Idle => None,
        };
        if let Some(t) = t {
            painter.rect_filled(
                egui::Rect::from_x_y_ranges(rect.left()..=x(t), rect.y_range())
                    .shrink2(egui::vec2(0.0, 9.0)),
                0.0,
                color,
            );
        }
        ui.label(RichText::new(value).size(22.0).color(color));
        ui.label(format!("aim {a:.1}–{b:.1} s"));
        if let Some(turn) = &r.customer_turn {
            let hint = match r.aim_reason {
                WindowReason::AgitatedCustomer => Some("calm phrase, then pause"),
                WindowReason::RushedCustomer => Some("answer promptly"),
                WindowReason::Normal => None,
            };
            if let Some(hint) = hint {
                ui.label(
                    RichText::new(format!("Customer {}: {hint}", customer_words(turn.state)))
                        .color(theme::HIGH),
                );
            }
        }
        ui.label(format!(
            "{} of {} replies in the window",
            r.in_window, r.gaps
        ));
    });
}

/// Pace: the last turn's rate and the pace changes per 45 s of talk so far, judged as
/// the score judges them.
pub fn pace_gauge_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let p = &s.gauges.pace;
    gauge_frame(ui, "Pace", |ui| {
        let rate = match p.last_rate {
            Some(r) => format!("{r:.1} syllables per second"),
            None => "— syllables per second".into(),
        };
        ui.label(RichText::new(rate).size(18.0));
        let [lo, hi] = p.target;
        let per_45s = p
            .changes_per_45s
            .map_or_else(|| "—".to_string(), |r| format!("{r:.1}"));
        let (mark, color) = match p.range {
            None => (
                format!(
                    "judged after {:.0} s of your talk ({:.0} s so far)",
                    p.min_talk_s, p.agent_talk_s
                ),
                ui.visuals().text_color(),
            ),
            Some(Range::Below) => ("⬆ vary your pace more".into(), theme::HIGH),
            Some(Range::Above) => ("⬇ steadier: fewer changes".into(), theme::HIGH),
            Some(Range::Within) => ("✔ on target".into(), theme::GOOD),
        };
        ui.label(format!(
            "{per_45s} pace changes per 45 s of talk (target {lo:.0}–{hi:.0})"
        ));
        ui.label(RichText::new(mark).color(color));
        if let Some(c) = p.changes.last() {
            ui.label(format!(
                "last change at {:.0} s: {:.1} to {:.1} syllables per second",
                c.t, c.from, c.to
            ));
        }
    });
}

/// Talk: ratio, overlaps, silence, monologue.
pub fn talk_gauge_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let t = &s.gauges.talk;
    gauge_frame(ui, "Talk", |ui| {
        match t.agent_share {
            Some(share) => {
                ui.label(
                    RichText::new(format!(
                        "agent {:.0} % / customer {:.0} %",
                        share * 100.0,
                        (1.0 - share) * 100.0
                    ))
                    .size(16.0),
                );
                ui.add(egui::ProgressBar::new(share as f32).desired_height(10.0));
            }
            None => {
                ui.label("no talk yet");
            }
        }
        let overlap_color = if t.overlaps > 0 {
            theme::ALERT
        } else {
            theme::GOOD
        };
        ui.label(RichText::new(format!("overlaps {}", t.overlaps)).color(overlap_color));
        let silence_color = if t.silence_s >= t.long_silence_s {
            theme::HIGH
        } else {
            ui.visuals().text_color()
        };
        ui.label(
            RichText::new(format!(
                "silence {:.1} s ({} long)",
                t.silence_s, t.long_silences
            ))
            .color(silence_color),
        );
        let mono_color = if t.monologue_s > t.max_monologue_s {
            theme::HIGH
        } else {
            ui.visuals().text_color()
        };
        ui.label(
            RichText::new(format!(
                "monologue {:.0} s (longest {:.0} s, limit {:.0} s)",
                t.monologue_s, t.longest_monologue_s, t.max_monologue_s
            ))
            .color(mono_color),
        );
    });
}

/// Width of the strip charts' y axis, points: the same for both lanes, so their time
/// axes line up.
pub const STRIP_AXIS_WIDTH: f32 = 96.0;

/// Strip charts of the last 60 s: the agent's F0 with the band, and who speaks. Time
/// runs in seconds ago (−60 … 0, now at the right); both lanes share the x range and
/// the y-axis width, so a moment is at the same x in both.
pub fn strip_charts_ui(ui: &mut egui::Ui, s: &LiveSnapshot) {
    let now = s.gauges.now_s;
    let ago = |t: f64| t - now;
    let shown = |p: &&crate::live::coach::StripPoint| ago(p.t_s) >= -STRIP_S;
    let f0: Vec<[f64; 2]> = s
        .strip
        .iter()
        .filter(shown)
        .filter(|p| p.agent_f0_hz > 0.0)
        .map(|p| [ago(p.t_s), f64::from(p.agent_f0_hz)])
        .collect();
    // The same time axis for both lanes: fixed, no margin, no dragging or zooming.
    let lane_plot = |id: &str, height: f32| {
        Plot::new(id)
            .height(height)
            .default_x_bounds(-STRIP_S, 0.0)
            .set_margin_fraction(egui::vec2(0.0, 0.05))
            .y_axis_min_width(STRIP_AXIS_WIDTH)
            .x_axis_label("seconds ago")
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_double_click_reset(false)
    };
    ui.label(RichText::new("Agent pitch, last 60 s").strong());
    lane_plot("live_f0", 150.0)
        .include_y(60.0)
        .include_y(250.0)
        .y_axis_label("Hz")
        .show(ui, |plot| {
            if let Some([lo, hi]) = s.gauges.pitch.band_hz {
                plot.span(
                    Span::new("band", lo..=hi)
                        .axis(Axis::Y)
                        .fill(theme::BAND_FILL),
                );
            }
            plot.points(
                Points::new("agent F0", PlotPoints::from(f0))
                    .color(theme::AGENT)
                    .radius(1.5),
            );
        });
    let lane = |who: Speaker, y: f64| -> Vec<[f64; 2]> {
        s.strip
            .iter()
            .filter(shown)
            .filter(|p| match who {
                Speaker::Customer => p.customer_active,
                _ => p.agent_active,
            })
            .map(|p| [ago(p.t_s), y])
            .collect()
    };
    ui.label(RichText::new("Who speaks (agent ■ top row, customer bottom row)").strong());
    lane_plot("live_activity", 90.0)
        .default_y_bounds(-0.5, 1.5)
        .y_axis_label("who")
        .y_grid_spacer(|_| {
            [0.0, 1.0]
                .into_iter()
                .map(|value| egui_plot::GridMark {
                    value,
                    step_size: 1.0,
                })
                .collect()
        })
        .y_axis_formatter(|mark, _| match mark.value.round() as i64 {
            1 => "agent".into(),
            0 => "customer".into(),
            _ => String::new(),
        })
        .show(ui, |plot| {
            plot.points(
                Points::new("agent", PlotPoints::from(lane(Speaker::Agent, 1.0)))
                    .color(theme::AGENT)
                    .shape(MarkerShape::Square)
                    .radius(2.0),
            );
            plot.points(
                Points::new("customer", PlotPoints::from(lane(Speaker::Customer, 0.0)))
                    .color(theme::CUSTOMER)
                    .shape(MarkerShape::Up)
                    .radius(2.0),
            );
        });
    if let Some(e) = s.recent_events.iter().rev().find(|e| {
        matches!(
            e.event,
            EventRecord::ReplyGap(_) | EventRecord::PaceChange(_) | EventRecord::Overlap { .. }
        )
    }) {
        let text = match &e.event {
            EventRecord::ReplyGap(g) => format!(
                "{:.1} s: reply gap {:.2} s {}",
                g.agent_start,
                g.gap_s,
                theme::verdict_label(g.verdict)
            ),
            EventRecord::PaceChange(c) => {
                format!(
                    "{:.1} s: pace {:.1} to {:.1} syllables per second",
                    c.t, c.from, c.to
                )
            }
            EventRecord::Overlap { t, .. } => format!("{t:.1} s: ✖ overlap"),
            _ => String::new(),
        };
        ui.label(format!("Last event: {text}"));
    }
}

/// Status bar: the source and its state, the recording, and behind "Details" the
/// technical status (rate, levels, dropped buffers, buffer size, analysis load,
/// latency).
pub fn status_bar_ui(ui: &mut egui::Ui, s: &LiveSnapshot, details: &mut bool) {
    ui.horizontal_wrapped(|ui| {
        let state = match &s.source.state {
            SourceState::Starting => "starting",
            SourceState::Running => "⏺ live",
            SourceState::Lost { .. } => "🔌 lost",
            SourceState::Ended => "ended",
            SourceState::Failed { .. } => "failed",
        };
        ui.label(format!("{state} · {}", s.source.label));
        ui.separator();
        match &s.recording {
            RecordingStatus::Off => ui.label("not recording"),
            RecordingStatus::Recording { path } => ui.label(format!("⏺ {}", path.display())),
            RecordingStatus::Failed { .. } => {
                ui.label(RichText::new("⏺ stopped").color(theme::HIGH))
            }
            RecordingStatus::Saved { wav, .. } => ui.label(format!("saved {}", wav.display())),
        };
        if s.dropped_blocks > 0 {
            ui.separator();
            ui.label(
                RichText::new(format!("⚠ {} pieces of audio lost", s.dropped_blocks))
                    .color(theme::ALERT),
            );
        }
        ui.separator();
        ui.toggle_value(details, "Details")
            .on_hover_text("Technical status: levels, buffer, CPU, latency");
        if !*details {
            return;
        }
        ui.separator();
        ui.label(format!(
            "{} Hz, {} ch",
            s.source.sample_rate, s.source.channels
        ));
        ui.separator();
        ui.label(format!(
            "level {:.0} / {:.0} dBFS",
            s.input_level_db[0], s.input_level_db[1]
        ));
        ui.separator();
        ui.label(format!("dropped {}", s.dropped_blocks));
        ui.separator();
        ui.label(format!("buffer {} frames", s.callback_frames));
        ui.separator();
        ui.label(format!("analysis {:.1} % CPU", s.analysis_load * 100.0));
        ui.separator();
        match s.latency_ms {
            Some([p50, p95]) => ui.label(format!("latency {p50:.0} ms (p95 {p95:.0})")),
            None => ui.label("latency —"),
        };
    });
}
