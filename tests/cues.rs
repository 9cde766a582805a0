//! The live cues agree with the score: every stereo call of dev and train played
//! through the live pipeline, with what the coach showed after every block taken from
//! the session's cue log; an agitated and a rushed customer turn made
//! from corpus calls with sox, judged the same live and in batch; and the end of a live
//! call, where the cues clear and the summary shows.

mod common;
use common::{LiveRun, corpus, corpus_calls, demo_options, read_label, read_wav, run_live};
use std::path::{Path, PathBuf};
use std::process::Command;

use callcoach::analysis::rules::{
    CustomerState, MIN_TALK_FOR_PACE_S, Range, WindowReason, band_range,
};
use callcoach::analysis::{
    CallAnalyzer, CallReport, ChannelMap, CustomerTurn, FrameOutput, ReplyGap, Speaker, Verdict,
};
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use callcoach::live::coach::{
    CueChange, PITCH_HOLD_S, PITCH_SMOOTHING_FRAMES, PitchState, ReplyState,
};
use callcoach::live::demo::DEMO_BLOCK_MS;
use callcoach::live::pipeline::PipelineOptions;
use callcoach::live::session::CallEnd;
use callcoach::live::snapshot::EventRecord;
use callcoach::live::{BLOCK_SAMPLES, f32_to_i16};

/// The agent's channel of a corpus call, from its label.
fn agent_channel(label: &serde_json::Value) -> usize {
    label["channels"]["agent"].as_u64().unwrap_or(0) as usize
}

/// A call played through the live pipeline (a demo source as fast as the analysis
/// takes it) with the session's cue log kept.
struct Played {
    /// The call's report.
    report: CallReport,
    /// What the coach showed, change by change.
    cues: Vec<CueChange>,
}

fn play(path: &Path, agent: usize) -> Played {
    let run = live(path, agent);
    let [call] = <[CallEnd; 1]>::try_from(run.end.calls).expect("one call");
    let log = call.cues.expect("the cue log");
    assert_eq!(log.dropped(), 0, "{}: every change kept", path.display());
    Played {
        report: call.report,
        cues: log.changes().to_vec(),
    }
}

/// The engine's decided frames of `path` fed as the demo source hands the file over
/// (blocks of [`DEMO_BLOCK_MS`], as 16-bit samples), and after each block the stream
/// time reached, as frames of audio, and the frames decided by then.
struct Reference {
    frames: Vec<FrameOutput>,
    blocks: Vec<(u64, usize)>,
    rate: u32,
}

fn reference(path: &Path, agent: usize) -> Reference {
    let (rate, channels, samples) = read_wav(path);
    let map = ChannelMap::new(channels, agent).expect("a channel map");
    let mut analyzer = CallAnalyzer::new(rate, map, Profile::default()).with_frame_output();
    let per_block = ((rate * DEMO_BLOCK_MS / 1000) as usize).clamp(1, BLOCK_SAMPLES / channels);
    let (mut frames, mut blocks, mut audio) = (Vec::new(), Vec::new(), 0u64);
    for block in samples.chunks(per_block * channels) {
        let pcm: Vec<f32> = block
            .iter()
            .map(|&x| f32::from(f32_to_i16(x)) / 32768.0)
            .collect();
        analyzer.push_interleaved(&pcm);
        analyzer.drain_frames(&mut frames);
        audio += (block.len() / channels) as u64;
        blocks.push((audio, frames.len()));
    }
    let (_, tail, _) = analyzer.finish_with_output();
    frames.extend(tail);
    Reference {
        frames,
        blocks,
        rate,
    }
}

impl Reference {
    /// The block after which the stream had reached `now_s`.
    fn block_at(&self, now_s: f64) -> usize {
        let audio = (now_s * f64::from(self.rate)).round() as u64;
        self.blocks
            .binary_search_by_key(&audio, |&(a, _)| a)
            .unwrap_or_else(|_| panic!("no block ends at {now_s} s"))
    }
}

fn batch(path: &Path, agent: usize) -> CallReport {
    analyze_file(
        path,
        &Profile::default(),
        &AnalyzeOptions {
            agent_channel: Some(agent),
            ..AnalyzeOptions::default()
        },
        None,
    )
    .expect("batch analysis")
    .report
}

