//! The report a coach hands an agent: one self-contained HTML file (charts drawn inline
//! as SVG, no script, fonts or images from the network; laid out to print on A4), and a
//! CSV of the events. Both are written beside the WAV (`call.report.html`,
//! `call.events.csv`) unless another path is given.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::{CallReport, Layout, Speaker, Verdict};
use crate::config::Profile;
use crate::palette::{self, Rgb};
use crate::record::median_gap_s;

use super::events::{EventKind, ReviewEvent};
use super::load::LoadedCall;
use super::notes::Note;

/// Why a report could not be written; the message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing failed.
    #[error("{}: cannot write: {source}", path.display())]
    Io {
        /// Output file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Encoding the CSV failed.
    #[error("{}: cannot encode the CSV: {source}", path.display())]
    Csv {
        /// Output file.
        path: PathBuf,
        /// The encoder's error.
        source: csv::Error,
    },
}

/// `call.wav` → `call.report.html`.
pub fn html_path(wav: &Path) -> PathBuf {
    wav.with_extension("report.html")
}

/// `call.wav` → `call.events.csv`.
pub fn csv_path(wav: &Path) -> PathBuf {
    wav.with_extension("events.csv")
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Clock time `m:ss.s` (or `h:mm:ss` past an hour).
pub fn clock(t_s: f64) -> String {
    let t = t_s.max(0.0);
    let h = (t / 3600.0).floor();
    let m = ((t - h * 3600.0) / 60.0).floor();
    let s = t - h * 3600.0 - m * 60.0;
    if h > 0.0 {
        format!("{h:.0}:{m:02.0}:{s:04.1}")
    } else {
        format!("{m:.0}:{s:04.1}")
    }
}

/// `x` with `digits` decimals and `unit`, or "–" when absent: a value in a report.
pub fn or_dash(x: Option<f64>, digits: usize, unit: &str) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{v:.digits$}{unit}"))
}

/// CSS color of a reply-gap verdict.
fn verdict_css(v: Verdict) -> String {
    palette::hex(palette::verdict_rgb(v))
}

/// Width of every chart's view box.
const W: f64 = 1000.0;
/// Left margin of a chart (its labels), in view-box units.
const LEFT: f64 = 70.0;
/// Right margin of a chart, in view-box units.
const RIGHT: f64 = 10.0;
/// Round time steps for the axis ticks, s; past the last, one hour.
const TICK_STEPS_S: [f64; 12] = [
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
];
/// Gap values are written beside their markers up to this many gaps in the call.
const MAX_GAP_LABELS: usize = 60;

/// The time step between ticks that gives at most 12 ticks over `duration_s`.
fn tick_step_s(duration_s: f64) -> f64 {
    TICK_STEPS_S
        .iter()
        .copied()
        .find(|s| duration_s / s <= 12.0)
        .unwrap_or(3600.0)
}

struct Chart {
    svg: String,
    duration: f64,
    height: f64,
    /// Vertical grid lines at the time ticks (not on the axis strip, where they would
    /// cross its labels).
    grid: bool,
}

