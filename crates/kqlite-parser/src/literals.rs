//! Literal parsers: strings in all their forms, numbers and timespans, typed literals
//! (`datetime(...)`, `int(5)`, `dynamic([...])`...).

use crate::ast::{Dynamic, Expr, ExprKind, Literal, ScalarType, Span, Spanned};
use crate::lexer::{
    cut, delimited, enter, error, expect, failure, is_ident_char, pos, punct, skip, span_from,
    text, ws, In, PResult,
};
use crate::time;

/// Whether a string literal starts at `i` (after whitespace).
pub(crate) fn at_string(i: &In) -> bool {
    string_prefix(text(&ws(*i))).is_some()
}

/// Length of the prefix before the quote (`h`, `@`, `h@`), the quote and whether verbatim.
fn string_prefix(s: &str) -> Option<(usize, char, bool)> {
    if s.starts_with("```") {
        return Some((0, '`', true));
    }
    let obfuscated = usize::from(s.starts_with(['h', 'H']));
    let rest = &s[obfuscated..];
    let verbatim = rest.starts_with('@');
    let quote = rest[usize::from(verbatim)..].chars().next()?;
    matches!(quote, '"' | '\'').then_some((obfuscated + usize::from(verbatim), quote, verbatim))
}

/// One or more adjacent string literals, concatenated.
pub(crate) fn string_lit<'a>(i: In<'a>) -> PResult<'a, (String, Span)> {
    let (mut i, (mut value, mut sp)) = string_token(i)?;
    while at_string(&i) {
        let (rest, (more, more_sp)) = string_token(i)?;
        value += &more;
        sp = sp.to(more_sp);
        i = rest;
    }
    Ok((i, (value, sp)))
}

/// A single string literal token.
fn string_token<'a>(i: In<'a>) -> PResult<'a, (String, Span)> {
    let i = ws(i);
    let Some((prefix, quote, verbatim)) = string_prefix(text(&i)) else {
        return error(&i, "a string literal");
    };
    let start = pos(&i);
    let body = skip(i, prefix);
    let scanned = match (quote, verbatim) {
        ('`', _) => scan_multiline(text(&body)),
        (_, true) => scan_verbatim(&text(&body)[1..], quote),
        (_, false) => scan_escaped(&text(&body)[1..], quote),
    };
    let Some((value, consumed)) = scanned else {
        let line_end = text(&i).find('\n').unwrap_or(text(&i).len());
        return failure(
            Span::new(start, start + line_end),
            "unterminated string literal",
        );
    };
    let offset = if quote == '`' { 0 } else { 1 };
    let rest = skip(body, consumed + offset);
    Ok((rest, (value, span_from(start, &rest))))
}

/// ```` ```text``` ````: returns the text and the bytes consumed including fences.
fn scan_multiline(s: &str) -> Option<(String, usize)> {
    let end = s[3..].find("```")?;
    Some((s[3..3 + end].to_string(), end + 6))
}

/// `@"..."`: a doubled quote stands for one quote. Returns value and bytes after the opening quote.
fn scan_verbatim(s: &str, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != quote {
            value.push(c);
        } else if chars.peek().map(|(_, n)| *n) == Some(quote) {
            value.push(quote);
            chars.next();
        } else {
            return Some((value, at + 1));
        }
    }
    None
}

/// `"..."` with backslash escapes; may not span lines.
fn scan_escaped(s: &str, quote: char) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                push_escape(&mut value, e, &mut chars);
            }
            c if c == quote => return Some((value, at + 1)),
            c => value.push(c),
        }
    }
    None
}

fn push_escape(value: &mut String, e: char, chars: &mut std::str::CharIndices) {
    match e {
        'n' => value.push('\n'),
        't' => value.push('\t'),
        'r' => value.push('\r'),
        '0' => value.push('\0'),
        '\\' | '"' | '\'' => value.push(e),
        'u' => {
            let hex: String = chars.clone().take(4).map(|(_, c)| c).collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) if hex.len() == 4 => {
                    value.push(c);
                    chars.nth(3);
                }
                _ => value.push_str("\\u"),
            }
        }
        other => {
            value.push('\\');
            value.push(other);
        }
    }
}

/// Whether a number starts at `s` (a digit, or `.` then a digit).
pub(crate) fn starts_number(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() => true,
        Some(b'.') => b.get(1).is_some_and(u8::is_ascii_digit),
        _ => false,
    }
}