/// The share of the voiced agent speech frames in the pitch cue's window (the last
/// [`PITCH_SMOOTHING_FRAMES`] of them among `frames`) above and below `band`, when the
/// agent spoke within [`PITCH_HOLD_S`] of the last frame.
fn pitch_window(frames: &[FrameOutput], band: [f64; 2]) -> Option<(f64, f64)> {
    let last_t = frames.last()?.t_s;
    let voiced: Vec<&FrameOutput> = frames
        .iter()
        .filter(|f| f.agent_speech && f.agent_f0_hz > 0.0)
        .collect();
    let newest = voiced.last()?;
    if last_t - newest.t_s > PITCH_HOLD_S {
        return None;
    }
    let window = &voiced[voiced.len().saturating_sub(PITCH_SMOOTHING_FRAMES)..];
    let share = |range: Range| {
        window
            .iter()
            .filter(|f| band_range(f64::from(f.agent_f0_hz), band) == range)
            .count() as f64
            / window.len() as f64
    };
    Some((share(Range::Above), share(Range::Below)))
}

#[test]
fn cues_agree_with_the_score_on_the_dev_and_train_stereo_calls() {
    let (mut verdict_cues, mut pitch_cues, mut pace_cues, mut calls) = (0, 0, 0, 0);
    for path in corpus_calls() {
        let label = read_label(&path);
        if label["layout"] != "stereo" {
            continue;
        }
        calls += 1;
        let what = path.display().to_string();
        let agent = agent_channel(&label);
        let played = play(&path, agent);
        let report = &played.report;
        assert_eq!(
            *report,
            batch(&path, agent),
            "{what}: the live call = batch"
        );
        let reference = reference(&path, agent);
        let (summary, shown) = played.cues.split_last().expect("changes");
        // The ended call shows its summary, after everything else.
        assert!(summary.ended, "{what}: {summary:?}");
        assert!(
            summary
                .cue
                .starts_with(&format!("Call ended · score {} / 100", report.score.total)),
            "{what}: \"{}\"",
            summary.cue
        );
        // Each change after a block shows until the next one: the blocks it covers, with
        // the frames decided after each (a change taken as the call ended covers none).
        let at_block: Vec<Option<usize>> = shown
            .iter()
            .map(|c| (!c.ended).then(|| reference.block_at(c.now_s)))
            .collect();
        for (k, change) in shown.iter().enumerate() {
            let looks: Vec<usize> = match at_block[k] {
                Some(first) => {
                    assert_eq!(
                        change.frames_decided as usize, reference.blocks[first].1,
                        "{what}: frames decided at {:.2} s, live and fed by hand",
                        change.now_s
                    );
                    let next = at_block[k + 1..]
                        .iter()
                        .flatten()
                        .next()
                        .copied()
                        .unwrap_or(reference.blocks.len());
                    (first..next).map(|b| reference.blocks[b].1).collect()
                }
                None => vec![change.frames_decided as usize],
            };
            let counted = if change.ended { 0 } else { looks.len() };
            let text = &change.cue;
            if text.contains("late") || text.contains("early") {
                // Only a gap the engine decided is called late or early, and with the
                // verdict the record keeps for it.
                let Some(gap) = change.answered else {
                    panic!(
                        "{what}: \"{text}\" at {:.2} s without a decided gap",
                        change.now_s
                    );
                };
                assert!(
                    report.reply_gaps.contains(&gap),
                    "{what}: \"{text}\" for {gap:?}, not a gap of the record"
                );
                assert!(text.contains(gap.verdict.words()), "{what}: \"{text}\"");
                verdict_cues += counted;
            }
            if text.contains("pace") {
                // The score judges pace from 20 s of agent talk; the record's agent
                // segments ended by the cue's first showing hold at least that much.
                let talk_s: f64 = report
                    .segments
                    .iter()
                    .filter(|s| s.speaker == Speaker::Agent && s.end <= change.now_s)
                    .map(|s| s.end - s.start)
                    .sum();
                assert!(
                    talk_s >= MIN_TALK_FOR_PACE_S - 1e-9,
                    "{what}: \"{text}\" at {:.1} s after {talk_s:.1} s of agent talk",
                    change.now_s
                );
                pace_cues += counted;
            }
            if text.contains("pitch") {
                let band = report.agent.band_hz;
                for &decided in &looks {
                    let (above, below) = pitch_window(&reference.frames[..decided], band)
                        .unwrap_or_else(|| panic!("{what}: \"{text}\" while the agent is silent"));
                    // The cue follows the window's median (the upper one of an even
                    // count): at least half of the window above the band, more than half
                    // below it.
                    match change.pitch {
                        PitchState::High => {
                            assert!(above >= 0.5, "{what}: {above} above, \"{text}\"")
                        }
                        PitchState::Low => {
                            assert!(below > 0.5, "{what}: {below} below, \"{text}\"")
                        }
                        other => panic!("{what}: \"{text}\" with the pitch {other:?}"),
                    }
                }
                pitch_cues += counted;
            }
        }
    }
    assert_eq!(calls, 26, "10 dev and 16 train stereo calls");
    assert!(
        verdict_cues > 1000,
        "{verdict_cues} blocks with late or early cues"
    );
    assert!(pitch_cues > 1000, "{pitch_cues} blocks with pitch cues");
    assert!(pace_cues > 100, "{pace_cues} blocks with pace cues");
}

