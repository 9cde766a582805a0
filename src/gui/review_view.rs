//! The review view for coaches (issue #4): open a recorded call, see its timeline, hear
//! it, pin notes, export a report. Being built; this is the shell's entry point.

use std::path::PathBuf;

use crate::config::Profile;

/// State of the review view.
pub struct ReviewView {
    file: Option<PathBuf>,
    _profile: Profile,
    _agent_channel: Option<usize>,
}

impl ReviewView {
    /// A review view, opening `file` if given.
    pub fn new(
        _ctx: &egui::Context,
        file: Option<PathBuf>,
        profile: Profile,
        agent_channel: Option<usize>,
    ) -> Self {
        Self {
            file,
            _profile: profile,
            _agent_channel: agent_channel,
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Review");
            match &self.file {
                Some(f) => ui.label(format!("{}", f.display())),
                None => ui.label("No call open."),
            };
        });
    }

    /// Persists the view's settings (recent files).
    pub fn save(&mut self, _storage: &mut dyn eframe::Storage) {}

    /// Stops worker threads and playback.
    pub fn shutdown(&mut self) {}
}
