//! The live gauges for agents during calls (issue #3). Being built; this is the shell's
//! entry point.

use std::path::PathBuf;

use crate::config::Profile;

/// Where the live pipeline takes its audio from.
#[derive(Debug, Clone, Default)]
pub struct LiveSetup {
    /// Input device name (`None`: the remembered one, else the default).
    pub device: Option<String>,
    /// Play this WAV through the live pipeline at real-time pace instead of capturing.
    pub demo: Option<PathBuf>,
}

/// State of the live view.
pub struct LiveView {
    _setup: LiveSetup,
    _profile: Profile,
}

impl LiveView {
    /// A live view; the pipeline starts on first draw.
    pub fn new(
        _ctx: &egui::Context,
        _storage: Option<&dyn eframe::Storage>,
        setup: LiveSetup,
        profile: Profile,
    ) -> Self {
        Self {
            _setup: setup,
            _profile: profile,
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Live");
        });
    }

    /// Persists the device choice and settings.
    pub fn save(&mut self, _storage: &mut dyn eframe::Storage) {}

    /// Stops capture and analysis, finishing the recording.
    pub fn shutdown(&mut self) {}
}
