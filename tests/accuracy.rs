//! Accuracy on the labelled corpora (`../shared/corpus/dev`, and pitch and pace on
//! `../shared/corpus/train`), as `callcoach eval` reports it. Each bound is a floor the engine has reached: raise it as the engine
//! improves, never loosen it. docs/accuracy.md lists the targets ("must" and "goal").

mod common;
use common::corpus;

use callcoach::eval::{Condition, EvalResult, Summary};

/// Asserts each condition group's pitch GPE at most its bound, %.
fn assert_group_gpe(result: &EvalResult, bounds: [(Condition, f64); 5]) {
    for (condition, bound) in bounds {
        let g = result.group(condition).expect("group has files");
        assert!(
            g.gpe_pct <= bound,
            "{} GPE {:.2} % (bound {bound})",
            condition.name(),
            g.gpe_pct
        );
    }
}

/// Reply-gap recall and precision, verdicts and gap error p95: the same floors with and
/// without leading silence.
fn assert_gap_floors(s: &Summary) {
    assert!(
        s.gap_recall_pct >= 95.0,
        "gap recall {:.1} %",
        s.gap_recall_pct
    );
    assert!(
        s.gap_precision_pct >= 95.0,
        "gap precision {:.1} %",
        s.gap_precision_pct
    );
    assert!(
        s.verdict_pct >= 98.0,
        "verdicts right {:.1} %",
        s.verdict_pct
    );
    assert!(
        s.gap_error_ms.1 <= 80.0,
        "gap error p95 {:.0} ms",
        s.gap_error_ms.1
    );
}

#[test]
fn dev_corpus_accuracy_floors() {
    let dev = corpus("dev");
    let result = callcoach::eval::evaluate(&dev).expect("corpus evaluates");
    assert_eq!(result.pitch.len(), 40, "pitch files");
    assert_eq!(result.calls.len(), 12, "calls");
    let s = result.summary();
    println!("{}{}", s.table(&result), result.breakdown());
    // Meets the targets' "must" column.
    assert!(s.gpe_pct <= 1.6, "GPE {:.2} %", s.gpe_pct);
    // Measured: clean 0.70, telephone/G.711 1.01, noisy 2.33, hum 1.40, clipped 3.34.
    assert_group_gpe(
        &result,
        [
            (Condition::Clean, 0.8),
            (Condition::Telephone, 1.1),
            (Condition::Noisy, 2.5),
            (Condition::Hum, 1.5),
            (Condition::Clipped, 3.5),
        ],
    );
    assert!(
        s.hum_pause_voiced_pct <= 1.0,
        "hum pauses voiced {:.2} %",
        s.hum_pause_voiced_pct
    );
    assert_gap_floors(&s);
    assert!(
        s.pace_error_pct <= 12.0,
        "pace error {:.1} %",
        s.pace_error_pct
    );
    assert!(
        s.pace_change_f1 >= 0.70,
        "pace-change F1 {:.2}",
        s.pace_change_f1
    );
    assert!(
        s.median_f0_error_pct <= 2.0,
        "median-F0 error {:.2} %",
        s.median_f0_error_pct
    );
    assert!(
        s.in_band_error_pp.0 <= 2.0,
        "in-band error median {:.2} pp",
        s.in_band_error_pp.0
    );
    assert!(
        s.in_band_error_pp.1 <= 5.2,
        "in-band error p90 {:.2} pp",
        s.in_band_error_pp.1
    );
    assert!(s.vde_pct <= 16.0, "VDE {:.2} %", s.vde_pct);
}

/// The same corpus with 200 ms of digital silence before every file, as a capture started
/// before the call connects delivers it (`callcoach eval --lead-silence-ms 200`). Reply
/// gaps, verdicts and hum pauses hold their floors there too (measured: recall and
/// precision 100 %, verdicts 100 %, p95 72 ms, hum pauses 1.37 %). Pitch and the in-band
/// fraction do not meet the "must" targets after silence (GPE 3.95 %, in-band p90
/// 6.34 pp): babble pauses in the first seconds of the short pitch files are still
/// voiced, a known limit described in docs/accuracy.md. Their bounds here keep them from
/// getting worse.
#[test]
fn dev_corpus_after_leading_silence() {
    let dev = corpus("dev");
    let result = callcoach::eval::evaluate_after_silence(&dev, 0.2).expect("corpus evaluates");
    let s = result.summary();
    println!("{}", s.table(&result));
    assert!(
        s.hum_pause_voiced_pct <= 1.5,
        "hum pauses voiced {:.2} %",
        s.hum_pause_voiced_pct
    );
    assert_gap_floors(&s);
    assert!(
        s.gap_recall_pct >= 100.0 && s.gap_precision_pct >= 100.0,
        "gap recall {:.1} %, precision {:.1} %",
        s.gap_recall_pct,
        s.gap_precision_pct
    );
    assert!(s.gpe_pct <= 4.1, "GPE {:.2} %", s.gpe_pct);
    assert!(
        s.in_band_error_pp.1 <= 6.5,
        "in-band error p90 {:.2} pp",
        s.in_band_error_pp.1
    );
}

/// Pitch and pace on the train corpus (`../shared/corpus/train`), whose files the settings
/// were not chosen on. Measured: GPE 2.32 %; clean 1.31, telephone/G.711 1.43, noisy 6.89,
/// hum 1.17, clipped 1.20; VDE 16.37 %; in-band error p90 5.84 pp; pace-change F1 0.46
/// (24 labelled, 32 detected, 13 matched), under the 0.7 of "must" (docs/accuracy.md says
/// why).
#[test]
fn train_corpus_pitch_and_pace_floors() {
    let train = corpus("train");
    let result = callcoach::eval::evaluate(&train).expect("corpus evaluates");
    assert_eq!(result.pitch.len(), 80, "pitch files");
    let s = result.summary();
    println!("{}{}", s.table(&result), result.breakdown());
    assert!(s.gpe_pct <= 2.5, "GPE {:.2} %", s.gpe_pct);
    assert_group_gpe(
        &result,
        [
            (Condition::Clean, 1.5),
            (Condition::Telephone, 1.6),
            (Condition::Noisy, 7.2),
            (Condition::Hum, 1.3),
            (Condition::Clipped, 1.4),
        ],
    );
    assert!(s.vde_pct <= 16.5, "VDE {:.2} %", s.vde_pct);
    assert!(
        s.pace_change_f1 >= 0.46,
        "pace-change F1 {:.2}",
        s.pace_change_f1
    );
    assert!(
        s.in_band_error_pp.1 <= 6.0,
        "in-band error p90 {:.2} pp",
        s.in_band_error_pp.1
    );
}