/// The length of a name that starts with digits at `s` (`5h_MovingAvg`, `50th_Percentile`,
/// as Kusto's docs write them): a word of name characters that reads as no number or timespan.
pub(crate) fn digit_name_len(s: &str) -> Option<usize> {
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let parts = NumberParts::scan(s);
    let len = s.find(|c| !is_ident_char(c)).unwrap_or(s.len());
    let plain = parts.hex.is_none() && parts.frac.is_none() && parts.exponent.is_none();
    let not_number = !parts.unit.is_empty() && parts.value(false).is_none();
    (plain && not_number && len == parts.len && !parts.timespan_too_long()).then_some(len)
}

/// A numeric or timespan literal at `i` (no leading whitespace skipping: the caller decides).
/// A literal with its sign, as a `datatable` value: `-9223372036854775808` is a long here.
pub(crate) fn signed_literal<'a>(i: In<'a>) -> Option<(In<'a>, Literal)> {
    let i = ws(i);
    let digits = text(&i).strip_prefix('-')?;
    let parts = NumberParts::scan(digits);
    if parts.hex.is_some()
        || parts.frac.is_some()
        || parts.exponent.is_some()
        || !parts.unit.is_empty()
    {
        return None;
    }
    let v = format!("-{}", parts.int).parse::<i64>().ok()?;
    Some((skip(i, 1 + parts.len), Literal::Long(v)))
}

pub(crate) fn number<'a>(i: In<'a>, negative: bool) -> PResult<'a, Literal> {
    let s = text(&i);
    if !starts_number(s) {
        return error(&i, "a number");
    }
    let parts = NumberParts::scan(s);
    let rest = skip(i, parts.len);
    let sp = span_from(pos(&i), &rest);
    match parts.value(negative) {
        Some(lit) => Ok((rest, lit)),
        None if parts.int.parse::<u128>().is_ok() && parts.len == parts.int.len() => failure(
            sp,
            format!("the number {} is too large for a long", parts.int),
        ),
        None if parts.timespan_too_long() => failure(
            sp,
            format!(
                "not supported yet: the timespan {}: kqlite holds timespans as 64-bit \
                 nanoseconds, up to 106751 days",
                &s[..parts.len]
            ),
        ),
        None => failure(sp, format!("invalid number literal '{}'", &s[..parts.len])),
    }
}

/// The pieces of a numeric token: `0x1F`, `12`, `1.5`, `.5`, `1e3`, `1.5d`, `10microseconds`.
struct NumberParts<'s> {
    hex: Option<&'s str>,
    int: &'s str,
    frac: Option<&'s str>,
    exponent: Option<&'s str>,
    unit: &'s str,
    len: usize,
}

impl<'s> NumberParts<'s> {
    fn scan(s: &'s str) -> Self {
        let digits = |from: usize| from + s[from..].bytes().take_while(u8::is_ascii_digit).count();
        let word_end = |from: usize| {
            from + s[from..]
                .find(|c| !is_ident_char(c))
                .unwrap_or(s.len() - from)
        };
        if s.starts_with("0x") || s.starts_with("0X") {
            let end = word_end(2);
            return NumberParts {
                hex: Some(&s[2..end]),
                int: "",
                frac: None,
                exponent: None,
                unit: "",
                len: end,
            };
        }
        let int_end = digits(0);
        let mut end = int_end;
        let mut frac = None;
        if s[end..].starts_with('.') && s[end + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            let frac_end = digits(end + 1);
            frac = Some(&s[end + 1..frac_end]);
            end = frac_end;
        }
        let mut exponent = None;
        if let Some(exp_len) = exponent_len(&s[end..]) {
            exponent = Some(&s[end..end + exp_len]);
            end += exp_len;
        }
        let unit_end = word_end(end);
        NumberParts {
            hex: None,
            int: &s[..int_end],
            frac,
            exponent,
            unit: &s[end..unit_end],
            len: unit_end,
        }
    }

    fn value(&self, negative: bool) -> Option<Literal> {
        let sign: i128 = if negative { -1 } else { 1 };
        if let Some(hex) = self.hex {
            let v = i128::from_str_radix(hex, 16).ok()? * sign;
            return i64::try_from(v).ok().map(Literal::Long);
        }
        if !self.unit.is_empty() {
            let unit = time::timespan_unit(self.unit)?;
            let nanos = match self.exponent {
                Some(_) => (self.real()? * unit as f64) as i64,
                None => time::scale_decimal(self.int, self.frac.unwrap_or(""), unit)?,
            };
            // Kusto's timespans are whole 100 ns ticks: what is finer is dropped.
            let nanos = nanos / time::NANOS_PER_TICK * time::NANOS_PER_TICK;
            return Some(Literal::Timespan(if negative { -nanos } else { nanos }));
        }
        if self.frac.is_some() || self.exponent.is_some() {
            return Some(Literal::Real(if negative {
                -self.real()?
            } else {
                self.real()?
            }));
        }
        // In an expression the digits must fit a long before the sign applies: Kusto
        // rejects -9223372036854775808 there (a datatable value may hold it, see
        // `signed_literal`).
        let v = self.int.parse::<i64>().ok()?;
        Some(Literal::Long(if negative { -v } else { v }))
    }