impl Chart {
    fn new(title: &str, duration: f64, height: f64) -> Self {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {W} {height}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><rect x="{LEFT}" y="0" width="{}" height="{height}" fill="#fafafa" stroke="#ccc"/>"##,
            escape(title),
            escape(title),
            W - LEFT - RIGHT
        );
        Self {
            svg,
            duration: duration.max(1e-3),
            height,
            grid: true,
        }
    }

    fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.duration).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
    }

    fn y(&self, v: f64, lo: f64, hi: f64) -> f64 {
        let f = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
        self.height - 4.0 - f * (self.height - 8.0)
    }

    fn label(&mut self, y: f64, text: &str) {
        // Keep the text inside the chart.
        let y = y.clamp(7.0, self.height - 5.0);
        let _ = write!(
            self.svg,
            r#"<text x="{}" y="{y:.1}" font-size="11" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            LEFT - 4.0,
            escape(text)
        );
    }

    /// A band across the chart's width from `lo_v` to `hi_v` on the scale `lo`..`hi`,
    /// shaded in the palette's "good" color.
    fn band(&mut self, lo_v: f64, hi_v: f64, lo: f64, hi: f64) {
        let _ = write!(
            self.svg,
            r##"<rect x="{LEFT}" y="{:.1}" width="{}" height="{:.1}" fill="{}" fill-opacity="0.15"/>"##,
            self.y(hi_v, lo, hi),
            W - LEFT - RIGHT,
            self.y(lo_v, lo, hi) - self.y(hi_v, lo, hi),
            palette::hex(palette::GOOD)
        );
    }

    fn finish(mut self) -> String {
        let step = tick_step_s(self.duration);
        let mut t = 0.0;
        while self.grid && t <= self.duration + 1e-9 {
            let x = self.x(t);
            let _ = write!(
                self.svg,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="0" y2="{}" stroke="#ddd" stroke-width="0.5"/>"##,
                self.height
            );
            t += step;
        }
        self.svg.push_str("</svg></figure>\n");
        self.svg
    }
}

/// The time axis under the charts: ticks with `m:ss` labels.
fn time_axis(duration: f64) -> String {
    let mut c = Chart::new("time (m:ss)", duration, 18.0);
    c.grid = false;
    let step = tick_step_s(duration);
    let mut t = 0.0;
    while t <= duration + 1e-9 {
        let x = c.x(t);
        let _ = write!(
            c.svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="0" y2="3" stroke="#999" stroke-width="0.8"/><text x="{x:.1}" y="14" font-size="11" text-anchor="middle">{}</text>"##,
            clock(t).trim_end_matches(".0")
        );
        t += step;
    }
    c.finish()
}

/// One party's waveform (`k`: 0 agent, 1 customer), or nothing for a mono call's
/// customer.
fn waveform_chart(call: &LoadedCall, k: usize, name: &str, color: Rgb, d: f64) -> Option<String> {
    let p = call.waveform[k].as_ref()?;
    let mut c = Chart::new(&format!("waveform: {name}"), d, 50.0);
    let env = p.envelope(0.0, d, 900);
    let mut path = String::new();
    for pair in env.points.chunks(2) {
        if let [hi, lo] = pair {
            let x = c.x(hi[0]);
            let _ = write!(
                path,
                "M{x:.1} {:.1}V{:.1}",
                c.y(hi[1], -1.0, 1.0),
                c.y(lo[1], -1.0, 1.0)
            );
        }
    }
    let _ = write!(
        c.svg,
        r#"<path d="{path}" stroke="{}" stroke-width="1.2" fill="none"/>"#,
        palette::hex(color)
    );
    c.label(25.0, name);
    Some(c.finish())
}

/// Who speaks: the parties' segments, long silences and the coach's notes.
fn talk_chart(r: &CallReport, notes: &[Note], d: f64) -> String {
    let mut c = Chart::new(
        "who speaks (agent top, customer bottom; dashed box: long silence; ✎ n: coach note n)",
        d,
        44.0,
    );
    for s in &r.segments {
        let (y, color) = match s.speaker {
            Speaker::Agent | Speaker::Mixed => (6.0, palette::AGENT),
            Speaker::Customer => (24.0, palette::CUSTOMER),
        };
        let _ = write!(
            c.svg,
            r#"<rect x="{:.1}" y="{y}" width="{:.2}" height="14" fill="{}"/>"#,
            c.x(s.start),
            (c.x(s.end) - c.x(s.start)).max(0.5),
            palette::hex(color)
        );
    }
    for s in &r.long_silences {
        let _ = write!(
            c.svg,
            r##"<rect x="{:.1}" y="2" width="{:.1}" height="40" fill="none" stroke="{}" stroke-dasharray="3 2"/><text x="{:.1}" y="23" font-size="10" text-anchor="middle">silence {:.1} s</text>"##,
            c.x(s.start),
            c.x(s.end) - c.x(s.start),
            palette::hex(palette::IDLE),
            (c.x(s.start) + c.x(s.end)) / 2.0,
            s.end - s.start
        );
    }
    c.label(
        13.0,
        if r.layout == Layout::Mono {
            "speech"
        } else {
            "agent"
        },
    );
    for (i, n) in notes.iter().enumerate() {
        let x = c.x(n.t_s);
        let w = n.end_s.map_or(0.0, |e| c.x(e) - x);
        let _ = write!(
            c.svg,
            r##"<rect x="{x:.1}" y="0" width="{:.1}" height="3" fill="{}"/><text x="{:.1}" y="42" font-size="9" fill="{}">✎ {}</text>"##,
            w.max(1.5),
            palette::hex(palette::PACE),
            x + 2.0,
            palette::hex(palette::PACE_TEXT),
            i + 1
        );
    }
    if r.layout != Layout::Mono {
        c.label(31.0, "customer");
    }
    c.finish()
}

