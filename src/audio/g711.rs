//! ITU-T G.711 mu-law and A-law companding.
//!
//! Decoders return 16-bit linear PCM on the usual scale of the reference
//! implementations: mu-law spans -32124..=32124 (the 14-bit G.711 range
//! times 4), A-law spans -32256..=32256 (the 13-bit range times 8).
//! Decoding uses 256-entry tables computed at compile time; encoding is
//! computed directly.

/// Bias added to the mu-law magnitude before finding its segment.
const MULAW_BIAS: i32 = 0x84;
/// Largest magnitude the mu-law encoder represents before clipping.
const MULAW_CLIP: i32 = 32_635;
/// Mask that G.711 A-law applies to the even bits of every code.
const ALAW_TOGGLE: u8 = 0x55;

/// Decodes one mu-law code (bit-inverted sign, 3-bit segment, 4-bit step).
const fn decode_mulaw(code: u8) -> i16 {
    let u = !code;
    let exponent = ((u >> 4) & 0x07) as u32;
    let mantissa = (u & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    if u & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// Decodes one A-law code (even bits toggled, sign bit set for positive).
const fn decode_alaw(code: u8) -> i16 {
    let a = code ^ ALAW_TOGGLE;
    let exponent = ((a >> 4) & 0x07) as u32;
    let mantissa = (a & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

// Evaluated at compile time only: an out-of-range index would fail the build.
const fn build_mulaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = decode_mulaw(i as u8);
        i += 1;
    }
    table
}

// Evaluated at compile time only: an out-of-range index would fail the build.
const fn build_alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = decode_alaw(i as u8);
        i += 1;
    }
    table
}

/// Linear value of every mu-law code.
static MULAW_TABLE: [i16; 256] = build_mulaw_table();
/// Linear value of every A-law code.
static ALAW_TABLE: [i16; 256] = build_alaw_table();

/// Decodes a G.711 mu-law byte to 16-bit linear PCM (range -32124..=32124).
pub fn mulaw_to_linear(b: u8) -> i16 {
    // A u8 always indexes a 256-entry table; the fallback is unreachable.
    MULAW_TABLE
        .get(usize::from(b))
        .copied()
        .unwrap_or_else(|| decode_mulaw(b))
}

/// Decodes a G.711 A-law byte to 16-bit linear PCM (range -32256..=32256).
pub fn alaw_to_linear(b: u8) -> i16 {
    // A u8 always indexes a 256-entry table; the fallback is unreachable.
    ALAW_TABLE
        .get(usize::from(b))
        .copied()
        .unwrap_or_else(|| decode_alaw(b))
}

/// Encodes a 16-bit linear sample as G.711 mu-law.
///
/// Magnitudes above 32635 clip to the largest code.
pub fn linear_to_mulaw(s: i16) -> u8 {
    let s = i32::from(s);
    let (sign, magnitude) = if s < 0 { (0x80u8, -s) } else { (0u8, s) };
    // 132..=32767: the highest set bit is bit 7..=14.
    let biased = magnitude.min(MULAW_CLIP) + MULAW_BIAS;
    let exponent = 31 - biased.leading_zeros() - 7;
    let mantissa = (biased >> (exponent + 3)) & 0x0F;
    !(sign | ((exponent as u8) << 4) | (mantissa as u8))
}

