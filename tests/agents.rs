//! The channel check on the labelled corpus: every recurring agent voice of the stereo
//! calls of dev and train is enrolled from the *other* calls it is the agent of
//! (leave-one-out), then each stereo call is checked against its agent's print.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use callcoach::agents::{
    AgentChannel, ChannelCheck, ChannelVerdict, CheckError, VoicePrint, channel_prints, check_file,
};

mod common;

/// The labelled corpus (see `common::shared`).
fn corpus() -> PathBuf {
    common::shared().join("corpus")
}

/// A stereo call of the corpus with its labelled voices and agent channel.
struct Call {
    name: String,
    agent_voice: String,
    customer_voice: String,
    agent_channel: usize,
    prints: Vec<VoicePrint>,
}

/// The stereo calls of dev and train with their channels' prints (made once per test
/// binary).
fn stereo_calls() -> &'static [Call] {
    static CALLS: OnceLock<Vec<Call>> = OnceLock::new();
    CALLS.get_or_init(load_stereo_calls)
}

fn load_stereo_calls() -> Vec<Call> {
    let mut calls = Vec::new();
    for set in ["dev", "train"] {
        let dir = corpus().join(set).join("calls");
        let mut wavs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "wav"))
            .collect();
        wavs.sort();
        for wav in wavs {
            let text = std::fs::read_to_string(wav.with_extension("json")).expect("label");
            let label: serde_json::Value = serde_json::from_str(&text).expect("label JSON");
            if label["layout"] != "stereo" {
                continue;
            }
            let prints = channel_prints(&wav).expect("prints");
            calls.push(Call {
                name: format!(
                    "{set}/{}",
                    wav.file_stem().expect("a file name").to_string_lossy()
                ),
                agent_voice: label["voices"]["agent"]
                    .as_str()
                    .expect("agent voice")
                    .into(),
                customer_voice: label["voices"]["customer"]
                    .as_str()
                    .expect("customer voice")
                    .into(),
                agent_channel: label["channels"]["agent"].as_u64().expect("agent channel") as usize,
                prints,
            });
        }
    }
    calls
}

/// The print of `voice` enrolled from the agent channels of every call except `skip`
/// where it is the agent.
fn enrol(calls: &[Call], voice: &str, skip: usize) -> Option<VoicePrint> {
    calls
        .iter()
        .enumerate()
        .filter(|&(i, c)| i != skip && c.agent_voice == voice)
        .map(|(_, c)| c.prints[c.agent_channel].clone())
        .reduce(|a, b| a.merge(&b))
}

#[test]
fn auto_finds_the_agent_channel_of_every_stereo_call_and_a_wrong_channel_is_flagged() {
    let calls = stereo_calls();
    assert_eq!(calls.len(), 26, "stereo calls in dev and train");
    let mut voices: BTreeMap<&str, usize> = BTreeMap::new();
    for c in calls {
        *voices.entry(c.agent_voice.as_str()).or_default() += 1;
    }
    // Every agent voice recurs, so each call's agent can be enrolled from other calls.
    assert!(voices.values().all(|&n| n >= 2), "{voices:?}");

    let mut auto_right = 0;
    let mut flagged = 0;
    let mut margins = Vec::new();
    println!("call        agent voice  ch  d(agent)  d(customer)  margin");
    for (i, call) in calls.iter().enumerate() {
        let print = enrol(calls, &call.agent_voice, i).expect("enrolled from other calls");
        let auto =
            ChannelCheck::from_prints(&print, &call.prints, AgentChannel::Auto { fallback: 0 })
                .expect("check");
        let wrong = 1 - call.agent_channel;
        let given_wrong =
            ChannelCheck::from_prints(&print, &call.prints, AgentChannel::Given(wrong))
                .expect("check");
        let given_right = ChannelCheck::from_prints(
            &print,
            &call.prints,
            AgentChannel::Given(call.agent_channel),
        )
        .expect("check");
        let d_agent = auto.distances[call.agent_channel];
        let d_customer = auto.distances[wrong];
        println!(
            "{:<11} {:<12} {}   {:>7.3}  {:>11.3}  {:>6.3}",
            call.name,
            call.agent_voice,
            call.agent_channel,
            d_agent,
            d_customer,
            d_customer - d_agent
        );
        margins.push(d_customer - d_agent);
        if auto.verdict == ChannelVerdict::Matches && auto.channel == call.agent_channel {
            auto_right += 1;
        }
        if given_wrong.verdict == ChannelVerdict::Swapped
            && given_right.verdict == ChannelVerdict::Matches
        {
            flagged += 1;
        }
    }
    margins.sort_by(f64::total_cmp);
    println!(
        "auto right {auto_right}/26, wrong channel flagged {flagged}/26; margin min {:.3}, \
         median {:.3}, max {:.3}",
        margins[0], margins[13], margins[25]
    );
    assert_eq!(auto_right, 26);
    assert_eq!(flagged, 26);
}