/// The agent's pitch over the calming band.
fn pitch_chart(call: &LoadedCall, band_hz: [f64; 2], d: f64) -> String {
    let (lo, hi) = (60.0, 300.0);
    let mut c = Chart::new(
        &format!(
            "agent pitch, Hz (shaded: calming band {:.0}–{:.0} Hz)",
            band_hz[0], band_hz[1]
        ),
        d,
        110.0,
    );
    c.band(band_hz[0], band_hz[1], lo, hi);
    let mut pts = Vec::new();
    call.pitch.visible_into(0.0, d, 3000, &mut pts);
    let mut path = String::new();
    for p in &pts {
        let _ = write!(path, "M{:.1} {:.1}h0.8", c.x(p[0]), c.y(p[1], lo, hi));
    }
    let _ = write!(
        c.svg,
        r##"<path d="{path}" stroke="#000" stroke-width="1.6" stroke-linecap="round" fill="none"/>"##
    );
    for v in [100.0, 200.0, 300.0] {
        c.label(c.y(v, lo, hi), &format!("{v:.0}"));
    }
    c.finish()
}

/// A reply gap's marker at (`x`, `y`): the shape of its verdict in its color.
fn gap_marker(verdict: Verdict, x: f64, y: f64) -> String {
    let color = verdict_css(verdict);
    match verdict {
        Verdict::Overlap => format!(
            r#"<path d="M{:.1} {:.1}l8 8m0 -8l-8 8" stroke="{color}" stroke-width="2.5"/>"#,
            x - 4.0,
            y - 4.0
        ),
        Verdict::Early => format!(
            r#"<path d="M{:.1} {y:.1}l8 -5v10z" fill="{color}"/>"#,
            x - 4.0
        ),
        Verdict::InWindow => {
            format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="4.5" fill="{color}"/>"#)
        }
        Verdict::Late => format!(
            r#"<path d="M{:.1} {y:.1}l-8 -5v10z" fill="{color}"/>"#,
            x + 4.0
        ),
    }
}

/// The reply gaps over the reply window, each marked by its verdict.
fn reply_gap_chart(r: &CallReport, window_s: [f64; 2], d: f64) -> String {
    let (lo, hi) = (-1.0, 3.0);
    let mut c = Chart::new(
        &format!(
            "reply gaps, s (shaded: window {:.1}–{:.1} s)",
            window_s[0], window_s[1]
        ),
        d,
        90.0,
    );
    c.band(window_s[0], window_s[1], lo, hi);
    let _ = write!(
        c.svg,
        r##"<line x1="{LEFT}" x2="{}" y1="{y0:.1}" y2="{y0:.1}" stroke="#999"/>"##,
        W - RIGHT,
        y0 = c.y(0.0, lo, hi)
    );
    for g in &r.reply_gaps {
        let (x, y) = (c.x(g.agent_start), c.y(g.gap_s, lo, hi));
        c.svg.push_str(&gap_marker(g.verdict, x, y));
        if r.reply_gaps.len() <= MAX_GAP_LABELS {
            let _ = write!(
                c.svg,
                r#"<text x="{x:.1}" y="{:.1}" font-size="9" text-anchor="middle">{:.2}</text>"#,
                (y - 7.0).max(8.0),
                g.gap_s
            );
        }
    }
    for v in [0.0, 1.0, 2.0, 3.0] {
        c.label(c.y(v, lo, hi), &format!("{v:.0} s"));
    }
    c.finish()
}