    /// A timespan whose whole units are more nanoseconds than 64 bits hold (Kusto's own
    /// limit, in 100 ns ticks, is a hundred times longer).
    fn timespan_too_long(&self) -> bool {
        let whole = self.int.parse::<i128>().unwrap_or(i128::MAX);
        time::timespan_unit(self.unit)
            .is_some_and(|unit| whole.saturating_mul(i128::from(unit)) > i128::from(i64::MAX))
    }

    fn real(&self) -> Option<f64> {
        let text = format!(
            "{}.{}{}",
            self.int,
            self.frac.unwrap_or("0"),
            self.exponent.unwrap_or("")
        );
        text.parse().ok()
    }
}

/// Length of an exponent suffix `e3`, `E-5`, `e+10` at the start of `s`.
fn exponent_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'e' | b'E')) {
        return None;
    }
    let sign = usize::from(matches!(b.get(1), Some(b'+' | b'-')));
    let n = b[1 + sign..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 0).then_some(1 + sign + n)
}

/// Names that introduce a typed literal when followed by `(`.
pub(crate) fn is_typed_literal(name: &str) -> bool {
    matches!(
        name,
        "datetime"
            | "date"
            | "time"
            | "timespan"
            | "int"
            | "long"
            | "real"
            | "double"
            | "bool"
            | "boolean"
            | "guid"
            | "dynamic"
            | "decimal"
            | "string"
    )
}

/// `type(...)` as a literal, or `None` when the content is not a literal (then it is a call).
pub(crate) fn typed_literal<'a>(i: In<'a>) -> PResult<'a, Option<Expr>> {
    let i = ws(i);
    let start = pos(&i);
    let name = crate::lexer::peek_word(&i).unwrap_or("");
    let ty = ScalarType::from_name(name).unwrap_or(ScalarType::String);
    let (inner, open) = punct(skip(i, name.len()), "(")?;
    if name == "dynamic" {
        let (rest, value) = dynamic_body(inner, open)?;
        return Ok((
            rest,
            Some(Spanned::new(
                ExprKind::Literal(value),
                span_from(start, &rest),
            )),
        ));
    }
    let raw_len = text(&inner).find([')', '\n']).unwrap_or(text(&inner).len());
    let raw = text(&inner)[..raw_len].trim();
    let Some(lit) = literal_from_text(ty, raw) else {
        return match ty {
            ScalarType::Datetime if time::datetime_out_of_range(unquote(raw)) => failure(
                Span::new(start, pos(&inner) + raw_len),
                format!(
                    "not supported yet: datetime({raw}): kqlite holds datetimes as 64-bit \
                     nanoseconds, from 1677-09-21 to 2262-04-11"
                ),
            ),
            ScalarType::Datetime | ScalarType::Timespan | ScalarType::Guid => {
                let what = ty.name();
                failure(
                    Span::new(start, pos(&inner) + raw_len),
                    format!("invalid {what} literal '{raw}'"),
                )
            }
            _ => Ok((i, None)),
        };
    };
    let (rest, _) = crate::lexer::closing(skip(inner, raw_len), "(", ")", open)?;
    Ok((
        rest,
        Some(Spanned::new(
            ExprKind::Literal(lit),
            span_from(start, &rest),
        )),
    ))
}

/// The literal a typed-literal body denotes, if any.
fn literal_from_text(ty: ScalarType, raw: &str) -> Option<Literal> {
    if raw == "null" {
        return Some(Literal::Null(ty));
    }
    let raw = unquote(raw);
    Some(match ty {
        ScalarType::Datetime => Literal::Datetime(time::parse_datetime(raw)?),
        ScalarType::Timespan => Literal::Timespan(time::parse_timespan_text(raw)?),
        ScalarType::Guid if !raw.is_empty() => Literal::Guid(raw.to_string()),
        ScalarType::Int => Literal::Int(i32::try_from(parse_integer(raw)?).ok()?),
        ScalarType::Long => Literal::Long(parse_integer(raw)?),
        ScalarType::Real => Literal::Real(parse_real(raw)?),
        ScalarType::Decimal => {
            parse_real(raw)?;
            Literal::Decimal(raw.to_string())
        }
        ScalarType::Bool => Literal::Bool(parse_bool(raw)?),
        _ => return None,
    })
}

