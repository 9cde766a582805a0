//! The review view for coaches: open a recorded call, see its timeline, hear it, pin
//! notes, export a report. Everything that is not drawing lives in [`crate::review`]:
//! this file polls the loading job and draws what it produced. [`ReviewView`] holds the
//! state and carries out what the coach asks for; each panel (toolbar, transport,
//! summary, measures, notes, event list) and each lane of the timeline is a free `*_ui`
//! function that draws what it is given and returns what was clicked.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use egui::{Color32, Key, RichText};
use egui_plot::{
    Axis, GridMark, HoverPosition, Line, LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints,
    PlotResponse, PlotUi, Points, Span, Text, VLine,
};

use crate::analysis::{
    CallReport, Layout, PaceChange, PaceSpan, ReplyGap, Speaker, SpeakersFrom, Verdict,
};
use crate::audio_out::playback::{Listen, PlaybackStatus, Player};
use crate::config::Profile;
use crate::gui::file_browser::{self, Choice, FileBrowser};
use crate::gui::theme;
use crate::review::events::{self, EventKind, ReviewEvent, SortKey};
use crate::review::export::{self, clock};
use crate::review::lanes::{self, PitchTrack};
use crate::review::load::{LoadJob, LoadRequest, LoadedCall};
use crate::review::notes::{self, Note};
use crate::review::recordings::{Scan, default_dir};
use crate::review::waveform::{Envelope, Pyramid};

/// Storage key of the recent files.
const RECENT_KEY: &str = "callcoach.review.recent";
/// Recent files kept.
const MAX_RECENT: usize = 10;
/// Gap markers get their value written beside them up to this many in view.
const MAX_GAP_LABELS: usize = 80;
/// Gap markers are held inside the gap lane (-1 to 3.2 s), so a far gap still shows.
const GAP_MARKER_RANGE_S: [f64; 2] = [-0.95, 3.1];
/// Height of a gap's value label above its marker, s on the lane's scale.
const GAP_LABEL_RISE_S: f64 = 0.45;
/// Who-speaks lane: the height of the monologue bars, above both parties' rows.
const MONOLOGUE_Y: f64 = 2.05;
/// Who-speaks lane: the height of the note marks, above the monologue bars.
const NOTE_Y: f64 = 2.2;
/// Who-speaks lane: the height of the agitated or rushed customer bars, just above the
/// customer's row.
const CUSTOMER_STATE_Y: f64 = 0.95;
/// Who-speaks lane: the height of a party's row.
const TALK_ROW_HEIGHT: f64 = 0.8;

/// A native dialog that returns nothing sooner than this did not appear (no person
/// dismisses a dialog that fast): rfd reports a missing portal and zenity that way.
const DIALOG_FAILED_WITHIN: Duration = Duration::from_millis(700);

/// What the native file dialog's thread reports.
enum DialogOutcome {
    /// The coach chose a file, or cancelled.
    Chosen(Option<PathBuf>),
    /// The dialog could not be shown; why.
    Unavailable(String),
}

/// An open call with its player, notes and events.
struct Open {
    call: LoadedCall,
    player: Player,
    notes: Vec<Note>,
    events: Vec<ReviewEvent>,
}

impl Open {
    fn rebuild_events(&mut self, profile: &Profile) {
        self.events = events::collect(&self.call.report, profile, &self.notes);
    }
}

/// Scratch buffers for the lanes, reused every frame.
#[derive(Default)]
struct LaneScratch {
    envelope: Envelope,
    points: Vec<[f64; 2]>,
}

/// A message for the coach: an error (the app stays usable) or a confirmation.
struct Message {
    text: String,
    error: bool,
}

/// The note being written.
struct NoteDraft {
    text: String,
    /// Whether the note covers a span rather than an instant.
    span: bool,
    /// Length of the span, s.
    len_s: f64,
}

/// A note the coach asked to add at the playhead.
struct NewNote {
    text: String,
    /// Length of its span, s (`None`: an instant).
    span_s: Option<f64>,
}

/// A click in the list of notes.
enum NoteClick {
    /// Move the playhead to this time, s.
    Jump(f64),
    /// Delete the note at this index.
    Delete(usize),
}

/// A click in the bar of the open call.
enum CallBarClick {
    /// Open the call again with this agent channel.
    AgentChannel(usize),
    /// Export the report.
    Export,
}

/// A click in the recordings menu.
enum RecordingsClick {
    /// Open this recording.
    Open(PathBuf),
    /// Score the folder again.
    Rescan,
}

/// State of the review view.
pub struct ReviewView {
    ctx: egui::Context,
    profile: Profile,
    agent_channel: Option<usize>,
    job: Option<LoadJob>,
    open: Option<Open>,
    message: Option<Message>,
    recent: Vec<PathBuf>,
    dialog: Option<Receiver<DialogOutcome>>,
    /// Why the desktop's file dialog cannot be used (then the built-in browser is).
    native_dialog_problem: Option<String>,
    browser: Option<FileBrowser>,
    scan: Option<Scan>,
    sort: SortKey,
    ascending: bool,
    note: NoteDraft,
    view_x: [f64; 2],
    pending_x: Option<[f64; 2]>,
    scratch: LaneScratch,
    gap_markers_drawn: usize,
    lane_frames: Vec<(&'static str, egui::Rect)>,
    last_lanes_ms: f64,
}

impl ReviewView {
    /// A review view, opening `file` if given.
    pub fn new(
        ctx: &egui::Context,
        file: Option<PathBuf>,
        profile: Profile,
        agent_channel: Option<usize>,
    ) -> Self {
        let mut view = Self {
            ctx: ctx.clone(),
            profile,
            agent_channel,
            job: None,
            open: None,
            message: None,
            recent: Vec::new(),
            dialog: None,
            native_dialog_problem: file_browser::native_dialog_problem_here(),
            browser: None,
            scan: None,
            sort: SortKey::Time,
            ascending: true,
            note: NoteDraft {
                text: String::new(),
                span: false,
                len_s: 5.0,
            },
            view_x: [0.0, 60.0],
            pending_x: None,
            scratch: LaneScratch::default(),
            gap_markers_drawn: 0,
            lane_frames: Vec::new(),
            last_lanes_ms: 0.0,
        };
        if let Some(f) = file {
            view.open_file(f);
        }
        view
    }

    /// Uses the built-in file browser for **Open…**, saying `reason` (tests, or a desktop
    /// known to have no file dialog).
    pub fn without_native_dialog(&mut self, reason: &str) {
        self.native_dialog_problem = Some(reason.to_string());
    }

    /// The built-in file browser, when open.
    pub fn file_browser(&self) -> Option<&FileBrowser> {
        self.browser.as_ref()
    }

    /// Restores the recent files saved by [`Self::save`].
    pub fn restore(&mut self, storage: Option<&dyn eframe::Storage>) {
        if let Some(s) = storage
            && let Some(recent) = eframe::get_value::<Vec<PathBuf>>(s, RECENT_KEY)
        {
            self.recent = recent;
        }
    }