/// A customer turn of a corpus call and the agent's reply to it, from the label.
struct TurnCut {
    /// The call.
    call: PathBuf,
    /// The agent's channel.
    agent: usize,
    /// The customer turn, s.
    start_s: f64,
    end_s: f64,
    /// Start of the agent's reply, s.
    reply_s: f64,
}

/// The first turn of the dev stereo calls that the engine judges calm with hardly any
/// change from the customer's start (within 2 dB, 5 % of pitch and 10 % of rate), that
/// the agent answers after a gap of at least 0.3 s: a turn an effect alone makes
/// agitated or rushed.
fn steady_turn() -> TurnCut {
    for path in corpus_calls() {
        if !path.starts_with(corpus("dev")) {
            continue;
        }
        let label = read_label(&path);
        if label["layout"] != "stereo" {
            continue;
        }
        let agent = agent_channel(&label);
        let report = batch(&path, agent);
        let turns = label["turns"].as_array().expect("turns");
        let judged: Vec<CustomerTurn> = report.customer.expect("stereo").turns;
        for pair in turns.windows(2) {
            let (t, next) = (&pair[0], &pair[1]);
            if t["speaker"] != "customer" || next["speaker"] != "agent" {
                continue;
            }
            let time = |v: &serde_json::Value, key: &str| v[key].as_f64().expect("a time");
            let (start_s, end_s, reply_s) = (time(t, "start"), time(t, "end"), time(next, "start"));
            let steady = judged.iter().any(|j| {
                (j.start - start_s).abs() < 0.3
                    && j.state == CustomerState::Calm
                    && j.louder_db.abs() <= 2.0
                    && j.higher.is_some_and(|h| h.abs() <= 0.05)
                    && j.faster.is_some_and(|f| f.abs() <= 0.1)
            });
            if steady && reply_s - end_s >= 0.3 {
                return TurnCut {
                    call: path,
                    agent,
                    start_s,
                    end_s,
                    reply_s,
                };
            }
        }
    }
    panic!("no steady customer turn in the dev calls");
}