/// The agent's pace per turn, with its pace changes.
fn pace_chart(r: &CallReport, d: f64) -> String {
    let top = r
        .agent
        .pace
        .iter()
        .map(|p| p.syllables_per_s)
        .fold(4.0, f64::max)
        .ceil();
    let mut c = Chart::new("agent pace, syllables/s per turn (◆ pace change)", d, 80.0);
    let mut path = String::new();
    for (i, p) in r.agent.pace.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        let y = c.y(p.syllables_per_s, 0.0, top);
        let _ = write!(
            path,
            "{cmd}{:.1} {y:.1}L{:.1} {y:.1}",
            c.x(p.start),
            c.x(p.end)
        );
    }
    let pace = palette::hex(palette::PACE);
    let _ = write!(
        c.svg,
        r##"<path d="{path}" stroke="{pace}" stroke-width="2" fill="none"/>"##
    );
    for ch in &r.agent.pace_changes {
        let (x, y) = (c.x(ch.t), c.y(ch.to, 0.0, top));
        let _ = write!(
            c.svg,
            r##"<path d="M{x:.1} {:.1}l5 5l-5 5l-5 -5z" fill="{pace}" stroke="#000" stroke-width="0.5"/>"##,
            y - 5.0
        );
    }
    c.label(c.y(0.0, 0.0, top), "0");
    c.label(c.y(top, 0.0, top), &format!("{top:.0}"));
    c.finish()
}

/// Every chart of the timeline, top to bottom, then the time axis.
fn charts(call: &LoadedCall, profile: &Profile, notes: &[Note]) -> String {
    let r = &call.report;
    let d = r.duration_s.max(call.info.duration_s());
    let mut out = String::new();
    for (k, name, color) in [
        (0, "agent", palette::AGENT),
        (1, "customer", palette::CUSTOMER),
    ] {
        if let Some(chart) = waveform_chart(call, k, name, color, d) {
            out.push_str(&chart);
        }
    }
    out.push_str(&talk_chart(r, notes, d));
    out.push_str(&pitch_chart(call, profile.pitch.band_hz, d));
    if r.reply_gaps_measured {
        out.push_str(&reply_gap_chart(r, profile.reply.window_s, d));
    }
    if !r.agent.pace.is_empty() {
        out.push_str(&pace_chart(r, d));
    }
    out.push_str(&time_axis(d));
    out
}

