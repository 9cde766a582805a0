//! Talk-time measures a QA team sorts calls by, derived from a call's segments, turns
//! and reply gaps: who talked how much, how often the floor changed hands, how much of
//! the call was dead air.

use serde::{Deserialize, Serialize};

use super::report::{CallReport, Segment, Verdict};

/// Seconds in a minute.
const S_PER_MIN: f64 = 60.0;

/// Talk-time measures of one call. Shares are percentages of the call's duration, at
/// full precision (the people's CSV rounds them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallMetrics {
    /// Agent speech, % of the call (in a mono mix: both voices).
    pub agent_talk_pct: f64,
    /// Customer speech, % of the call (null for mono).
    pub customer_talk_pct: Option<f64>,
    /// Agent speech over customer speech (null for mono or a silent customer).
    pub talk_listen_ratio: Option<f64>,
    /// Median reply gap, s.
    pub median_reply_gap_s: Option<f64>,
    /// Replies inside the window, % of the replies.
    pub replies_in_window_pct: Option<f64>,
    /// Changes of speaker between consecutive turns per minute of call: how
    /// interactive the call was (null for mono).
    pub speaker_switches_per_min: Option<f64>,
    /// Time with nobody speaking, % of the call.
    pub dead_air_pct: f64,
}

/// The measures of `report` (its segments, turns, gaps and talk times).
pub fn call_metrics(report: &CallReport) -> CallMetrics {
    let duration = report.duration_s;
    let pct = |s: f64| {
        if duration > 0.0 {
            100.0 * s / duration
        } else {
            0.0
        }
    };
    let stereo = report.customer.is_some();
    let customer_talk_s = report.customer.as_ref().map(|c| c.talk_s);
    let gaps = &report.reply_gaps;
    let in_window = gaps
        .iter()
        .filter(|g| g.verdict == Verdict::InWindow)
        .count();
    let switches = report
        .turns
        .windows(2)
        .filter(|pair| pair[0].speaker != pair[1].speaker)
        .count();
    CallMetrics {
        agent_talk_pct: pct(report.agent.talk_s),
        customer_talk_pct: customer_talk_s.map(pct),
        talk_listen_ratio: customer_talk_s
            .filter(|&c| c > 0.0)
            .map(|c| report.agent.talk_s / c),
        median_reply_gap_s: median(gaps.iter().map(|g| g.gap_s).collect()),
        replies_in_window_pct: (!gaps.is_empty())
            .then(|| 100.0 * in_window as f64 / gaps.len() as f64),
        speaker_switches_per_min: (stereo && duration > 0.0)
            .then(|| switches as f64 * S_PER_MIN / duration),
        dead_air_pct: pct((duration - speech_union_s(&report.segments)).max(0.0)),
    }
}

/// Seconds covered by at least one segment (segments sorted by start).
fn speech_union_s(segments: &[Segment]) -> f64 {
    let mut total = 0.0;
    let mut open: Option<(f64, f64)> = None;
    for s in segments {
        open = match open {
            Some((start, end)) if s.start <= end => Some((start, end.max(s.end))),
            Some((start, end)) => {
                total += end - start;
                Some((s.start, s.end))
            }
            None => Some((s.start, s.end)),
        };
    }
    if let Some((start, end)) = open {
        total += end - start;
    }
    total
}

/// The median (mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::report::{AgentReport, CustomerReport, ReplyGap, Score, Segment, Speaker};

    fn seg(speaker: Speaker, start: f64, end: f64) -> Segment {
        Segment {
            speaker,
            start,
            end,
        }
    }

    fn gap(gap_s: f64, verdict: Verdict) -> ReplyGap {
        ReplyGap {
            customer_end: 0.0,
            agent_start: gap_s,
            gap_s,
            verdict,
            window_s: [0.8, 1.2],
            window_reason: Default::default(),
        }
    }

    /// A 60 s call: agent 0-10 and 20-30 s, customer 8-15 and 40-45 s.
    fn call() -> CallReport {
        use Speaker::{Agent, Customer};
        let segments = vec![
            seg(Agent, 0.0, 10.0),
            seg(Customer, 8.0, 15.0),
            seg(Agent, 20.0, 30.0),
            seg(Customer, 40.0, 45.0),
        ];
        CallReport {
            duration_s: 60.0,
            layout: crate::analysis::Layout::Stereo,
            agent: AgentReport {
                talk_s: 20.0,
                voiced_s: 10.0,
                median_f0_hz: None,
                band_hz: [100.0, 120.0],
                band_semitones: None,
                baseline_hz: None,
                baseline_from: None,
                frac_voiced_in_band: None,
                syllables_per_s: None,
                pace: Vec::new(),
                pace_changes: Vec::new(),
                pace_changes_per_45s: None,
            },
            customer: Some(CustomerReport {
                talk_s: 12.0,
                median_f0_hz: None,
                baseline: None,
                turns: Vec::new(),
            }),
            turns: segments.clone(),
            segments,
            reply_gaps: vec![
                gap(1.0, Verdict::InWindow),
                gap(5.0, Verdict::Late),
                gap(0.9, Verdict::InWindow),
            ],
            reply_gaps_measured: true,
            overlaps: 1,
            long_silences: Vec::new(),
            longest_monologue_s: 10.0,
            metrics: CallMetrics::default(),
            score: Score::default(),
            notes: Vec::new(),
            speakers_from: None,
            voices_found: None,
            diarization_confidence: None,
            agent_identified_by: None,
            agent_identification_confidence: None,
        }
    }

    #[test]
    fn shares_ratio_switches_and_dead_air_of_a_known_call() {
        let m = call_metrics(&call());
        assert!((m.agent_talk_pct - 100.0 * 20.0 / 60.0).abs() < 1e-9);
        assert_eq!(m.customer_talk_pct, Some(20.0));
        assert_eq!(m.talk_listen_ratio, Some(20.0 / 12.0));
        assert_eq!(m.median_reply_gap_s, Some(1.0));
        assert!((m.replies_in_window_pct.unwrap() - 200.0 / 3.0).abs() < 1e-9);
        // Agent, customer, agent, customer: 3 switches in one minute.
        assert_eq!(m.speaker_switches_per_min, Some(3.0));
        // Speech covers 0-15, 20-30 and 40-45 s: 30 s of 60 are dead air.
        assert_eq!(m.dead_air_pct, 50.0);
    }

    #[test]
    fn a_mono_call_has_no_customer_share_ratio_or_switches() {
        let mut r = call();
        r.customer = None;
        r.reply_gaps.clear();
        for s in r.segments.iter_mut().chain(r.turns.iter_mut()) {
            s.speaker = Speaker::Mixed;
        }
        let m = call_metrics(&r);
        assert_eq!(m.customer_talk_pct, None);
        assert_eq!(m.talk_listen_ratio, None);
        assert_eq!(m.speaker_switches_per_min, None);
        assert_eq!(m.median_reply_gap_s, None);
        assert_eq!(m.replies_in_window_pct, None);
        assert_eq!(m.dead_air_pct, 50.0);
    }
}