    /// Starts opening `path` (analysis and decoding off the UI thread).
    pub fn open_file(&mut self, path: PathBuf) {
        self.shutdown_call();
        self.message = None;
        let ctx = self.ctx.clone();
        let request = LoadRequest {
            path: path.clone(),
            profile: self.profile.clone(),
            agent_channel: self.agent_channel,
        };
        match LoadJob::start(request, move || ctx.request_repaint()) {
            Ok(job) => self.job = Some(job),
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Whether a call is being opened.
    pub fn is_loading(&self) -> bool {
        self.job.is_some()
    }

    /// The open call, once loaded.
    pub fn call(&self) -> Option<&LoadedCall> {
        self.open.as_ref().map(|o| &o.call)
    }

    /// The open call's events (sorted as the list shows them).
    pub fn events(&self) -> &[ReviewEvent] {
        self.open.as_ref().map_or(&[], |o| o.events.as_slice())
    }

    /// The open call's notes.
    pub fn notes(&self) -> &[Note] {
        self.open.as_ref().map_or(&[], |o| o.notes.as_slice())
    }

    /// The playhead, s.
    pub fn playhead_s(&self) -> f64 {
        self.open.as_ref().map_or(0.0, |o| o.player.position_s())
    }

    /// Reply-gap markers drawn in the last frame.
    pub fn gap_markers_drawn(&self) -> usize {
        self.gap_markers_drawn
    }

    /// The message shown (error or confirmation).
    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|m| m.text.as_str())
    }

    /// Playback status: on with a device, or off and why.
    pub fn playback_status(&self) -> Option<&PlaybackStatus> {
        self.open.as_ref().map(|o| o.player.status())
    }

