//! Scalar expressions by precedence (lowest first): pipeline `|`, `or`, `and`, comparisons and
//! string/list predicates (one level, non-associative), `+ -`, `* / %`, unary `- +`, postfix
//! `.name` / `[index]`, primary.

use crate::ast::{
    BinaryOp, Expr, ExprKind, ListOp, Literal, Span, Spanned, UnaryOp, BINARY_OPS, LIST_OPS,
};
use crate::lexer::{
    at_punct, closing, closing_paren, cut, delimited, enter, error, expect, failure, ident,
    is_ident_char, is_ident_start, peek_word, pos, punct, skip, span_from, text, try_kw, try_punct,
    ws, In, PResult,
};
use crate::literals::{self, at_string, number, starts_number, string_lit};
use crate::{operators, sources};

/// A tabular or scalar expression: `input | op | op ...`.
pub(crate) fn pipeline<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let _guard = enter(&i)?;
    let (mut i, input, mut ops) = match crate::search::source_form(i)? {
        Some((rest, (input, op))) => (rest, input, vec![op]),
        None => {
            let (rest, input) = or_expr(i)?;
            (rest, input, Vec::new())
        }
    };
    while at_punct(&i, "|") {
        let (rest, op) = operators::operator(i)?;
        ops.push(op);
        i = rest;
    }
    let Some(last) = ops.last() else {
        return Ok((i, input));
    };
    let sp = input.span.to(last.span);
    Ok((
        i,
        Spanned::new(
            ExprKind::Pipe {
                input: Box::new(input),
                ops,
            },
            sp,
        ),
    ))
}

pub(crate) fn or_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    left_assoc(i, and_expr, |i| word_op(i, "or", BinaryOp::Or))
}

fn and_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    left_assoc(i, cmp_expr, |i| word_op(i, "and", BinaryOp::And))
}

/// `a + b - c`: an operand of a comparison.
pub(crate) fn add_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    left_assoc(i, mul_expr, |i| {
        symbol_op(i, &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)])
    })
}

fn mul_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    const OPS: &[(&str, BinaryOp)] = &[
        ("*", BinaryOp::Mul),
        ("/", BinaryOp::Div),
        ("%", BinaryOp::Mod),
    ];
    left_assoc(i, unary, |i| symbol_op(i, OPS))
}

type OpFn<'a> = fn(&In<'a>) -> Option<(In<'a>, BinaryOp)>;

/// `operand (op operand)*`, left-associative; the right operand is required after an operator.
/// Each link of the chain deepens the tree, so it counts as a nesting level until the chain ends.
fn left_assoc<'a>(
    i: In<'a>,
    operand: fn(In<'a>) -> PResult<'a, Expr>,
    op: OpFn<'a>,
) -> PResult<'a, Expr> {
    let (mut i, mut left) = operand(i)?;
    let mut depth_guards = Vec::new();
    while let Some((rest, op)) = op(&i) {
        depth_guards.push(enter(&rest)?);
        let (rest, right) = cut(operand(rest))?;
        left = binary(op, left, right);
        i = rest;
    }
    Ok((i, left))
}

pub(crate) fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let sp = left.span.to(right.span);
    Spanned::new(
        ExprKind::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        },
        sp,
    )
}

fn word_op<'a>(i: &In<'a>, word: &str, op: BinaryOp) -> Option<(In<'a>, BinaryOp)> {
    try_kw(*i, word).map(|(rest, _)| (rest, op))
}

fn symbol_op<'a>(i: &In<'a>, ops: &[(&str, BinaryOp)]) -> Option<(In<'a>, BinaryOp)> {
    ops.iter()
        .find_map(|(sym, op)| try_punct(*i, sym).map(|(rest, _)| (rest, *op)))
}

/// The operator of a comparison-level expression.
enum Cmp {
    Binary(BinaryOp),
    List(ListOp),
    Between(bool),
}

const CMP_SYMBOLS: &[(&str, BinaryOp)] = &[
    ("==", BinaryOp::Eq),
    ("!=", BinaryOp::NotEq),
    ("=~", BinaryOp::EqCi),
    ("!~", BinaryOp::NotEqCi),
    ("<=", BinaryOp::LtEq),
    (">=", BinaryOp::GtEq),
    ("<>", BinaryOp::NotEq),
    ("<", BinaryOp::Lt),
    (">", BinaryOp::Gt),
];

