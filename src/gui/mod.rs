//! The desktop app (egui/eframe): one window with three pages, the live gauges for agents
//! during calls ([`live_view`]), the review view for coaches ([`review_view`]) and the
//! scored calls of a folder ([`calls_view`]). The
//! app is a thin shell: the analysis runs on worker threads in [`crate::live`] and
//! [`crate::review`], and the UI thread only draws what they publish.

pub mod calls_view;
pub mod compact;
pub mod file_browser;
pub mod live_view;
pub mod review_view;
pub mod theme;

use std::path::PathBuf;

use crate::config::Profile;
use calls_view::CallsView;
use live_view::{LiveSetup, LiveView};
use review_view::ReviewView;

/// Which mode the window shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Live gauges for the agent.
    Live,
    /// Review of a recorded call.
    Review,
    /// The scored calls of a folder.
    Calls,
}

/// How the app starts.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// The mode shown first.
    pub mode: Mode,
    /// The live pipeline's set-up (device or demo file).
    pub live: LiveSetup,
    /// A call to open in the review view.
    pub review_file: Option<PathBuf>,
    /// The folder the Calls page lists (default: the recordings folder).
    pub calls_folder: Option<PathBuf>,
    /// The coaching profile.
    pub profile: Profile,
    /// Agent channel for stereo files (overrides the profile).
    pub agent_channel: Option<usize>,
}

/// The eframe application: a mode switch over the two views.
pub struct CallcoachApp {
    mode: Mode,
    live: LiveView,
    review: ReviewView,
    calls: CallsView,
}

impl CallcoachApp {
    /// Builds the app; the live pipeline starts only when the live mode is first shown.
    pub fn new(cc: &eframe::CreationContext<'_>, options: StartOptions) -> Self {
        let ctx = cc.egui_ctx.clone();
        let live = LiveView::new(&ctx, cc.storage, options.live, options.profile.clone());
        let mut calls = CallsView::new(&ctx, options.profile.clone());
        if let Some(folder) = &options.calls_folder {
            calls.folder = folder.display().to_string();
        }
        let mut review = ReviewView::new(
            &ctx,
            options.review_file,
            options.profile,
            options.agent_channel,
        );
        review.restore(cc.storage);
        Self {
            mode: options.mode,
            live,
            review,
            calls,
        }
    }

    /// Draws the whole window into `ui` (used by eframe and by the UI tests).
    pub fn app_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("callcoach_mode").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("callcoach");
                ui.separator();
                ui.selectable_value(&mut self.mode, Mode::Live, "🎧 Live");
                ui.selectable_value(&mut self.mode, Mode::Review, "📼 Review");
                ui.selectable_value(&mut self.mode, Mode::Calls, "📋 Calls");
            });
        });
        match self.mode {
            Mode::Live => self.live.ui(ui),
            Mode::Review => self.review.ui(ui),
            Mode::Calls => {
                if let Some(file) = self.calls.ui(ui) {
                    self.review.open_file(file);
                    self.mode = Mode::Review;
                }
            }
        }
        if self.live.compact {
            self.compact_window(ui.ctx());
        }
    }

    /// The compact always-on-top window with the most urgent cue; closing it turns
    /// compact mode off.
    fn compact_window(&mut self, ctx: &egui::Context) {
        let snapshot = self.live.snapshot();
        let closed = ctx.show_viewport_immediate(
            compact::viewport_id(),
            compact::viewport(),
            |ui, _class| {
                egui::CentralPanel::default().show(ui, |ui| compact::compact_ui(ui, snapshot));
                ui.ctx().input(|i| i.viewport().close_requested())
            },
        );
        if closed {
            self.live.compact = false;
        }
    }
}

impl eframe::App for CallcoachApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.live.save(storage);
        self.review.save(storage);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.live.shutdown();
        self.review.shutdown();
    }
}

/// The window cannot be opened (no display, no OpenGL). Holds eframe's message: its
/// error type cannot cross threads.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the window: {message}")]
pub struct WindowError {
    message: String,
}

/// Opens the window and runs until it is closed.
pub fn run(options: StartOptions) -> Result<(), WindowError> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("callcoach")
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([640.0, 480.0])
            .with_drag_and_drop(true),
        // Settings in callcoach's data directory (eframe's own default otherwise).
        persistence_path: crate::paths::settings_file().ok(),
        ..Default::default()
    };
    eframe::run_native(
        "callcoach",
        native,
        Box::new(|cc| Ok(Box::new(CallcoachApp::new(cc, options)))),
    )
    .map_err(|e| WindowError {
        message: e.to_string(),
    })
}