    /// Where lane `id` (`lane_wave_agent`, `lane_wave_customer`, `lane_talk`,
    /// `lane_pitch`, `lane_gaps`, `lane_pace`) drew its data in the last frame: the
    /// screen rectangle whose left and right edges are the ends of [`Self::visible_range`].
    pub fn lane_frame(&self, id: &str) -> Option<egui::Rect> {
        self.lane_frames
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, r)| *r)
    }

    /// The time range the lanes show, s.
    pub fn visible_range(&self) -> [f64; 2] {
        self.view_x
    }

    /// Milliseconds the lanes took to prepare and lay out in the last frame.
    pub fn last_lanes_ms(&self) -> f64 {
        self.last_lanes_ms
    }

    /// Adds a note at `t_s` (to `end_s`) and saves the notes file.
    pub fn add_note(&mut self, t_s: f64, end_s: Option<f64>, text: &str) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.notes.push(Note {
            t_s,
            end_s,
            text: text.trim().to_string(),
        });
        notes::sort(&mut open.notes);
        self.save_notes();
    }

    fn save_notes(&mut self) {
        let Some(open) = self.open.as_mut() else {
            return;
        };
        open.rebuild_events(&self.profile);
        events::sort(&mut open.events, self.sort, self.ascending);
        if let Err(e) = notes::save(&open.call.path, &open.notes) {
            self.error(format!("notes not saved: {e}"));
        }
    }

    fn error(&mut self, text: String) {
        self.message = Some(Message { text, error: true });
    }

    fn info(&mut self, text: String) {
        self.message = Some(Message { text, error: false });
    }

    fn remember(&mut self, path: &Path) {
        let p = path.to_path_buf();
        self.recent.retain(|r| r != &p);
        self.recent.insert(0, p);
        self.recent.truncate(MAX_RECENT);
    }

    /// Exports the HTML report and the events CSV beside the WAV; returns their paths.
    pub fn export(&mut self) -> Option<(PathBuf, PathBuf)> {
        let open = self.open.as_ref()?;
        let html = export::html_report(&open.call, &self.profile, &open.notes, &open.events);
        let html_path = export::html_path(&open.call.path);
        let csv_path = export::csv_path(&open.call.path);
        let result = export::write_html(&html_path, &html)
            .and_then(|()| export::write_csv(&csv_path, &open.events));
        match result {
            Ok(()) => {
                self.info(format!(
                    "wrote {} and {}",
                    html_path.display(),
                    csv_path.display()
                ));
                Some((html_path, csv_path))
            }
            Err(e) => {
                self.error(e.to_string());
                None
            }
        }
    }

    /// Moves the playhead to `t_s` and brings it into view.
    pub fn seek(&mut self, t_s: f64) {
        let Some(open) = self.open.as_ref() else {
            return;
        };
        open.player.seek(t_s);
        let t = open.player.position_s();
        let [a, b] = self.view_x;
        if t < a || t > b {
            let w = (b - a).max(1.0);
            self.pending_x = Some([t - w / 2.0, t + w / 2.0]);
        }
    }

    fn jump_to(&mut self, e: &ReviewEvent) {
        self.seek(e.t_s);
        // Zoom so that the event and some context fill the view.
        let span = e.end_s.map_or(0.0, |end| end - e.t_s);
        let w = (span + 10.0)
            .max(12.0)
            .min(self.view_x[1] - self.view_x[0])
            .max(12.0);
        let c = e.t_s + span / 2.0;
        self.pending_x = Some([c - w / 2.0, c + w / 2.0]);
    }

    fn poll(&mut self) {
        if let Some(job) = self.job.as_mut() {
            match job.try_take() {
                None => self.ctx.request_repaint_after(Duration::from_millis(50)),
                Some(result) => {
                    self.job = None;
                    match result {
                        Ok(call) => self.loaded(call),
                        Err(e) => self.error(e.to_string()),
                    }
                }
            }
        }
        if let Some(rx) = &self.dialog
            && let Ok(outcome) = rx.try_recv()
        {
            self.dialog = None;
            match outcome {
                DialogOutcome::Chosen(Some(path)) => self.open_file(path),
                DialogOutcome::Chosen(None) => {}
                DialogOutcome::Unavailable(reason) => {
                    self.native_dialog_problem = Some(reason);
                    self.open_browser();
                }
            }
        }
        if let Some(scan) = self.scan.as_mut() {
            scan.poll();
        }
    }

    fn loaded(&mut self, call: LoadedCall) {
        let (notes, notes_error) = match notes::load(&call.path) {
            Ok(n) => (n, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        self.remember(&call.path);
        let player = Player::new(call.audio.clone());
        let d = call.report.duration_s.max(call.info.duration_s());
        self.pending_x = Some([0.0, d.max(1.0)]);
        self.view_x = [0.0, d.max(1.0)];
        let mut open = Open {
            call,
            player,
            notes,
            events: Vec::new(),
        };
        open.rebuild_events(&self.profile);
        events::sort(&mut open.events, self.sort, self.ascending);
        self.open = Some(open);
        if let Some(e) = notes_error {
            self.error(format!("notes not loaded: {e}"));
        }
    }

    /// The folder the browser starts in: the last call's, else the working folder.
    fn start_folder(&self) -> PathBuf {
        self.recent
            .iter()
            .filter_map(|p| p.parent())
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn open_browser(&mut self) {
        let reason = self
            .native_dialog_problem
            .clone()
            .unwrap_or_else(|| "not available".into());
        self.browser = Some(FileBrowser::new(self.start_folder(), reason));
    }

    fn start_dialog(&mut self) {
        if self.dialog.is_some() || self.browser.is_some() {
            return;
        }
        if self.native_dialog_problem.is_some() {
            self.open_browser();
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ctx = self.ctx.clone();
        let start = self.start_folder();
        let spawned = std::thread::Builder::new()
            .name("review-file-dialog".into())
            .spawn(move || {
                let asked = Instant::now();
                let choice = rfd::FileDialog::new()
                    .set_title("Open a recorded call")
                    .set_directory(start)
                    .add_filter("WAV audio", &["wav", "WAV", "Wav"])
                    .pick_file();
                let outcome = if choice.is_none() && asked.elapsed() < DIALOG_FAILED_WITHIN {
                    DialogOutcome::Unavailable(
                        "the desktop's file dialog did not appear: no xdg-desktop-portal answered and zenity is missing".into(),
                    )
                } else {
                    DialogOutcome::Chosen(choice)
                };
                let _ = tx.send(outcome);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.dialog = Some(rx),
            Err(e) => self.error(format!("cannot open the file dialog: {e}")),
        }
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped: Option<PathBuf> = ctx.input(|i| {
            i.raw.dropped_files.iter().find_map(|f| {
                let p = f.path();
                (!p.as_os_str().is_empty()).then(|| p.to_path_buf())
            })
        });
        if let Some(p) = dropped {
            self.open_file(p);
            return;
        }
        if ctx.egui_wants_keyboard_input() || self.open.is_none() {
            return;
        }
        let (space, next, prev, left, right, home) = ctx.input(|i| {
            (
                i.key_pressed(Key::Space),
                i.key_pressed(Key::N),
                i.key_pressed(Key::P),
                i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::ArrowRight),
                i.key_pressed(Key::Home),
            )
        });
        let t = self.playhead_s();
        if space && let Some(o) = &self.open {
            o.player.set_playing(!o.player.is_playing());
        }
        let target = if next {
            events::next_flagged(self.events(), t).cloned()
        } else if prev {
            events::previous_flagged(self.events(), t).cloned()
        } else {
            None
        };
        if let Some(e) = target {
            self.jump_to(&e);
        }
        if left {
            self.seek(t - 5.0);
        }
        if right {
            self.seek(t + 5.0);
        }
        if home {
            self.seek(0.0);
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll();
        let ctx = ui.ctx().clone();
        self.handle_input(&ctx);
        if let Some(o) = &self.open
            && o.player.is_playing()
        {
            ctx.request_repaint_after(Duration::from_millis(33));
            self.follow_playhead();
        }
        if let Some(b) = self.browser.as_mut() {
            match b.ui(&ctx) {
                Choice::Browsing => {}
                Choice::Cancelled => self.browser = None,
                Choice::Open(path) => {
                    self.browser = None;
                    self.open_file(path);
                }
            }
        }
        egui::Panel::top("review_toolbar").show(ui, |ui| self.toolbar_ui(ui));
        if let Some(job) = &self.job {
            egui::Panel::top("review_progress").show(ui, |ui| {
                if progress_ui(ui, job) {
                    job.cancel();
                }
            });
        }
        if let Some(m) = &self.message {
            let mut dismissed = false;
            egui::Panel::top("review_message").show(ui, |ui| dismissed = message_ui(ui, m));
            if dismissed {
                self.message = None;
            }
        }
        if self.open.is_some() {
            egui::Panel::right("review_side")
                .resizable(true)
                .default_size(380.0)
                .size_range(300.0..=520.0)
                .show(ui, |ui| self.side_ui(ui));
            egui::CentralPanel::default().show(ui, |ui| self.lanes_ui(ui));
        } else {
            egui::CentralPanel::default().show(ui, |ui| self.start_ui(ui));
        }
    }

    fn follow_playhead(&mut self) {
        let t = self.playhead_s();
        let [a, b] = self.view_x;
        if t > b || t < a {
            let w = b - a;
            self.pending_x = Some([t - 0.1 * w, t + 0.9 * w]);
        }
    }

    fn sort_events(&mut self) {
        if let Some(o) = self.open.as_mut() {
            events::sort(&mut o.events, self.sort, self.ascending);
        }
    }

    fn delete_note(&mut self, i: usize) {
        if let Some(open) = self.open.as_mut() {
            open.notes.remove(i);
            self.save_notes();
        }
    }

    /// Open, recent calls and recordings; the open call's bar; the transport under it.
    fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        let mut call_bar = None;
        ui.horizontal_wrapped(|ui| {
            if ui.button("📂 Open…").clicked() {
                self.start_dialog();
            }
            if let Some(p) = recent_menu_ui(ui, &self.recent) {
                self.open_file(p);
            }
            ui.menu_button("📼 Recordings", |ui| self.recordings_ui(ui));
            if let Some(open) = &self.open {
                call_bar = call_bar_ui(ui, &open.call);
            }
        });
        match call_bar {
            Some(CallBarClick::AgentChannel(c)) => {
                if let Some(open) = &self.open {
                    let path = open.call.path.clone();
                    self.agent_channel = Some(c);
                    self.open_file(path);
                }
            }
            Some(CallBarClick::Export) => {
                self.export();
            }
            None => {}
        }
        if let Some(open) = &self.open {
            let d = open.call.audio.duration_s();
            let seek_to = ui
                .horizontal_wrapped(|ui| transport_ui(ui, &open.player, d))
                .inner;
            if let Some(t) = seek_to {
                self.seek(t);
            }
        }
    }

    /// The recordings folder, scored on a worker thread the first time it is shown.
    fn recordings_ui(&mut self, ui: &mut egui::Ui) {
        if self.scan.is_none() {
            let ctx = self.ctx.clone();
            let dir = default_dir();
            match Scan::start(&dir, self.profile.clone(), move || ctx.request_repaint()) {
                Ok(s) => self.scan = Some(s),
                Err(e) => {
                    ui.label(format!("cannot scan {}: {e}", dir.display()));
                    return;
                }
            }
        }
        let Some(scan) = &self.scan else {
            return;
        };
        match recordings_list_ui(ui, scan) {
            Some(RecordingsClick::Open(p)) => {
                self.open_file(p);
                ui.close();
            }
            Some(RecordingsClick::Rescan) => self.scan = None,
            None => {}
        }
    }

    /// The start page, shown while no call is open.
    fn start_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Review a recorded call");
        ui.label("Open a WAV (G.711 mu-law/A-law, PCM or float; 8–48 kHz; mono or stereo), drop one on the window, or pick a recent call or a recording.");
        ui.add_space(8.0);
        if ui.button("📂 Open a call…").clicked() {
            self.start_dialog();
        }
        ui.add_space(8.0);
        if let Some(p) = recent_links_ui(ui, &self.recent) {
            self.open_file(p);
        }
        ui.add_space(8.0);
        ui.collapsing(format!("Recordings in {}", default_dir().display()), |ui| {
            self.recordings_ui(ui)
        });
    }

    /// The side panel: summary, notes and measures above the event list.
    fn side_ui(&mut self, ui: &mut egui::Ui) {
        // Summary and notes scroll in the upper part; the event list fills the rest and
        // lays out only its visible rows (a two-hour call has hundreds of events).
        let top = (ui.available_height() * 0.6).max(200.0);
        egui::ScrollArea::vertical()
            .id_salt("review_side_scroll")
            .max_height(top)
            .show(ui, |ui| {
                if let Some(open) = &self.open {
                    summary_ui(ui, &open.call);
                }
                ui.separator();
                self.notes_ui(ui);
                ui.separator();
                if let Some(open) = &self.open {
                    measures_ui(ui, &open.call.report);
                }
            });
        ui.separator();
        self.event_list_ui(ui);
    }

    fn notes_ui(&mut self, ui: &mut egui::Ui) {
        let t = self.playhead_s();
        if let Some(note) = new_note_ui(ui, &mut self.note, t) {
            let end = note.span_s.map(|len_s| t + len_s);
            self.add_note(t, end, &note.text);
            self.note.text.clear();
        }
        match note_list_ui(ui, self.notes()) {
            Some(NoteClick::Jump(t)) => self.seek(t),
            Some(NoteClick::Delete(i)) => self.delete_note(i),
            None => {}
        }
    }

    fn event_list_ui(&mut self, ui: &mut egui::Ui) {
        if event_sort_ui(ui, &mut self.sort, &mut self.ascending) {
            self.sort_events();
        }
        let t = self.playhead_s();
        if let Some(e) = event_rows_ui(ui, self.events(), t) {
            self.jump_to(&e);
        }
    }

    /// The timeline: one lane per measure, time axes linked, the playhead on each.
    fn lanes_ui(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let Some(open) = &self.open else {
            return;
        };
        let call = &open.call;
        let r = &call.report;
        let duration_s = r.duration_s.max(call.info.duration_s()).max(0.01);
        let pending_x = self.pending_x.take();
        let mut frames = std::mem::take(&mut self.lane_frames);
        frames.clear();
        let mut lane = LaneFrame::new(
            ui,
            pending_x.unwrap_or(self.view_x),
            pending_x,
            duration_s,
            open.player.position_s(),
            &mut self.scratch,
            frames,
        );
        let avail = ui.available_height();
        let stereo = call.waveform[1].is_some();
        let wave_h = ((avail - 500.0) / if stereo { 2.0 } else { 1.0 }).clamp(50.0, 110.0);
        let profile = &self.profile;

        egui::ScrollArea::vertical()
            .id_salt("review_lanes_scroll")
            .show(ui, |ui| {
                for (k, id, name, color) in [
                    (0usize, "lane_wave_agent", "agent", theme::AGENT),
                    (1, "lane_wave_customer", "customer", theme::CUSTOMER),
                ] {
                    let Some(p) = &call.waveform[k] else { continue };
                    let label = if r.layout == Layout::Mono {
                        "speech"
                    } else {
                        name
                    };
                    let wave = WaveLane {
                        id,
                        label,
                        name,
                        color,
                        height: wave_h,
                    };
                    waveform_lane_ui(ui, &mut lane, &wave, p);
                }
                talk_lane_ui(ui, &mut lane, r, &open.events, &open.notes);
                pitch_lane_ui(ui, &mut lane, &call.pitch, profile.pitch.band_hz);
                if r.reply_gaps_measured {
                    gaps_lane_ui(ui, &mut lane, &r.reply_gaps, profile.reply.window_s);
                }
                pace_lane_ui(ui, &mut lane, &r.agent.pace, &r.agent.pace_changes);
                lanes_help_ui(ui);
            });

        let LaneFrame {
            frames,
            new_view,
            clicked_at,
            gap_markers,
            ..
        } = lane;
        self.gap_markers_drawn = gap_markers;
        self.lane_frames = frames;
        if let Some(v) = new_view {
            self.view_x = v;
        }
        if let Some(t) = clicked_at {
            self.seek(t);
        }
        self.last_lanes_ms = started.elapsed().as_secs_f64() * 1000.0;
    }

    /// Persists the view's settings (recent files).
    pub fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, RECENT_KEY, &self.recent);
    }

    fn shutdown_call(&mut self) {
        if let Some(job) = self.job.take() {
            job.cancel();
        }
        if let Some(open) = &self.open {
            open.player.set_playing(false);
        }
        self.open = None;
    }

    /// Stops worker threads and playback.
    pub fn shutdown(&mut self) {
        self.shutdown_call();
    }
}