/// Encodes a 16-bit linear sample as G.711 A-law.
pub fn linear_to_alaw(s: i16) -> u8 {
    let s = i32::from(s);
    // Negative values use the one's complement so that -32768 needs no clip.
    let (sign, magnitude) = if s >= 0 { (0x80u8, s) } else { (0u8, -s - 1) };
    // 13-bit magnitude, 0..=4095.
    let m13 = magnitude >> 3;
    let (exponent, mantissa) = if m13 < 32 {
        (0u32, m13 >> 1)
    } else {
        let exponent = 31 - m13.leading_zeros() - 4;
        (exponent, (m13 >> exponent) & 0x0F)
    };
    (sign | ((exponent as u8) << 4) | (mantissa as u8)) ^ ALAW_TOGGLE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mu-law code with the given sign and 7-bit magnitude index (0 = zero).
    fn mulaw_code(positive: bool, k: u8) -> u8 {
        let u = if positive { k } else { 0x80 | k };
        !u
    }

    /// A-law code with the given sign and 7-bit magnitude index (0 = smallest).
    fn alaw_code(positive: bool, k: u8) -> u8 {
        let a = if positive { 0x80 | k } else { k };
        a ^ ALAW_TOGGLE
    }

    #[test]
    fn mulaw_known_values() {
        assert_eq!(mulaw_to_linear(0xFF), 0);
        assert_eq!(mulaw_to_linear(0x7F), 0);
        assert_eq!(mulaw_to_linear(0x00), -32124);
        assert_eq!(mulaw_to_linear(0x80), 32124);
        assert_eq!(mulaw_to_linear(0xFE), 8);
        assert_eq!(mulaw_to_linear(0x7E), -8);
        assert_eq!(mulaw_to_linear(0xF0), 120);
        assert_eq!(mulaw_to_linear(0xEF), 132);
        assert_eq!(linear_to_mulaw(0), 0xFF);
        assert_eq!(linear_to_mulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_mulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_mulaw(-32124), 0x00);
        assert_eq!(linear_to_mulaw(8), 0xFE);
    }

    #[test]
    fn alaw_known_values() {
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0xD4), 24);
        assert_eq!(alaw_to_linear(0xC5), 264);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
    }

    #[test]
    fn round_trip_all_codes() {
        for b in 0..=255u8 {
            let m = mulaw_to_linear(b);
            assert_eq!(
                mulaw_to_linear(linear_to_mulaw(m)),
                m,
                "mu-law code {b:#04x}"
            );
            let a = alaw_to_linear(b);
            assert_eq!(alaw_to_linear(linear_to_alaw(a)), a, "A-law code {b:#04x}");
        }
    }

    #[test]
    fn nonzero_codes_re_encode_to_themselves() {
        for b in 0..=255u8 {
            // mu-law has two zero codes (0x7F and 0xFF); every other code is unique.
            if b != 0x7F {
                assert_eq!(linear_to_mulaw(mulaw_to_linear(b)), b, "mu-law {b:#04x}");
            }
            assert_eq!(linear_to_alaw(alaw_to_linear(b)), b, "A-law {b:#04x}");
        }
    }

    #[test]
    fn decoded_values_are_monotonic_and_symmetric() {
        for k in 0..127u8 {
            assert!(
                mulaw_to_linear(mulaw_code(true, k)) < mulaw_to_linear(mulaw_code(true, k + 1))
            );
            assert!(alaw_to_linear(alaw_code(true, k)) < alaw_to_linear(alaw_code(true, k + 1)));
        }
        for k in 0..=127u8 {
            let mp = mulaw_to_linear(mulaw_code(true, k));
            assert!(mp >= 0);
            assert_eq!(mulaw_to_linear(mulaw_code(false, k)), -mp);
            let ap = alaw_to_linear(alaw_code(true, k));
            assert!(ap > 0);
            assert_eq!(alaw_to_linear(alaw_code(false, k)), -ap);
        }
        // Raw mu-law codes: 0x00..=0x7F rise from -32124 to 0, 0x80..=0xFF fall to 0.
        for b in 0..0x7Fu8 {
            assert!(mulaw_to_linear(b) < mulaw_to_linear(b + 1));
            assert!(mulaw_to_linear(b | 0x80) > mulaw_to_linear((b + 1) | 0x80));
        }
    }

    #[test]
    fn encoders_are_monotonic_with_bounded_error() {
        let mut prev_mu = i32::MIN;
        let mut prev_a = i32::MIN;
        for s in i16::MIN..=i16::MAX {
            let x = i32::from(s);
            let mu = i32::from(mulaw_to_linear(linear_to_mulaw(s)));
            let a = i32::from(alaw_to_linear(linear_to_alaw(s)));
            assert!(mu >= prev_mu, "mu-law not monotonic at {s}");
            assert!(a >= prev_a, "A-law not monotonic at {s}");
            assert!(
                32 * (mu - x).abs() <= x.abs() + 132 + 32,
                "mu-law error at {s}: {mu}"
            );
            assert!(
                32 * (a - x).abs() <= x.abs() + 32 * 9,
                "A-law error at {s}: {a}"
            );
            prev_mu = mu;
            prev_a = a;
        }
    }
}
