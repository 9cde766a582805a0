//! Colours and symbols shared by the live gauges and the review view. The palette is
//! Okabe–Ito (readable with the common colour-vision deficiencies), and every colour is
//! paired with a symbol or a word, so no state is told by red against green alone.

use egui::Color32;

use crate::analysis::Verdict;

/// Okabe–Ito blue: good, in the target.
pub const GOOD: Color32 = Color32::from_rgb(0, 114, 178);
/// Okabe–Ito orange: too late, too slow, too high.
pub const HIGH: Color32 = Color32::from_rgb(230, 159, 0);
/// Okabe–Ito vermillion: overlap, interruption.
pub const ALERT: Color32 = Color32::from_rgb(213, 94, 0);
/// Okabe–Ito sky blue: too early, too low.
pub const LOW: Color32 = Color32::from_rgb(86, 180, 233);
/// Okabe–Ito reddish purple: pace changes.
pub const PACE: Color32 = Color32::from_rgb(204, 121, 167);
/// Okabe–Ito bluish green: the customer.
pub const CUSTOMER: Color32 = Color32::from_rgb(0, 158, 115);
/// The agent's own traces.
pub const AGENT: Color32 = Color32::from_rgb(0, 114, 178);
/// Muted grey for silences and idle states.
pub const IDLE: Color32 = Color32::from_gray(140);
/// Band shading: the calming band behind a pitch contour.
pub const BAND_FILL: Color32 = Color32::from_rgba_premultiplied(0, 60, 95, 60);

/// Colour of a reply-gap verdict.
pub fn verdict_color(verdict: Verdict) -> Color32 {
    match verdict {
        Verdict::Overlap => ALERT,
        Verdict::Early => LOW,
        Verdict::InWindow => GOOD,
        Verdict::Late => HIGH,
    }
}

/// Symbol and words of a reply-gap verdict (shown beside its colour).
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Overlap => "✖ overlap",
        Verdict::Early => "◀ early",
        Verdict::InWindow => "✔ in window",
        Verdict::Late => "▶ late",
    }
}
