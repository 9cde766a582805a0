//! The 0–100 call score: each rule of the profile takes off up to its weight, in
//! proportion to how far the call missed the target, and says why.

use crate::config::Profile;

use super::report::{CallReport, Deduction, Score, Verdict};

/// The score of a call that misses no target.
const FULL_SCORE: f64 = 100.0;
/// A rule takes off at most its weight: the share of its target missed counts up to
/// this.
const MAX_MISS: f64 = 1.0;
/// Less agent talk than this is too little to judge pace changes, s.
const MIN_TALK_FOR_PACE_S: f64 = 20.0;
/// Overlaps beyond the tolerated number take off the rule's whole weight at this many.
const OVERLAPS_FOR_FULL_DEDUCTION: f64 = 5.0;
/// Long silences take off the rule's whole weight at this many.
const LONG_SILENCES_FOR_FULL_DEDUCTION: f64 = 3.0;

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores `report` against `profile`.
pub fn score_call(report: &CallReport, profile: &Profile) -> Score {
    let w = &profile.score;
    let mut deductions = Vec::new();
    let mut not_scored = Vec::new();
    let mut deduct = |rule: &str, points: f64, why: String| {
        let points = round1(points);
        if points > 0.0 {
            deductions.push(Deduction {
                rule: rule.into(),
                points,
                why,
            });
        }
    };
    let skip = |rule: &str, why: &str| Deduction {
        rule: rule.into(),
        points: 0.0,
        why: why.into(),
    };

    // Pitch band.
    let [lo, hi] = profile.pitch.band_hz;
    match report.agent.frac_voiced_in_band {
        Some(frac) if profile.pitch.target_in_band > 0.0 => {
            let target = profile.pitch.target_in_band;
            if frac < target {
                deduct(
                    "pitch",
                    w.pitch * (target - frac) / target,
                    format!(
                        "{} of the agent's voiced time was in the {lo:.0}-{hi:.0} Hz band \
                         (target {}); median F0 {:.0} Hz",
                        pct(frac),
                        pct(target),
                        report.agent.median_f0_hz.unwrap_or(0.0)
                    ),
                );
            }
        }
        Some(_) => {}
        None => not_scored.push(skip("pitch", "no voiced agent speech")),
    }

    // Reply gaps.
    if !report.reply_gaps_measured {
        not_scored.push(skip(
            "reply_gap",
            "mono recording: reply gaps need two channels",
        ));
    } else if report.reply_gaps.is_empty() {
        not_scored.push(skip(
            "reply_gap",
            "no customer turn was answered by the agent",
        ));
    } else {
        let n = report.reply_gaps.len();
        let in_window = report
            .reply_gaps
            .iter()
            .filter(|g| g.verdict == Verdict::InWindow)
            .count();
        let frac = in_window as f64 / n as f64;
        let target = profile.reply.target_in_window;
        if frac < target && target > 0.0 {
            let count = |v: Verdict| report.reply_gaps.iter().filter(|g| g.verdict == v).count();
            let [wlo, whi] = profile.reply.window_s;
            deduct(
                "reply_gap",
                w.reply_gap * (target - frac) / target,
                format!(
                    "{in_window} of {n} replies came {wlo}-{whi} s after the customer \
                     (target {}); {} overlapping, {} early, {} late",
                    pct(target),
                    count(Verdict::Overlap),
                    count(Verdict::Early),
                    count(Verdict::Late)
                ),
            );
        }
    }

    // Pace changes.
    match report.agent.pace_changes_per_45s {
        Some(rate) if report.agent.talk_s >= MIN_TALK_FOR_PACE_S => {
            let [clo, chi] = profile.pace.changes_per_45s;
            let miss = if rate < clo && clo > 0.0 {
                (clo - rate) / clo
            } else if rate > chi && chi > 0.0 {
                ((rate - chi) / chi).min(MAX_MISS)
            } else {
                0.0
            };
            deduct(
                "pace",
                w.pace * miss,
                format!("{rate:.1} pace changes per 45 s of agent talk (target {clo}-{chi})"),
            );
        }
        _ => not_scored.push(skip(
            "pace",
            &format!(
                "less than {MIN_TALK_FOR_PACE_S:.0} s of agent talk: too little to judge pace \
                 changes"
            ),
        )),
    }

    // Overlaps.
    let excess = report.overlaps.saturating_sub(profile.talk.max_overlaps);
    if excess > 0 {
        deduct(
            "overlaps",
            w.overlaps * (f64::from(excess) / OVERLAPS_FOR_FULL_DEDUCTION).min(MAX_MISS),
            format!(
                "{} overlaps (both talking at once), {} tolerated",
                report.overlaps, profile.talk.max_overlaps
            ),
        );
    }

    // Long silences.
    let silences = report.long_silences.len();
    if silences > 0 {
        deduct(
            "long_silence",
            w.long_silence * (silences as f64 / LONG_SILENCES_FOR_FULL_DEDUCTION).min(MAX_MISS),
            format!(
                "{silences} silence(s) of {} s or more",
                profile.talk.long_silence_s
            ),
        );
    }

    // Monologue.
    let max = profile.talk.max_monologue_s;
    if report.longest_monologue_s > max {
        deduct(
            "monologue",
            w.monologue * ((report.longest_monologue_s - max) / max).min(MAX_MISS),
            format!(
                "longest agent turn {:.0} s (limit {max:.0} s)",
                report.longest_monologue_s
            ),
        );
    }

    let total_off: f64 = deductions.iter().map(|d| d.points).sum();
    Score {
        total: (FULL_SCORE - total_off).round().clamp(0.0, FULL_SCORE) as u32,
        deductions,
        not_scored,
    }
}
