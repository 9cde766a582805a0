//! `team.html`: one self-contained page (inline SVG, no script, nothing from the
//! network; prints on A4) with the team totals, the per-agent table, weekly trends as
//! small multiples with each target shaded, the reply-gap distribution per agent, and
//! each agent's worst calls with the command that opens each in review.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::config::Profile;
use crate::review::export::{escape, or_dash};

use super::{Aggregate, GAP_BIN_S, GAP_MIN_S, TeamView};

/// Width and height of one small chart, px.
const CHART_W: f64 = 220.0;
const CHART_H: f64 = 90.0;
/// Inner margin of a chart, px.
const PAD: f64 = 14.0;
/// Shade of a target band.
const TARGET_FILL: &str = "#d8f0dc";
/// Line and bar color (a blue that reads in grey print).
const INK: &str = "#1f5fa8";

/// A shell word: `'…'` with any `'` escaped.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The command that opens `file` in the review view.
pub fn review_command(file: &str) -> String {
    format!("callcoach review {}", shell_quote(file))
}

fn aggregate_cells(a: &Aggregate) -> String {
    [
        a.calls.to_string(),
        a.partial_calls.to_string(),
        a.error_calls.to_string(),
        format!("{:.2}", a.hours),
        or_dash(a.mean_score, 1, ""),
        or_dash(a.median_score, 1, ""),
        or_dash(a.in_band_pct, 1, " %"),
        or_dash(a.replies_in_window_pct, 1, " %"),
        or_dash(a.pace_changes_per_45s, 2, ""),
        or_dash(a.overlaps_per_call, 2, ""),
        or_dash(a.long_silences_per_hour, 2, ""),
        or_dash(a.talk_listen_ratio, 2, ""),
        or_dash(a.speaker_switches_per_min, 2, ""),
    ]
    .iter()
    .map(|c| format!("<td>{}</td>", escape(c)))
    .collect()
}

const AGGREGATE_HEADS: &str = "<th>calls</th><th>partial</th><th>errors</th><th>hours</th>\
<th>mean score</th><th>median score</th><th>in band</th><th>replies in window</th>\
<th>pace changes / 45 s</th><th>overlaps / call</th><th>long silences / h</th>\
<th>talk : listen</th><th>switches / min</th>";

/// A small line chart of `values` over the weeks, the `target` band (if any) shaded, y
/// from `lo` to `hi`.
fn trend_svg(
    title: &str,
    weeks: &[String],
    values: &[Option<f64>],
    target: Option<[f64; 2]>,
    [lo, hi]: [f64; 2],
) -> String {
    let x = |i: usize| {
        if weeks.len() < 2 {
            CHART_W / 2.0
        } else {
            PAD + (CHART_W - 2.0 * PAD) * i as f64 / (weeks.len() - 1) as f64
        }
    };
    let y = |v: f64| CHART_H - PAD - (CHART_H - 2.0 * PAD) * ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    let mut s = format!(
        r##"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{CHART_W}" height="{CHART_H}" fill="#fafafa" stroke="#ccc"/>"##,
        escape(title),
        escape(title)
    );
    if let Some([t_lo, t_hi]) = target {
        let (t_top, t_bottom) = (y(t_hi), y(t_lo));
        let _ = write!(
            s,
            r#"<rect class="target" x="0" y="{t_top:.1}" width="{CHART_W}" height="{:.1}" fill="{TARGET_FILL}"/>"#,
            (t_bottom - t_top).max(1.0)
        );
    }
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x(i), y(v))))
        .collect();
    if points.len() > 1 {
        let path: Vec<String> = points
            .iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{INK}" stroke-width="1.5"/>"#,
            path.join(" ")
        );
    }
    for (a, b) in &points {
        let _ = write!(
            s,
            r#"<circle cx="{a:.1}" cy="{b:.1}" r="2.5" fill="{INK}"/>"#
        );
    }
    if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
        let _ = write!(
            s,
            r##"<text x="2" y="{:.0}" font-size="9" fill="#555">{}</text><text x="{:.0}" y="{:.0}" font-size="9" fill="#555" text-anchor="end">{}</text>"##,
            CHART_H - 2.0,
            escape(first),
            CHART_W - 2.0,
            CHART_H - 2.0,
            escape(last)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// The reply-gap histogram with the reply window shaded.
fn gaps_svg(histogram: &[u32], window: [f64; 2]) -> String {
    let n = histogram.len().max(1) as f64;
    let top = f64::from(histogram.iter().copied().max().unwrap_or(0).max(1));
    let bar_w = (CHART_W - 2.0 * PAD) / n;
    let x_of = |gap_s: f64| PAD + (gap_s - GAP_MIN_S) / GAP_BIN_S * bar_w;
    let mut s = format!(
        r##"<figure><figcaption>reply gaps, {:.0} to {:.0} s</figcaption><svg viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" role="img" aria-label="reply-gap distribution" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="{CHART_W}" height="{CHART_H}" fill="#fafafa" stroke="#ccc"/>"##,
        GAP_MIN_S,
        GAP_MIN_S + GAP_BIN_S * n
    );
    let _ = write!(
        s,
        r#"<rect class="target" x="{:.1}" y="0" width="{:.1}" height="{CHART_H}" fill="{TARGET_FILL}"/>"#,
        x_of(window[0]),
        x_of(window[1]) - x_of(window[0])
    );
    for (i, &count) in histogram.iter().enumerate() {
        let h = (CHART_H - 2.0 * PAD) * f64::from(count) / top;
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{INK}"><title>{count}</title></rect>"#,
            PAD + i as f64 * bar_w + 0.5,
            CHART_H - PAD - h,
            (bar_w - 1.0).max(0.5)
        );
    }
    s.push_str("</svg></figure>");
    s
}