/// The error or confirmation bar; returns whether the coach dismissed it.
fn message_ui(ui: &mut egui::Ui, m: &Message) -> bool {
    let mut dismissed = false;
    ui.horizontal(|ui| {
        if m.error {
            ui.colored_label(theme::ALERT, format!("⚠ {}", m.text));
        } else {
            ui.label(format!("✔ {}", m.text));
        }
        dismissed = ui.small_button("✖ dismiss").clicked();
    });
    dismissed
}

/// The opening's progress bar; returns whether the coach cancelled.
fn progress_ui(ui: &mut egui::Ui, job: &LoadJob) -> bool {
    let name = job.path().display().to_string();
    let p = job.progress();
    let mut cancel = false;
    ui.horizontal(|ui| {
        ui.label(format!("Analyzing {name}"));
        ui.add(
            egui::ProgressBar::new(p)
                .show_percentage()
                .desired_width(300.0),
        );
        cancel = ui.button("✖ Cancel").clicked();
    });
    cancel
}

/// The recent-calls menu; returns the call chosen.
fn recent_menu_ui(ui: &mut egui::Ui, recent: &[PathBuf]) -> Option<PathBuf> {
    let mut chosen = None;
    ui.menu_button("🕘 Recent", |ui| {
        if recent.is_empty() {
            ui.label("No recent calls.");
        }
        for p in recent {
            if ui.button(p.display().to_string()).clicked() {
                chosen = Some(p.clone());
                ui.close();
            }
        }
    });
    chosen
}

/// The recent calls as links on the start page; returns the call chosen.
fn recent_links_ui(ui: &mut egui::Ui, recent: &[PathBuf]) -> Option<PathBuf> {
    if recent.is_empty() {
        return None;
    }
    ui.strong("Recent calls");
    let mut chosen = None;
    for p in recent {
        if ui.link(p.display().to_string()).clicked() {
            chosen = Some(p.clone());
        }
    }
    chosen
}

/// The recordings with their scores, as they are scored; returns what was clicked.
fn recordings_list_ui(ui: &mut egui::Ui, scan: &Scan) -> Option<RecordingsClick> {
    if scan.total == 0 {
        ui.label(format!("No WAV files in {}.", default_dir().display()));
    }
    let mut click = None;
    for r in &scan.done {
        let name = r
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = match &r.score {
            Ok((score, d)) => format!("{name}: score {score}, {}", clock(*d)),
            Err(e) => format!("{name}: ⚠ {e}"),
        };
        if ui.button(text).clicked() {
            click = Some(RecordingsClick::Open(r.path.clone()));
        }
    }
    if scan.done.len() < scan.total {
        ui.label(format!("scoring {}/{}…", scan.done.len(), scan.total));
    }
    if ui.button("Rescan").clicked() {
        click = Some(RecordingsClick::Rescan);
    }
    click
}