/// Whether a comparison operator starts at `i`, and its span.
pub(crate) fn at_cmp_operator(i: &In) -> Option<Span> {
    cmp_operator(i).map(|(_, _, sp)| sp)
}

/// A comparison operator at `i`: a symbol or a whole word (`has` never matches `hasprefix`).
fn cmp_operator<'a>(i: &In<'a>) -> Option<(In<'a>, Cmp, Span)> {
    let i = ws(*i);
    let s = text(&i);
    if s.starts_with(':') && i.extra.search_colon() {
        let rest = skip(i, 1);
        return Some((rest, Cmp::Binary(BinaryOp::Has), span_from(pos(&i), &rest)));
    }
    for (sym, op) in CMP_SYMBOLS {
        if s.starts_with(sym) {
            let rest = skip(i, sym.len());
            return Some((rest, Cmp::Binary(*op), span_from(pos(&i), &rest)));
        }
    }
    let bang = usize::from(s.starts_with('!'));
    if !s[bang..].starts_with(is_ident_start) {
        return None;
    }
    let mut len = bang
        + s[bang..]
            .find(|c| !is_ident_char(c))
            .unwrap_or(s.len() - bang);
    if s[len..].starts_with('~') {
        len += 1;
    }
    let (cmp, len) = word_cmp(&s[..len], &s[len..])?;
    let rest = skip(i, len);
    Some((rest, cmp, span_from(pos(&i), &rest)))
}

/// Look a word operator up; returns it and its full length (`matches regex` is two words).
fn word_cmp(word: &str, after: &str) -> Option<(Cmp, usize)> {
    if let Some((op, _)) = LIST_OPS.iter().find(|(_, s)| *s == word) {
        return Some((Cmp::List(*op), word.len()));
    }
    match word {
        "between" => return Some((Cmp::Between(false), word.len())),
        "!between" => return Some((Cmp::Between(true), word.len())),
        "and" | "or" => return None,
        "matches" => {
            let gap = after.len() - after.trim_start().len();
            let rest = &after[gap..];
            let whole = rest.starts_with("regex") && !rest[5..].starts_with(is_ident_char);
            return whole.then_some((Cmp::Binary(BinaryOp::MatchesRegex), word.len() + gap + 5));
        }
        _ => {}
    }
    let op = match word {
        "notcontains" => BinaryOp::NotContains,
        "containscs" => BinaryOp::ContainsCs,
        "notcontainscs" => BinaryOp::NotContainsCs,
        "nothas" => BinaryOp::NotHas,
        _ => BINARY_OPS.iter().find(|(_, s)| *s == word)?.0,
    };
    Some((Cmp::Binary(op), word.len()))
}

fn cmp_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, left) = add_expr(i)?;
    let Some((rest, cmp, _)) = cmp_operator(&i) else {
        return Ok((i, left));
    };
    let (rest, e) = match cmp {
        Cmp::Binary(op) => {
            let (rest, right) = cut(add_expr(rest))?;
            (rest, binary(op, left, right))
        }
        Cmp::List(op) => list_rhs(rest, op, left)?,
        Cmp::Between(negated) => between_rhs(rest, negated, left)?,
    };
    if let Some((_, _, sp)) = cmp_operator(&rest) {
        return failure(
            sp,
            "comparison operators cannot be chained; add parentheses",
        );
    }
    Ok((rest, e))
}

/// `in (a, b)`, `in (T | project x)`, or a single operand without parentheses.
fn list_rhs<'a>(i: In<'a>, op: ListOp, left: Expr) -> PResult<'a, Expr> {
    let (rest, items, end) = if at_punct(&i, "(") {
        let (rest, (items, sp)) = delimited(i, "(", ")", pipeline)?;
        (rest, items, sp)
    } else {
        let (rest, item) = cut(unary(i))?;
        let sp = item.span;
        (rest, vec![item], sp)
    };
    let sp = left.span.to(end);
    Ok((
        rest,
        Spanned::new(
            ExprKind::List {
                op,
                left: Box::new(left),
                items,
            },
            sp,
        ),
    ))
}

