//! The call's events in one list: reply gaps, pace changes, long silences, monologues,
//! agitated or rushed customer turns and the coach's notes, each with a time, a value and words. The view's event list,
//! the keys that jump between flagged events and the CSV export all read this list.

use std::cmp::Ordering;

use crate::analysis::rules::{CustomerState, WindowReason};
use crate::analysis::{CallReport, Speaker, Verdict};
use crate::config::Profile;

use super::notes::Note;

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A reply gap, with its verdict.
    ReplyGap(Verdict),
    /// A change of the agent's pace.
    PaceChange,
    /// Nobody spoke for at least the profile's limit.
    LongSilence,
    /// An agent turn longer than the profile's limit.
    Monologue,
    /// A customer turn agitated or rushed against the customer's own start of call.
    Customer(CustomerState),
    /// A coach note.
    Note,
}

impl EventKind {
    /// Name in the CSV and in sorting: `reply_gap`, `pace_change`, `long_silence`,
    /// `monologue`, `customer_agitated`, `customer_rushed`, `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplyGap(_) => "reply_gap",
            Self::PaceChange => "pace_change",
            Self::LongSilence => "long_silence",
            Self::Monologue => "monologue",
            Self::Customer(CustomerState::Agitated) => "customer_agitated",
            Self::Customer(CustomerState::Rushed) => "customer_rushed",
            Self::Customer(CustomerState::Calm) => "customer_calm",
            Self::Note => "note",
        }
    }

    /// Words with a symbol, for the list (never color alone).
    pub fn label(self) -> &'static str {
        match self {
            Self::ReplyGap(Verdict::Overlap) => "✖ reply gap: overlap",
            Self::ReplyGap(Verdict::Early) => "◀ reply gap: early",
            Self::ReplyGap(Verdict::InWindow) => "✔ reply gap: in the window",
            Self::ReplyGap(Verdict::Late) => "▶ reply gap: late",
            Self::PaceChange => "♦ pace change",
            Self::LongSilence => "… long silence",
            Self::Monologue => "⌛ monologue",
            Self::Customer(CustomerState::Agitated) => "⚡ customer agitated",
            Self::Customer(CustomerState::Rushed) => "⏩ customer rushed",
            Self::Customer(CustomerState::Calm) => "customer calm",
            Self::Note => "✏ note",
        }
    }
}

/// One event of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewEvent {
    /// When, s (a gap: the agent's start; a span: its start).
    pub t_s: f64,
    /// End of a span, s.
    pub end_s: Option<f64>,
    /// What it is.
    pub kind: EventKind,
    /// Its value in `unit` (gap s, new pace syllables/s, silence or monologue s; 0 for
    /// a note).
    pub value: f64,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Words: verdict, rates, the note's text.
    pub detail: String,
    /// Something to look at (every event but an in-window gap).
    pub flagged: bool,
}

/// Column the event list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Time.
    #[default]
    Time,
    /// Kind, then time.
    Kind,
    /// Value, then time.
    Value,
}

/// Every event of `report` and `notes`, sorted by time.
pub fn collect(report: &CallReport, profile: &Profile, notes: &[Note]) -> Vec<ReviewEvent> {
    let mut out = Vec::new();
    for g in &report.reply_gaps {
        out.push(ReviewEvent {
            t_s: g.agent_start,
            end_s: None,
            kind: EventKind::ReplyGap(g.verdict),
            value: g.gap_s,
            unit: "s",
            detail: format!(
                "customer ended {:.2} s, agent started {:.2} s ({}{})",
                g.customer_end,
                g.agent_start,
                g.verdict.words(),
                match g.window_reason {
                    WindowReason::Normal => String::new(),
                    WindowReason::AgitatedCustomer => format!(
                        " of {}–{} s after an agitated customer",
                        g.window_s[0], g.window_s[1]
                    ),
                    WindowReason::RushedCustomer => " after a rushed customer".into(),
                }
            ),
            flagged: g.verdict != Verdict::InWindow,
        });
    }
    for c in &report.agent.pace_changes {
        out.push(ReviewEvent {
            t_s: c.t,
            end_s: None,
            kind: EventKind::PaceChange,
            value: c.to,
            unit: "syllables/s",
            detail: format!("{:.1} → {:.1} syllables per second", c.from, c.to),
            flagged: true,
        });
    }
    for s in &report.long_silences {
        out.push(ReviewEvent {
            t_s: s.start,
            end_s: Some(s.end),
            kind: EventKind::LongSilence,
            value: s.end - s.start,
            unit: "s",
            detail: format!("nobody spoke {:.2}–{:.2} s", s.start, s.end),
            flagged: true,
        });
    }
    for t in report
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Agent && t.end - t.start > profile.talk.max_monologue_s)
    {
        out.push(ReviewEvent {
            t_s: t.start,
            end_s: Some(t.end),
            kind: EventKind::Monologue,
            value: t.end - t.start,
            unit: "s",
            detail: format!(
                "agent turn longer than {:.0} s",
                profile.talk.max_monologue_s
            ),
            flagged: true,
        });
    }
    for t in report.customer.iter().flat_map(|c| &c.turns) {
        let (value, unit, detail) = match t.state {
            CustomerState::Calm => continue,
            CustomerState::Agitated => (
                t.louder_db,
                "dB",
                format!(
                    "{:.1} dB louder and {:.0} % higher than their first 30 s: pause 3–5 s \
                     after a calming phrase",
                    t.louder_db,
                    t.higher.unwrap_or(0.0) * 100.0
                ),
            ),
            CustomerState::Rushed => (
                t.faster.unwrap_or(0.0) * 100.0,
                "%",
                format!(
                    "{:.0} % faster than their first 30 s: answer promptly",
                    t.faster.unwrap_or(0.0) * 100.0
                ),
            ),
        };
        out.push(ReviewEvent {
            t_s: t.start,
            end_s: Some(t.end),
            kind: EventKind::Customer(t.state),
            value,
            unit,
            detail,
            flagged: true,
        });
    }
    for n in notes {
        out.push(ReviewEvent {
            t_s: n.t_s,
            end_s: n.end_s,
            kind: EventKind::Note,
            value: 0.0,
            unit: "",
            detail: n.text.clone(),
            flagged: true,
        });
    }
    sort(&mut out, SortKey::Time, true);
    out
}

/// Sorts `events` by `key`, ascending or not; ties go by time.
pub fn sort(events: &mut [ReviewEvent], key: SortKey, ascending: bool) {
    events.sort_by(|a, b| {
        let primary = match key {
            SortKey::Time => Ordering::Equal,
            SortKey::Kind => a.kind.as_str().cmp(b.kind.as_str()),
            SortKey::Value => a.value.total_cmp(&b.value),
        };
        let o = primary.then(a.t_s.total_cmp(&b.t_s));
        if ascending { o } else { o.reverse() }
    });
}

/// The first flagged event after `t_s` (by more than 10 ms), in time order.
pub fn next_flagged(events: &[ReviewEvent], t_s: f64) -> Option<&ReviewEvent> {
    events
        .iter()
        .filter(|e| e.flagged && e.t_s > t_s + 0.01)
        .min_by(|a, b| a.t_s.total_cmp(&b.t_s))
}

/// The last flagged event before `t_s` (by more than 10 ms), in time order.
pub fn previous_flagged(events: &[ReviewEvent], t_s: f64) -> Option<&ReviewEvent> {
    events
        .iter()
        .filter(|e| e.flagged && e.t_s < t_s - 0.01)
        .max_by(|a, b| a.t_s.total_cmp(&b.t_s))
}
