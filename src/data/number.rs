//! Numbers in cells: what counts as one, and parsing it exactly and fast.

/// A finite number written in the cell, allowing spaces around it, a leading `+` and exponents.
pub fn parse_number(field: &[u8]) -> Option<f32> {
    let trimmed = field.trim_ascii();
    let first = *trimmed.first()?;
    // Every number starts with a digit, a sign or a point; this keeps words away from the parser
    // (which would read "inf" and "NaN").
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    if let Some(v) = parse_plain_decimal(trimmed) {
        return Some(v);
    }
    // Only ASCII reaches here as a number: the parser rejects anything else.
    let text = std::str::from_utf8(trimmed).ok()?;
    text.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Powers of ten exactly representable in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The fast path for the most common cells: an optional sign, at most 15 digits and an optional
/// point, no exponent. The digits make an exact integer `m` below 2^53 and the scale an exact power
/// of ten, so `m / 10^k` in f64 is correctly rounded (Clinger's fast path). Rounding that f64 to
/// f32 is then correct too, unless it sits exactly halfway between two f32s; that case, and
/// anything else, is left to the standard parser (`None`).
fn parse_plain_decimal(s: &[u8]) -> Option<f32> {
    let (negative, s) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut scale = 0;
    let mut point = false;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                scale += usize::from(point);
                if digits > 15 {
                    return None;
                }
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let wide = mantissa as f64 / POW10[scale];
    let narrow = wide as f32;
    // Halfway between two f32s: the 29 bits an f32 drops are exactly 1000...0.
    if f64::from(narrow) != wide && wide.to_bits() & ((1 << 29) - 1) == 1 << 28 {
        return None;
    }
    Some(if negative { -narrow } else { narrow })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_decimal_path_matches_the_standard_parser() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 15) as usize + 1;
            let scale = (state >> 8) as usize % (digits + 1);
            let mut text = format!(
                "{:0width$}",
                (state >> 16) % 10u64.pow(digits as u32),
                width = digits
            );
            if scale > 0 {
                text.insert(digits - scale, '.');
            }
            if state & (1 << 60) != 0 {
                text.insert(0, '-');
            }
            let fast = parse_plain_decimal(text.as_bytes());
            let std = text.parse::<f32>().unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast.to_bits(), std.to_bits(), "{text}");
            }
        }
        // 2^24 + 1 lies halfway between two f32s: left to the standard parser.
        assert_eq!(parse_plain_decimal(b"16777217"), None);
        assert_eq!(parse_number(b"16777217"), Some(16_777_216.0));
        assert_eq!(parse_plain_decimal(b"-0.5"), Some(-0.5));
        assert_eq!(parse_plain_decimal(b"."), None);
        assert_eq!(parse_plain_decimal(b"1e5"), None);
    }
}