/// Runs sox on a mono 16-bit WAV with `effects`.
fn sox(input: &Path, output: &Path, effects: &[&str]) {
    let out = Command::new("sox")
        .arg(input)
        .arg(output)
        .args(effects)
        .output()
        .expect("sox runs (the sox package, see .ci/packages.sh)");
    assert!(
        out.status.success(),
        "sox {effects:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_wav(path: &Path, rate: u32, channels: usize, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: channels as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("creates the WAV");
    for &x in samples {
        w.write_sample((x * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
            .expect("writes");
    }
    w.finalize().expect("finishes the WAV");
}

/// The call of `cut` with its customer turn passed through sox `effects` (on the
/// customer's channel; the agent's channel keeps its own sound for the new length) and
/// the agent's reply `gap_s` after the turn's new end (the line's sound between them
/// repeated). Returns the file and where the turn now ends, s.
fn with_turn_changed(cut: &TurnCut, effects: &[&str], gap_s: f64, dir: &Path) -> (PathBuf, f64) {
    let (rate, channels, samples) = read_wav(&cut.call);
    let customer = 1 - cut.agent;
    let at = |t: f64| (t * f64::from(rate)).round() as usize * channels;
    let (start, end, reply) = (at(cut.start_s), at(cut.end_s), at(cut.reply_s));
    let turn: Vec<f32> = samples[start..end]
        .chunks_exact(channels)
        .map(|f| f[customer])
        .collect();
    let (raw, changed) = (dir.join("turn.wav"), dir.join("changed.wav"));
    write_wav(&raw, rate, 1, &turn);
    sox(&raw, &changed, effects);
    let (_, _, new_turn) = read_wav(&changed);
    let mut out = samples[..start].to_vec();
    for (k, &x) in new_turn.iter().enumerate() {
        let mut frame = [0.0f32; 2];
        frame[customer] = x;
        frame[cut.agent] = samples
            .get(start + k * channels + cut.agent)
            .copied()
            .unwrap_or(0.0);
        out.extend_from_slice(&frame);
    }
    let new_end_s = (start / channels + new_turn.len()) as f64 / f64::from(rate);
    let between = &samples[end..reply];
    let gap_len = at(gap_s);
    out.extend(between.iter().cycle().take(gap_len));
    out.extend_from_slice(&samples[reply..]);
    let path = dir.join("fixture.wav");
    write_wav(&path, rate, channels, &out);
    (path, new_end_s)
}

/// `path` played through the live pipeline as fast as the analysis takes it, with the
/// cue log kept.
fn live(path: &Path, agent: usize) -> LiveRun {
    run_live(PipelineOptions {
        cue_log: true,
        ..demo_options(path, agent, None)
    })
}

/// The judged customer turn that starts at `start_s` and the gap that answers it.
fn turn_and_reply(report: &CallReport, start_s: f64, end_s: f64) -> (CustomerTurn, ReplyGap) {
    let turn = report
        .customer
        .as_ref()
        .expect("stereo")
        .turns
        .iter()
        .find(|t| (t.start - start_s).abs() < 0.3)
        .copied()
        .unwrap_or_else(|| panic!("no judged turn at {start_s} s: {:?}", report.customer));
    let gap = report
        .reply_gaps
        .iter()
        .find(|g| (g.customer_end - end_s).abs() < 0.3)
        .copied()
        .unwrap_or_else(|| panic!("no gap after {end_s} s: {:?}", report.reply_gaps));
    (turn, gap)
}

/// The call of `cut` with its customer turn changed by sox `effects` and answered
/// `gap_s` after its new end, scored in batch and played live.
struct ChangedTurn {
    /// The batch judgement of the changed turn.
    turn: CustomerTurn,
    /// The batch gap that answers it.
    gap: ReplyGap,
    /// The cue texts shown while its reply was timed live, one per kind of cue (the
    /// running seconds left out).
    timing_cues: Vec<String>,
}

/// Builds the changed call, checks that live reports it as batch does (the turn's gap
/// published as an event) and collects the cues shown while its reply was timed.
fn changed_turn(cut: &TurnCut, effects: &[&str], gap_s: f64) -> ChangedTurn {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, end_s) = with_turn_changed(cut, effects, gap_s, dir.path());
    let report = batch(&path, cut.agent);
    let (turn, gap) = turn_and_reply(&report, cut.start_s, end_s);
    let run = live(&path, cut.agent);
    assert_eq!(run.end.report, report, "live = batch");
    let live_gaps: Vec<ReplyGap> = run
        .events
        .iter()
        .filter_map(|e| match e.event {
            EventRecord::ReplyGap(g) => Some(g),
            _ => None,
        })
        .collect();
    assert!(
        live_gaps.contains(&gap),
        "the live gap event: {live_gaps:?}"
    );
    let log = run.end.calls[0].cues.as_ref().expect("the cue log");
    let mut timing_cues: Vec<String> = log
        .changes()
        .iter()
        .filter(|c| !c.ended && c.timer_from_s.is_some_and(|t| (t - end_s).abs() < 0.3))
        .map(|c| c.cue.clone())
        .collect();
    timing_cues.dedup_by_key(|t| {
        t.split(|c: char| c.is_ascii_digit())
            .next()
            .map(str::to_string)
    });
    ChangedTurn {
        turn,
        gap,
        timing_cues,
    }
}

#[test]
fn a_4_s_reply_after_an_agitated_turn_is_in_the_window_live_and_in_batch() {
    let cut = steady_turn();
    // 6 dB louder and 3 semitones (19 %) higher than before: louder and higher than
    // the customer's first 30 s.
    let ChangedTurn {
        turn,
        gap,
        timing_cues: cues,
    } = changed_turn(&cut, &["gain", "6", "pitch", "300"], 4.0);
    assert_eq!(turn.state, CustomerState::Agitated, "{turn:?}");
    assert!(
        turn.louder_db >= 5.0 && turn.higher.is_some_and(|h| h >= 0.1),
        "{turn:?}"
    );
    assert!((gap.gap_s - 4.0).abs() <= 0.3, "{gap:?}");
    assert_eq!(
        (gap.verdict, gap.window_s, gap.window_reason),
        (
            Verdict::InWindow,
            [3.0, 5.0],
            WindowReason::AgitatedCustomer
        )
    );
    assert!(
        cues.iter()
            .any(|c| c.starts_with("⏸ Upset customer: calm phrase, then pause…")),
        "{cues:?}"
    );
    assert!(cues.iter().all(|c| !c.contains("late")), "{cues:?}");
    // The same 4 s after the untouched turn is late.
    let dir = tempfile::tempdir().expect("temp dir");
    let (plain, plain_end_s) = with_turn_changed(&cut, &["gain", "0"], 4.0, dir.path());
    let (_, gap) = turn_and_reply(&batch(&plain, cut.agent), cut.start_s, plain_end_s);
    assert_eq!(
        (gap.verdict, gap.window_reason),
        (Verdict::Late, WindowReason::Normal)
    );
}

#[test]
fn a_rushed_turn_is_flagged_rushed_not_agitated_and_the_cue_says_answer_promptly() {
    let cut = steady_turn();
    // Time-compressed by 30 %: the same words, 1.43 times as fast, same pitch.
    let ChangedTurn {
        turn,
        gap,
        timing_cues: cues,
    } = changed_turn(&cut, &["tempo", "-s", "1.43"], 1.0);
    assert_eq!(turn.state, CustomerState::Rushed, "{turn:?}");
    assert!(turn.faster.is_some_and(|f| f >= 0.3), "{turn:?}");
    assert_eq!(
        (gap.window_s, gap.window_reason),
        ([0.8, 1.2], WindowReason::RushedCustomer)
    );
    assert!(
        cues.iter()
            .any(|c| c.starts_with("⏩ Rushed customer: answer promptly")),
        "{cues:?}"
    );
    assert!(cues.iter().all(|c| !c.contains("pause")), "{cues:?}");
}

#[test]
fn when_a_live_call_ends_the_cues_clear_and_its_summary_shows() {
    let path = corpus("dev/calls/c001.wav");
    let agent = agent_channel(&read_label(&path));
    let run = live(&path, agent);
    let (report, gauges) = (run.end.report, run.snapshot.gauges);
    let summary = gauges.summary.expect("the summary");
    assert_eq!(gauges.cue.text, summary.headline);
    assert_eq!(
        summary.headline,
        format!("Call ended · score {} / 100", report.score.total)
    );
    let in_window = report
        .reply_gaps
        .iter()
        .filter(|g| g.verdict == Verdict::InWindow)
        .count();
    assert_eq!(
        summary.lines[0],
        format!(
            "Replies in the window: {in_window} of {}",
            report.reply_gaps.len()
        )
    );
    assert_eq!(gauges.reply.state, ReplyState::Idle);
    assert_eq!((gauges.talk.silence_s, gauges.talk.monologue_s), (0.0, 0.0));
    assert_eq!(gauges.pitch.state, PitchState::NoVoice);
}