/// `between (low .. high)`
fn between_rhs<'a>(i: In<'a>, negated: bool, value: Expr) -> PResult<'a, Expr> {
    let (i, open) = expect(i, "(")?;
    let (i, low) = cut(add_expr(i))?;
    let (i, _) = expect(i, "..")?;
    let (i, high) = cut(add_expr(i))?;
    let (rest, close) = closing(i, "(", ")", open)?;
    let sp = value.span.to(close);
    let kind = ExprKind::Between {
        negated,
        value: Box::new(value),
        low: Box::new(low),
        high: Box::new(high),
    };
    Ok((rest, Spanned::new(kind, sp)))
}

/// Unary minus/plus; a sign directly before a number folds into the literal.
pub(crate) fn unary<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let i = ws(i);
    let start = pos(&i);
    let s = text(&i);
    let op = match s.chars().next() {
        Some('-') => UnaryOp::Neg,
        Some('+') => UnaryOp::Plus,
        _ => return postfix(i),
    };
    let after = skip(i, 1);
    if starts_number(text(&after)) {
        let (rest, lit) = number(after, op == UnaryOp::Neg)?;
        return postfix_loop(
            rest,
            Spanned::new(ExprKind::Literal(lit), span_from(start, &rest)),
        );
    }
    let _guard = enter(&i)?;
    let (rest, operand) = cut(unary(after))?;
    let sp = span_from(start, &rest);
    Ok((
        rest,
        Spanned::new(
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            sp,
        ),
    ))
}

/// A primary expression followed by `.name` and `[index]`.
pub(crate) fn postfix<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, e) = primary(i)?;
    postfix_loop(i, e)
}

fn postfix_loop<'a>(mut i: In<'a>, mut e: Expr) -> PResult<'a, Expr> {
    loop {
        if let Some((rest, _)) = try_punct(i, ".") {
            let (rest, name) = cut(member_name(rest))?;
            let sp = e.span.to(name.span);
            e = Spanned::new(
                ExprKind::Member {
                    target: Box::new(e),
                    name,
                },
                sp,
            );
            i = rest;
        } else if let Some((rest, open)) = try_punct(i, "[") {
            let (rest, index) = cut(pipeline(rest))?;
            let (rest, close) = closing(rest, "[", "]", open)?;
            let sp = e.span.to(close);
            e = Spanned::new(
                ExprKind::Index {
                    target: Box::new(e),
                    index: Box::new(index),
                },
                sp,
            );
            i = rest;
        } else {
            return Ok((i, e));
        }
    }
}

/// After `.`: any word (keywords included) or a bracketed name.
fn member_name<'a>(i: In<'a>) -> PResult<'a, crate::ast::Ident> {
    let j = ws(i);
    if text(&j).starts_with('[') {
        return crate::lexer::bracket_name(j);
    }
    crate::lexer::word(j)
}

fn primary<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let i = ws(i);
    let start = pos(&i);
    let s = text(&i);
    if at_string(&i) {
        let (rest, (value, sp)) = string_lit(i)?;
        return Ok((
            rest,
            Spanned::new(ExprKind::Literal(Literal::String(value)), sp),
        ));
    }
    let digit_name = literals::digit_name_len(s).is_some();
    if starts_number(s) && !digit_name {
        let (rest, lit) = number(i, false)?;
        return Ok((
            rest,
            Spanned::new(ExprKind::Literal(lit), span_from(start, &rest)),
        ));
    }
    if digit_name {
        return word_primary(i);
    }
    match s.chars().next() {
        Some('(') => parenthesised(i),
        // `* has "x"`: any column (only an operand of a string operator means it).
        Some('*') => {
            let (rest, sp) = punct(i, "*")?;
            Ok((rest, Spanned::new(ExprKind::Star, sp)))
        }
        Some('[') => name_expr(i),
        Some('$') => name_expr(i),
        Some(c) if is_ident_start(c) => word_primary(i),
        _ => error(&i, "an expression"),
    }
}

