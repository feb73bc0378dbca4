//! Token-level parsers: whitespace and comments, punctuation, keywords, identifiers, and the
//! error helpers every other parser uses. Convention: each parser skips the whitespace *before*
//! its token, so a node's span ends at its last token.

use std::cell::Cell;

use nom::bytes::complete::{take_till, take_while, take_while1};
use nom::{IResult, Input};
use nom_locate::LocatedSpan;

use crate::ast::{Ident, Span, Spanned};
use crate::error::PErr;

/// How deeply expressions may nest before we refuse.
pub(crate) const MAX_DEPTH: usize = 256;

/// How much native stack the parser may use below its entry point. A nesting level costs
/// about 6 KB in release builds and 23 KB in unoptimised ones, so this bound (not
/// [`MAX_DEPTH`]) is the one met first in debug builds; either way we fail cleanly well before
/// a 2 MiB thread stack overflows.
pub(crate) const STACK_BUDGET: usize = 1 << 20;

/// State shared by one parse: the nesting depth and the stack address at the first level.
#[derive(Default)]
pub(crate) struct Ctx {
    depth: Cell<usize>,
    stack_base: Cell<usize>,
    /// The last whitespace run skipped, as (start, length): parsers try several alternatives
    /// at the same place, and each would otherwise rescan it.
    last_blank: Cell<Option<(usize, usize)>>,
    /// Inside a `search` predicate, where `Col:"text"` means `Col has "text"`.
    search_colon: Cell<bool>,
}

impl Ctx {
    /// Let `:` compare (as `has`) until the guard is dropped.
    pub(crate) fn allow_search_colon(&self) -> ColonGuard<'_> {
        ColonGuard(self, self.search_colon.replace(true))
    }

    pub(crate) fn search_colon(&self) -> bool {
        self.search_colon.get()
    }
}

/// Restores the previous `search_colon` setting when dropped.
pub(crate) struct ColonGuard<'a>(&'a Ctx, bool);

impl Drop for ColonGuard<'_> {
    fn drop(&mut self) {
        self.0.search_colon.set(self.1);
    }
}

/// The address of a local: where the native stack currently is.
fn stack_position() -> usize {
    let probe = 0u8;
    std::hint::black_box(&probe) as *const u8 as usize
}

pub(crate) type In<'a> = LocatedSpan<&'a str, &'a Ctx>;
pub(crate) type PResult<'a, O> = IResult<In<'a>, O, PErr>;

/// Decrements the nesting depth when dropped.
pub(crate) struct DepthGuard<'a>(&'a Ctx);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.depth.set(self.0.depth.get() - 1);
    }
}

/// Enter one nesting level; fails with "nesting too deep" past [`MAX_DEPTH`].
pub(crate) fn enter<'a>(i: &In<'a>) -> Result<DepthGuard<'a>, nom::Err<PErr>> {
    let ctx: &'a Ctx = i.extra;
    ctx.depth.set(ctx.depth.get() + 1);
    let guard = DepthGuard(ctx);
    let here = stack_position();
    if ctx.depth.get() == 1 {
        ctx.stack_base.set(here);
    }
    let stack_used = ctx.stack_base.get().abs_diff(here);
    if ctx.depth.get() > MAX_DEPTH || stack_used > STACK_BUDGET {
        let msg = format!("nesting too deep (more than {MAX_DEPTH} levels)");
        return Err(nom::Err::Failure(PErr::message(token_span(i), msg)));
    }
    Ok(guard)
}

pub(crate) fn pos(i: &In) -> usize {
    i.location_offset()
}

pub(crate) fn text<'a>(i: &In<'a>) -> &'a str {
    i.fragment()
}

pub(crate) fn skip<'a>(i: In<'a>, n: usize) -> In<'a> {
    i.take_from(n)
}

/// From `start` to the current position.
pub(crate) fn span_from(start: usize, i: &In) -> Span {
    Span::new(start, pos(i))
}

/// Whitespace, including the zero-width space and byte-order mark pasted from web pages.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}')
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Skip whitespace and `//` comments. Called before every token, so the "nothing to skip"
/// case returns at once and the last run skipped is remembered.
pub(crate) fn ws(i: In) -> In {
    match text(&i).as_bytes().first() {
        None => return i,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() && *b != b'/' && *b != 0x0b => {
            return i
        }
        Some(_) if !text(&i).starts_with(|c: char| is_space(c) || c == '/') => return i,
        Some(_) => {}
    }
    let ctx: &Ctx = i.extra;
    if let Some((start, len)) = ctx.last_blank.get() {
        if start == pos(&i) {
            return skip(i, len);
        }
    }
    let rest = skip_blanks(i);
    ctx.last_blank.set(Some((pos(&i), pos(&rest) - pos(&i))));
    rest
}