/// The document's head (title, style sheet) and the heading with the call's format.
fn head_html(h: &mut String, call: &LoadedCall) {
    let r = &call.report;
    let name = call
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Call review: {title}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.35; }}
h1 {{ font-size: 1.5rem; margin-bottom: .2rem; }} h2 {{ font-size: 1.15rem; border-bottom: 1px solid #999; margin-top: 1.6rem; }}
.score {{ font-size: 2.6rem; font-weight: bold; }} .muted {{ color: #555; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
th, td {{ border: 1px solid #bbb; padding: .2rem .45rem; text-align: left; vertical-align: top; }}
th {{ background: #eee; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
figure {{ margin: .3rem 0; max-width: 100%; }} figcaption {{ font-size: .8rem; color: #333; }}
svg {{ display: block; width: 100%; max-width: 100%; height: auto; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .2rem 1.2rem; }}
@media print {{
  body {{ max-width: none; margin: 0; font-size: 10.5pt; }}
  h2 {{ break-after: avoid; page-break-after: avoid; }}
  figure, tr, .timeline {{ break-inside: avoid; page-break-inside: avoid; }}
  .timeline figure {{ margin: .1rem 0; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  @page {{ margin: 12mm; }}
}}
</style></head><body>
<h1>Call review: {title}</h1>
<p class="muted">{dur} · {rate} Hz · {enc} · {layout} · agent on channel {ch}</p>
"#,
        title = escape(&name),
        dur = clock(r.duration_s),
        rate = call.info.sample_rate,
        enc = call.info.encoding.as_str(),
        layout = r.layout,
        ch = call.agent_channel,
    );
}

/// The call's measures as (name, value) rows: the review panel and the HTML report show
/// the same ones.
pub fn summary_rows(r: &CallReport) -> Vec<(String, String)> {
    let a = &r.agent;
    let m = &r.metrics;
    vec![
        ("agent talk".into(), format!("{:.1} s", a.talk_s)),
        (
            "customer talk".into(),
            r.customer
                .as_ref()
                .map_or_else(|| "–".into(), |c| format!("{:.1} s", c.talk_s)),
        ),
        (
            "agent median pitch".into(),
            or_dash(a.median_f0_hz, 0, " Hz"),
        ),
        (
            format!("voiced time in {:.0}–{:.0} Hz", a.band_hz[0], a.band_hz[1]),
            or_dash(a.frac_voiced_in_band.map(|f| f * 100.0), 0, " %"),
        ),
        (
            "reply gaps".into(),
            if r.reply_gaps_measured {
                format!("{} measured", r.reply_gaps.len())
            } else {
                "not measured (one channel)".into()
            },
        ),
        ("median reply gap".into(), or_dash(median_gap_s(r), 2, " s")),
        (
            "replies in window".into(),
            or_dash(r.metrics.replies_in_window_pct, 0, " %"),
        ),
        ("overlaps".into(), r.overlaps.to_string()),
        (
            "agent pace".into(),
            or_dash(a.syllables_per_s, 1, " syllables/s"),
        ),
        (
            "pace changes".into(),
            format!(
                "{} ({} per 45 s of talk)",
                a.pace_changes.len(),
                or_dash(a.pace_changes_per_45s, 1, "")
            ),
        ),
        ("long silences".into(), r.long_silences.len().to_string()),
        (
            "longest agent turn".into(),
            format!("{:.1} s", r.longest_monologue_s),
        ),
        (
            "talk share agent / customer".into(),
            format!(
                "{:.1} % / {}",
                m.agent_talk_pct,
                or_dash(m.customer_talk_pct, 1, " %")
            ),
        ),
        (
            "talk/listen ratio".into(),
            or_dash(m.talk_listen_ratio, 2, ""),
        ),
        (
            "speaker switches".into(),
            or_dash(m.speaker_switches_per_min, 1, " per min"),
        ),
        ("dead air".into(), format!("{:.1} %", m.dead_air_pct)),
        (
            "rules measured".into(),
            format!(
                "{:.0} % of the weight{}",
                r.score.coverage * 100.0,
                if r.score.partial { " (partial)" } else { "" }
            ),
        ),
    ]
}

/// Summary: the score and the call's measures.
fn summary_section(h: &mut String, r: &CallReport) {
    let _ = write!(
        h,
        r#"<h2>Summary</h2><p><span class="score" id="score">{}</span><span class="muted"> / 100</span></p><div class="grid">"#,
        r.score.total
    );
    for (k, v) in summary_rows(r) {
        let _ = write!(h, "<div><b>{}</b>: {}</div>", escape(&k), escape(&v));
    }
    h.push_str("</div>\n");
}

/// Score deductions, the rules not scored, and the engine's notes.
fn deductions_section(h: &mut String, r: &CallReport) {
    h.push_str("<h2>Score deductions</h2>");
    if r.score.deductions.is_empty() {
        h.push_str("<p>No deductions.</p>");
    } else {
        h.push_str("<table><tr><th>rule</th><th>points</th><th>why</th></tr>");
        for d in &r.score.deductions {
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="num">−{:.1}</td><td>{}</td></tr>"#,
                escape(d.rule.as_str()),
                d.points,
                escape(&d.why)
            );
        }
        h.push_str("</table>");
    }
    if !r.score.not_scored.is_empty() {
        h.push_str("<p class=\"muted\">Not scored: ");
        let parts: Vec<String> = r
            .score
            .not_scored
            .iter()
            .map(|d| format!("{} ({})", escape(d.rule.as_str()), escape(&d.why)))
            .collect();
        h.push_str(&parts.join("; "));
        h.push_str("</p>");
    }
    for n in &r.notes {
        let _ = write!(h, "<p class=\"muted\">Note: {}</p>", escape(n));
    }
}

/// The charts as one block, kept on one printed page (A4 or Letter: the paper is the
/// printer's).
fn timeline_section(h: &mut String, call: &LoadedCall, profile: &Profile, notes: &[Note]) {
    h.push_str("<section class=\"timeline\"><h2>Timeline</h2>\n");
    h.push_str(&charts(call, profile, notes));
    h.push_str("</section>\n");
}

/// Every reply gap in a table, with its verdict in words and color.
fn reply_gaps_section(h: &mut String, r: &CallReport, window_s: [f64; 2]) {
    h.push_str("<h2>Reply gaps</h2>");
    if !r.reply_gaps_measured {
        h.push_str("<p>Not measured: the call has one channel.</p>");
        return;
    }
    if r.reply_gaps.is_empty() {
        h.push_str("<p>No reply gaps.</p>");
        return;
    }
    let _ = write!(
        h,
        "<p class=\"muted\">Window {:.1}–{:.1} s. Gap = agent start − customer end; negative = overlap.</p>",
        window_s[0], window_s[1]
    );
    h.push_str("<table id=\"gaps\"><tr><th>#</th><th>customer ended</th><th>agent started</th><th>gap</th><th>verdict</th></tr>");
    for (i, g) in r.reply_gaps.iter().enumerate() {
        let _ = write!(
            h,
            r#"<tr><td class="num">{}</td><td class="num">{} ({:.2} s)</td><td class="num">{} ({:.2} s)</td><td class="num">{:.3} s</td><td style="color:{}">{}</td></tr>"#,
            i + 1,
            clock(g.customer_end),
            g.customer_end,
            clock(g.agent_start),
            g.agent_start,
            g.gap_s,
            verdict_css(g.verdict),
            palette::verdict_label(g.verdict)
        );
    }
    h.push_str("</table>");
}

/// Every pace change in a table.
fn pace_changes_section(h: &mut String, r: &CallReport) {
    h.push_str("<h2>Pace changes</h2>");
    if r.agent.pace_changes.is_empty() {
        h.push_str("<p>No pace changes.</p>");
        return;
    }
    h.push_str("<table id=\"pace\"><tr><th>time</th><th>from</th><th>to</th></tr>");
    for c in &r.agent.pace_changes {
        let _ = write!(
            h,
            r#"<tr><td class="num">{} ({:.2} s)</td><td class="num">{:.2} syllables/s</td><td class="num">{:.2} syllables/s</td></tr>"#,
            clock(c.t),
            c.t,
            c.from,
            c.to
        );
    }
    h.push_str("</table>");
}

/// The events that last (long silences, monologues) in a table; nothing without any.
fn spans_section(h: &mut String, events: &[ReviewEvent]) {
    let spans: Vec<&ReviewEvent> = events
        .iter()
        .filter(|e| e.end_s.is_some() && e.kind != EventKind::Note)
        .collect();
    if spans.is_empty() {
        return;
    }
    h.push_str("<h2>Long silences and monologues</h2><table><tr><th>what</th><th>from</th><th>to</th><th>length</th></tr>");
    for e in spans {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.1} s</td></tr>"#,
            escape(e.kind.label()),
            clock(e.t_s),
            clock(e.end_s.unwrap_or(e.t_s)),
            e.value
        );
    }
    h.push_str("</table>");
}

/// The coach's notes, numbered as on the timeline.
fn notes_section(h: &mut String, notes: &[Note]) {
    h.push_str("<h2>Coach's notes</h2>");
    if notes.is_empty() {
        h.push_str("<p>No notes.</p>");
        return;
    }
    h.push_str("<table id=\"notes\"><tr><th>✎</th><th>time</th><th>note</th></tr>");
    for (i, n) in notes.iter().enumerate() {
        let when = match n.end_s {
            Some(e) => format!("{}–{}", clock(n.t_s), clock(e)),
            None => clock(n.t_s),
        };
        let _ = write!(
            h,
            r#"<tr><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            i + 1,
            escape(&when),
            escape(&n.text).replace('\n', "<br>")
        );
    }
    h.push_str("</table>");
}

/// What made the report, with the profile's targets; closes the document.
fn footer_html(h: &mut String, profile: &Profile) {
    let _ = write!(
        h,
        "<p class=\"muted\">Made by callcoach {} with the same engine as <code>callcoach score</code>. Profile: reply window {:.1}–{:.1} s, pitch band {:.0}–{:.0} Hz.</p>\n</body></html>\n",
        env!("CARGO_PKG_VERSION"),
        profile.reply.window_s[0],
        profile.reply.window_s[1],
        profile.pitch.band_hz[0],
        profile.pitch.band_hz[1]
    );
}

/// The whole HTML report.
pub fn html_report(
    call: &LoadedCall,
    profile: &Profile,
    notes: &[Note],
    events: &[ReviewEvent],
) -> String {
    let r = &call.report;
    let mut h = String::new();
    head_html(&mut h, call);
    summary_section(&mut h, r);
    deductions_section(&mut h, r);
    timeline_section(&mut h, call, profile, notes);
    reply_gaps_section(&mut h, r, profile.reply.window_s);
    pace_changes_section(&mut h, r);
    spans_section(&mut h, events);
    notes_section(&mut h, notes);
    footer_html(&mut h, profile);
    h
}

/// CSV header of the events file.
pub const CSV_HEADER: [&str; 7] = [
    "time_s", "end_s", "kind", "verdict", "value", "unit", "detail",
];

/// The events as CSV: one row per event, sorted by time.
pub fn events_csv(events: &[ReviewEvent]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let mut sorted: Vec<&ReviewEvent> = events.iter().collect();
    sorted.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
    for e in sorted {
        let verdict = match e.kind {
            EventKind::ReplyGap(v) => v.as_str(),
            _ => "",
        };
        w.write_record([
            format!("{:.3}", e.t_s),
            e.end_s.map(|x| format!("{x:.3}")).unwrap_or_default(),
            e.kind.as_str().to_string(),
            verdict.to_string(),
            // To the millisecond (or 0.001 of the unit), without float noise.
            format!("{}", (e.value * 1000.0).round() / 1000.0),
            e.unit.to_string(),
            e.detail.clone(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes the HTML report to `path`.
pub fn write_html(path: &Path, html: &str) -> Result<(), ExportError> {
    std::fs::write(path, html).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the events CSV to `path`.
pub fn write_csv(path: &Path, events: &[ReviewEvent]) -> Result<(), ExportError> {
    let text = events_csv(events).map_err(|source| ExportError::Csv {
        path: path.to_path_buf(),
        source,
    })?;
    std::fs::write(path, text).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_escape() {
        assert_eq!(clock(65.3), "1:05.3");
        assert_eq!(clock(3725.0), "1:02:05.0");
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn event_values_are_written_without_float_noise() {
        let silence = ReviewEvent {
            t_s: 10.0,
            end_s: Some(15.48),
            kind: EventKind::LongSilence,
            value: 0.0,
            unit: "s",
            detail: String::new(),
            flagged: true,
        };
        let mut noisy = silence;
        noisy.value = 5.480000000000004;
        let csv = events_csv(&[noisy]).expect("writes");
        assert_eq!(
            csv,
            "time_s,end_s,kind,verdict,value,unit,detail\n10.000,15.480,long_silence,,5.48,s,\n"
        );
    }
}
