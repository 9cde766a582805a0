//! The one palette of callcoach, as plain sRGB data: the GUI's theme
//! (`gui::theme`) turns it into egui colors and the HTML report writes it as CSS hex,
//! so both show the same colors and neither needs the other. The palette is
//! Okabe–Ito (readable with the common color-vision deficiencies), and every color is
//! paired with a symbol or a word, so no state is told by red against green alone.

use crate::analysis::Verdict;

/// An opaque sRGB color, 8 bits a channel: `[red, green, blue]`.
pub type Rgb = [u8; 3];

/// An sRGB color with alpha, premultiplied, 8 bits a channel: `[red, green, blue, alpha]`.
pub type RgbaPremultiplied = [u8; 4];

/// Okabe–Ito blue: good, in the target.
pub const GOOD: Rgb = [0, 114, 178];
/// Okabe–Ito orange: too late, too slow, too high.
pub const HIGH: Rgb = [230, 159, 0];
/// Okabe–Ito vermillion: overlap, interruption.
pub const ALERT: Rgb = [213, 94, 0];
/// Okabe–Ito sky blue: too early, too low.
pub const LOW: Rgb = [86, 180, 233];
/// Okabe–Ito reddish purple: pace changes and coach notes.
pub const PACE: Rgb = [204, 121, 167];
/// The reddish purple darkened for small text on paper (the report's note numbers).
pub const PACE_TEXT: Rgb = [122, 43, 90];
/// Okabe–Ito bluish green: the customer.
pub const CUSTOMER: Rgb = [0, 158, 115];
/// The agent's own traces.
pub const AGENT: Rgb = [0, 114, 178];
/// Muted grey for silences and idle states.
pub const IDLE: Rgb = [140, 140, 140];
/// Band shading on screen: the calming band behind a pitch contour, the reply window.
pub const BAND_FILL: RgbaPremultiplied = [0, 60, 95, 60];

/// Color of a reply-gap verdict.
pub const fn verdict_rgb(verdict: Verdict) -> Rgb {
    match verdict {
        Verdict::Overlap => ALERT,
        Verdict::Early => LOW,
        Verdict::InWindow => GOOD,
        Verdict::Late => HIGH,
    }
}

/// Symbol and words of a reply-gap verdict (shown beside its color).
pub const fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Overlap => "✖ overlap",
        Verdict::Early => "◀ early",
        Verdict::InWindow => "✔ in the window",
        Verdict::Late => "▶ late",
    }
}

/// CSS hex form of a color, lower case: `#0072b2`.
pub fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_css() {
        assert_eq!(hex(GOOD), "#0072b2");
        assert_eq!(hex(CUSTOMER), "#009e73");
        assert_eq!(hex(PACE), "#cc79a7");
        assert_eq!(hex(PACE_TEXT), "#7a2b5a");
        assert_eq!(hex(IDLE), "#8c8c8c");
        assert_eq!(hex(verdict_rgb(Verdict::Overlap)), "#d55e00");
        assert_eq!(hex(verdict_rgb(Verdict::Early)), "#56b4e9");
        assert_eq!(hex(verdict_rgb(Verdict::Late)), "#e69f00");
    }
}