/// The open call's name, its agent channel (stereo) and the export button; returns
/// what was clicked.
fn call_bar_ui(ui: &mut egui::Ui, call: &LoadedCall) -> Option<CallBarClick> {
    ui.separator();
    let name = call
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ui.strong(name)
        .on_hover_text(call.path.display().to_string());
    let channels = call.info.channels;
    let current = call.agent_channel;
    if channels > 1 {
        let mut chosen = current;
        egui::ComboBox::from_label("agent channel")
            .selected_text(format!("{chosen}"))
            .show_ui(ui, |ui| {
                for c in 0..usize::from(channels) {
                    ui.selectable_value(&mut chosen, c, format!("channel {c}"));
                }
            });
        if chosen != current {
            return Some(CallBarClick::AgentChannel(chosen));
        }
    }
    ui.separator();
    ui.button("⬇ Export report")
        .on_hover_text(
            "writes FILE.report.html (self-contained, prints well) and FILE.events.csv beside the WAV",
        )
        .clicked()
        .then_some(CallBarClick::Export)
}

/// Play/pause, position, speed, which party to hear, and the output device; sets the
/// player's controls and returns a position the coach moved to, s.
fn transport_ui(ui: &mut egui::Ui, player: &Player, duration_s: f64) -> Option<f64> {
    let playing = player.is_playing();
    let on = player.has_device();
    let label = if playing { "Pause" } else { "▶ Play" };
    if ui
        .add_enabled(on, egui::Button::new(label))
        .on_hover_text("space")
        .clicked()
    {
        player.set_playing(!playing);
    }
    let mut pos = player.position_s();
    // Wide, so that a pixel is a fine step, and without snapping to round values.
    let slider = ui
        .scope(|ui| {
            ui.spacing_mut().slider_width = (ui.available_width() * 0.4).clamp(200.0, 640.0);
            ui.add(
                egui::Slider::new(&mut pos, 0.0..=duration_s.max(0.01))
                    .text("position")
                    .smart_aim(false)
                    .custom_formatter(|v, _| clock(v))
                    .custom_parser(|_| None),
            )
        })
        .inner;
    let seek_to = slider.changed().then_some(pos);
    let mut speed = player.speed();
    if ui
        .add(
            egui::Slider::new(&mut speed, 0.5..=2.0)
                .text("× speed")
                .step_by(0.25),
        )
        .changed()
    {
        player.set_speed(speed);
    }
    let mut listen = player.listen();
    egui::ComboBox::from_label("hear")
        .selected_text(match listen {
            Listen::Both => "both",
            Listen::Agent => "agent",
            Listen::Customer => "customer",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut listen, Listen::Both, "both (agent left)");
            ui.selectable_value(&mut listen, Listen::Agent, "agent");
            ui.selectable_value(&mut listen, Listen::Customer, "customer");
        });
    if listen != player.listen() {
        player.set_listen(listen);
    }
    match player.status() {
        PlaybackStatus::On { device, rate } => {
            ui.label(format!("🔊 {device}, {rate} Hz"));
        }
        PlaybackStatus::Off(reason) => {
            // The first clause on the bar (device errors can run to two lines), all
            // of it on hover.
            let first = reason.split(':').next().unwrap_or(reason);
            ui.colored_label(
                theme::HIGH,
                format!("🔇 playback off: {}", short(first, 40)),
            )
            .on_hover_text(reason.as_str());
        }
    }
    ui.label(RichText::new("keys: space play · N/P next/previous flagged · ⬅/➡ 5 s").small());
    seek_to
}

/// The score, the call's format, how long it took to open, and the deductions.
fn summary_ui(ui: &mut egui::Ui, call: &LoadedCall) {
    let r = &call.report;
    ui.heading(format!("Score {} / 100", r.score.total));
    let info = &call.info;
    ui.label(format!(
        "{} · {} Hz {} · {} · agent channel {}",
        clock(r.duration_s),
        info.sample_rate,
        info.encoding.as_str(),
        r.layout,
        call.agent_channel
    ));
    ui.label(
        RichText::new(format!(
            "opened in {:.1} s (analysis {:.1} s, waveform and audio {:.1} s alongside)",
            call.timings.total_s, call.timings.analysis_s, call.timings.decode_s
        ))
        .small()
        .weak(),
    );
    for d in &r.score.deductions {
        ui.label(format!("−{:.1} {}: {}", d.points, d.rule, d.why));
    }
    if r.score.deductions.is_empty() {
        ui.label("No deductions.");
    }
    for d in &r.score.not_scored {
        ui.label(RichText::new(format!("not scored: {}: {}", d.rule, d.why)).weak());
    }
}

/// The call's measures in a two-column grid (the HTML report's rows).
fn measures_ui(ui: &mut egui::Ui, r: &CallReport) {
    egui::CollapsingHeader::new("Measures")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("review_summary_grid")
                .num_columns(2)
                .show(ui, |ui| {
                    for (k, v) in crate::review::export::summary_rows(r) {
                        ui.label(k);
                        ui.label(v);
                        ui.end_row();
                    }
                });
        });
}

/// The note editor: text, an optional span, and the button that adds the note at the
/// playhead; returns the note when that button was clicked.
fn new_note_ui(ui: &mut egui::Ui, draft: &mut NoteDraft, playhead_s: f64) -> Option<NewNote> {
    ui.strong("Coach notes");
    let label = ui.label("New note");
    ui.add(
        egui::TextEdit::multiline(&mut draft.text)
            .desired_rows(1)
            .hint_text("what the agent should hear about this moment")
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    let mut added = None;
    ui.horizontal(|ui| {
        ui.checkbox(&mut draft.span, "span of");
        ui.add_enabled(
            draft.span,
            egui::DragValue::new(&mut draft.len_s)
                .range(0.5..=600.0)
                .suffix(" s"),
        );
        let text = draft.text.trim().to_string();
        if ui
            .add_enabled(
                !text.is_empty(),
                egui::Button::new(format!("✏ Add note at {}", clock(playhead_s))),
            )
            .clicked()
        {
            added = Some(NewNote {
                text,
                span_s: draft.span.then_some(draft.len_s),
            });
        }
    });
    added
}

/// The call's notes, each with a button to go to it and one to delete it.
fn note_list_ui(ui: &mut egui::Ui, notes: &[Note]) -> Option<NoteClick> {
    let mut click = None;
    for (i, n) in notes.iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            let when = match n.end_s {
                Some(e) => format!("{}–{}", clock(n.t_s), clock(e)),
                None => clock(n.t_s),
            };
            if ui.button(format!("▶ {when}")).clicked() {
                click = Some(NoteClick::Jump(n.t_s));
            }
            ui.label(format!("✏ {}", n.text));
            if ui.small_button("✖ delete").clicked() {
                click = Some(NoteClick::Delete(i));
            }
        });
    }
    click
}