/// The text of `datetime("...")` or `datetime('...')` without its quotes.
fn unquote(raw: &str) -> &str {
    let double = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'));
    double
        .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(raw)
}

/// `5`, `-5`, `0x1F` inside `int(...)`/`long(...)`.
fn parse_integer(raw: &str) -> Option<i64> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let parts = NumberParts::scan(digits);
    match parts.value(negative) {
        Some(Literal::Long(v)) if parts.len == digits.len() => Some(v),
        _ => None,
    }
}

fn parse_real(raw: &str) -> Option<f64> {
    match raw {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ if raw.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) => {
            raw.parse().ok()
        }
        _ => None,
    }
}

pub(crate) fn parse_bool(word: &str) -> Option<bool> {
    match word {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// The inside of `dynamic(...)`, after the `(`, through the `)`.
fn dynamic_body<'a>(i: In<'a>, open: Span) -> PResult<'a, Literal> {
    let lit = if crate::lexer::at_kw(&i, "null") {
        let (rest, _) = crate::lexer::kw(i, "null")?;
        (rest, Literal::Null(ScalarType::Dynamic))
    } else {
        let (rest, value) = cut(dynamic_value(i))?;
        (rest, Literal::Dynamic(value))
    };
    let (rest, _) = crate::lexer::closing(lit.0, "(", ")", open)?;
    Ok((rest, lit.1))
}

/// A JSON-like value: `null`, arrays, objects, scalar literals.
fn dynamic_value<'a>(i: In<'a>) -> PResult<'a, Dynamic> {
    let i = ws(i);
    let _guard = enter(&i)?;
    let s = text(&i);
    if s.starts_with('[') {
        let (rest, (items, _)) = delimited(i, "[", "]", dynamic_value)?;
        return Ok((rest, Dynamic::Array(items)));
    }
    if s.starts_with('{') {
        let (rest, (pairs, _)) = delimited(i, "{", "}", dynamic_pair)?;
        return Ok((rest, Dynamic::Object(pairs)));
    }
    if crate::lexer::at_kw(&i, "null") {
        let (rest, _) = crate::lexer::kw(i, "null")?;
        return Ok((rest, Dynamic::Null));
    }
    let (rest, lit) = scalar_literal(i)?;
    Ok((rest, Dynamic::Value(Box::new(lit))))
}

/// `"key": value` (the key may also be a bare word).
fn dynamic_pair<'a>(i: In<'a>) -> PResult<'a, (String, Dynamic)> {
    let (i, key) = if at_string(&i) {
        let (rest, (k, _)) = string_lit(i)?;
        (rest, k)
    } else {
        let (rest, k) = crate::lexer::word(i)?;
        (rest, k.node)
    };
    let (i, _) = expect(i, ":")?;
    let (i, value) = cut(dynamic_value(i))?;
    Ok((i, (key, value)))
}

/// A scalar literal: optionally signed number, string, bool or typed literal.
pub(crate) fn scalar_literal<'a>(i: In<'a>) -> PResult<'a, Literal> {
    let i = ws(i);
    let s = text(&i);
    if at_string(&i) {
        let (rest, (v, _)) = string_lit(i)?;
        return Ok((rest, Literal::String(v)));
    }
    if let Some((rest, lit)) = signed_literal(i) {
        return Ok((rest, lit));
    }
    if let Some(sign @ ('-' | '+')) = s.chars().next() {
        if starts_number(&s[1..]) {
            return number(skip(i, 1), sign == '-');
        }
    }
    if starts_number(s) {
        return number(i, false);
    }
    let word = crate::lexer::peek_word(&i).unwrap_or("");
    if let Some(b) = parse_bool(word) {
        return Ok((skip(i, word.len()), Literal::Bool(b)));
    }
    if is_typed_literal(word) && text(&ws(skip(i, word.len()))).starts_with('(') {
        if let (
            rest,
            Some(Spanned {
                node: ExprKind::Literal(lit),
                ..
            }),
        ) = typed_literal(i)?
        {
            return Ok((rest, lit));
        }
    }
    error(&i, "a literal")
}
