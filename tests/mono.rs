//! Mono calls: the engine tells the two voices of one mixed channel apart, checked
//! against the corpus labels, and says so in the record; one voice alone is reported as
//! one voice, without invented turns.

mod common;

use std::sync::Arc;

use callcoach::agents::{VoicePrint, channel_prints};
use callcoach::analysis::{
    AgentIdentifiedBy, CallAnalyzer, CallReport, ChannelMap, FrameOutput, Layout, Speaker,
    SpeakersFrom, VoicesFound,
};
use callcoach::config::Profile;
use common::{corpus, labelled_reply_gaps, labelled_segments, read_label, read_wav};

/// The print of `agent` enrolled from the dev stereo calls where that voice is the agent.
fn enrolled(agent: &str) -> Arc<VoicePrint> {
    let mut print: Option<VoicePrint> = None;
    for wav in common::corpus_calls() {
        let label = read_label(&wav);
        let dev = wav
            .parent()
            .and_then(|p| p.parent())
            .is_some_and(|p| p.ends_with("dev"));
        if !dev || label["layout"] != "stereo" || label["voices"]["agent"] != agent {
            continue;
        }
        let channel = label["channels"]["agent"].as_u64().expect("agent channel") as usize;
        let prints = channel_prints(&wav).expect("prints");
        let p = prints[channel].clone();
        print = Some(match print {
            Some(q) => q.merge(&p),
            None => p,
        });
    }
    Arc::new(print.expect("the agent has stereo calls in dev"))
}

/// Analyzes interleaved `samples` with diarization; returns the report and the frames.
fn analyze(
    rate: u32,
    channels: usize,
    samples: &[f32],
    print: Option<Arc<VoicePrint>>,
) -> (CallReport, Vec<FrameOutput>) {
    let map = ChannelMap::new(channels, 0).expect("map");
    let mut analyzer = CallAnalyzer::new(rate, map, Profile::default())
        .with_diarization(print)
        .with_frame_output();
    // Chunks of an odd size: the result does not depend on them.
    for chunk in samples.chunks(3001) {
        analyzer.push_interleaved(chunk);
    }
    analyzer.finish_with_frames()
}

/// Share of the labelled single-speaker frames given to the labelled speaker.
fn attribution(label: &serde_json::Value, frames: &[FrameOutput]) -> f64 {
    let agent = labelled_segments(label, "agent");
    let customer = labelled_segments(label, "customer");
    let inside = |segs: &[(f64, f64)], t: f64| segs.iter().any(|&(s, e)| s <= t && t < e);
    let (mut total, mut right) = (0usize, 0usize);
    for f in frames {
        let (a, c) = (inside(&agent, f.t_s), inside(&customer, f.t_s));
        if a == c {
            continue;
        }
        total += 1;
        if (a && f.agent_speech) || (c && f.customer_speech) {
            right += 1;
        }
    }
    right as f64 / total as f64
}

/// Labelled reply gaps with a detected one whose ends both lie within 0.5 s.
fn matched_gaps(label: &serde_json::Value, report: &CallReport) -> usize {
    labelled_reply_gaps(label)
        .iter()
        .filter(|&&(end, start)| {
            report.reply_gaps.iter().any(|g| {
                (g.customer_end - end).abs() <= 0.5 && (g.agent_start - start).abs() <= 0.5
            })
        })
        .count()
}

#[test]
fn a_mono_call_is_told_apart_into_agent_and_customer_as_its_labels_say() {
    let wav = corpus("dev/calls").join("c008.wav");
    let label = read_label(&wav);
    let (rate, channels, samples) = read_wav(&wav);
    assert_eq!(channels, 1);
    let (report, frames) = analyze(rate, channels, &samples, Some(enrolled("carlo_it")));
    assert_eq!(report.layout, Layout::Mono);
    assert_eq!(report.speakers_from, Some(SpeakersFrom::Diarization));
    assert_eq!(report.voices_found, Some(VoicesFound::Two));
    assert_eq!(
        report.agent_identified_by,
        Some(AgentIdentifiedBy::VoicePrint)
    );
    assert!(report.reply_gaps_measured);
    assert!(report.customer.is_some());
    let accuracy = attribution(&label, &frames);
    assert!(accuracy >= 0.87, "attribution {accuracy:.3}");
    // 5 labelled reply gaps, all found; at most two more detected.
    assert_eq!(matched_gaps(&label, &report), 5);
    assert!(report.reply_gaps.len() <= 7, "{:?}", report.reply_gaps);
    // The agent's pitch is the agent's own: the label says 115.2 Hz.
    let median = report.agent.median_f0_hz.expect("voiced agent speech");
    assert!((median - 115.18).abs() <= 5.0, "median F0 {median}");
    // Turns alternate between the two parties, and every segment has one of them.
    assert!(
        report
            .turns
            .windows(2)
            .all(|t| t[0].speaker != t[1].speaker)
    );
    assert!(
        report
            .segments
            .iter()
            .all(|s| matches!(s.speaker, Speaker::Agent | Speaker::Customer))
    );
}

#[test]
fn without_a_print_the_rule_names_the_agent_and_says_how_sure_it_is() {
    let wav = corpus("dev/calls").join("c003.wav");
    let label = read_label(&wav);
    let (rate, channels, samples) = read_wav(&wav);
    let (report, frames) = analyze(rate, channels, &samples, None);
    assert_eq!(report.voices_found, Some(VoicesFound::Two));
    assert_eq!(report.agent_identified_by, Some(AgentIdentifiedBy::Rule));
    assert_eq!(report.agent_identification_confidence, Some(0.5));
    // In this call the agent opens, so the rule is right.
    assert_eq!(label["segments"][0]["speaker"], "agent");
    let accuracy = attribution(&label, &frames);
    assert!(accuracy >= 0.90, "attribution {accuracy:.3}");
    assert_eq!(matched_gaps(&label, &report), 4);
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["speakers_from"], "diarization");
    assert_eq!(json["agent_identified_by"], "rule");
    assert_eq!(json["voices_found"], "two");
}

#[test]
fn one_voice_alone_is_reported_as_one_voice_without_turns_between_parties() {
    // The agent channel of a stereo call, alone.
    let wav = corpus("dev/calls").join("c005.wav");
    let (rate, channels, samples) = read_wav(&wav);
    let agent: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    let (report, _) = analyze(rate, 1, &agent, None);
    assert_eq!(report.voices_found, Some(VoicesFound::One));
    assert!(!report.reply_gaps_measured);
    assert!(report.reply_gaps.is_empty());
    assert!(report.customer.is_none());
    assert!(report.turns.iter().all(|t| t.speaker == Speaker::Mixed));
    assert!(report.notes.iter().any(|n| n.contains("one voice found")));
    assert_eq!(report.diarization_confidence, None);
}

#[test]
fn a_stereo_record_carries_no_diarization_fields() {
    let wav = corpus("dev/calls").join("c011.wav");
    let (rate, channels, samples) = read_wav(&wav);
    let (report, _) = analyze(rate, channels, &samples, None);
    let json = serde_json::to_value(&report).expect("serializes");
    for field in [
        "speakers_from",
        "voices_found",
        "diarization_confidence",
        "agent_identified_by",
        "agent_identification_confidence",
    ] {
        assert!(json.get(field).is_none(), "{field}");
    }
}
