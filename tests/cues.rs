//! The live cues agree with the score: every stereo call of dev and train played
//! through the engine and the coach as the live session feeds them (10 ms blocks), with
//! the gauges looked at after every block; an agitated and a rushed customer turn made
//! from corpus calls with sox, judged the same live and in batch; and the end of a live
//! call, where the cues clear and the summary shows.

mod common;
use common::{corpus, corpus_calls, read_label, read_wav};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use callcoach::analysis::rules::{
    CustomerState, MIN_TALK_FOR_PACE_S, Range, WindowReason, band_range,
};
use callcoach::analysis::{
    CallAnalyzer, CallReport, ChannelMap, CustomerTurn, FrameOutput, ReplyGap, Speaker, Verdict,
};
use callcoach::config::Profile;
use callcoach::file_analysis::{AnalyzeOptions, analyze_file};
use callcoach::live::coach::{
    BandSetting, Coach, Gauges, PITCH_HOLD_S, PITCH_SMOOTHING_FRAMES, PitchState, ReplyState,
};
use callcoach::live::demo::Pace;
use callcoach::live::pipeline::{LivePipeline, PipelineOptions, SourceChoice};
use callcoach::live::session::CallMode;
use callcoach::live::snapshot::EventRecord;

/// The agent's channel of a corpus call, from its label.
fn agent_channel(label: &serde_json::Value) -> usize {
    label["channels"]["agent"].as_u64().unwrap_or(0) as usize
}

/// A call played through the engine and the coach.
struct Played {
    /// The engine's report at the end.
    report: CallReport,
    /// Every decided frame, in order.
    frames: Vec<FrameOutput>,
    /// The gauges after every 10 ms block, with the frames decided by then.
    looks: Vec<(Gauges, usize)>,
}

