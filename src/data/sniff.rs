//! Looking at the start of the input before reading it: what kind of file it is (its first bytes),
//! the delimiter, and the decimal separator (a European spreadsheet writes `1,5;2,75;A`).

use std::path::Path;

use super::number::{parse_dressed, parse_number, undress};
use super::options::Decimal;
use super::scan::{Record, ScanError, Scanner};
use crate::error::{Error, Location, Message, Result, Setting, Unit};

/// The delimiters tried when none is given, in order of preference on a tie.
pub const DELIMITERS: &[u8] = b",;\t|";

/// How many records of the start are compared to pick the delimiter.
const SAMPLE_RECORDS: usize = 20;

/// What the first bytes say the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text, taken as UTF-8.
    Text,
    /// gzip-compressed.
    Gzip,
    /// UTF-16 text.
    Utf16 {
        /// Big-endian (`FE FF`), or little-endian (`FF FE`, what Windows writes).
        big_endian: bool,
    },
}

/// Says what the input is from its first bytes; a file that is not a CSV at all (a workbook,
/// another compression) is refused with what it is and what to do. (Parquet and Arrow files are
/// told apart before this, by `columnar::identify`.)
pub fn identify(head: &[u8], file: &Path) -> Result<Format> {
    let refuse = |what: &str, advice: &str| {
        Err(Error::dataset(
            file,
            format!("this is {what}, not a CSV; {advice}"),
        ))
    };
    let save = "save it as CSV (UTF-8)";
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0x1F, 0x8B]) {
        return Ok(Format::Gzip);
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return refuse("an Excel workbook or zip archive", save);
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return refuse(
            "an old Excel workbook (.xls) or another Office document",
            save,
        );
    }
    if starts(&[0xFF, 0xFE, 0, 0]) || starts(&[0, 0, 0xFE, 0xFF]) {
        return refuse("UTF-32 text", save);
    }
    if starts(&[0xFF, 0xFE]) {
        return Ok(Format::Utf16 { big_endian: false });
    }
    if starts(&[0xFE, 0xFF]) {
        return Ok(Format::Utf16 { big_endian: true });
    }
    // UTF-16 without a byte order mark: the first two characters ASCII, so every other byte 0.
    if let [a, b, c, d, ..] = *head {
        if a != 0 && b == 0 && c != 0 && d == 0 {
            return Ok(Format::Utf16 { big_endian: false });
        }
        if a == 0 && b != 0 && c == 0 && d != 0 {
            return Ok(Format::Utf16 { big_endian: true });
        }
    }
    let decompress = "decompress it first, or compress it with gzip, which lrfind reads as it is";
    if head.len() >= 10
        && starts(b"BZh")
        && (b'1'..=b'9').contains(&head[3])
        && &head[4..10] == b"1AY&SY"
    {
        return refuse("bzip2-compressed", decompress);
    }
    if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        return refuse("xz-compressed", decompress);
    }
    if starts(&[0x28, 0xB5, 0x2F, 0xFD]) {
        return refuse("zstd-compressed", decompress);
    }
    if memchr::memchr(0, head).is_some() {
        return refuse("a binary file (it holds NUL bytes)", save);
    }
    Ok(Format::Text)
}

/// The non-blank records at the start of `head`, with their lines; the last one is left out when
/// `head` is not the whole input (it may be cut short), and so is a record with an open quote.
fn records(head: &[u8], complete: bool, delimiter: u8, max: usize) -> Vec<(u64, Record)> {
    let mut scanner = Scanner::over(head, delimiter);
    let mut out = Vec::new();
    let mut record = Record::new();
    while out.len() < max {
        match scanner.next_record(&mut record) {
            Ok(Some(line)) if !record.is_blank() => out.push((line, record.clone())),
            Ok(Some(_)) => {}
            Ok(None) => {
                // The record the head ends in may be cut short.
                if !complete && out.len() > 1 {
                    out.pop();
                }
                break;
            }
            Err(ScanError::UnclosedQuote { .. } | ScanError::Io(_)) => break,
        }
    }
    out
}