#[test]
fn the_print_follows_the_voice_not_the_channel_it_sits_on() {
    // Agent channels carry babble, echo and band-limiting; customer channels do not. A
    // print that had learned those conditions would pick the agent channel of any call.
    // Where an agent voice of other calls is the *customer* of a call, its print must
    // pick the customer channel.
    let calls = stereo_calls();
    let mut checked = 0;
    let mut right = 0;
    for call in calls {
        let Some(print) = enrol(calls, &call.customer_voice, usize::MAX) else {
            continue;
        };
        let customer_channel = 1 - call.agent_channel;
        let check =
            ChannelCheck::from_prints(&print, &call.prints, AgentChannel::Auto { fallback: 0 })
                .expect("check");
        println!(
            "{:<11} customer {:<12} d(customer) {:.3}  d(agent) {:.3}",
            call.name,
            call.customer_voice,
            check.distances[customer_channel],
            check.distances[call.agent_channel]
        );
        checked += 1;
        if check.channel == customer_channel {
            right += 1;
        }
    }
    println!("customer channel found on {right}/{checked} calls");
    assert_eq!(
        checked, 7,
        "calls whose customer is an agent voice elsewhere"
    );
    assert_eq!(right, checked);
}

#[test]
fn one_other_call_is_enough_to_enrol_an_agent() {
    // Every pair of stereo calls with the same agent voice: enrol from one, check the
    // other.
    let calls = stereo_calls();
    let mut pairs = 0;
    let mut right = 0;
    let mut worst = f64::INFINITY;
    for (i, call) in calls.iter().enumerate() {
        for (j, from) in calls.iter().enumerate() {
            if i == j || from.agent_voice != call.agent_voice {
                continue;
            }
            let print = &from.prints[from.agent_channel];
            let check =
                ChannelCheck::from_prints(print, &call.prints, AgentChannel::Auto { fallback: 0 })
                    .expect("check");
            pairs += 1;
            let margin =
                check.distances[1 - call.agent_channel] - check.distances[call.agent_channel];
            worst = worst.min(margin);
            if check.channel == call.agent_channel {
                right += 1;
            } else {
                println!(
                    "{} enrolled from {}: wrong (margin {margin:.3})",
                    call.name, from.name
                );
            }
        }
    }
    println!("single-call enrolment: {right}/{pairs} right, worst margin {worst:.3}");
    assert_eq!(right, pairs);
}

#[test]
fn check_file_reads_the_channels_itself() {
    // dev/c006 has its agent on channel 1; enrolled from the other calls of its voice.
    let calls = stereo_calls();
    let i = calls
        .iter()
        .position(|c| c.name == "dev/c006")
        .expect("dev/c006");
    let print = enrol(calls, &calls[i].agent_voice, i).expect("enrolled");
    let wav = corpus().join("dev/calls/c006.wav");
    let given = check_file(&wav, &print, AgentChannel::Given(0)).expect("check");
    assert_eq!(given.verdict, ChannelVerdict::Swapped);
    assert_eq!((given.channel, given.best), (0, 1));
    assert_eq!(given.verdict.label(), "swapped?");
    assert!(
        given
            .note()
            .starts_with("channel 0 matches the agent worse than channel 1 (distance 0.3"),
        "{}",
        given.note()
    );
    // The same prints as the test's own.
    assert_eq!(given.distances[1], print.distance(&calls[i].prints[1]));
    let auto = check_file(&wav, &print, AgentChannel::Auto { fallback: 0 }).expect("check");
    assert_eq!((auto.channel, auto.verdict), (1, ChannelVerdict::Matches));

    // A mono recording has no channel to choose.
    let mono = corpus().join("dev/calls/c003.wav");
    let err = check_file(&mono, &print, AgentChannel::Auto { fallback: 0 }).unwrap_err();
    assert!(matches!(
        err,
        CheckError::NotMultiChannel { channels: 1, .. }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the channel check needs a recording with two or more channels, not 1",
            mono.display()
        )
    );
    let err = check_file(&wav, &print, AgentChannel::Given(2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: agent channel 2 does not exist (the file has 2 channels)",
            wav.display()
        )
    );
}

/// The live app teaches the chosen agent every recorded call of a session: the agents
/// file it leaves is the one `agents enroll` writes from the same recordings.
#[cfg(feature = "audio")]
#[test]
fn live_learns_every_call_of_a_session_as_enrol_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let calls = [
        corpus().join("dev/calls/c000.wav"),
        corpus().join("dev/calls/c001.wav"),
    ];
    let learned = dir.path().join("learned.toml");
    let sources: Vec<(PathBuf, usize)> = calls.iter().map(|c| (c.clone(), 0)).collect();
    let said = callcoach::live::agent::learn(&learned, "anna", &sources).expect("learned");
    let enrolled = dir.path().join("enrolled.toml");
    let out = common::callcoach(&[
        "agents",
        "enroll",
        "--agents",
        common::utf8(&enrolled),
        "anna",
        common::utf8(&calls[0]),
        common::utf8(&calls[1]),
    ]);
    assert!(out.status.success(), "{}", common::stderr_text(&out));
    let text = |p: &PathBuf| std::fs::read_to_string(p).expect("an agents file");
    assert_eq!(text(&learned), text(&enrolled));
    let stored: toml::Value = toml::from_str(&text(&learned)).expect("TOML");
    let baseline = &stored["agents"]["anna"]["baseline"];
    assert_eq!(
        said,
        format!(
            "anna: learned from 2 calls; baseline {:.1} Hz over {:.1} s of speech",
            baseline["median_f0_hz"].as_float().expect("median"),
            baseline["speech_s"].as_float().expect("speech")
        )
    );
}