/// The whole page.
pub fn team_html(view: &TeamView, profile: &Profile) -> String {
    let mut h = String::from(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>callcoach team view</title>
<style>
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:12px;margin:.5em 0}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}
figure{display:inline-block;margin:4px}
figcaption{font-size:11px;color:#444}
code{font-size:11px}
.agent{break-inside:avoid;border-top:1px solid #ddd;margin-top:1em}
.muted{color:#666;font-size:12px}
@page{size:A4;margin:12mm}
</style></head><body>
<h1>Team view</h1>
"#,
    );
    let _ = write!(
        h,
        r#"<p class="muted" id="inputs">{} records read from {}; {} older duplicates of the same calls left out; {} lines that are not call records skipped; {} records outside the filters.</p>"#,
        view.records_read,
        escape(&view.inputs.join(", ")),
        view.duplicates,
        view.skipped_lines,
        view.filtered_out
    );
    let t = &view.totals;
    let _ = write!(
        h,
        r#"<h2>Totals</h2><p id="totals">{} fully measured calls, {:.2} hours, mean score {}; {} partial-coverage calls and {} errors counted apart.</p>"#,
        t.calls,
        t.hours,
        or_dash(t.mean_score, 1, ""),
        t.partial_calls,
        t.error_calls
    );
    let _ = write!(h, "<table><tr><th>team</th>{AGGREGATE_HEADS}</tr>");
    for (team, a) in &view.teams {
        let _ = write!(
            h,
            "<tr><td>{}</td>{}</tr>",
            escape(team),
            aggregate_cells(a)
        );
    }
    let _ = write!(
        h,
        "<tr><td><b>all</b></td>{}</tr></table>",
        aggregate_cells(t)
    );

    let _ = write!(
        h,
        "<h2>Agents</h2><table><tr><th>agent</th><th>team</th>{AGGREGATE_HEADS}</tr>"
    );
    for a in &view.agents {
        let _ = write!(
            h,
            r#"<tr class="agent-row"><td>{}</td><td>{}</td>{}</tr>"#,
            escape(&a.agent),
            escape(a.team.as_deref().unwrap_or("")),
            aggregate_cells(&a.totals)
        );
    }
    h.push_str("</table>");

    // One week axis for every agent, so the small multiples line up.
    let weeks: Vec<String> = view
        .agents
        .iter()
        .flat_map(|a| a.weeks.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let in_band = profile.pitch.target_in_band * 100.0;
    let in_window = profile.reply.target_in_window * 100.0;
    let pace = profile.pace.changes_per_45s;
    h.push_str("<h2>Each agent</h2>");
    for a in &view.agents {
        let _ = write!(
            h,
            r#"<section class="agent" id="agent-{}"><h3>{}</h3>"#,
            escape(&a.agent),
            escape(&a.agent)
        );
        let series = |f: &dyn Fn(&super::Week) -> Option<f64>| -> Vec<Option<f64>> {
            weeks.iter().map(|w| a.weeks.get(w).and_then(f)).collect()
        };
        h.push_str(&trend_svg(
            "mean score per week",
            &weeks,
            &series(&|w| Some(w.mean_score)),
            None,
            [0.0, 100.0],
        ));
        h.push_str(&trend_svg(
            &format!("in band, % (target {in_band:.0} %)"),
            &weeks,
            &series(&|w| w.in_band_pct),
            Some([in_band, 100.0]),
            [0.0, 100.0],
        ));
        h.push_str(&trend_svg(
            &format!("replies in window, % (target {in_window:.0} %)"),
            &weeks,
            &series(&|w| w.replies_in_window_pct),
            Some([in_window, 100.0]),
            [0.0, 100.0],
        ));
        h.push_str(&trend_svg(
            &format!("pace changes / 45 s (target {}–{})", pace[0], pace[1]),
            &weeks,
            &series(&|w| w.pace_changes_per_45s),
            Some(pace),
            [0.0, (pace[1] * 2.0).max(1.0)],
        ));
        h.push_str(&gaps_svg(
            &a.totals.reply_gap_histogram,
            profile.reply.window_s,
        ));
        if !a.worst_calls.is_empty() {
            h.push_str("<p>Worst calls:</p><ol class=\"worst\">");
            for w in &a.worst_calls {
                let _ = write!(
                    h,
                    "<li>{} · score {} · <code>{}</code></li>",
                    escape(w.call_start.as_deref().unwrap_or("no start time")),
                    w.score,
                    escape(&review_command(&w.file))
                );
            }
            h.push_str("</ol>");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body></html>\n");
    h
}
