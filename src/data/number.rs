//! Numbers in cells: what counts as one, and parsing it exactly and fast. A number is stored as an
//! f32 when f32 holds it (its normal range), and as an f64 otherwise ([`Number::Wide`]), so that
//! a column of values near 1e299 or 1e-300 is read as it is written.

use super::options::Decimal;

/// A number read from a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Within f32's normal range (or zero): the correctly rounded f32.
    Narrow(f32),
    /// Beyond f32's normal range (above `f32::MAX`, or below `f32::MIN_POSITIVE` but not zero).
    Wide(f64),
}

/// A finite number written in the cell with `decimal` as its decimal separator, allowing spaces
/// around it, a leading `+` and exponents. A cell with the other separator is not a number.
pub fn parse_number(field: &[u8], decimal: Decimal) -> Option<Number> {
    let trimmed = field.trim_ascii();
    let first = *trimmed.first()?;
    let point = decimal.byte();
    // Every number starts with a digit, a sign or a point; this keeps words away from the parser
    // (which would read "inf" and "NaN").
    if !(first.is_ascii_digit() || first == b'+' || first == b'-' || first == point) {
        return None;
    }
    if let Some(v) = parse_plain_decimal(trimmed, point) {
        return Some(Number::Narrow(v));
    }
    // The standard parser wants a point: a decimal comma becomes one, and a point is then not
    // allowed (it would be a thousands separator, or a typo).
    let mut buf = [0u8; 64];
    let mut long = Vec::new();
    let text: &mut [u8] = if trimmed.len() <= buf.len() {
        &mut buf[..trimmed.len()]
    } else {
        long.resize(trimmed.len(), 0);
        &mut long
    };
    text.copy_from_slice(trimmed);
    if decimal == Decimal::Comma {
        if text.contains(&b'.') {
            return None;
        }
        for b in text.iter_mut() {
            if *b == b',' {
                *b = b'.';
            }
        }
    }
    // Only ASCII reaches here as a number: the parser rejects anything else.
    let text = std::str::from_utf8(text).ok()?;
    let wide = text.parse::<f64>().ok().filter(|v| v.is_finite())?;
    if wide == 0.0 {
        // Zero, unless a non-zero mantissa underflowed (1e-400): that is not a number f64 holds.
        let mantissa = text.split(['e', 'E']).next().unwrap_or("");
        return (!mantissa.bytes().any(|b| matches!(b, b'1'..=b'9'))).then_some(Number::Narrow(
            if wide.is_sign_negative() { -0.0 } else { 0.0 },
        ));
    }
    // Parsed again as f32, which rounds once (f64 then f32 could round twice); kept when f32
    // holds it at full precision, not as infinity or a subnormal.
    match text.parse::<f32>() {
        Ok(narrow) if narrow.is_normal() => Some(Number::Narrow(narrow)),
        _ => Some(Number::Wide(wide)),
    }
}

/// How an export dressed a number up: what [`parse_dressed`] took off to read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dress {
    /// A currency sign before or after it: `$`, `€`, `£` or `¥`.
    pub currency: bool,
    /// A `%` after it: a percentage, read as the fraction it stands for (`12.5%` is 0.125, as a
    /// spreadsheet holds it).
    pub percent: bool,
    /// Thousands separators: the other separator than the decimal one, between groups of three
    /// digits (`1,234,567.5`; with a decimal comma, `1.234.567,5`).
    pub grouped: bool,
    /// In parentheses, as accounting writes a negative amount: `(123)` is -123.
    pub parentheses: bool,
    /// One group separator and no fraction (`1,234`, `12,500`): the separator could as well be
    /// a decimal one of the other kind, and only the rest of the column can tell.
    pub ambiguous: bool,
}

impl Dress {
    /// Whether anything was taken off.
    pub fn any(self) -> bool {
        self.currency || self.percent || self.grouped || self.parentheses
    }