/// Picks the delimiter that splits the start's records into the most fields, the same number on
/// every record; a comma when none splits it at all.
pub fn detect_delimiter(head: &[u8], complete: bool) -> u8 {
    let mut best = (b',', 1usize);
    for &d in DELIMITERS {
        let counts: Vec<usize> = records(head, complete, d, SAMPLE_RECORDS)
            .iter()
            .map(|(_, r)| r.len())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if counts.iter().all(|&n| n == first) && first > best.1 {
            best = (d, first);
        }
    }
    best.0
}

/// The decimal separator in use, and the columns that showed a decimal comma.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalFound {
    /// The separator.
    pub decimal: Decimal,
    /// Names of the columns whose values showed a decimal comma (empty for a point).
    pub columns: Vec<String>,
}

/// How many records of the start are read for the decimal separator.
const DECIMAL_RECORDS: usize = 1000;

/// What one column's cells say about the decimal separator.
#[derive(Debug, Default)]
struct Evidence {
    /// Cells like `1,5`.
    comma: usize,
    /// Whether one of them cannot be a thousands separator (`1,5`, `0,125`, `1234,5`).
    clear_comma: bool,
    /// Cells like `1.5`.
    point: usize,
    /// Integers, the same either way.
    integers: usize,
    /// Anything else that is not missing.
    text: usize,
    first_comma: Option<(u64, String)>,
    first_point: Option<(u64, String)>,
    /// Whether a cell's commas separate thousands beyond doubt (`1,234,567`, `1,234.5`): its
    /// decimal is a point.
    comma_groups: bool,
    /// Whether a cell's points separate thousands beyond doubt (`1.234.567`, `1.234,5`): its
    /// decimal is a comma.
    point_groups: bool,
    /// Cells like `1,500` and `1.500`: a decimal separator, or a thousands one. Set apart until
    /// the column's other cells tell.
    one_group_comma: Vec<(u64, String)>,
    one_group_point: Vec<(u64, String)>,
}

impl Evidence {
    /// Counts the cells set apart: a `1,500` is a decimal comma (not a clear one) unless the
    /// column's commas separate thousands elsewhere; a `1.500` a decimal point unless its points
    /// do.
    fn settle(&mut self) {
        // The first of either kind, in the file's order.
        let earlier = |slot: &mut Option<(u64, String)>, first: &(u64, String)| {
            if slot.as_ref().is_none_or(|s| first.0 < s.0) {
                *slot = Some(first.clone());
            }
        };
        let comma = std::mem::take(&mut self.one_group_comma);
        if self.comma_groups {
            self.integers += comma.len();
        } else if let Some(first) = comma.first() {
            self.comma += comma.len();
            earlier(&mut self.first_comma, first);
        }
        let point = std::mem::take(&mut self.one_group_point);
        if self.point_groups {
            self.integers += point.len();
        } else if let Some(first) = point.first() {
            self.point += point.len();
            earlier(&mut self.first_point, first);
        }
    }

    fn numeric(&self) -> bool {
        self.comma + self.point + self.integers > self.text
    }
}

/// Whether `cell` is `[+-]ddd<separator>ddd`: one to three digits, the first not 0, the separator,
/// three digits (`1,500`, `12.345`), which reads as a decimal number or as one with a thousands
/// separator.
fn one_group(cell: &[u8], separator: u8) -> bool {
    let s = cell
        .strip_prefix(b"-")
        .or(cell.strip_prefix(b"+"))
        .unwrap_or(cell);
    let Some(i) = s.iter().position(|&b| b == separator) else {
        return false;
    };
    let (whole, rest) = (&s[..i], &s[i + 1..]);
    (1..=3).contains(&whole.len())
        && whole[0] != b'0'
        && rest.len() == 3
        && whole.iter().chain(rest).all(u8::is_ascii_digit)
}