fn skip_blanks(mut i: In) -> In {
    loop {
        let r: PResult<In> = take_while(is_space)(i);
        i = r.expect("take_while never fails").0;
        if !text(&i).starts_with("//") {
            return i;
        }
        let r: PResult<In> = take_till(|c| c == '\n')(i);
        i = r.expect("take_till never fails").0;
    }
}

pub(crate) fn at_eof(i: &In) -> bool {
    text(&ws(*i)).is_empty()
}

/// The span of the token at `i` (after whitespace), for error reports.
pub(crate) fn token_span(i: &In) -> Span {
    let i = ws(*i);
    let s = text(&i);
    let len = match s.chars().next() {
        None => 0,
        Some(c) if is_ident_char(c) => s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len()),
        Some(c) => c.len_utf8(),
    };
    Span::new(pos(&i), pos(&i) + len)
}

/// The token at `i` quoted for a message, or "end of input".
pub(crate) fn describe_token(i: &In) -> String {
    let sp = token_span(i);
    let i = ws(*i);
    match &text(&i)[..sp.end - sp.start] {
        "" => "end of input".to_string(),
        t => format!("'{t}'"),
    }
}

/// A recoverable "expected ..." error at the token at `i`.
pub(crate) fn error<'a, O>(i: &In<'a>, what: &str) -> PResult<'a, O> {
    Err(nom::Err::Error(PErr::expected(token_span(i), what)))
}

/// A committed error with a message.
pub(crate) fn failure<'a, O>(span: Span, message: impl Into<String>) -> PResult<'a, O> {
    Err(nom::Err::Failure(PErr::message(span, message)))
}

/// Commit: a recoverable error becomes a failure.
pub(crate) fn cut<'a, O>(r: PResult<'a, O>) -> PResult<'a, O> {
    r.map_err(|e| match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    })
}

/// Whether punctuation `p` is a prefix of a longer symbol starting with `rest`.
fn extends(p: &str, rest: &str) -> bool {
    let next = rest.chars().next();
    match p {
        "=" => matches!(next, Some('=' | '~')),
        "." => next == Some('.'),
        "<" => matches!(next, Some('=' | '>')),
        ">" => next == Some('='),
        "!" => matches!(next, Some('=' | '~')),
        _ => false,
    }
}

pub(crate) fn at_punct(i: &In, p: &str) -> bool {
    let s = text(&ws(*i));
    s.starts_with(p) && !extends(p, &s[p.len()..])
}

/// Punctuation or a symbolic operator, exactly.
pub(crate) fn punct<'a>(i: In<'a>, p: &str) -> PResult<'a, Span> {
    match try_punct(i, p) {
        Some(ok) => Ok(ok),
        None => error(&i, &format!("'{p}'")),
    }
}

/// [`punct`] for lookahead: no error value is built (misses are the common case).
pub(crate) fn try_punct<'a>(i: In<'a>, p: &str) -> Option<(In<'a>, Span)> {
    let i = ws(i);
    if !at_punct(&i, p) {
        return None;
    }
    let rest = skip(i, p.len());
    Some((rest, Span::new(pos(&i), pos(&rest))))
}

/// Punctuation that must be there: a committed error otherwise.
pub(crate) fn expect<'a>(i: In<'a>, p: &str) -> PResult<'a, Span> {
    cut(punct(i, p))
}

/// The plain word at `i` (after whitespace), without consuming it.
pub(crate) fn peek_word<'a>(i: &In<'a>) -> Option<&'a str> {
    let i = ws(*i);
    let r: PResult<In> = take_while1(is_ident_char)(i);
    let (_, w) = r.ok()?;
    let w: &'a str = text(&w);
    let digit_name = || crate::literals::digit_name_len(w) == Some(w.len());
    (w.starts_with(is_ident_start) || digit_name()).then_some(w)
}

pub(crate) fn at_kw(i: &In, word: &str) -> bool {
    peek_word(i) == Some(word)
}

/// A keyword: exactly `word`, as a whole word.
pub(crate) fn kw<'a>(i: In<'a>, word: &str) -> PResult<'a, Span> {
    match try_kw(i, word) {
        Some(ok) => Ok(ok),
        None => error(&i, &format!("'{word}'")),
    }
}

/// [`kw`] for lookahead, without building an error.
pub(crate) fn try_kw<'a>(i: In<'a>, word: &str) -> Option<(In<'a>, Span)> {
    let i = ws(i);
    if !at_kw(&i, word) {
        return None;
    }
    let rest = skip(i, word.len());
    Some((rest, span_from(pos(&i), &rest)))
}