    /// Every flag of `self` or `other`.
    pub fn or(self, other: Dress) -> Dress {
        Dress {
            currency: self.currency || other.currency,
            percent: self.percent || other.percent,
            grouped: self.grouped || other.grouped,
            parentheses: self.parentheses || other.parentheses,
            ambiguous: self.ambiguous || other.ambiguous,
        }
    }
}

/// The currency signs taken off a number, as UTF-8.
const CURRENCIES: [&[u8]; 4] = [b"$", "€".as_bytes(), "£".as_bytes(), "¥".as_bytes()];

/// `s` without a leading currency sign, if it has one.
fn strip_currency_prefix(s: &[u8]) -> Option<&[u8]> {
    CURRENCIES
        .iter()
        .find_map(|c| s.strip_prefix(*c))
        .map(<[u8]>::trim_ascii_start)
}

/// `s` without a trailing currency sign, if it has one.
fn strip_currency_suffix(s: &[u8]) -> Option<&[u8]> {
    CURRENCIES
        .iter()
        .find_map(|c| s.strip_suffix(*c))
        .map(<[u8]>::trim_ascii_end)
}

/// `field` without what an export puts around a number: parentheses, a sign, a currency sign
/// before or after it, a `%` after it (spaces between allowed). Gives what is left, whether it
/// is negative, and what was taken off; `None` when nothing is left or the first byte cannot
/// start such a number (a word).
pub fn undress(field: &[u8]) -> Option<(&[u8], bool, Dress)> {
    let mut s = field.trim_ascii();
    let first = *s.first()?;
    if !(first.is_ascii_digit() || b"+-($.,".contains(&first) || first >= 0xC2) {
        return None;
    }
    let mut dress = Dress::default();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix(b"(").and_then(|s| s.strip_suffix(b")")) {
        dress.parentheses = true;
        negative = true;
        s = inner.trim_ascii();
    }
    // A sign before the currency sign or after it (`-$5`, `$-5`), never inside parentheses.
    let mut signed = false;
    for before_currency in [true, false] {
        if !signed && !dress.parentheses {
            if let Some(&b @ (b'-' | b'+')) = s.first() {
                negative = b == b'-';
                signed = true;
                s = &s[1..];
            }
        }
        if before_currency {
            if let Some(rest) = strip_currency_prefix(s) {
                dress.currency = true;
                s = rest;
            }
        }
    }
    if let Some(rest) = s.strip_suffix(b"%") {
        dress.percent = true;
        s = rest.trim_ascii_end();
    } else if let Some(rest) = strip_currency_suffix(s) {
        if dress.currency {
            return None;
        }
        dress.currency = true;
        s = rest;
    }
    (!s.is_empty()).then_some((s, negative, dress))
}