/// Plays `samples` through the engine and the coach as the live session feeds them:
/// 10 ms blocks, then the decided frames, the events and the stream time, then the
/// gauges; at the end the engine's tail and the end of the call.
fn play(path: &Path, agent: usize, keep: impl Fn(&Gauges) -> bool) -> Played {
    let (rate, channels, samples) = read_wav(path);
    let profile = Profile::default();
    let map = ChannelMap::new(channels, agent).expect("a channel map");
    let mut analyzer = CallAnalyzer::new(rate, map, profile.clone())
        .with_frame_output()
        .with_events();
    let mut coach = Coach::new(profile.clone(), BandSetting::from_profile(&profile), true);
    let (mut frames, mut new_frames, mut events) = (Vec::new(), Vec::new(), Vec::new());
    let mut looks = Vec::new();
    for block in samples.chunks(rate as usize / 100 * channels) {
        analyzer.push_interleaved(block);
        analyzer.drain_frames(&mut new_frames);
        analyzer.drain_events(&mut events);
        coach.take(&new_frames, &events, analyzer.stream_time_s());
        frames.append(&mut new_frames);
        events.clear();
        let g = coach.gauges();
        if keep(&g) {
            looks.push((g, frames.len()));
        }
    }
    let (report, tail, last_events) = analyzer.finish_with_output();
    coach.take(&tail, &last_events, report.duration_s);
    frames.extend(tail);
    coach.end_call(&report);
    let g = coach.gauges();
    assert_eq!(
        g.cue.text,
        g.summary.as_ref().expect("a summary").headline,
        "{}: the ended call shows its summary",
        path.display()
    );
    Played {
        report,
        frames,
        looks,
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
        let played = play(&path, agent, |g| {
            g.cue.text.contains("late")
                || g.cue.text.contains("early")
                || g.cue.text.contains("pitch")
                || g.cue.text.contains("pace")
        });
        let report = &played.report;
        assert_eq!(
            *report,
            batch(&path, agent),
            "{what}: the played call = batch"
        );
        let band = report.agent.band_hz;
        for (g, decided) in &played.looks {
            let text = &g.cue.text;
            if text.contains("late") || text.contains("early") {
                // Only a gap the engine decided is called late or early, and with the
                // verdict the record keeps for it.
                let ReplyState::Answered(gap) = g.reply.state else {
                    panic!(
                        "{what}: \"{text}\" at {:.2} s without a decided gap",
                        g.now_s
                    );
                };
                assert!(
                    report.reply_gaps.contains(&gap),
                    "{what}: \"{text}\" for {gap:?}, not a gap of the record"
                );
                assert!(text.contains(gap.verdict.words()), "{what}: \"{text}\"");
                verdict_cues += 1;
            }
            if text.contains("pace") {
                // The score judges pace from 20 s of agent talk; the record's agent
                // segments ended by then hold at least that much.
                let talk_s: f64 = report
                    .segments
                    .iter()
                    .filter(|s| s.speaker == Speaker::Agent && s.end <= g.now_s)
                    .map(|s| s.end - s.start)
                    .sum();
                assert!(
                    talk_s >= MIN_TALK_FOR_PACE_S - 1e-9,
                    "{what}: \"{text}\" at {:.1} s after {talk_s:.1} s of agent talk",
                    g.now_s
                );
                pace_cues += 1;
            }
            if text.contains("pitch") {
                let (above, below) = pitch_window(&played.frames[..*decided], band)
                    .unwrap_or_else(|| panic!("{what}: \"{text}\" while the agent is silent"));
                // The cue follows the window's median (the upper one of an even count):
                // at least half of the window above the band, more than half below it.
                match g.pitch.state {
                    PitchState::High => assert!(above >= 0.5, "{what}: {above} above, \"{text}\""),
                    PitchState::Low => assert!(below > 0.5, "{what}: {below} below, \"{text}\""),
                    other => panic!("{what}: \"{text}\" with the pitch {other:?}"),
                }
                pitch_cues += 1;
            }
        }
    }
    assert_eq!(calls, 26, "10 dev and 16 train stereo calls");
    assert!(
        verdict_cues > 1000,
        "{verdict_cues} looks at late or early cues"
    );
    assert!(pitch_cues > 1000, "{pitch_cues} looks at pitch cues");
    assert!(pace_cues > 100, "{pace_cues} looks at pace cues");
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

/// The live pipeline's report of `path` (played as fast as it goes) and its gap events.
fn live(path: &Path, agent: usize) -> (CallReport, Vec<ReplyGap>, Gauges) {
    let profile = Profile::default();
    let mut p = LivePipeline::start(
        PipelineOptions {
            band: BandSetting::from_profile(&profile),
            profile,
            source: SourceChoice::Demo {
                path: path.to_path_buf(),
                pace: Pace::AsFastAsPossible,
                agent_channel: agent,
            },
            record_dir: None,
            agent: None,
            calls: CallMode::WHOLE_STREAM,
        },
        Arc::new(|| {}),
    )
    .expect("pipeline starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !p.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let end = p.stop().expect("session ends");
    let gaps = p
        .session()
        .events()
        .try_iter()
        .filter_map(|e| match e.event {
            EventRecord::ReplyGap(g) => Some(g),
            _ => None,
        })
        .collect();
    (end.report, gaps, p.session().snapshot().gauges)
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

/// The cue texts shown while the reply to the turn ending at `end_s` was timed.
fn timing_cues(path: &Path, agent: usize, end_s: f64) -> Vec<String> {
    let played = play(path, agent, |g| {
        matches!(g.reply.state, ReplyState::Timing { customer_end, .. }
            if (customer_end - end_s).abs() < 0.3)
    });
    let mut texts: Vec<String> = played.looks.into_iter().map(|(g, _)| g.cue.text).collect();
    // One text per kind of cue (the running seconds left out).
    texts.dedup_by_key(|t| {
        t.split(|c: char| c.is_ascii_digit())
            .next()
            .map(str::to_string)
    });
    texts
}

#[test]
fn a_4_s_reply_after_an_agitated_turn_is_in_the_window_live_and_in_batch() {
    let cut = steady_turn();
    let dir = tempfile::tempdir().expect("temp dir");
    // 6 dB louder and 3 semitones (19 %) higher than before: louder and higher than
    // the customer's first 30 s.
    let (path, end_s) = with_turn_changed(&cut, &["gain", "6", "pitch", "300"], 4.0, dir.path());
    let report = batch(&path, cut.agent);
    let (turn, gap) = turn_and_reply(&report, cut.start_s, end_s);
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
    let (live_report, live_gaps, _) = live(&path, cut.agent);
    assert_eq!(live_report, report, "live = batch");
    assert!(
        live_gaps.contains(&gap),
        "the live gap event: {live_gaps:?}"
    );
    let cues = timing_cues(&path, cut.agent, end_s);
    assert!(
        cues.iter()
            .any(|c| c.starts_with("⏸ Upset customer: calm phrase, then pause…")),
        "{cues:?}"
    );
    assert!(cues.iter().all(|c| !c.contains("late")), "{cues:?}");
    // The same 4 s after the untouched turn is late.
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
    let dir = tempfile::tempdir().expect("temp dir");
    // Time-compressed by 30 %: the same words, 1.43 times as fast, same pitch.
    let (path, end_s) = with_turn_changed(&cut, &["tempo", "-s", "1.43"], 1.0, dir.path());
    let report = batch(&path, cut.agent);
    let (turn, gap) = turn_and_reply(&report, cut.start_s, end_s);
    assert_eq!(turn.state, CustomerState::Rushed, "{turn:?}");
    assert!(turn.faster.is_some_and(|f| f >= 0.3), "{turn:?}");
    assert_eq!(
        (gap.window_s, gap.window_reason),
        ([0.8, 1.2], WindowReason::RushedCustomer)
    );
    let (live_report, live_gaps, _) = live(&path, cut.agent);
    assert_eq!(live_report, report, "live = batch");
    assert!(
        live_gaps.contains(&gap),
        "the live gap event: {live_gaps:?}"
    );
    let cues = timing_cues(&path, cut.agent, end_s);
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
    let (report, _, gauges) = live(&path, agent);
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