/// The event list's heading and sort keys; a click on the current key reverses the
/// order. Returns whether the order changed.
fn event_sort_ui(ui: &mut egui::Ui, sort: &mut SortKey, ascending: &mut bool) -> bool {
    ui.strong("Events");
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.label("sort by");
        for (key, name) in [
            (SortKey::Time, "time"),
            (SortKey::Kind, "kind"),
            (SortKey::Value, "value"),
        ] {
            let arrow = if *sort == key {
                if *ascending { " ⬆" } else { " ⬇" }
            } else {
                ""
            };
            if ui
                .selectable_label(*sort == key, format!("{name}{arrow}"))
                .clicked()
            {
                if *sort == key {
                    *ascending = !*ascending;
                } else {
                    *sort = key;
                    *ascending = true;
                }
                changed = true;
            }
        }
    });
    changed
}

/// The events, one row each (only the visible rows are laid out), the one at the
/// playhead selected; returns the event clicked.
fn event_rows_ui(
    ui: &mut egui::Ui,
    events: &[ReviewEvent],
    playhead_s: f64,
) -> Option<ReviewEvent> {
    let mut chosen = None;
    let row_h = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt("review_events_scroll")
        .auto_shrink([false, false])
        .show_rows(ui, row_h, events.len(), |ui, rows| {
            for e in &events[rows] {
                let value = match e.kind {
                    EventKind::Note => short(&e.detail, 40),
                    EventKind::ReplyGap(_) => format!("{:.3} s", e.value),
                    _ => format!("{:.2} {}", e.value, e.unit),
                };
                let text = format!("{}  {}  {}", clock(e.t_s), e.kind.label(), value);
                let at = (e.t_s - playhead_s).abs() < 0.01;
                let rich = RichText::new(text).color(event_color(e.kind));
                let resp = ui
                    .selectable_label(at, rich)
                    .on_hover_text(e.detail.clone());
                if resp.clicked() {
                    chosen = Some(e.clone());
                }
            }
        });
    chosen
}

/// What every lane of one frame shares (the linked time axis, the range in view and the
/// range prepared, the playhead) and what the lanes report back.
struct LaneFrame<'s> {
    /// Links the lanes' time axes and cursors.
    link: egui::Id,
    /// Time range shown, s.
    view_x: [f64; 2],
    /// A range the lanes take this frame (after a load, a seek or a jump), s.
    pending_x: Option<[f64; 2]>,
    /// Time range data is prepared for, s.
    prepared_x: [f64; 2],
    /// Envelope bins over the prepared range.
    envelope_bins: usize,
    /// Most pitch points over the prepared range.
    max_pitch_points: usize,
    playhead_s: f64,
    playhead_color: Color32,
    scratch: &'s mut LaneScratch,
    /// Where each lane drew its data.
    frames: Vec<(&'static str, egui::Rect)>,
    /// The range shown after the coach's pan or zoom, s.
    new_view: Option<[f64; 2]>,
    /// The time under a click, s.
    clicked_at: Option<f64>,
    /// Reply-gap markers drawn.
    gap_markers: usize,
}

impl<'s> LaneFrame<'s> {
    fn new(
        ui: &egui::Ui,
        view_x: [f64; 2],
        pending_x: Option<[f64; 2]>,
        duration_s: f64,
        playhead_s: f64,
        scratch: &'s mut LaneScratch,
        frames: Vec<(&'static str, egui::Rect)>,
    ) -> Self {
        let [v0, v1] = view_x;
        // Prepare data for the visible range and as much again each side, so a pan shows
        // data until the next frame prepares the new range.
        let w = v1 - v0;
        let (p0, p1) = ((v0 - w).max(0.0), (v1 + w).min(duration_s));
        let px = ui.available_width().max(100.0) as usize;
        Self {
            link: egui::Id::unique("review_lanes"),
            view_x,
            pending_x,
            prepared_x: [p0, p1],
            envelope_bins: (2.0 * px as f64 * (p1 - p0) / w.max(1e-6)) as usize,
            max_pitch_points: 4 * px,
            playhead_s,
            playhead_color: ui.visuals().strong_text_color(),
            scratch,
            frames,
            new_view: None,
            clicked_at: None,
            gap_markers: 0,
        }
    }

    /// A lane's plot: its time axis linked to the others, panned and zoomed in time
    /// only, with the value range `y`; the time axis is drawn only when `x_axis`.
    fn plot<'p>(&self, id: &'static str, height: f32, y: [f64; 2], x_axis: bool) -> Plot<'p> {
        let mut plot = Plot::new(id)
            .height(height)
            .link_axis(self.link, [true, false])
            .link_cursor(self.link, [true, false])
            .allow_zoom([true, false])
            .allow_scroll([true, false])
            .allow_drag([true, false])
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .allow_axis_zoom_drag([false, false])
            .default_x_bounds(self.view_x[0], self.view_x[1])
            .default_y_bounds(y[0], y[1])
            .auto_bounds([false, false])
            .y_axis_min_width(84.0)
            .show_axes([x_axis, true])
            .x_axis_formatter(|m, _| axis_clock(m.value))
            .x_grid_spacer(egui_plot::uniform_grid_spacer(time_steps));
        if x_axis {
            plot = plot.x_axis_label("time (m:ss)");
        }
        plot
    }

    /// Applies a pending range to a lane's plot.
    fn apply_pending(&self, pu: &mut PlotUi<'_>) {
        if let Some([a, b]) = self.pending_x {
            pu.set_plot_bounds_x(a..=b);
        }
    }

    /// Draws the playhead on a lane.
    fn playhead_ui(&self, pu: &mut PlotUi<'_>) {
        pu.vline(
            VLine::new("playhead", self.playhead_s)
                .color(self.playhead_color)
                .width(1.5),
        );
    }

    /// Records where lane `id` drew, the range it shows, and a click on it.
    fn record(&mut self, id: &'static str, resp: &PlotResponse<()>) {
        self.frames.push((id, *resp.transform.frame()));
        let b = resp.transform.bounds();
        self.new_view = Some([b.min()[0], b.max()[0]]);
        if resp.response.clicked()
            && let Some(pos) = resp.response.interact_pointer_pos()
        {
            self.clicked_at = Some(resp.transform.value_from_position(pos).x);
        }
    }
}

/// How a waveform lane is labelled and colored.
struct WaveLane {
    id: &'static str,
    /// The y-axis label.
    label: &'static str,
    /// The trace's name.
    name: &'static str,
    color: Color32,
    height: f32,
}