/// `( pipeline )`: the parentheses leave no trace in the tree.
fn parenthesised<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, open) = punct(i, "(")?;
    let (i, e) = cut(pipeline(i))?;
    let (rest, _) = closing_paren(i, "(", ")", open)?;
    Ok((rest, e))
}

fn name_expr<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (rest, name) = ident(i)?;
    Ok((rest, Spanned::new(ExprKind::Name(name.node), name.span)))
}

/// A primary that starts with a word: literal keyword, source, typed literal, call or name.
fn word_primary<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let word = peek_word(&i).unwrap_or("");
    let after = skip(i, word.len());
    let paren_follows = text(&ws(after)).starts_with('(');
    if let Some(b) = literals::parse_bool(word) {
        let sp = span_from(pos(&i), &after);
        return Ok((after, Spanned::new(ExprKind::Literal(Literal::Bool(b)), sp)));
    }
    match word {
        "and" | "or" => error(&i, "an expression"),
        "union" => sources::union_source(i),
        "print" => sources::print_source(i),
        "datatable" if paren_follows => sources::datatable(i),
        "externaldata" if paren_follows => sources::externaldata(i),
        "range" if sources::at_range(after) => sources::range_source(i),
        w if paren_follows && literals::is_typed_literal(w) => match literals::typed_literal(i)? {
            (rest, Some(lit)) => Ok((rest, lit)),
            (_, None) => call(i),
        },
        _ if paren_follows => call(i),
        _ => name_expr(i),
    }
}

/// `name(args)`
pub(crate) fn call<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, name) = ident(i)?;
    let (rest, (args, sp)) = delimited(i, "(", ")", argument)?;
    let sp = name.span.to(sp);
    Ok((rest, Spanned::new(ExprKind::Call { name, args }, sp)))
}

/// A call argument: `*`, `name = expr` or a (possibly tabular) expression.
fn argument<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let i = ws(i);
    if let Some((rest, sp)) = try_punct(i, "*") {
        if at_punct(&rest, ",") || at_punct(&rest, ")") {
            return Ok((rest, Spanned::new(ExprKind::Star, sp)));
        }
    }
    if at_assign(&i) {
        return assign(i);
    }
    pipeline(i)
}

/// Whether `Name =` (not `==`, `=~`) starts at `i`.
pub(crate) fn at_assign(i: &In) -> bool {
    let starts_name = |c: char| is_ident_start(c) || c == '[' || c == '$';
    let s = text(&ws(*i));
    if !s.starts_with(starts_name) && literals::digit_name_len(s).is_none() {
        return false;
    }
    match ident(*i) {
        Ok((rest, _)) => at_punct(&rest, "="),
        Err(_) => false,
    }
}

/// Words that cannot name a column without brackets (`['first'] = ...`): Kusto's keywords
/// that are not also allowed as identifiers.
const RESERVED: &[&str] = &[
    "and",
    "as",
    "asc",
    "between",
    "by",
    "boolean",
    "byte",
    "char",
    "contains",
    "contains_cs",
    "containscs",
    "cycles",
    "datatable",
    "date",
    "datetime",
    "decimal",
    "desc",
    "double",
    "dynamic",
    "earliest",
    "endswith",
    "endswith_cs",
    "externaldata",
    "external_data",
    "find",
    "first",
    "flags",
    "float",
    "has",
    "has_all",
    "has_any",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "in",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "invoke",
    "isfuzzy",
    "kind",
    "last",
    "latest",
    "like",
    "likecs",
    "long",
    "materialize",
    "matches",
    "mdm",
    "missing",
    "notcontains",
    "notcontainscs",
    "notlike",
    "notlikecs",
    "of",
    "or",
    "others",
    "print",
    "project",
    "real",
    "sample",
    "search",
    "set",
    "simple",
    "sql",
    "startswith",
    "startswith_cs",
    "string",
    "time",
    "timespan",
    "title",
    "to",
    "toscalar",
    "totable",
    "uint",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
    "ulong",
    "union",
    "uniqueid",
    "verbose",
    "where",
    "withsource",
    "with_source",
    "with_itemindex",
    "with_match_id",
    "with_step_name",
];

