//! The line editor's helper: completion, parameter hints, highlighting from our own lexer,
//! and the validator that asks the parser whether Enter should run the query.

use std::borrow::Cow;

use kqlite::completion::{parameters, Context as Where};
use kqlite::Engine;
use kqlite_parser::{tokens, TokenKind};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::complete;
use super::validate;

pub struct KqlHelper {
    pub engine: Engine,
    /// The last query that ran: a line starting with `|` continues it.
    pub previous: Option<String>,
    /// Colours on: standard output is a terminal and `NO_COLOR` is not set.
    color: bool,
    files: FilenameCompleter,
}

impl KqlHelper {
    pub fn new(engine: Engine, color: bool) -> Self {
        KqlHelper {
            engine,
            previous: None,
            color,
            files: FilenameCompleter::new(),
        }
    }
}

impl KqlHelper {
    /// `line` itself, or the previous query followed by `line` when it starts with `|`.
    pub fn continued(&self, line: &str) -> String {
        match &self.previous {
            Some(previous) if line.trim_start().starts_with('|') => format!("{previous}\n{line}"),
            _ => line.to_string(),
        }
    }
}

impl Helper for KqlHelper {}

impl Completer for KqlHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let whole = self.continued(line);
        let offset = whole.len() - line.len();
        let analysis = complete::analyze(&whole, pos + offset);
        if let Where::DotArgument(command) = &analysis.context {
            if matches!(command.as_str(), "data" | "read" | "output") {
                return self.files.complete(line, pos, ctx);
            }
        }
        let candidates = complete::candidates(&analysis, &self.engine);
        Ok((analysis.start.saturating_sub(offset), candidates))
    }
}

/// The parameters of the function just opened, shown after the cursor; never inserted.
pub struct ParameterHint(String);

impl Hint for ParameterHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for KqlHelper {
    type Hint = ParameterHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<ParameterHint> {
        parameter_hint(line, pos).map(ParameterHint)
    }
}

/// `ago(` at the end of the line hints `timespan)`.
pub fn parameter_hint(line: &str, pos: usize) -> Option<String> {
    let before = line[..pos].strip_suffix('(')?;
    if pos != line.len() {
        return None;
    }
    let name_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    parameters(&before[name_start..]).map(|params| format!("{params})"))
}

impl Validator for KqlHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if validate::is_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

impl Highlighter for KqlHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.color {
            Cow::Owned(format!("\x1b[1;32m{prompt}\x1b[0m"))
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

/// `text` with ANSI colours by token kind; a dot command's name in magenta.
pub fn highlight(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text;
    if text.trim_start().starts_with('.') {
        let end = text
            .trim_start()
            .find(char::is_whitespace)
            .map_or(text.len(), |i| i + text.len() - text.trim_start().len());
        out.push_str(&paint("\x1b[35m", &text[..end]));
        rest = &text[end..];
        if !matches!(text[..end].trim(), ".explain" | ".analyze") {
            out.push_str(rest);
            return out;
        }
    }
    for (span, kind) in tokens(rest) {
        let piece = &rest[span.start..span.end];
        match colour(kind) {
            Some(code) => out.push_str(&paint(code, piece)),
            None => out.push_str(piece),
        }
    }
    out
}

fn colour(kind: TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::Keyword => Some("\x1b[1;34m"),
        TokenKind::String => Some("\x1b[32m"),
        TokenKind::Number => Some("\x1b[33m"),
        TokenKind::Operator => Some("\x1b[36m"),
        TokenKind::Comment => Some("\x1b[2m"),
        TokenKind::Unknown => Some("\x1b[31m"),
        TokenKind::Ident | TokenKind::Punct | TokenKind::Whitespace => None,
    }
}

fn paint(code: &str, text: &str) -> String {
    format!("{code}{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::{highlight, parameter_hint};

    #[test]
    fn keywords_strings_and_numbers_are_coloured() {
        let coloured = highlight("T | where A == 'x' and N > 5 // note");
        assert!(coloured.contains("\x1b[1;34mwhere\x1b[0m"), "{coloured:?}");
        assert!(coloured.contains("\x1b[32m'x'\x1b[0m"));
        assert!(coloured.contains("\x1b[33m5\x1b[0m"));
        assert!(coloured.contains("\x1b[36m==\x1b[0m"));
        assert!(coloured.contains("\x1b[2m// note\x1b[0m"));
    }

    #[test]
    fn colours_do_not_change_the_text() {
        let text = ".explain T | take 1";
        let plain = highlight(text).replace("\x1b[0m", "");
        let plain = ["\x1b[1;34m", "\x1b[33m", "\x1b[35m"]
            .iter()
            .fold(plain, |t, code| t.replace(code, ""));
        assert_eq!(plain, text);
    }

    #[test]
    fn an_opened_call_hints_its_parameters() {
        assert_eq!(
            parameter_hint("T | where Timestamp > ago(", 26),
            Some("timespan)".into())
        );
        assert_eq!(parameter_hint("T | where f(", 12), None);
        assert_eq!(parameter_hint("T | where ago(1d", 16), None);
    }
}