/// A number with a decimal comma, `[+-]digits,digits[e[+-]digits]`: `Some(clear)`, where `clear`
/// says it cannot be a thousands separator (three digits after the comma, at most three before
/// and no leading zero would make `1,500` either).
fn comma_decimal(cell: &[u8]) -> Option<bool> {
    let s = cell
        .strip_prefix(b"-")
        .or(cell.strip_prefix(b"+"))
        .unwrap_or(cell);
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(s);
    if whole == 0 || s.get(whole) != Some(&b',') {
        return None;
    }
    let rest = &s[whole + 1..];
    let fraction = digits(rest);
    if fraction == 0 {
        return None;
    }
    let exponent = &rest[fraction..];
    if !exponent.is_empty() {
        let e = exponent
            .strip_prefix(b"e")
            .or(exponent.strip_prefix(b"E"))?;
        let e = e.strip_prefix(b"-").or(e.strip_prefix(b"+")).unwrap_or(e);
        if e.is_empty() || digits(e) != e.len() {
            return None;
        }
    }
    Some(!exponent.is_empty() || fraction != 3 || whole > 3 || s[0] == b'0')
}

/// Decides the decimal separator from the first records, when the delimiter is not a comma: a
/// comma when some column's numbers have decimal commas and none has decimal points. Mixed or
/// unclear evidence is an error naming the column and how to choose. `header` is the header
/// setting; the first record is not evidence unless it is known to be data.
pub fn detect_decimal(
    head: &[u8],
    complete: bool,
    delimiter: u8,
    header: Option<bool>,
    na: &[String],
    file: &Path,
) -> Result<DecimalFound> {
    let point = DecimalFound {
        decimal: Decimal::Point,
        columns: Vec::new(),
    };
    if delimiter == b',' {
        return Ok(point);
    }
    let records = records(head, complete, delimiter, DECIMAL_RECORDS);
    let Some((_, first)) = records.first() else {
        return Ok(point);
    };
    let named = header != Some(false);
    let names: Vec<String> = (0..first.len())
        .map(|i| match std::str::from_utf8(first.get(i)).map(str::trim) {
            Ok(name) if named && !name.is_empty() => name.to_string(),
            _ => format!("c{i}"),
        })
        .collect();
    let mut columns: Vec<Evidence> = (0..names.len()).map(|_| Evidence::default()).collect();
    for (line, record) in records.iter().skip(usize::from(named)) {
        for (cell, e) in record.iter().zip(&mut columns) {
            let cell = cell.trim_ascii();
            let missing = na.iter().any(|m| m.as_bytes().eq_ignore_ascii_case(cell));
            if missing {
                continue;
            }
            let text = || (*line, String::from_utf8_lossy(cell).into_owned());
            // A number as an export dresses it (`12,50 €`, `(1.234,5)`) shows its separators too.
            let core = undress(cell).map_or(cell, |(core, ..)| core);
            if one_group(core, b',') {
                e.one_group_comma.push(text());
            } else if one_group(core, b'.') {
                e.one_group_point.push(text());
            } else if let Some(clear) = comma_decimal(core) {
                e.comma += 1;
                e.clear_comma |= clear;
                e.first_comma.get_or_insert_with(text);
            } else if parse_number(core, Decimal::Point).is_some() {
                if core.contains(&b'.') {
                    e.point += 1;
                    e.first_point.get_or_insert_with(text);
                } else {
                    e.integers += 1;
                }
            } else {
                // Thousands separators that cannot be decimal ones say which the decimal is:
                // `1.234.567` and `1.234,5` a comma, `1,234,567` and `1,234.5` a point.
                let grouped = |d| parse_dressed(core, d).is_some_and(|(_, g)| !g.ambiguous);
                if grouped(Decimal::Comma) {
                    e.point_groups = true;
                    e.comma += 1;
                    e.clear_comma = true;
                    e.first_comma.get_or_insert_with(text);
                } else if grouped(Decimal::Point) {
                    e.comma_groups = true;
                    e.point += 1;
                    e.first_point.get_or_insert_with(text);
                } else {
                    e.text += 1;
                }
            }
        }
    }
    for e in &mut columns {
        e.settle();
    }
    let at = |c: usize, line: u64| Location {
        file: file.to_path_buf(),
        line,
        unit: Unit::Line,
        column: Some(names[c].clone()),
    };
    let choose = || {
        Message::new("set ")
            .setting_value(Setting::Decimal, ",")
            .text(" or ")
            .setting_value(Setting::Decimal, ".")
            .text(" to say which the file uses")
    };
    let numeric = |c: &usize| columns[*c].numeric();
    let commas: Vec<usize> = (0..columns.len())
        .filter(numeric)
        .filter(|&c| columns[c].comma > 0)
        .collect();
    if let Some(&c) = commas.iter().find(|&&c| columns[c].point > 0) {
        let e = &columns[c];
        let (line, value) = e.first_comma.clone().unwrap_or_default();
        let (pline, pvalue) = e.first_point.clone().unwrap_or_default();
        let mut m = Message::new(format!(
            "'{value}' has a decimal comma but '{pvalue}' on line {pline} has a decimal point; "
        ));
        m.0.extend(choose().0);
        return Err(Error::data(at(c, line), m));
    }
    let Some(&c) = commas.first() else {
        return Ok(point);
    };
    if let Some(p) = (0..columns.len())
        .filter(numeric)
        .find(|&p| columns[p].point > 0)
    {
        let (line, value) = columns[c].first_comma.clone().unwrap_or_default();
        let (pline, pvalue) = columns[p].first_point.clone().unwrap_or_default();
        let mut m = Message::new(format!(
            "'{value}' has a decimal comma but column '{}' has a decimal point ('{pvalue}' on line {pline}); ",
            names[p]
        ));
        m.0.extend(choose().0);
        return Err(Error::data(at(c, line), m));
    }
    if !commas.iter().any(|&c| columns[c].clear_comma) {
        let (line, value) = columns[c].first_comma.clone().unwrap_or_default();
        return Err(Error::data(
            at(c, line),
            Message::new(format!(
                "'{value}' may have a decimal comma or a thousands separator, and no value in the first lines tells which; set "
            ))
            .setting_value(Setting::Decimal, ",")
            .text(" if the comma is a decimal comma, or ")
            .setting_value(Setting::Decimal, ".")
            .text(" if not (such values are then text)"),
        ));
    }
    Ok(DecimalFound {
        decimal: Decimal::Comma,
        columns: commas.iter().map(|&c| names[c].clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::flags;

    fn decimal(text: &str) -> Result<DecimalFound> {
        let na: Vec<String> = ["", "na"].map(String::from).to_vec();
        detect_decimal(text.as_bytes(), true, b';', None, &na, Path::new("t.csv"))
    }

    #[test]
    fn first_bytes_tell_what_the_file_is() {
        let f = Path::new("x.csv");
        let refused = |head: &[u8]| identify(head, f).unwrap_err().to_string();
        assert_eq!(identify(b"\x1f\x8b\x08\0", f).unwrap(), Format::Gzip);
        assert_eq!(
            identify(b"\xff\xfea\0", f).unwrap(),
            Format::Utf16 { big_endian: false }
        );
        assert_eq!(
            identify(b"\0a\0,", f).unwrap(),
            Format::Utf16 { big_endian: true }
        );
        assert!(refused(b"PK\x03\x04\x14\0")
            .contains("an Excel workbook or zip archive, not a CSV; save it as CSV (UTF-8)"));
        assert!(refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1").contains("(.xls)"));
        assert!(refused(b"BZh91AY&SY").contains("bzip2"));
        assert!(refused(b"a,b\n1,\0\n").contains("NUL"));
        assert_eq!(identify(b"PAR1,PAR2\n1,2\n", f).unwrap(), Format::Text);
        assert_eq!(identify(b"", f).unwrap(), Format::Text);
    }

    #[test]
    fn delimiter_detection_ignores_a_cut_last_record() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3\n4;5;6\n", true), b';');
        assert_eq!(detect_delimiter(b"a|b\n\"x|y\"|2\n", true), b'|');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n3", false), b'\t');
        assert_eq!(detect_delimiter(b"just words\n", true), b',');
    }

    #[test]
    fn decimal_commas_are_found_in_numeric_columns() {
        let found = decimal("a;b;c;d\n1,5;2;x;NA\n2,25;3;y;1\n3;4;z;\n").unwrap();
        assert_eq!(found.decimal, Decimal::Comma);
        assert_eq!(found.columns, ["a"]);
        // Points, integers, or commas in text: a point.
        for text in [
            "a;b\n1.5;x\n2;y\n",
            "a;b\n1;2\n",
            "a;b\nSmith, J;1\nDoe, K;2\n",
        ] {
            assert_eq!(decimal(text).unwrap().decimal, Decimal::Point, "{text}");
        }
        let comma = detect_decimal(b"a,b\n1,5\n", true, b',', None, &[], Path::new("t.csv"));
        assert_eq!(comma.unwrap().decimal, Decimal::Point);
    }

    #[test]
    fn mixed_or_unclear_evidence_stops_and_says_how_to_choose() {
        let e = decimal("a;b\n1,5;2.5\n2,5;3.5\n").unwrap_err();
        assert_eq!(
            e.render(&flags),
            "t.csv, line 2, column 'a': '1,5' has a decimal comma but column 'b' has a decimal point ('2.5' on line 2); set --decimal , or --decimal . to say which the file uses"
        );
        let e = decimal("a;b\n1,5;x\n2.5;y\n").unwrap_err();
        assert_eq!(
            e.render(&flags),
            "t.csv, line 2, column 'a': '1,5' has a decimal comma but '2.5' on line 3 has a decimal point; set --decimal , or --decimal . to say which the file uses"
        );
        let e = decimal("a;b\n1,500;x\n12,250;y\n").unwrap_err();
        assert!(
            e.render(&flags)
                .contains("'1,500' may have a decimal comma or a thousands separator"),
            "{e}"
        );
        assert_eq!(
            decimal("a;b\n1,500;x\n0,125;y\n").unwrap().decimal,
            Decimal::Comma
        );
    }

    #[test]
    fn thousands_separators_and_dressed_numbers_tell_the_decimal() {
        for (text, expected) in [
            ("a;b\n1.234.567;x\n12.345;y\n", Decimal::Comma),
            ("a;b\n2.234,52 €;x\n(12,5);y\n", Decimal::Comma),
            ("a;b\n12,5 %;x\n3 %;y\n", Decimal::Comma),
            ("a;b\n1,234,567;x\n12,345;y\n", Decimal::Point),
            ("a;b\n$1,234.50;x\n$12;y\n", Decimal::Point),
        ] {
            assert_eq!(decimal(text).unwrap().decimal, expected, "{text}");
        }
        // A lone `12,345` still asks, as `1,500` does.
        assert!(decimal("a;b\n12,345;x\n$1,500;y\n").is_err());
    }

    #[test]
    fn comma_decimals_are_told_from_thousands() {
        assert_eq!(comma_decimal(b"1,5"), Some(true));
        assert_eq!(comma_decimal(b"-12,75e-3"), Some(true));
        assert_eq!(comma_decimal(b"1,500"), Some(false));
        assert_eq!(comma_decimal(b"0,500"), Some(true));
        assert_eq!(comma_decimal(b"1234,500"), Some(true));
        for not in ["1,", ",5", "1,2,3", "1.5", "a,5", "1,5e", "1,5x"] {
            assert_eq!(comma_decimal(not.as_bytes()), None, "{not}");
        }
    }
}
