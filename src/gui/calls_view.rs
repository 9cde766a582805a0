//! The Calls page: the scored calls of a folder (the recordings folder by default) with
//! agent, start, score, coverage and the codes; filters, sorting by any column, and one
//! click to open a call in review. Files without a record are scored on a worker thread
//! ([`CallScan`]); the page only draws, and draws only the rows in view.

use std::path::PathBuf;

use egui::RichText;

use crate::analysis::Rule;
use crate::config::Profile;
use crate::review::export::or_dash;
use crate::review::recordings::default_dir;
use crate::team::calls::{CallColumn, CallFilter, CallRow, CallScan, visible};

/// Height of one row of the list, px.
const ROW_H: f32 = 20.0;
/// Widths of the columns, px, in [`CallColumn::ALL`] order.
const WIDTHS: [f32; 10] = [
    150.0, 90.0, 50.0, 70.0, 60.0, 110.0, 40.0, 60.0, 60.0, 260.0,
];

/// State of the Calls page.
pub struct CallsView {
    ctx: egui::Context,
    profile: Profile,
    /// The folder listed.
    pub folder: String,
    scan: Option<CallScan>,
    rows: Vec<CallRow>,
    /// What is shown.
    pub filter: CallFilter,
    column: CallColumn,
    ascending: bool,
    score_below: u32,
    use_score_below: bool,
    min_late: u32,
    use_min_late: bool,
    message: Option<String>,
    /// The shown order and the agents offered, kept until the rows, the filter or the
    /// sort change (filtering and sorting 10,000 rows every frame would cost the frame).
    cache: Option<ViewCache>,
}

/// What the page computed from the rows for the current filter and sort.
struct ViewCache {
    rows: usize,
    filter: CallFilter,
    column: CallColumn,
    ascending: bool,
    order: Vec<usize>,
    agents: Vec<String>,
}

impl CallsView {
    /// The page, listing the recordings folder when first shown.
    pub fn new(ctx: &egui::Context, profile: Profile) -> Self {
        Self {
            ctx: ctx.clone(),
            profile,
            folder: default_dir().display().to_string(),
            scan: None,
            rows: Vec::new(),
            filter: CallFilter::default(),
            column: CallColumn::Start,
            ascending: true,
            score_below: 60,
            use_score_below: false,
            min_late: 2,
            use_min_late: false,
            message: None,
            cache: None,
        }
    }

    /// The cache for the current rows, filter and sort, recomputed when stale.
    fn refresh_cache(&mut self) {
        let fresh = self.cache.as_ref().is_some_and(|c| {
            c.rows == self.rows.len()
                && c.filter == self.filter
                && c.column == self.column
                && c.ascending == self.ascending
        });
        if fresh {
            return;
        }
        let agents = match self.cache.take() {
            Some(c) if c.rows == self.rows.len() => c.agents,
            _ => {
                let mut agents: Vec<String> =
                    self.rows.iter().filter_map(|r| r.agent.clone()).collect();
                agents.sort();
                agents.dedup();
                agents
            }
        };
        self.cache = Some(ViewCache {
            rows: self.rows.len(),
            filter: self.filter.clone(),
            column: self.column,
            ascending: self.ascending,
            order: visible(&self.rows, &self.filter, self.column, self.ascending),
            agents,
        });
    }

    /// Shows these rows instead of a folder's (UI tests and benchmarks).
    pub fn set_rows(&mut self, rows: Vec<CallRow>) {
        self.scan = None;
        self.rows = rows;
        self.cache = None;
    }

    /// The files shown, in order.
    pub fn visible_files(&self) -> Vec<PathBuf> {
        visible(&self.rows, &self.filter, self.column, self.ascending)
            .into_iter()
            .map(|i| self.rows[i].file.clone())
            .collect()
    }

    fn rescan(&mut self) {
        let ctx = self.ctx.clone();
        match CallScan::start(
            std::path::Path::new(&self.folder),
            self.profile.clone(),
            move || ctx.request_repaint(),
        ) {
            Ok((scan, rows)) => {
                self.message = None;
                self.rows = rows;
                self.cache = None;
                self.scan = Some(scan);
            }
            Err(e) => self.message = Some(format!("{}: {e}", self.folder)),
        }
    }