/// A number as spreadsheets and accounting exports write it, with `decimal` as its decimal
/// separator: an optional sign, a currency sign before or after (`$1,234.50`, `-$5`, `$-5`,
/// `12,50 €`), thousands separators (the other separator, between groups of three digits after
/// a first group of one to three: `1,234,567`), a `%` after it (`12.5%` is 0.125), or
/// parentheses for a negative amount (`(1,234.50)` is -1234.5). `None` for a plain number (see
/// [`parse_number`]) and for anything else. A percentage is divided by 100 in f64.
pub fn parse_dressed(field: &[u8], decimal: Decimal) -> Option<(Number, Dress)> {
    let point = decimal.byte();
    let (s, negative, mut dress) = undress(field)?;
    let group = match decimal {
        Decimal::Point => b',',
        Decimal::Comma => b'.',
    };
    let (whole, fraction) = match s.iter().position(|&b| b == point) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |p: &[u8]| !p.is_empty() && p.iter().all(u8::is_ascii_digit);
    if fraction.is_some_and(|f| !digits(f)) || whole.is_empty() && fraction.is_none() {
        return None;
    }
    let groups: Vec<&[u8]> = whole.split(|&b| b == group).collect();
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len()) && digits(groups[0]);
        if !first_ok || !groups[1..].iter().all(|g| g.len() == 3 && digits(g)) {
            return None;
        }
        dress.grouped = true;
        dress.ambiguous = groups.len() == 2 && fraction.is_none();
    } else if !whole.is_empty() && !digits(whole) {
        return None;
    }
    if !dress.any() {
        return None;
    }
    let mut text: String = groups
        .iter()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    if let Some(f) = fraction {
        text.push('.');
        text.push_str(std::str::from_utf8(f).ok()?);
    }
    if text.starts_with('.') {
        text.insert(0, '0');
    }
    let mut value = text.parse::<f64>().ok().filter(|v| v.is_finite())?;
    if dress.percent {
        value /= 100.0;
    }
    if negative {
        value = -value;
    }
    let number = if dress.percent {
        // Divided in f64, then rounded to f32.
        let narrow = value as f32;
        if value == 0.0 || narrow.is_normal() {
            Number::Narrow(narrow)
        } else {
            Number::Wide(value)
        }
    } else {
        // The digits parsed as f32 at once, which rounds once.
        let magnitude = text.parse::<f32>().ok()?;
        let narrow = if negative { -magnitude } else { magnitude };
        if narrow == 0.0 || narrow.is_normal() {
            Number::Narrow(narrow)
        } else {
            Number::Wide(value)
        }
    };
    Some((number, dress))
}