/// A plain word as an identifier (no brackets, no `$`).
pub(crate) fn word<'a>(i: In<'a>) -> PResult<'a, Ident> {
    let i = ws(i);
    let Some(w) = peek_word(&i) else {
        return error(&i, "an identifier");
    };
    let rest = skip(i, w.len());
    Ok((rest, Spanned::new(w.to_string(), span_from(pos(&i), &rest))))
}

/// An identifier: `Name`, `$left`/`$right`/`$table`, or bracketed `['Name with space']`.
pub(crate) fn ident<'a>(i: In<'a>) -> PResult<'a, Ident> {
    let i = ws(i);
    let s = text(&i);
    if s.starts_with('[') {
        return bracket_name(i);
    }
    if let Some(name) = s.strip_prefix('$') {
        let len = name.find(|c: char| !is_ident_char(c)).unwrap_or(name.len());
        if len > 0 && name.starts_with(is_ident_start) {
            let rest = skip(i, 1 + len);
            let name = Spanned::new(s[..1 + len].to_string(), span_from(pos(&i), &rest));
            return Ok((rest, name));
        }
    }
    word(i)
}

/// `['Name']` or `["Name"]`.
pub(crate) fn bracket_name<'a>(i: In<'a>) -> PResult<'a, Ident> {
    let i = ws(i);
    let start = pos(&i);
    let (after, _) = punct(i, "[")?;
    if !crate::literals::at_string(&after) {
        return error(&i, "an identifier");
    }
    let (after, (name, _)) = crate::literals::string_lit(after)?;
    let (rest, _) = expect(after, "]")?;
    Ok((rest, Spanned::new(name, span_from(start, &rest))))
}

/// A dotted option name such as `hint.strategy` or `kind`, without consuming.
pub(crate) fn peek_option_name<'a>(i: &In<'a>) -> Option<&'a str> {
    let i = ws(*i);
    let r: PResult<In> = take_while1(|c: char| is_ident_char(c) || c == '.')(i);
    let (_, w) = r.ok()?;
    let w: &'a str = text(&w);
    (w.starts_with(is_ident_start) && !w.ends_with('.')).then_some(w)
}

/// Parse `open item (, item)* close`, reporting an unclosed bracket at its opening.
pub(crate) fn delimited<'a, T>(
    i: In<'a>,
    open: &str,
    close: &str,
    mut item: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, (Vec<T>, Span)> {
    let (mut i, open_span) = punct(i, open)?;
    let _guard = enter(&i)?;
    let mut items = Vec::new();
    if let Some((rest, close_span)) = try_punct(i, close) {
        return Ok((rest, (items, open_span.to(close_span))));
    }
    loop {
        let (rest, it) = cut(item(i))?;
        items.push(it);
        i = rest;
        match try_punct(i, ",") {
            Some((rest, _)) if at_punct(&rest, close) && close == "]" => i = rest,
            Some((rest, _)) => {
                i = rest;
                continue;
            }
            None => {}
        }
        break;
    }
    let (rest, close_span) = closing(i, open, close, open_span)?;
    Ok((rest, (items, open_span.to(close_span))))
}

/// The closing bracket of a list; at end of input (or `;`) the error points at the opening one.
pub(crate) fn closing<'a>(
    i: In<'a>,
    open: &str,
    close: &str,
    open_span: Span,
) -> PResult<'a, Span> {
    let expected = vec!["','".to_string(), format!("'{close}'")];
    let wanted = format!("',' or '{close}'");
    closing_expecting(i, (open, close), open_span, &wanted, expected)
}

/// A closing bracket where no comma may come (a parenthesised expression, a sub-query).
pub(crate) fn closing_paren<'a>(
    i: In<'a>,
    open: &str,
    close: &str,
    open_span: Span,
) -> PResult<'a, Span> {
    let expected = vec![format!("'{close}'")];
    let wanted = format!("'{close}' or an operator");
    closing_expecting(i, (open, close), open_span, &wanted, expected)
}

/// `close`, or an error saying what was `wanted` instead of the token found.
fn closing_expecting<'a>(
    i: In<'a>,
    (open, close): (&str, &str),
    open_span: Span,
    wanted: &str,
    expected: Vec<String>,
) -> PResult<'a, Span> {
    if let Some(ok) = try_punct(i, close) {
        return Ok(ok);
    }
    let j = ws(i);
    if text(&j).is_empty() || text(&j).starts_with(';') {
        return failure(open_span, format!("unclosed '{open}' opened here"));
    }
    let found = describe_token(&j);
    let mut e = PErr::message(token_span(&j), format!("expected {wanted}, found {found}"));
    e.expected = expected;
    Err(nom::Err::Failure(e))
}