/// One party's waveform envelope.
fn waveform_lane_ui(
    ui: &mut egui::Ui,
    lane: &mut LaneFrame<'_>,
    wave: &WaveLane,
    pyramid: &Pyramid,
) {
    let [p0, p1] = lane.prepared_x;
    let resp = lane
        .plot(wave.id, wave.height, [-1.0, 1.0], false)
        .y_axis_label(wave.label)
        .show_grid([true, false])
        .label_formatter(|pos| {
            let (HoverPosition::NearDataPoint { position, .. }
            | HoverPosition::Elsewhere { position }) = pos;
            Some(clock(position.x))
        })
        .show(ui, |pu| {
            lane.apply_pending(pu);
            pyramid.envelope_into(p0, p1, lane.envelope_bins, &mut lane.scratch.envelope);
            pu.line(
                Line::new(
                    wave.name,
                    PlotPoints::from(lane.scratch.envelope.points.clone()),
                )
                .color(wave.color)
                .width(1.0),
            );
            lane.playhead_ui(pu);
        });
    lane.record(wave.id, &resp);
}

/// Who speaks, with long silences, monologues and the coach's notes.
fn talk_lane_ui(
    ui: &mut egui::Ui,
    lane: &mut LaneFrame<'_>,
    r: &CallReport,
    events: &[ReviewEvent],
    notes: &[Note],
) {
    let [p0, p1] = lane.prepared_x;
    // A mono call's voices were inferred by diarization: the lane says so, and how sure.
    let who = match (r.speakers_from, r.diarization_confidence) {
        (Some(SpeakersFrom::Diarization), Some(c)) => {
            format!("who speaks (inferred, confidence {c:.2})")
        }
        (Some(SpeakersFrom::Diarization), None) => "who speaks (one voice found)".to_string(),
        _ => "who speaks".to_string(),
    };
    let resp = lane
        .plot("lane_talk", 74.0, [-0.1, 2.4], false)
        .y_axis_label(who)
        .y_grid_spacer(|_| {
            vec![
                GridMark {
                    value: 0.5,
                    step_size: 1.0,
                },
                GridMark {
                    value: 1.5,
                    step_size: 1.0,
                },
            ]
        })
        .y_axis_formatter(|m, _| {
            if (m.value - 1.5).abs() < 0.01 {
                "agent".into()
            } else if (m.value - 0.5).abs() < 0.01 {
                "customer".into()
            } else {
                String::new()
            }
        })
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!("{plot_name}\n{}", clock(position.x))),
            HoverPosition::Elsewhere { position } => Some(clock(position.x)),
        })
        .show(ui, |pu| {
            lane.apply_pending(pu);
            let parties: &[(Speaker, &str, Color32, f64)] = if r.layout == Layout::Mono {
                &[(Speaker::Mixed, "speech", theme::AGENT, 1.1)]
            } else {
                &[
                    (Speaker::Agent, "agent speaks", theme::AGENT, 1.1),
                    (Speaker::Customer, "customer speaks", theme::CUSTOMER, 0.1),
                ]
            };
            for (speaker, name, color, low) in parties {
                let points = &mut lane.scratch.points;
                lanes::segment_steps_into(
                    &r.segments,
                    *speaker,
                    p0,
                    p1,
                    *low,
                    low + TALK_ROW_HEIGHT,
                    points,
                );
                pu.line(
                    Line::new(*name, PlotPoints::from(points.clone()))
                        .color(*color)
                        .fill(*low as f32)
                        .fill_alpha(0.8)
                        .allow_band(false)
                        .width(1.0),
                );
            }
            for s in r
                .long_silences
                .iter()
                .filter(|s| s.end >= p0 && s.start <= p1)
            {
                pu.span(
                    Span::new(format!("… {:.1} s", s.end - s.start), s.start..=s.end)
                        .fill(theme::IDLE.gamma_multiply(0.35))
                        .border_color(theme::IDLE),
                );
            }
            for e in events.iter().filter(|e| e.kind == EventKind::Monologue) {
                if let Some(end) = e.end_s {
                    pu.line(
                        Line::new(
                            format!("⌛ monologue {:.0} s", e.value),
                            vec![[e.t_s, MONOLOGUE_Y], [end, MONOLOGUE_Y]],
                        )
                        .color(theme::HIGH)
                        .width(4.0),
                    );
                }
            }
            // Agitated or rushed customer turns: a bar over the customer's row.
            for e in events
                .iter()
                .filter(|e| matches!(e.kind, EventKind::Customer(_)))
            {
                if let Some(end) = e.end_s {
                    pu.line(
                        Line::new(
                            e.kind.label(),
                            vec![[e.t_s, CUSTOMER_STATE_Y], [end, CUSTOMER_STATE_Y]],
                        )
                        .color(theme::HIGH)
                        .style(LineStyle::dashed_dense())
                        .width(4.0),
                    );
                }
            }
            let note_pts: Vec<[f64; 2]> = notes.iter().map(|n| [n.t_s, NOTE_Y]).collect();
            if !note_pts.is_empty() {
                pu.points(
                    Points::new("✏ note", note_pts)
                        .shape(MarkerShape::Down)
                        .radius(6.0)
                        .color(theme::PACE),
                );
            }
            for n in notes {
                if let Some(end) = n.end_s {
                    pu.line(
                        Line::new("✏ note span", vec![[n.t_s, NOTE_Y], [end, NOTE_Y]])
                            .color(theme::PACE)
                            .style(LineStyle::dashed_dense())
                            .width(2.0),
                    );
                }
            }
            lane.playhead_ui(pu);
        });
    lane.record("lane_talk", &resp);
}

/// Where a pitch lies against the band, in words.
fn band_words(f0_hz: f64, band_hz: [f64; 2]) -> &'static str {
    if f0_hz >= band_hz[0] && f0_hz <= band_hz[1] {
        "✔ in band"
    } else if f0_hz < band_hz[0] {
        "◀ below band"
    } else {
        "▶ above band"
    }
}

/// The agent's pitch over the calming band.
fn pitch_lane_ui(
    ui: &mut egui::Ui,
    lane: &mut LaneFrame<'_>,
    pitch: &PitchTrack,
    band_hz: [f64; 2],
) {
    let [p0, p1] = lane.prepared_x;
    let f0_color = ui.visuals().strong_text_color();
    let outside_color = ui.visuals().weak_text_color().gamma_multiply(0.6);
    let resp = lane
        .plot("lane_pitch", 130.0, [60.0, 300.0], false)
        .y_axis_label("agent pitch Hz")
        .label_formatter(move |pos| match pos {
            HoverPosition::NearDataPoint { position, .. } => Some(format!(
                "{:.0} Hz at {} ({})",
                position.y,
                clock(position.x),
                band_words(position.y, band_hz)
            )),
            HoverPosition::Elsewhere { position } => {
                Some(format!("{:.0} Hz, {}", position.y, clock(position.x)))
            }
        })
        .show(ui, |pu| {
            lane.apply_pending(pu);
            pu.span(
                Span::new(
                    format!("calming band {:.0}–{:.0} Hz", band_hz[0], band_hz[1]),
                    band_hz[0]..=band_hz[1],
                )
                .axis(Axis::Y)
                .fill(theme::BAND_FILL),
            );
            let points = &mut lane.scratch.points;
            // Voiced frames outside the agent's speech (echo, babble in the pauses):
            // dimmed, under the contour; the statistics leave them out.
            pitch
                .outside_speech()
                .visible_into(p0, p1, lane.max_pitch_points, points);
            pu.points(
                Points::new("voiced outside speech", PlotPoints::from(points.clone()))
                    .radius(1.0)
                    .color(outside_color),
            );
            pitch.visible_into(p0, p1, lane.max_pitch_points, points);
            pu.points(
                Points::new("agent F0", PlotPoints::from(points.clone()))
                    .radius(1.5)
                    .color(f0_color),
            );
            lane.playhead_ui(pu);
        });
    lane.record("lane_pitch", &resp);
}