    /// Draws the page; returns a call to open in review.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<PathBuf> {
        if let Some(scan) = &mut self.scan
            && scan.poll(&mut self.rows)
        {
            self.cache = None;
        }
        let mut open = None;
        egui::CentralPanel::default().show(ui, |ui| {
            self.folder_ui(ui);
            self.filter_ui(ui);
            ui.separator();
            open = self.list_ui(ui);
        });
        open
    }

    fn folder_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Folder");
            ui.text_edit_singleline(&mut self.folder)
                .labelled_by(label.id);
            if ui.button("⟳ List").clicked()
                || (self.scan.is_none() && self.rows.is_empty() && self.message.is_none())
            {
                self.rescan();
            }
            if let Some(scan) = &self.scan
                && scan.scored < scan.to_score
            {
                ui.add(
                    egui::ProgressBar::new(scan.scored as f32 / scan.to_score.max(1) as f32)
                        .text(format!("scoring {} of {}", scan.scored + 1, scan.to_score))
                        .desired_width(200.0),
                );
            }
            if let Some(m) = &self.message {
                ui.label(RichText::new(m).weak());
            }
        });
    }

    fn filter_ui(&mut self, ui: &mut egui::Ui) {
        self.refresh_cache();
        let agents = self
            .cache
            .as_ref()
            .map(|c| c.agents.clone())
            .unwrap_or_default();
        ui.horizontal_wrapped(|ui| {
            let shown = if self.filter.agent.is_empty() {
                "all".to_string()
            } else {
                self.filter.agent.clone()
            };
            egui::ComboBox::new("calls_agent", "Agent")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter.agent, String::new(), "all");
                    for a in &agents {
                        ui.selectable_value(&mut self.filter.agent, a.clone(), a);
                    }
                });
            let since = ui.label("from");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter.since)
                    .desired_width(90.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .labelled_by(since.id);
            let until = ui.label("to");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter.until)
                    .desired_width(90.0)
                    .hint_text("YYYY-MM-DD"),
            )
            .labelled_by(until.id);
            let below = ui.checkbox(&mut self.use_score_below, "score below");
            ui.add(egui::DragValue::new(&mut self.score_below).range(1..=101))
                .labelled_by(below.id);
            egui::ComboBox::new("calls_rule", "Rule lost points")
                .selected_text(self.filter.failed_rule.map_or("any", Rule::as_str))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter.failed_rule, None, "any");
                    for rule in Rule::ALL {
                        ui.selectable_value(
                            &mut self.filter.failed_rule,
                            Some(rule),
                            rule.as_str(),
                        );
                    }
                });
            let late = ui.checkbox(&mut self.use_min_late, "late replies ≥");
            ui.add(egui::DragValue::new(&mut self.min_late).range(1..=50))
                .labelled_by(late.id);
        });
        self.filter.score_below = self.use_score_below.then_some(self.score_below);
        self.filter.min_late_replies = self.use_min_late.then_some(self.min_late);
    }

    fn list_ui(&mut self, ui: &mut egui::Ui) -> Option<PathBuf> {
        self.refresh_cache();
        let order = self
            .cache
            .as_ref()
            .map(|c| c.order.clone())
            .unwrap_or_default();
        ui.label(format!("{} of {} calls", order.len(), self.rows.len()));
        ui.horizontal(|ui| {
            for ((column, name), w) in CallColumn::ALL.iter().zip(WIDTHS) {
                let mark = match (self.column == *column, self.ascending) {
                    (true, true) => " ⬆",
                    (true, false) => " ⬇",
                    _ => "",
                };
                if ui
                    .add_sized([w, ROW_H], egui::Button::new(format!("{name}{mark}")))
                    .clicked()
                {
                    if self.column == *column {
                        self.ascending = !self.ascending;
                    } else {
                        self.column = *column;
                        self.ascending = true;
                    }
                }
            }
        });
        let mut open = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show_rows(ui, ROW_H, order.len(), |ui, range| {
                for &i in &order[range] {
                    let r = &self.rows[i];
                    ui.horizontal(|ui| {
                        let cells = [
                            r.call_start.clone().unwrap_or_else(|| "–".into()),
                            r.agent.clone().unwrap_or_else(|| "–".into()),
                            r.score.map_or_else(|| "error".into(), |s| s.to_string()),
                            or_dash(r.coverage.map(|c| c * 100.0), 0, " %"),
                            or_dash(r.in_band_pct, 0, " %"),
                            or_dash(r.replies_in_window_pct, 0, " %"),
                            r.late_replies.to_string(),
                            r.overlaps.to_string(),
                            r.long_silences.to_string(),
                        ];
                        for (cell, w) in cells.iter().zip(WIDTHS) {
                            ui.add_sized([w, ROW_H], egui::Label::new(cell.as_str()).truncate());
                        }
                        let name = r.file.display().to_string();
                        if ui
                            .add_sized(
                                [WIDTHS[9], ROW_H],
                                egui::Button::new(name.as_str()).truncate(),
                            )
                            .on_hover_text(
                                r.error.clone().unwrap_or_else(|| "open in review".into()),
                            )
                            .clicked()
                        {
                            open = Some(r.file.clone());
                        }
                    });
                }
            });
        open
    }
}
