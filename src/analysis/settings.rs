//! Fixed analysis settings: the engine's frame grid and detector parameters. These are
//! properties of the measurement, not coaching targets, so they are not in the profile.

/// Every channel is converted to this rate before analysis, so the same voice gives the
/// same numbers whatever rate it was recorded at.
pub const ANALYSIS_RATE_HZ: u32 = 8000;
/// Frame hop: 10 ms.
pub const HOP_LENGTH: usize = 80;
/// Frame hop in seconds.
pub const HOP_S: f64 = HOP_LENGTH as f64 / ANALYSIS_RATE_HZ as f64;
/// Lowest F0 searched.
pub const FMIN_HZ: f64 = 60.0;
/// Highest F0 searched.
pub const FMAX_HZ: f64 = 400.0;
/// YIN integration window in samples (30 ms).
pub const PITCH_WINDOW_LENGTH: usize = 240;
/// Longest lag searched, from [`FMIN_HZ`].
pub const MAX_LAG: usize = (ANALYSIS_RATE_HZ as f64 / FMIN_HZ) as usize + 1;
/// Shortest lag searched, from [`FMAX_HZ`].
pub const MIN_LAG: usize = (ANALYSIS_RATE_HZ as f64 / FMAX_HZ) as usize;
/// Samples of context kept per channel: one pitch frame.
pub const FRAME_LENGTH: usize = PITCH_WINDOW_LENGTH + MAX_LAG;
/// Level is measured over this many samples centred on the frame time (20 ms).
pub const LEVEL_WINDOW_LENGTH: usize = 160;
/// High-pass corner of the analysis band; removes mains hum and its first harmonics.
pub const BAND_HIGHPASS_HZ: f64 = 250.0;
/// YIN absolute threshold.
pub const YIN_THRESHOLD: f32 = 0.2;
/// Share of the background noise's expected YIN difference removed from each frame's
/// (see [`crate::dsp::yin::Yin::learn_noise`]).
pub const NOISE_SUBTRACT_SHARE: f32 = 0.8;
/// Time constant of the noise's learned difference function, frames (0.5 s).
pub const NOISE_LEARN_FRAMES: u32 = 50;
/// A frame between segments teaches the noise only if it is at most this far above the
/// pause floor, dB.
pub const NOISE_LEARN_MARGIN_DB: f32 = 3.0;
/// A frame is voiced when its best normalised difference is below this.
pub const VOICING_MAX_CMNDF: f32 = 0.3;
/// Loud frames (see [`VOICING_LOUD_SNR_DB`]) are voiced up to this normalised difference.
pub const VOICING_MAX_CMNDF_LOUD: f32 = 0.5;
/// Frames this far above the noise floor count as loud for the voicing decision.
pub const VOICING_LOUD_SNR_DB: f32 = 30.0;
/// Voiced frames must be at least this far above the noise floor, dB (chosen on
/// `corpus/dev`: 5.0 voices more frames but puts the in-band error p90 over 6 pp).
pub const VOICING_MIN_SNR_DB: f32 = 5.25;
/// Speech activity needs the level this far above the noise floor.
pub const ACTIVITY_SNR_DB: f32 = 11.0;
/// Step of the noise-floor quantile tracker, dB per frame.
pub const FLOOR_STEP_DB: f32 = 0.1;
/// Levels more than [`ACTIVITY_SNR_DB`] above the floor (speech) raise it at this share
/// of the normal rate: a 3 s turn would otherwise lift a 25 % quantile floor by
/// about 7 dB; a lasting rise of the noise itself is still followed, more slowly.
pub const FLOOR_SPEECH_RATE: f32 = 0.1;
/// Share of frames the noise floor settles above.
pub const NOISE_QUANTILE: f32 = 0.25;
/// Frames at the start during which the floor moves [`FLOOR_FAST_STEP_FACTOR`] times
/// faster.
pub const FLOOR_FAST_FRAMES: u64 = 50;
/// During its first [`FLOOR_FAST_FRAMES`] a noise floor steps this many times
/// [`FLOOR_STEP_DB`], so short files get a floor from their first pause.
pub const FLOOR_FAST_STEP_FACTOR: f32 = 8.0;
/// Frames below this are digital silence (no line noise at all: a capture before the
/// call connects, a muted input); the noise floors do not learn from them.
pub const DIGITAL_SILENCE_DBFS: f32 = -90.0;
/// Samples up to this magnitude are digital silence when a stream starts with them: 0 in
/// PCM and μ-law, ±8/32768 (the smallest A-law code) in A-law.
pub const LEADING_SILENCE_MAX_AMPLITUDE: f32 = 8.0 / 32768.0;
/// A stream that starts with at least this many analysis-rate samples of digital
/// silence (1 ms) starts with silence; fewer are ordinary samples.
pub const LEADING_SILENCE_MIN_SAMPLES: u64 = 8;
/// After leading digital silence, the activity floor starts at the lowest level of this
/// many frames (200 ms) whose level windows hold sound from end to end: that is the
/// line's noise, or a dip of the voice if the call opens with speech, and never a level
/// the silence pulled down.
pub const FLOOR_SEED_FRAMES: u64 = 20;
/// If this many of those frames are clearly periodic, the stream opened with a voice,
/// and the activity floor starts at most at [`ABSOLUTE_SILENCE_DBFS`] instead.
pub const FLOOR_SEED_VOICED_FRAMES: u64 = 5;
/// After leading digital silence, the opening is steady noise (mains hum, line noise)
/// rather than a voice when its full frames' levels span less than this, dB...
pub const OPENING_STEADY_RANGE_DB: f32 = 6.0;
/// ...and its clearly periodic frames, if any, hold one pitch: their periods agree within
/// this many octaves (1.4 %), octave jumps allowed. Hum is exactly periodic at its mains
/// multiple; a voice's F0 moves by more than that within a few frames.
pub const OPENING_STEADY_PITCH_OCTAVES: f32 = 0.02;
/// While the first frames after leading silence are steady noise, the voicing floor is
/// at least their lowest level less this, dB; once the activity floor starts, the voicing
/// floor starts from that lowest level (instead of climbing slowly from the silence).
pub const OPENING_FLOOR_MARGIN_DB: f32 = 3.0;
/// After leading digital silence the voicing floor starts from the silence, which keeps
/// soft voice voiced in a clean recording. The recording stays clean while its sound falls
/// to [`ABSOLUTE_SILENCE_DBFS`] for at least this many frames in a row (30 ms: a pause
/// between words or phrases; babble mostly dips that low for a frame or two)...
pub const CLEAN_QUIET_RUN_FRAMES: u64 = 3;
/// ...at least once every this many frames (3 s) from its first sound on. A stream that
/// goes longer without such a pause has noise of its own (babble, line noise): its voicing
/// floor is lifted to the quantile of the levels since its first sound, the floor it would
/// have had if it had started with that sound. On the dev corpus the longest such stretch
/// in a clean recording is 2.72 s.
pub const CLEAN_PROOF_FRAMES: u64 = 300;
/// After a voice opening (see [`FLOOR_SEED_VOICED_FRAMES`]), until the stream first falls
/// to the silence level for [`CLEAN_QUIET_RUN_FRAMES`] (or shows noise of its own), the
/// activity floor is at least this far under the recent lowest level, dB: periodic
/// babble read as a voice opening must not count as speech.
pub const VOICE_OPENING_FLOOR_MARGIN_DB: f32 = 6.0;
/// The recent lowest level rises by this much a frame (10 dB/s) when the level is above
/// it, dB.
pub const RECENT_MIN_RELEASE_DB: f32 = 0.1;
/// Levels below this never count as speech.
pub const ABSOLUTE_SILENCE_DBFS: f32 = -60.0;
/// The lowest level the front end reports (a mean square of 1e-12, see
/// [`crate::dsp::power_to_db`]), dBFS: it stands for no level at all (a party without a
/// channel, or without speech that could echo).
pub const SILENCE_FLOOR_DBFS: f32 = -120.0;
/// In a two-channel call, a frame whose level is this far below the other channel's
/// recent peak is taken as echo of the other party, not speech.
pub const ECHO_MARGIN_DB: f32 = 12.0;
/// Frames of the other channel considered for the echo rule (covers delays to ~150 ms).
pub const ECHO_LOOKBACK_FRAMES: usize = 16;
/// A segment's end extends over the frames after its last active one that are on
/// average this far above the floor of the noise between segments, dB: soft word
/// endings and the speaker's own room sound, a few dB above stationary line noise ...
pub const EDGE_MIN_SNR_DB: f32 = 1.5;
/// ... and this many times the noise's spread (median less floor): over babble, whose
/// level swings by several dB, only clearly louder sound extends a segment.
pub const EDGE_SPREAD_FACTOR: f32 = 2.0;
/// ... by at most this many frames (0.5 s).
pub const TAIL_MAX_FRAMES: u64 = 50;
/// A segment's start likewise moves back over such frames before its first active one
/// (a soft onset), by at most this many.
pub const ONSET_LOOKBACK_FRAMES: usize = 16;
/// A pause of at least this many frames ends a speech segment.
pub const MIN_PAUSE_FRAMES: usize = 25;
/// A segment needs this many active frames to count (shorter bursts are clicks).
pub const MIN_SPEECH_FRAMES: usize = 8;
/// A segment that has not reached [`MIN_SPEECH_FRAMES`] is dropped after a pause this
/// long, so a burst of noise does not become the start of the speech that follows.
pub const UNCONFIRMED_PAUSE_FRAMES: usize = 16;
/// Median smoothing span of the F0 track (odd).
pub const F0_MEDIAN_FRAMES: usize = 5;
/// Inside a voiced stretch, YIN's best candidate is taken for an octave jump when its
/// period lies further than this from the previous frame's (natural log of the period
/// ratio, about 35 %; an octave is 0.69) ...
pub const OCTAVE_JUMP_MIN_LOG_RATIO: f32 = 0.3;
/// ... and a candidate within this of the previous period (about 16 %) ...
pub const OCTAVE_JUMP_KEEP_MAX_LOG_RATIO: f32 = 0.15;
/// ... and at most this much less periodic (normalised difference) is chosen instead:
/// a voice's F0 glides, it does not jump by an octave from one frame to the next.
pub const OCTAVE_JUMP_KEEP_MAX_CMNDF_EXCESS: f32 = 0.15;
/// The F0 path of a voiced stretch (see `channel::voicing`) pays this per unit of
/// natural-log period change between consecutive frames (an octave costs 0.69 times it):
/// a voice glides, so a jump to another candidate must be bought by clearly higher
/// correlations over several frames.
pub const PITCH_TRANSITION_COST: f32 = 1.0;
/// A candidate further than [`PITCH_REGISTER_FREE_OCTAVES`] from the median F0 of the
/// voice's clearly voiced frames so far pays this per octave beyond, on the F0 path: a
/// voice speaks within about an octave of its median, and a band-limited male voice's
/// third or fourth harmonic (1.6 and 2 octaves up) is not its F0.
pub const PITCH_REGISTER_COST: f32 = 1.0;
/// Octaves either side of the voice's median F0 that cost nothing.
pub const PITCH_REGISTER_FREE_OCTAVES: f32 = 0.8;
/// Clearly voiced frames (0.5 s) counted before the register costs anything.
pub const PITCH_REGISTER_MIN_FRAMES: u32 = 50;
/// A candidate's own cost on the F0 path is one less its normalised cross-correlation,
/// at most this.
pub const PITCH_CANDIDATE_MAX_COST: f32 = 1.0;
/// A syllable nucleus is a peak of the sonority contour at least this far above the dips
/// on both sides.
pub const SYLLABLE_DIP_DB: f32 = 5.0;
/// Sonority = level + this × log10(periodicity), periodicity being the frame's best
/// normalised cross-correlation: a frame half as periodic counts 6.6 dB quieter.
pub const SYLLABLE_PERIODICITY_WEIGHT_DB: f32 = 22.0;
/// Periodicity below this counts as this (an unvoiced or silent frame).
pub const SYLLABLE_PERIODICITY_FLOOR: f32 = 0.05;
/// In a mono recording, a pause this long separates stretches of talk.
pub const MONO_STRETCH_PAUSE_S: f64 = 1.0;
/// A voiced stretch extends to a neighbouring frame that is less clearly periodic than
/// a voiced frame must be on its own (onsets, decays, fast F0 glides, breathy voice)
/// when that frame has a candidate period continuing the stretch's F0: within this
/// distance (natural log of the period ratio, about 16 %) ...
pub const VOICING_EXTEND_MAX_STEP: f32 = 0.15;
/// ... at a dip of the normalised difference below its running mean ...
pub const VOICING_EXTEND_MAX_CMNDF: f32 = 1.0;
/// ... above the noise floor (the continuity is the evidence, so no margin is needed
/// beyond that), dB ...
pub const VOICING_EXTEND_MIN_SNR_DB: f32 = 0.0;
/// ... and at most this far below the level of the frame it extends from, dB: a frame
/// much quieter than its voiced neighbour lies mostly before the voice starts or after
/// it stops (its candidate continues only the neighbour's edge), so voicing ends there.
/// Forward (decays) ...
pub const VOICING_EXTEND_MAX_DROP_DB: f32 = 3.5;
/// ... and backward from the start of a voiced stretch (onsets), dB.
pub const VOICING_EXTEND_BACK_MAX_DROP_DB: f32 = 3.0;
/// Decision delay of the tracker in frames: a frame's activity and F0 are decided when
/// the frame this many hops later has been measured. Voicing extends back from the
/// start of a voiced stretch over this many frames (onsets), and covers half the median
/// span.
pub const DECISION_DELAY_FRAMES: usize = 4;
/// Frames the tracker keeps: the decision delay plus the earlier half of the median
/// span of the frame being decided.
pub const TRACKER_RING_FRAMES: usize = DECISION_DELAY_FRAMES + F0_MEDIAN_FRAMES / 2 + 1;
