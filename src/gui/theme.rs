//! Colors and symbols shared by the live gauges and the review view: the
//! [`crate::palette`] as egui colors. Every color is paired with a symbol or a word,
//! so no state is told by red against green alone.

use egui::Color32;

use crate::analysis::Verdict;
use crate::palette::{self, Rgb, RgbaPremultiplied};

const fn rgb(c: Rgb) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

const fn rgba_premultiplied(c: RgbaPremultiplied) -> Color32 {
    Color32::from_rgba_premultiplied(c[0], c[1], c[2], c[3])
}

/// Okabe–Ito blue: good, in the target.
pub const GOOD: Color32 = rgb(palette::GOOD);
/// Okabe–Ito orange: too late, too slow, too high.
pub const HIGH: Color32 = rgb(palette::HIGH);
/// Okabe–Ito vermillion: overlap, interruption.
pub const ALERT: Color32 = rgb(palette::ALERT);
/// Okabe–Ito sky blue: too early, too low.
pub const LOW: Color32 = rgb(palette::LOW);
/// Okabe–Ito reddish purple: pace changes.
pub const PACE: Color32 = rgb(palette::PACE);
/// Okabe–Ito bluish green: the customer.
pub const CUSTOMER: Color32 = rgb(palette::CUSTOMER);
/// The agent's own traces.
pub const AGENT: Color32 = rgb(palette::AGENT);
/// Muted grey for silences and idle states.
pub const IDLE: Color32 = rgb(palette::IDLE);
/// Recording: a clear red behind white "● REC" (the word carries it, not the color).
pub const REC: Color32 = Color32::from_rgb(200, 30, 30);
/// Band shading: the calming band behind a pitch contour.
pub const BAND_FILL: Color32 = rgba_premultiplied(palette::BAND_FILL);

/// Color of a reply-gap verdict.
pub fn verdict_color(verdict: Verdict) -> Color32 {
    rgb(palette::verdict_rgb(verdict))
}

/// Symbol and words of a reply-gap verdict (shown beside its color).
pub fn verdict_label(verdict: Verdict) -> &'static str {
    palette::verdict_label(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_colors_are_the_palette() {
        assert_eq!(GOOD, Color32::from_rgb(0, 114, 178));
        assert_eq!(IDLE, Color32::from_gray(140));
        assert_eq!(BAND_FILL, Color32::from_rgba_premultiplied(0, 60, 95, 60));
        assert_eq!(verdict_color(Verdict::Overlap), ALERT);
        assert_eq!(verdict_color(Verdict::Early), LOW);
        assert_eq!(verdict_color(Verdict::InWindow), GOOD);
        assert_eq!(verdict_color(Verdict::Late), HIGH);
    }
}
