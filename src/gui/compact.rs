//! The compact window: a small always-on-top window beside the softphone with the one
//! most urgent cue ([`focus_cue`], in the focus order), readable at a glance from
//! [`COMPACT_SIZE`] up. The text is laid out at the largest size that fits whole; when
//! all is well it shows a calm state ("✔ On track", "Waiting for a call", the last
//! call's score), never a blank.

use egui::{FontId, RichText};

use crate::live::coach::{Cue, Tone, focus_cue};
use crate::live::snapshot::LiveSnapshot;

use super::live_view::{rec_badge_ui, tone_color};

/// The compact window's size when first opened, points; also its smallest.
pub const COMPACT_SIZE: [f32; 2] = [320.0, 120.0];
/// Largest cue text, points.
pub const MAX_TEXT_PT: f32 = 40.0;
/// Smallest cue text, points: below it the text would not be read at a glance.
pub const MIN_TEXT_PT: f32 = 11.0;
/// Height of the "● REC" badge's text, points.
const REC_PT: f32 = 12.0;

/// What the compact window shows for `s`: during a call the most urgent cue; between
/// calls a calm state.
pub fn compact_cue(s: Option<&LiveSnapshot>) -> Cue {
    let calm = |text: String| Cue {
        text,
        tone: Tone::Info,
    };
    match s {
        None => calm("Not listening: press ▶ Start".into()),
        Some(s) if s.call.in_call => focus_cue(&s.gauges),
        Some(s) => match &s.report {
            Some(report) => calm(format!("Call ended · score {} / 100", report.score.total)),
            None => calm("Waiting for a call…".into()),
        },
    }
}

/// The largest text size, from [`MAX_TEXT_PT`] down to [`MIN_TEXT_PT`], at which
/// `text` wrapped to `size.x` fits in `size`.
pub fn fitting_size(ui: &egui::Ui, text: &str, size: egui::Vec2) -> f32 {
    let mut pt = MAX_TEXT_PT;
    while pt > MIN_TEXT_PT {
        let galley = ui.painter().layout(
            text.to_string(),
            FontId::proportional(pt),
            egui::Color32::WHITE,
            size.x,
        );
        if galley.size().x <= size.x && galley.size().y <= size.y {
            break;
        }
        pt -= 1.0;
    }
    pt
}

/// Draws the compact window's content: the "● REC" badge while recording, and the cue
/// centred at the largest size that fits whole.
pub fn compact_ui(ui: &mut egui::Ui, s: Option<&LiveSnapshot>) {
    if let Some(s) = s {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
            rec_badge_ui(ui, s, REC_PT);
        });
    }
    let cue = compact_cue(s);
    let room = ui.available_size();
    let pt = fitting_size(ui, &cue.text, room);
    let galley = ui.painter().layout(
        cue.text.clone(),
        FontId::proportional(pt),
        egui::Color32::WHITE,
        room.x,
    );
    ui.add_space(((room.y - galley.size().y) / 2.0).max(0.0));
    ui.vertical_centered(|ui| {
        ui.add(
            egui::Label::new(
                RichText::new(&cue.text)
                    .size(pt)
                    .strong()
                    .color(tone_color(cue.tone)),
            )
            .wrap(),
        );
    });
}

/// The compact window's viewport: small, always on top, titled for the task bar.
pub fn viewport() -> egui::ViewportBuilder {
    egui::ViewportBuilder::default()
        .with_title("callcoach cue")
        .with_inner_size(COMPACT_SIZE)
        .with_min_inner_size(COMPACT_SIZE)
        .with_always_on_top()
}

/// The compact window's id.
pub fn viewport_id() -> egui::ViewportId {
    egui::ViewportId::from_hash_of("callcoach_compact")
}
