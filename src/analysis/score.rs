//! The 0–100 call score: each rule of the profile takes off up to its weight, in
//! proportion to how far the call missed the target, and says why.

use crate::config::Profile;

use super::report::{CallReport, Deduction, Rule, Score, SpeakersFrom, Verdict};
use super::rules::{MIN_TALK_FOR_PACE_S, Range, WindowReason, is_monologue, pace_range};

/// The score of a call that misses no target.
const FULL_SCORE: f64 = 100.0;
/// A rule takes off at most its weight: the share of its target missed counts up to
/// this.
const MAX_MISS: f64 = 1.0;
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
    let mut deduct = |rule: Rule, points: f64, why: String| {
        let points = round1(points);
        if points > 0.0 {
            deductions.push(Deduction { rule, points, why });
        }
    };
    let skip = |rule: Rule, why: &str| Deduction {
        rule,
        points: 0.0,
        why: why.into(),
    };

    // Pitch band.
    let [lo, hi] = report.agent.band_hz;
    match report.agent.frac_voiced_in_band {
        Some(frac) if profile.pitch.target_in_band > 0.0 => {
            let target = profile.pitch.target_in_band;
            if frac < target {
                deduct(
                    Rule::Pitch,
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
        None => not_scored.push(skip(Rule::Pitch, "no voiced agent speech")),
    }

    // Reply gaps.
    if !report.reply_gaps_measured {
        not_scored.push(skip(
            Rule::ReplyGap,
            "mono recording: reply gaps need two channels",
        ));
    } else if report.reply_gaps.is_empty() {
        not_scored.push(skip(
            Rule::ReplyGap,
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
            let agitated = report
                .reply_gaps
                .iter()
                .filter(|g| g.window_reason == WindowReason::AgitatedCustomer)
                .count();
            let after_agitated = if agitated > 0 {
                let [alo, ahi] = profile.reply.agitated_window_s;
                format!(" ({alo}-{ahi} s after {agitated} agitated turn(s))")
            } else {
                String::new()
            };
            deduct(
                Rule::ReplyGap,
                w.reply_gap * (target - frac) / target,
                format!(
                    "{in_window} of {n} replies came {wlo}-{whi} s after the customer\
                     {after_agitated} (target {}); {} overlapping, {} early, {} late",
                    pct(target),
                    count(Verdict::Overlap),
                    count(Verdict::Early),
                    count(Verdict::Late)
                ),
            );
        }
    }

    // Pace changes.
    let rate = report.agent.pace_changes_per_45s;
    match (rate, pace_range(rate, report.agent.talk_s, profile)) {
        (Some(rate), Some(range)) => {
            let [clo, chi] = profile.pace.changes_per_45s;
            let miss = match range {
                Range::Below if clo > 0.0 => (clo - rate) / clo,
                Range::Above if chi > 0.0 => ((rate - chi) / chi).min(MAX_MISS),
                _ => 0.0,
            };
            deduct(
                Rule::Pace,
                w.pace * miss,
                format!("{rate:.1} pace changes per 45 s of agent talk (target {clo}-{chi})"),
            );
        }
        _ => not_scored.push(skip(
            Rule::Pace,
            &format!(
                "less than {MIN_TALK_FOR_PACE_S:.0} s of agent talk: too little to judge pace \
                 changes"
            ),
        )),
    }

    let mono = !report.reply_gaps_measured;

    // Overlaps.
    let excess = report.overlaps.saturating_sub(profile.talk.max_overlaps);
    if mono {
        not_scored.push(skip(
            Rule::Overlaps,
            "mono recording: overlaps need two channels",
        ));
    } else if report.speakers_from == Some(SpeakersFrom::Diarization) {
        not_scored.push(skip(
            Rule::Overlaps,
            "mono recording: one channel holds one voice at a time after diarization, so \
             overlaps are not counted",
        ));
    } else if excess > 0 {
        deduct(
            Rule::Overlaps,
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
            Rule::LongSilence,
            w.long_silence * (silences as f64 / LONG_SILENCES_FOR_FULL_DEDUCTION).min(MAX_MISS),
            format!(
                "{silences} silence(s) of {} s or more",
                profile.talk.long_silence_s
            ),
        );
    }

    // Monologue.
    let max = profile.talk.max_monologue_s;
    if mono {
        not_scored.push(skip(
            Rule::Monologue,
            "mono recording: the agent's turns cannot be told from the customer's",
        ));
    } else if is_monologue(report.longest_monologue_s, max) {
        deduct(
            Rule::Monologue,
            w.monologue * ((report.longest_monologue_s - max) / max).min(MAX_MISS),
            format!(
                "longest agent turn {:.0} s (limit {max:.0} s)",
                report.longest_monologue_s
            ),
        );
    }

    let weight_of = |rule: Rule| match rule {
        Rule::Pitch => w.pitch,
        Rule::ReplyGap => w.reply_gap,
        Rule::Pace => w.pace,
        Rule::Overlaps => w.overlaps,
        Rule::LongSilence => w.long_silence,
        Rule::Monologue => w.monologue,
    };
    let all_weight = w.pitch + w.reply_gap + w.pace + w.overlaps + w.long_silence + w.monologue;
    let unmeasured: f64 = not_scored.iter().map(|d| weight_of(d.rule)).sum();
    let coverage = if all_weight > 0.0 {
        ((all_weight - unmeasured) / all_weight).max(0.0)
    } else {
        1.0
    };
    let total_off: f64 = deductions.iter().map(|d| d.points).sum();
    // The measured rules span the whole range: their deductions count 1/coverage times.
    let scaled_off = if coverage > 0.0 {
        total_off / coverage
    } else {
        0.0
    };
    Score {
        total: (FULL_SCORE - scaled_off).round().clamp(0.0, FULL_SCORE) as u32,
        coverage: round3(coverage),
        partial: coverage < w.min_coverage,
        rules_not_scored: not_scored.iter().map(|d| d.rule).collect(),
        deductions,
        not_scored,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::report::{AgentReport, ReplyGap, Silence};

    /// A stereo call that meets every target of the default profile: 60 % of the voiced
    /// time in band, 3 of 4 replies in the window, 3.5 pace changes per 45 s over 30 s of
    /// talk, 2 overlaps, no long silence, a 60 s longest turn.
    fn on_target() -> CallReport {
        let gap = |gap_s: f64, verdict: Verdict| ReplyGap {
            customer_end: 10.0,
            agent_start: 10.0 + gap_s,
            gap_s,
            verdict,
            window_s: [0.8, 1.2],
            window_reason: WindowReason::Normal,
        };
        CallReport {
            duration_s: 120.0,
            layout: crate::analysis::Layout::Stereo,
            agent: AgentReport {
                talk_s: 30.0,
                voiced_s: 20.0,
                median_f0_hz: Some(110.0),
                band_hz: [100.0, 120.0],
                band_semitones: None,
                baseline_hz: None,
                baseline_from: None,
                frac_voiced_in_band: Some(0.6),
                syllables_per_s: Some(4.0),
                pace: Vec::new(),
                pace_changes: Vec::new(),
                pace_changes_per_45s: Some(3.5),
            },
            customer: None,
            segments: Vec::new(),
            turns: Vec::new(),
            reply_gaps: vec![
                gap(1.0, Verdict::InWindow),
                gap(0.8, Verdict::InWindow),
                gap(1.2, Verdict::InWindow),
                gap(2.0, Verdict::Late),
            ],
            reply_gaps_measured: true,
            overlaps: 2,
            long_silences: Vec::new(),
            longest_monologue_s: 60.0,
            metrics: Default::default(),
            score: Score::default(),
            notes: Vec::new(),
            speakers_from: None,
            voices_found: None,
            diarization_confidence: None,
            agent_identified_by: None,
            agent_identification_confidence: None,
        }
    }

    /// The rule's JSON name.
    fn rule_name(d: &Deduction) -> String {
        serde_json::to_value(d.rule)
            .expect("a rule serializes")
            .as_str()
            .expect("a rule is a string in JSON")
            .to_string()
    }

    /// Each deduction as (rule, points), in order.
    fn deducted(s: &Score) -> Vec<(String, f64)> {
        s.deductions
            .iter()
            .map(|d| (rule_name(d), d.points))
            .collect()
    }

    /// Each rule not scored as (rule, why), in order.
    fn unscored(s: &Score) -> Vec<(String, String)> {
        s.not_scored
            .iter()
            .map(|d| (rule_name(d), d.why.clone()))
            .collect()
    }

    fn score(report: &CallReport) -> Score {
        score_call(report, &Profile::default())
    }

    fn one(rule: &str, points: f64) -> Vec<(String, f64)> {
        vec![(rule.to_string(), points)]
    }

    #[test]
    fn every_rule_is_written_and_read_by_its_json_name() {
        let names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            names,
            [
                "pitch",
                "reply_gap",
                "pace",
                "overlaps",
                "long_silence",
                "monologue"
            ]
        );
        for rule in Rule::ALL {
            let json = serde_json::to_string(&rule).expect("a rule serializes");
            assert_eq!(json, format!("\"{}\"", rule.as_str()));
            assert_eq!(serde_json::from_str::<Rule>(&json).ok(), Some(rule));
            assert_eq!(format!("{rule:<12}|"), format!("{:<12}|", rule.as_str()));
        }
    }

    #[test]
    fn a_call_on_every_target_scores_100_with_nothing_left_out() {
        let s = score(&on_target());
        assert_eq!(s.total, 100);
        assert!(s.deductions.is_empty(), "{:?}", s.deductions);
        assert!(s.not_scored.is_empty(), "{:?}", s.not_scored);
    }

    #[test]
    fn pitch_loses_its_weight_in_proportion_to_the_shortfall() {
        // 25 × (0.6 − frac) / 0.6, to 0.1 point.
        for (frac, points, total) in [(0.3, 12.5, 88), (0.5, 4.2, 96), (0.0, 25.0, 75)] {
            let mut r = on_target();
            r.agent.frac_voiced_in_band = Some(frac);
            let s = score(&r);
            assert_eq!(deducted(&s), one("pitch", points), "in band {frac}");
            assert_eq!(s.total, total, "in band {frac}");
        }
        let mut r = on_target();
        r.agent.frac_voiced_in_band = Some(0.3);
        assert_eq!(
            score(&r).deductions[0].why,
            "30 % of the agent's voiced time was in the 100-120 Hz band (target 60 %); \
             median F0 110 Hz"
        );
        r.agent.frac_voiced_in_band = Some(0.9);
        assert!(score(&r).deductions.is_empty(), "above the target");
    }

    #[test]
    fn reply_gaps_lose_their_weight_in_proportion_to_the_shortfall() {
        // 30 × (0.75 − in window / gaps) / 0.75.
        let mut r = on_target();
        r.reply_gaps[0].verdict = Verdict::Overlap;
        r.reply_gaps[1].verdict = Verdict::Early;
        let s = score(&r);
        assert_eq!(deducted(&s), one("reply_gap", 20.0), "1 of 4 in the window");
        assert_eq!(s.total, 80);
        assert_eq!(
            s.deductions[0].why,
            "1 of 4 replies came 0.8-1.2 s after the customer (target 75 %); \
             1 overlapping, 1 early, 1 late"
        );
        let mut r = on_target();
        r.reply_gaps[0].verdict = Verdict::Late;
        assert_eq!(deducted(&score(&r)), one("reply_gap", 10.0), "2 of 4");
        for g in &mut r.reply_gaps {
            g.verdict = Verdict::Late;
        }
        assert_eq!(deducted(&score(&r)), one("reply_gap", 30.0), "none of 4");
    }

    #[test]
    fn pace_loses_its_weight_in_proportion_outside_the_range_up_to_the_weight() {
        // Below 3: 15 × (3 − rate) / 3; above 4: 15 × min((rate − 4) / 4, 1).
        for (rate, points) in [
            (1.5, 7.5),
            (0.0, 15.0),
            (6.0, 7.5),
            (8.0, 15.0),
            (12.0, 15.0),
        ] {
            let mut r = on_target();
            r.agent.pace_changes_per_45s = Some(rate);
            assert_eq!(deducted(&score(&r)), one("pace", points), "{rate} per 45 s");
        }
        for rate in [3.0, 4.0] {
            let mut r = on_target();
            r.agent.pace_changes_per_45s = Some(rate);
            assert!(
                score(&r).deductions.is_empty(),
                "{rate} per 45 s is in range"
            );
        }
    }

    #[test]
    fn overlaps_past_the_tolerated_take_a_fifth_of_the_weight_each_up_to_the_weight() {
        for (overlaps, points) in [(3, 2.0), (5, 6.0), (7, 10.0), (40, 10.0)] {
            let mut r = on_target();
            r.overlaps = overlaps;
            assert_eq!(deducted(&score(&r)), one("overlaps", points), "{overlaps}");
        }
    }

    #[test]
    fn long_silences_take_a_third_of_the_weight_each_up_to_the_weight() {
        for (n, points) in [(1, 3.3), (2, 6.7), (3, 10.0), (9, 10.0)] {
            let mut r = on_target();
            r.long_silences = (0..n)
                .map(|k| Silence {
                    start: f64::from(k) * 10.0,
                    end: f64::from(k) * 10.0 + 6.0,
                })
                .collect();
            let s = score(&r);
            assert_eq!(deducted(&s), one("long_silence", points), "{n} silences");
        }
    }

    #[test]
    fn a_monologue_loses_its_weight_in_proportion_to_the_excess_up_to_the_weight() {
        // 10 × min((longest − 60) / 60, 1); under 0.05 point rounds to nothing.
        for (longest_s, points) in [(75.0, 2.5), (90.0, 5.0), (120.0, 10.0), (600.0, 10.0)] {
            let mut r = on_target();
            r.longest_monologue_s = longest_s;
            assert_eq!(
                deducted(&score(&r)),
                one("monologue", points),
                "{longest_s} s"
            );
        }
        let mut r = on_target();
        r.longest_monologue_s = 60.1;
        let s = score(&r);
        assert!(s.deductions.is_empty(), "0.017 point: {:?}", s.deductions);
        assert_eq!(s.total, 100);
    }

    #[test]
    fn every_rule_at_its_worst_takes_the_total_to_0_and_never_below() {
        let mut r = on_target();
        r.agent.frac_voiced_in_band = Some(0.0);
        for g in &mut r.reply_gaps {
            g.verdict = Verdict::Overlap;
        }
        r.agent.pace_changes_per_45s = Some(0.0);
        r.overlaps = 100;
        r.long_silences = vec![
            Silence {
                start: 0.0,
                end: 6.0
            };
            3
        ];
        r.longest_monologue_s = 1000.0;
        let s = score(&r);
        let want: Vec<(String, f64)> = [
            ("pitch", 25.0),
            ("reply_gap", 30.0),
            ("pace", 15.0),
            ("overlaps", 10.0),
            ("long_silence", 10.0),
            ("monologue", 10.0),
        ]
        .iter()
        .map(|(rule, points)| (rule.to_string(), *points))
        .collect();
        assert_eq!(deducted(&s), want);
        assert_eq!(s.total, 0);
        // Weights that add up to more than 100 still leave 0, not less.
        let mut heavy = Profile::default();
        heavy.score.pitch = 90.0;
        assert_eq!(score_call(&r, &heavy).total, 0);
    }

    #[test]
    fn a_total_without_some_rules_is_rescaled_over_the_weights_measured() {
        // A mono call: reply gaps (30), overlaps (10) and monologue (10) cannot be
        // measured, so pitch (25), pace (15) and long silence (10) carry the score.
        let mut r = on_target();
        r.reply_gaps_measured = false;
        r.reply_gaps.clear();
        r.agent.frac_voiced_in_band = Some(0.3); // half the 60 % target: 12.5 points
        r.long_silences = vec![Silence {
            start: 1.0,
            end: 7.0,
        }]; // one of three: 3.3 points
        let s = score(&r);
        assert_eq!(
            deducted(&s),
            [("pitch".into(), 12.5), ("long_silence".into(), 3.3)]
        );
        // Coverage (25 + 15 + 10) / 100 = 0.5; 100 - (12.5 + 3.3) / 0.5 = 68.4 -> 68.
        assert_eq!(s.coverage, 0.5);
        assert_eq!(s.total, 68);
        assert!(s.partial, "0.5 is under the default minimum coverage 0.75");
        assert_eq!(s.rules_not_scored, ["reply_gap", "overlaps", "monologue"]);
        // Every rule measured: no rescaling, not partial.
        let full = score(&on_target());
        assert_eq!((full.coverage, full.partial, full.total), (1.0, false, 100));
        // A lower minimum coverage accepts the same call.
        let mut lenient = Profile::default();
        lenient.score.min_coverage = 0.5;
        assert!(!score_call(&r, &lenient).partial);
    }

    #[test]
    fn rules_that_cannot_be_judged_are_listed_with_the_reason_and_cost_nothing() {
        // No voiced agent speech, a mono call, 19.9 s of agent talk.
        let mut r = on_target();
        r.agent.frac_voiced_in_band = None;
        r.reply_gaps_measured = false;
        r.reply_gaps.clear();
        r.agent.talk_s = 19.9;
        let s = score(&r);
        assert_eq!(s.total, 100);
        assert!(s.deductions.is_empty());
        let want: Vec<(String, String)> = [
            ("pitch", "no voiced agent speech"),
            ("reply_gap", "mono recording: reply gaps need two channels"),
            (
                "pace",
                "less than 20 s of agent talk: too little to judge pace changes",
            ),
            ("overlaps", "mono recording: overlaps need two channels"),
            (
                "monologue",
                "mono recording: the agent's turns cannot be told from the customer's",
            ),
        ]
        .iter()
        .map(|(rule, why)| (rule.to_string(), why.to_string()))
        .collect();
        assert_eq!(unscored(&s), want);
        assert!(s.not_scored.iter().all(|d| d.points == 0.0));
        // Only the long-silence rule (10 of 100 points) was measured.
        assert_eq!(s.coverage, 0.1);
        assert!(s.partial);
        assert_eq!(
            s.rules_not_scored,
            ["pitch", "reply_gap", "pace", "overlaps", "monologue"]
        );
        // Two channels but no customer turn answered; pace without a rate.
        let mut r = on_target();
        r.reply_gaps.clear();
        r.agent.pace_changes_per_45s = None;
        let s = score(&r);
        assert_eq!(s.total, 100);
        assert_eq!(
            unscored(&s),
            vec![
                (
                    "reply_gap".to_string(),
                    "no customer turn was answered by the agent".to_string()
                ),
                (
                    "pace".to_string(),
                    "less than 20 s of agent talk: too little to judge pace changes".to_string()
                ),
            ]
        );
    }
}