/// Powers of ten exactly representable in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The fast path for the most common cells: an optional sign, at most 15 digits and an optional
/// decimal separator `point`, no exponent. The digits make an exact integer `m` below 2^53 and the scale an exact power
/// of ten, so `m / 10^k` in f64 is correctly rounded (Clinger's fast path). Rounding that f64 to
/// f32 is then correct too, unless it sits exactly halfway between two f32s; that case, and
/// anything else, is left to the standard parser (`None`).
fn parse_plain_decimal(s: &[u8], point_byte: u8) -> Option<f32> {
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
            b if b == point_byte && !point => point = true,
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
            let fast = parse_plain_decimal(text.as_bytes(), b'.');
            let std = text.parse::<f32>().unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast.to_bits(), std.to_bits(), "{text}");
            }
        }
        // 2^24 + 1 lies halfway between two f32s: left to the standard parser.
        assert_eq!(parse_plain_decimal(b"16777217", b'.'), None);
        assert_eq!(
            parse_number(b"16777217", Decimal::Point),
            Some(Number::Narrow(16_777_216.0))
        );
        assert_eq!(parse_plain_decimal(b"-0.5", b'.'), Some(-0.5));
        assert_eq!(parse_plain_decimal(b".", b'.'), None);
        assert_eq!(parse_plain_decimal(b"1e5", b'.'), None);
    }

    fn number(s: &str, decimal: Decimal) -> Option<Number> {
        parse_number(s.as_bytes(), decimal)
    }

    #[test]
    fn decimal_comma_reads_numbers_and_refuses_points() {
        use Number::Narrow;
        assert_eq!(number("1,5", Decimal::Comma), Some(Narrow(1.5)));
        assert_eq!(number(" -2,75 ", Decimal::Comma), Some(Narrow(-2.75)));
        assert_eq!(number("1,5E-03", Decimal::Comma), Some(Narrow(0.0015)));
        assert_eq!(number(",5", Decimal::Comma), Some(Narrow(0.5)));
        assert_eq!(number("42", Decimal::Comma), Some(Narrow(42.0)));
        assert_eq!(number("1.5", Decimal::Comma), None);
        assert_eq!(number("1.234,5", Decimal::Comma), None);
        assert_eq!(number("1,5", Decimal::Point), None);
        assert_eq!(number("1,2,3", Decimal::Comma), None);
    }

    fn dressed(s: &str, decimal: Decimal) -> Option<(f32, Dress)> {
        parse_dressed(s.as_bytes(), decimal).map(|(n, d)| match n {
            Number::Narrow(v) => (v, d),
            Number::Wide(v) => (v as f32, d),
        })
    }

    #[test]
    fn numbers_as_exports_format_them_are_read() {
        let value = |s: &str, decimal| dressed(s, decimal).map(|(v, _)| v);
        use Decimal::{Comma, Point};
        for (text, decimal, expected) in [
            ("$1,234.50", Point, 1234.5),
            ("-$12.00", Point, -12.0),
            ("$-12", Point, -12.0),
            (" 12.5% ", Point, 0.125),
            ("12,5 %", Comma, 0.125),
            ("1,234", Point, 1234.0),
            ("2,500,000", Point, 2_500_000.0),
            ("(123)", Point, -123.0),
            ("(1,234.50)", Point, -1234.5),
            ("1.234,50 €", Comma, 1234.5),
            ("€1.234.567", Comma, 1_234_567.0),
            ("£.50", Point, 0.5),
            ("¥1,000", Point, 1000.0),
            ("100%", Point, 1.0),
        ] {
            assert_eq!(value(text, decimal), Some(expected), "{text}");
        }
        // Plain numbers are parse_number's; words, dates, bad groups and a stray sign are not
        // numbers.
        for text in [
            "1234.5",
            "12",
            "1,5",
            "1,2,3",
            "12,34,567",
            "1,234,",
            "$",
            "()",
            "(-5)",
            "2021-03-04",
            "$5 €",
            "abc",
            "1 234",
            "-",
            "(a)",
            "1,234.5.6",
        ] {
            assert_eq!(value(text, Point), None, "{text}");
        }
        assert_eq!(value("1,234.5", Comma), None);
        assert_eq!(value("12.5%", Comma), None);
        // What was taken off, and whether the group separator could be a decimal one.
        let (_, d) = dressed("$1,234.50", Point).unwrap();
        assert!(d.currency && d.grouped && !d.ambiguous && !d.percent && !d.parentheses);
        assert!(dressed("1,234", Point).unwrap().1.ambiguous);
        assert!(dressed("12.345", Comma).unwrap().1.ambiguous);
        assert!(!dressed("1,234,567", Point).unwrap().1.ambiguous);
        assert!(dressed("(5)", Point).unwrap().1.parentheses);
    }

    #[test]
    fn values_beyond_f32_are_wide_and_exact() {
        assert_eq!(number("1e299", Decimal::Point), Some(Number::Wide(1e299)));
        assert_eq!(
            number("-3e-300", Decimal::Point),
            Some(Number::Wide(-3e-300))
        );
        assert_eq!(number("1e39", Decimal::Point), Some(Number::Wide(1e39)));
        assert_eq!(
            number("1,5e300", Decimal::Comma),
            Some(Number::Wide(1.5e300))
        );
        assert_eq!(number("1e-40", Decimal::Point), Some(Number::Wide(1e-40)));
        // The edges of the normal range stay narrow.
        assert_eq!(
            number("3.4028235e38", Decimal::Point),
            Some(Number::Narrow(f32::MAX))
        );
        assert_eq!(
            number("3.4028236e38", Decimal::Point),
            Some(Number::Wide(3.4028236e38))
        );
        assert_eq!(
            number("1.17549435e-38", Decimal::Point),
            Some(Number::Narrow(f32::MIN_POSITIVE))
        );
        assert_eq!(number("0e-999", Decimal::Point), Some(Number::Narrow(0.0)));
        // Beyond f64 either way: not a number at all, rather than infinity or zero.
        assert_eq!(number("1e400", Decimal::Point), None);
        assert_eq!(number("1e-400", Decimal::Point), None);
        assert_eq!(number("-inf", Decimal::Point), None);
        assert_eq!(number("+nan", Decimal::Point), None);
    }
}
