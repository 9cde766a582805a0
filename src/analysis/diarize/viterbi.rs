//! Re-segmentation: the most likely voice of every speech frame given each frame's
//! evidence, a cost per change of voice, and a minimum run after a change inside speech.
//!
//! States are (voice, frames since the voice took the floor, capped at
//! [`MIN_RUN_FRAMES`] − 1); a voice can hand over only from the capped state, so a run
//! begun inside speech lasts at least [`MIN_RUN_FRAMES`]. Between stretches of speech
//! the count is reset and a change costs [`SWITCH_AT_PAUSE_COST`] only. One pass over
//! the whole call, keeping one byte per frame for the way back.

use super::{FRAME_EVIDENCE_WEIGHT, MIN_RUN_FRAMES, SWITCH_AT_PAUSE_COST, SWITCH_IN_SPEECH_COST};

/// Bit of a frame's back-pointer byte: voice `s` in the capped state came from the
/// capped state (else from the state before it).
const fn stayed(s: usize) -> u8 {
    1 << s
}

/// Bit of a stretch's first frame: voice `s` came from the other voice's end of the
/// stretch before.
const fn crossed(s: usize) -> u8 {
    4 << s
}

/// Labels every frame of `stretches` with voice 0 or 1 in `side`, given `llr`, the
/// log-likelihood ratio of voice 0 over voice 1 per frame.
pub(super) fn label(llr: &[f32], stretches: &[(usize, usize)], side: &mut [u8]) {
    let d_max = MIN_RUN_FRAMES.max(1);
    let w = FRAME_EVIDENCE_WEIGHT;
    let (switch_in, switch_pause) = (SWITCH_IN_SPEECH_COST, SWITCH_AT_PAUSE_COST);
    let cap = d_max - 1;
    let mut back = vec![0u8; llr.len()];
    // Per stretch and voice: the count the stretch ended with on the best path.
    let mut exit_count: Vec<[usize; 2]> = Vec::with_capacity(stretches.len());
    let mut cost = [vec![f32::INFINITY; d_max], vec![f32::INFINITY; d_max]];
    let mut next = cost.clone();
    let mut exit_cost = [0.0f32, 0.0f32];
    for (i, &(s0, e0)) in stretches.iter().enumerate() {
        for (k, frame_llr) in llr.iter().enumerate().take(e0 + 1).skip(s0) {
            let emit = |s: usize| -> f32 {
                let half = 0.5 * w * frame_llr;
                if s == 0 { -half } else { half }
            };
            if k == s0 {
                for s in 0..2 {
                    let stay = exit_cost[s];
                    let cross = exit_cost[1 - s] + if i == 0 { 0.0 } else { switch_pause };
                    next[s].fill(f32::INFINITY);
                    if cross < stay {
                        next[s][cap] = cross + emit(s);
                        back[k] |= crossed(s);
                    } else {
                        next[s][cap] = stay + emit(s);
                    }
                }
            } else {
                for s in 0..2 {
                    let e = emit(s);
                    let from_other = cost[1 - s][cap] + switch_in;
                    let (stay, before) = (
                        cost[s][cap],
                        if cap > 0 {
                            cost[s][cap - 1]
                        } else {
                            f32::INFINITY
                        },
                    );
                    let capped = if stay <= before {
                        back[k] |= stayed(s);
                        stay
                    } else {
                        before
                    };
                    if cap == 0 {
                        next[s][0] = capped.min(from_other) + e;
                        continue;
                    }
                    next[s][cap] = capped + e;
                    for d in (1..cap).rev() {
                        next[s][d] = cost[s][d - 1] + e;
                    }
                    next[s][0] = from_other + e;
                }
            }
            std::mem::swap(&mut cost, &mut next);
        }
        let mut counts = [cap, cap];
        for s in 0..2 {
            let (d, c) = cost[s]
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map_or((cap, f32::INFINITY), |(d, &c)| (d, c));
            counts[s] = d;
            exit_cost[s] = c;
        }
        exit_count.push(counts);
        // Keep costs small over a long call.
        let base = exit_cost[0].min(exit_cost[1]);
        if base.is_finite() {
            exit_cost[0] -= base;
            exit_cost[1] -= base;
        }
    }
    // The way back.
    let Some(last) = exit_count.last() else {
        return;
    };
    let mut s = if exit_cost[0] <= exit_cost[1] { 0 } else { 1 };
    let mut d = last[s];
    for (i, &(s0, e0)) in stretches.iter().enumerate().rev() {
        for k in (s0..=e0).rev() {
            side[k] = s as u8;
            if k == s0 {
                if back[k] & crossed(s) != 0 {
                    s = 1 - s;
                }
                if i > 0 {
                    d = exit_count[i - 1][s];
                }
            } else if d == cap {
                if back[k] & stayed(s) == 0 && cap > 0 {
                    d = cap - 1;
                }
            } else if d == 0 {
                s = 1 - s;
                d = cap;
            } else {
                d -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_burst_of_contrary_evidence_inside_speech_does_not_change_the_voice() {
        // 100 frames for voice 0, 10 for voice 1 (shorter than the minimum run), 100 for 0.
        let mut llr = vec![1.0f32; 210];
        llr[100..110].fill(-1.0);
        let mut side = vec![9u8; 210];
        label(&llr, &[(0, 209)], &mut side);
        assert!(side.iter().all(|&s| s == 0));
    }

    #[test]
    fn a_long_run_of_the_other_voice_changes_the_voice_at_its_edges() {
        let mut llr = vec![2.0f32; 300];
        llr[100..200].fill(-2.0);
        let mut side = vec![9u8; 300];
        label(&llr, &[(0, 299)], &mut side);
        let changes: Vec<usize> = (1..300).filter(|&k| side[k] != side[k - 1]).collect();
        assert_eq!(side[0], 0);
        assert_eq!(changes, vec![100, 200]);
    }

    #[test]
    fn a_pause_makes_a_change_cheap_and_frames_outside_speech_keep_their_label() {
        // Two stretches, one per voice, evidence just strong enough across a pause.
        let mut llr = vec![0.0f32; 100];
        llr[0..20].fill(0.5);
        llr[40..60].fill(-0.5);
        let mut side = vec![9u8; 100];
        label(&llr, &[(0, 19), (40, 59)], &mut side);
        assert!(side[0..20].iter().all(|&s| s == 0));
        assert!(side[40..60].iter().all(|&s| s == 1));
        assert!(side[20..40].iter().all(|&s| s == 9));
    }
}
