//! The summary as a terminal shows it: long lines wrapped to the terminal's width under their
//! label, and colour for the suggested LR, warnings and errors. Only for a terminal: the command
//! line decides whether its stream is one (and whether NO_COLOR is set) and otherwise prints the
//! summary's bytes untouched, so pipes, files and snapshot tests see exactly `text`'s output.

use super::text::marks;

/// What the terminal the text goes to can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// Columns.
    pub width: usize,
    /// Whether to colour (a terminal, without NO_COLOR).
    pub colour: bool,
}

/// An ANSI colour or style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Bold green: the answer.
    Good,
    /// Bold yellow: a warning.
    Warn,
    /// Bold red: an error, or no answer.
    Bad,
    /// Bold.
    Strong,
    /// Faint.
    Dim,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Good => "\x1b[1;32m",
            Paint::Warn => "\x1b[1;33m",
            Paint::Bad => "\x1b[1;31m",
            Paint::Strong => "\x1b[1m",
            Paint::Dim => "\x1b[2m",
        }
    }
}

const RESET: &str = "\x1b[0m";

/// `text` in `paint` when `colour` is on, else `text` itself.
pub fn paint(text: &str, paint: Paint, colour: bool) -> String {
    if colour && !text.is_empty() {
        format!("{}{text}{RESET}", paint.code())
    } else {
        text.to_string()
    }
}

impl Terminal {
    /// `text` (lines ending in newlines) wrapped to the width, then coloured.
    pub fn style(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let wrapped = wrap(body, self.width);
            let last = wrapped.len() - 1;
            for (i, part) in wrapped.iter().enumerate() {
                let part = if i == 0 {
                    self.colour_line(part)
                } else {
                    part.clone()
                };
                out.push_str(&part);
                out.push_str(if i < last { "\n" } else { end });
            }
        }
        out
    }

    /// Colours the parts of a summary's line that matter: the suggested (or best, or
    /// recommended) LR, "no suggested LR", a warning's label, UNSTABLE.
    fn colour_line(&self, line: &str) -> String {
        if !self.colour {
            return line.to_string();
        }
        for (mark, label_paint, value_paint) in [
            (marks::SUGGESTED, Paint::Strong, Some(Paint::Good)),
            (marks::BEST, Paint::Strong, Some(Paint::Good)),
            (marks::RECOMMENDED, Paint::Strong, Some(Paint::Good)),
            (marks::NO_SUGGESTION, Paint::Bad, None),
            (marks::NO_BEST, Paint::Bad, None),
            (marks::WARNING, Paint::Warn, None),
        ] {
            if let Some(rest) = line.strip_prefix(mark) {
                let (value, tail) = match value_paint {
                    Some(_) => rest.split_at(rest.find("   ").unwrap_or(rest.len())),
                    None => ("", rest),
                };
                return format!(
                    "{}{}{tail}",
                    paint(mark, label_paint, true),
                    value_paint.map_or(String::new(), |p| paint(value, p, true))
                );
            }
        }
        match line.strip_suffix(marks::UNSTABLE) {
            Some(head) => format!("{head}{}", paint(marks::UNSTABLE, Paint::Warn, true)),
            None => line.to_string(),
        }
    }
}

/// Where a line's text starts after its label: `  warning    text` continues under `text`.
/// The first run of two or more spaces after the first word ends the label; a line without one
/// continues four columns in.
fn hanging_indent(line: &str) -> usize {
    let chars: Vec<char> = line.chars().collect();
    let lead = chars.iter().take_while(|c| **c == ' ').count();
    let mut i = lead;
    while i < chars.len() {
        if chars[i] == ' ' && chars.get(i + 1) == Some(&' ') {
            let start = i + chars[i..].iter().take_while(|c| **c == ' ').count();
            if start < chars.len() && start <= 24 {
                return start;
            }
            break;
        }
        i += 1;
    }
    lead + 4
}

/// `line` broken at spaces into lines of at most `width` characters (a word longer than that
/// stands alone), the continuations indented under the line's text.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width || width < 20 {
        return vec![line.to_string()];
    }
    let indent = hanging_indent(line).min(width / 2);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    // Words keep the spaces before them, so a line that is not broken keeps its spacing.
    let mut rest = line;
    while !rest.is_empty() {
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        let after = &rest[spaces..];
        let word_len = after.find(' ').unwrap_or(after.len());
        let (word, next) = after.split_at(word_len);
        let (gap, word_chars) = (spaces, word.chars().count());
        if len > indent && len + gap + word_chars > width {
            lines.push(std::mem::take(&mut current));
            current.push_str(&" ".repeat(indent));
            current.push_str(word);
            len = indent + word_chars;
        } else {
            current.push_str(&rest[..spaces]);
            current.push_str(word);
            len += gap + word_chars;
        }
        rest = next;
    }
    lines.push(current);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_under_their_text() {
        let line = "  warning    the loss never diverged up to the end LR 1e1; raise --end-lr to see where the LR gets too high [never_diverged]";
        let lines = wrap(line, 50);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 50), "{lines:?}");
        assert!(lines[0].starts_with("  warning    the loss"));
        assert!(lines[1..]
            .iter()
            .all(|l| l.starts_with("             ") && !l.starts_with("              ")));
        // The words are all there, in order.
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(words(&lines.join(" ")), words(line));
        // A short line is untouched, spacing and all.
        assert_eq!(
            wrap("suggested LR  2.05e-3   (x)", 50),
            ["suggested LR  2.05e-3   (x)"]
        );
        let s = wrap(
            "suggested LR  2.05e-3   (trained best of 8 LRs raced around the minimum)",
            40,
        );
        // Continued under the value, after "suggested LR  ".
        assert!(
            s[1].starts_with(&" ".repeat(14)) && !s[1].starts_with(&" ".repeat(15)),
            "{s:?}"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let text = "lrfind\nsuggested LR  2.05e-3   (valley rule)\n  warning    noisy [unstable]\n";
        let plain = Terminal {
            width: 200,
            colour: false,
        };
        assert_eq!(plain.style(text), text);
        let coloured = Terminal {
            width: 200,
            colour: true,
        }
        .style(text);
        assert!(
            coloured.contains("\x1b[1;32m2.05e-3\x1b[0m"),
            "{coloured:?}"
        );
        assert!(
            coloured.contains("\x1b[1;33m  warning    \x1b[0m"),
            "{coloured:?}"
        );
        assert!(coloured.ends_with('\n'));
        assert_eq!(coloured.lines().count(), 3);
    }
}