/// The reply gaps (sorted by agent start) whose agent start lies in `[t0, t1]`, s.
fn gaps_between(gaps: &[ReplyGap], t0: f64, t1: f64) -> &[ReplyGap] {
    let first = gaps.partition_point(|g| g.agent_start < t0);
    let last = gaps.partition_point(|g| g.agent_start <= t1);
    &gaps[first..last.max(first)]
}

/// Where a gap's marker sits on the gap lane: the gap, held inside the lane.
fn gap_marker_y(g: &ReplyGap) -> f64 {
    g.gap_s.clamp(GAP_MARKER_RANGE_S[0], GAP_MARKER_RANGE_S[1])
}

/// The reply gaps over the reply window, each marked by its verdict's shape and color.
fn gaps_lane_ui(
    ui: &mut egui::Ui,
    lane: &mut LaneFrame<'_>,
    gaps: &[ReplyGap],
    window_s: [f64; 2],
) {
    let [p0, p1] = lane.prepared_x;
    let resp = lane
        .plot("lane_gaps", 120.0, [-1.0, 3.2], false)
        .y_axis_label("reply gap s")
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}: {:.3} s\nagent started {}",
                position.y,
                clock(position.x)
            )),
            HoverPosition::Elsewhere { position } => Some(clock(position.x)),
        })
        .show(ui, |pu| {
            lane.apply_pending(pu);
            pu.span(
                Span::new(
                    format!("reply window {:.1}–{:.1} s", window_s[0], window_s[1]),
                    window_s[0]..=window_s[1],
                )
                .axis(Axis::Y)
                .fill(theme::BAND_FILL),
            );
            let visible = gaps_between(gaps, p0, p1);
            for (verdict, shape) in [
                (Verdict::Overlap, MarkerShape::Cross),
                (Verdict::Early, MarkerShape::Left),
                (Verdict::InWindow, MarkerShape::Circle),
                (Verdict::Late, MarkerShape::Right),
            ] {
                let pts: Vec<[f64; 2]> = visible
                    .iter()
                    .filter(|g| g.verdict == verdict)
                    .map(|g| [g.agent_start, gap_marker_y(g)])
                    .collect();
                lane.gap_markers += pts.len();
                if !pts.is_empty() {
                    pu.points(
                        Points::new(theme::verdict_label(verdict), pts)
                            .shape(shape)
                            .radius(6.0)
                            .filled(true)
                            .color(theme::verdict_color(verdict)),
                    );
                }
            }
            if visible.len() <= MAX_GAP_LABELS {
                for g in visible {
                    pu.text(
                        Text::new(
                            "gap value",
                            PlotPoint::new(g.agent_start, gap_marker_y(g) + GAP_LABEL_RISE_S),
                            RichText::new(format!("{:.2}", g.gap_s)).small(),
                        )
                        .color(theme::verdict_color(g.verdict)),
                    );
                }
            }
            lane.playhead_ui(pu);
        });
    lane.record("lane_gaps", &resp);
}

/// Top of the pace lane, syllables/s: the fastest turn rounded up, at least 6.
fn pace_top_per_s(pace: &[PaceSpan]) -> f64 {
    pace.iter()
        .map(|p| p.syllables_per_s)
        .fold(6.0, f64::max)
        .ceil()
}

/// The agent's pace per turn, with its pace changes; this lane carries the time axis.
fn pace_lane_ui(
    ui: &mut egui::Ui,
    lane: &mut LaneFrame<'_>,
    pace: &[PaceSpan],
    changes: &[PaceChange],
) {
    let [p0, p1] = lane.prepared_x;
    let resp = lane
        .plot("lane_pace", 100.0, [0.0, pace_top_per_s(pace)], true)
        .y_axis_label("pace, syllables per second")
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}: {:.2} syllables/s at {}",
                position.y,
                clock(position.x)
            )),
            HoverPosition::Elsewhere { position } => Some(clock(position.x)),
        })
        .show(ui, |pu| {
            lane.apply_pending(pu);
            let points = &mut lane.scratch.points;
            lanes::pace_curve_into(pace, p0, p1, points);
            pu.line(
                Line::new("agent pace", PlotPoints::from(points.clone()))
                    .color(theme::PACE)
                    .width(2.0),
            );
            let marks: Vec<[f64; 2]> = changes
                .iter()
                .filter(|c| c.t >= p0 && c.t <= p1)
                .map(|c| [c.t, c.to])
                .collect();
            if !marks.is_empty() {
                pu.points(
                    Points::new("♦ pace change", marks)
                        .shape(MarkerShape::Diamond)
                        .radius(6.0)
                        .filled(true)
                        .color(theme::PACE),
                );
            }
            lane.playhead_ui(pu);
        });
    lane.record("lane_pace", &resp);
}

/// How to move about the lanes, and what the markers mean.
fn lanes_help_ui(ui: &mut egui::Ui) {
    ui.label(
        RichText::new(
            "Scroll or pinch to zoom, drag to pan, click to move the playhead. Markers: ✖ overlap · ◀ early · ⚫ in the window · ▶ late · ♦ pace change · 🔽 note; dashed bars over the customer: ⚡ agitated · ⏩ rushed.",
        )
        .small(),
    );
}

/// The first `n` characters of `s`, with "…" when cut.
fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Grid steps on the time axis: round clock steps (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10,
/// 15, 30 min, 1 h) rather than powers of ten.
fn time_steps(input: egui_plot::GridInput) -> [f64; 3] {
    const STEPS: [f64; 18] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
        3600.0, 7200.0, 14400.0,
    ];
    let pick = |min: f64| STEPS.iter().copied().find(|s| *s >= min).unwrap_or(14400.0);
    let a = pick(input.base_step_size);
    let b = pick(a * 3.0);
    let c = pick(b * 3.0);
    [a, b, c]
}

/// Axis tick: `m:ss` on whole seconds, `m:ss.s` between them.
fn axis_clock(t: f64) -> String {
    let c = clock(t);
    if (t - t.round()).abs() < 1e-6 {
        c.trim_end_matches(".0").to_string()
    } else {
        c
    }
}

fn event_color(kind: EventKind) -> Color32 {
    match kind {
        EventKind::ReplyGap(v) => theme::verdict_color(v),
        EventKind::PaceChange => theme::PACE,
        EventKind::LongSilence => theme::IDLE,
        EventKind::Monologue => theme::HIGH,
        EventKind::Customer(_) => theme::HIGH,
        EventKind::Note => theme::PACE,
    }
}