/// `Name = expr` naming a column: a keyword needs brackets, as in Kusto.
pub(crate) fn column_assign<'a>(i: In<'a>) -> PResult<'a, Expr> {
    column_name(i)?;
    assign(i)
}

/// A new column's name: a keyword only in brackets (`['first']`).
pub(crate) fn column_name<'a>(i: In<'a>) -> PResult<'a, crate::ast::Ident> {
    let bracketed = text(&ws(i)).starts_with('[');
    let (rest, name) = ident(i)?;
    if !bracketed && RESERVED.contains(&name.node.as_str()) {
        let message = format!(
            "'{0}' is a keyword: write ['{0}'] to use it as a column name",
            name.node
        );
        return crate::lexer::failure(name.span, message);
    }
    Ok((rest, name))
}

/// `Name = expr`
pub(crate) fn assign<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, name) = ident(i)?;
    let (i, _) = punct(i, "=")?;
    let (rest, value) = cut(or_expr(i))?;
    let sp = name.span.to(value.span);
    Ok((
        rest,
        Spanned::new(
            ExprKind::Assign {
                name,
                value: Box::new(value),
            },
            sp,
        ),
    ))
}

/// A column item: `Name = expr`, `(A, B) = expr` or an expression.
pub(crate) fn item<'a>(i: In<'a>) -> PResult<'a, Expr> {
    if at_assign(&i) {
        column_assign(i)
    } else if let Some((rest, names)) = tuple_names(i) {
        tuple_assign(rest, names)
    } else {
        or_expr(i)
    }
}

/// `(A, B, ...) =` (not `==`): the names, and the input after the `=`.
fn tuple_names<'a>(i: In<'a>) -> Option<(In<'a>, Vec<crate::ast::Ident>)> {
    if !at_punct(&i, "(") {
        return None;
    }
    let (rest, (names, _)) = delimited(i, "(", ")", ident).ok()?;
    let (rest, _) = try_punct(rest, "=")?;
    (names.len() > 1).then_some((rest, names))
}

/// The value after `(A, B) =`, nested as `A = B = value` (see [`Expr::tuple_assign`]).
fn tuple_assign<'a>(i: In<'a>, names: Vec<crate::ast::Ident>) -> PResult<'a, Expr> {
    let (rest, mut e) = cut(or_expr(i))?;
    for name in names.into_iter().rev() {
        let sp = name.span.to(e.span);
        let value = Box::new(e);
        e = Spanned::new(ExprKind::Assign { name, value }, sp);
    }
    Ok((rest, e))
}

/// `item (, item)*` — at least one.
pub(crate) fn item_list<'a>(i: In<'a>) -> PResult<'a, Vec<Expr>> {
    comma_list(i, item)
}

/// `p (, p)*` — at least one.
pub(crate) fn comma_list<'a, T>(
    i: In<'a>,
    mut p: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let (mut i, first) = p(i)?;
    let mut items = vec![first];
    while let Some((rest, _)) = try_punct(i, ",") {
        let (rest, next) = cut(p(rest))?;
        items.push(next);
        i = rest;
    }
    Ok((i, items))
}

/// A column-name pattern with wildcards (`Account*`, `*Id`, `*`), when one is at `i`.
pub(crate) fn try_wildcard_name<'a>(i: In<'a>) -> Option<(In<'a>, Expr)> {
    let i = ws(i);
    let s = text(&i);
    let len = s
        .find(|c: char| !(is_ident_char(c) || c == '*'))
        .unwrap_or(s.len());
    let pattern = &s[..len];
    if !pattern.contains('*') || pattern.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let rest = skip(i, len);
    let sp = span_from(pos(&i), &rest);
    let kind = if pattern == "*" {
        ExprKind::Star
    } else {
        ExprKind::Name(pattern.to_string())
    };
    Some((rest, Spanned::new(kind, sp)))
}

/// A column item that may be a wildcard pattern.
pub(crate) fn column_or_pattern<'a>(i: In<'a>) -> PResult<'a, Expr> {
    match try_wildcard_name(i) {
        Some(ok) => Ok(ok),
        None => or_expr(i),
    }
}
