//! A readable summary of one call, as `callcoach score` prints it on a terminal.

use std::fmt::Write;

use crate::analysis::Verdict;
use crate::record::CallRecord;

fn hz(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.0} Hz"))
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.0} %", v * 100.0))
}

/// Multi-line summary of `record`.
pub fn summary(record: &CallRecord) -> String {
    let mut s = String::new();
    let Some(r) = &record.report else {
        let error = record.error.as_deref().unwrap_or("unknown error");
        // Messages name their file; say it once.
        let _ = if error.starts_with(&record.file) {
            writeln!(s, "ERROR: {error}\n")
        } else {
            writeln!(s, "{}: ERROR: {error}\n", record.file)
        };
        return s;
    };
    let partial = if r.score.partial {
        format!(
            " partial: {:.0} % of the weight measured",
            r.score.coverage * 100.0
        )
    } else {
        String::new()
    };
    let agent = record
        .agent_id
        .as_deref()
        .map_or_else(String::new, |a| format!(" [{a}]"));
    let _ = writeln!(
        s,
        "{}{agent}: score {}/100{partial}  ({:.1} s, {} Hz, {}, {})",
        record.file,
        r.score.total,
        r.duration_s,
        record.sample_rate.unwrap_or(0),
        record.encoding.as_deref().unwrap_or("?"),
        r.layout
    );
    let a = &r.agent;
    let _ = writeln!(
        s,
        "  agent pitch   median {}, {} of voiced time in {:.0}-{:.0} Hz ({:.1} s voiced of {:.1} s talk)",
        hz(a.median_f0_hz),
        pct(a.frac_voiced_in_band),
        a.band_hz[0],
        a.band_hz[1],
        a.voiced_s,
        a.talk_s
    );
    let _ = writeln!(
        s,
        "  agent pace    {} syllables/s, {} pace changes ({} per 45 s of talk)",
        a.syllables_per_s
            .map_or_else(|| "-".into(), |v| format!("{v:.1}")),
        a.pace_changes.len(),
        a.pace_changes_per_45s
            .map_or_else(|| "-".into(), |v| format!("{v:.1}"))
    );
    if r.reply_gaps_measured {
        let gaps: Vec<String> = r
            .reply_gaps
            .iter()
            .map(|g| {
                let mark = match g.verdict {
                    Verdict::InWindow => "ok",
                    Verdict::Early => "early",
                    Verdict::Late => "late",
                    Verdict::Overlap => "overlap",
                };
                format!("{:.2} s {mark}", g.gap_s)
            })
            .collect();
        let _ = writeln!(s, "  reply gaps    {}", gaps.join(", "));
    }
    if let Some(c) = &r.customer {
        let _ = writeln!(
            s,
            "  talk          agent {:.1} s, customer {:.1} s; {} overlaps; {} long silences; longest agent turn {:.1} s",
            a.talk_s,
            c.talk_s,
            r.overlaps,
            r.long_silences.len(),
            r.longest_monologue_s
        );
    }
    for d in &r.score.deductions {
        let _ = writeln!(s, "  -{:<5} {:<12} {}", d.points, d.rule, d.why);
    }
    for d in &r.score.not_scored {
        let _ = writeln!(s, "  not scored    {}: {}", d.rule, d.why);
    }
    for n in &r.notes {
        let _ = writeln!(s, "  note          {n}");
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SourceFile;
    use std::path::Path;

    #[test]
    fn an_error_row_names_its_file_once() {
        let r = CallRecord::new(
            SourceFile::unread(Path::new("d/x.wav")),
            Err("d/x.wav: not a WAV file (no RIFF/WAVE header)".into()),
        );
        assert_eq!(
            summary(&r),
            "ERROR: d/x.wav: not a WAV file (no RIFF/WAVE header)\n\n"
        );
        let r = CallRecord::new(
            SourceFile::unread(Path::new("d/y.wav")),
            Err("cannot start".into()),
        );
        assert_eq!(summary(&r), "d/y.wav: ERROR: cannot start\n\n");
    }
}
