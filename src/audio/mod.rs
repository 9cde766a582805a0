//! Reading call audio: WAV through hound (PCM, float, extensible) and G.711 mu-law and
//! A-law WAV, streamed in blocks with bounded memory.

pub mod g711;
pub mod wav;
