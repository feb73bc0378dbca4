//! Statements: `let`, `set`, `declare query_parameters`, tabular expressions; and the query
//! that holds them, separated by `;`.

use crate::ast::{Lambda, Param, ParamType, Query, Spanned, Statement};
use crate::error::PErr;
use crate::expr::{or_expr, pipeline};
use crate::lexer::{
    at_kw, at_punct, closing, cut, delimited, describe_token, enter, expect, ident, kw, pos, punct,
    skip, span_from, text, token_span, try_kw, try_punct, ws, In, PResult,
};
use crate::sources::column_decls;

/// A whole query text: `stmt (; stmt)* [;]`.
pub(crate) fn query(i: In) -> PResult<Query> {
    let (i, statements) = statement_list(i, false)?;
    Ok((i, Query { statements }))
}

/// Statements until end of input (or `}` inside a function body).
fn statement_list(mut i: In, in_body: bool) -> PResult<Vec<Spanned<Statement>>> {
    let mut statements = Vec::new();
    loop {
        i = ws(i);
        if text(&i).is_empty() || (in_body && text(&i).starts_with('}')) {
            return Ok((i, statements));
        }
        if let Some((rest, _)) = try_punct(i, ";") {
            i = rest;
            continue;
        }
        let (rest, st) = statement(i)?;
        statements.push(st);
        i = ws(rest);
        let at_end = text(&i).is_empty() || (in_body && text(&i).starts_with('}'));
        if !at_end && !at_punct(&i, ";") {
            return unexpected(&i, in_body);
        }
    }
}

fn unexpected<'a, O>(i: &In<'a>, in_body: bool) -> PResult<'a, O> {
    let end = if in_body { "'}'" } else { "end of input" };
    let mut e = PErr::message(token_span(i), format!("unexpected {}", describe_token(i)));
    e.expected = vec!["'|'".to_string(), "';'".to_string(), end.to_string()];
    Err(nom::Err::Failure(e))
}

fn statement(i: In) -> PResult<Spanned<Statement>> {
    let i = ws(i);
    let start = pos(&i);
    let (rest, st) = if at_kw(&i, "let") {
        if ident(skip(i, 3)).is_err() {
            return let_without_name(skip(i, 3));
        }
        let_statement(i)?
    } else if at_kw(&i, "set") && ident(skip(i, 3)).is_ok() {
        set_statement(i)?
    } else if at_kw(&i, "declare") {
        declare_statement(i)?
    } else {
        let (rest, e) = pipeline(i)?;
        (rest, Statement::Tabular(e))
    };
    Ok((rest, Spanned::new(st, span_from(start, &rest))))
}

/// `let` not followed by a name; a name that reads as a number or timespan (`1day`) gets a
/// quoting hint.
fn let_without_name<O>(after: In) -> PResult<O> {
    let j = ws(after);
    let sp = token_span(&j);
    let token = &text(&j)[..sp.end - sp.start];
    let message = if token.starts_with(|c: char| c.is_ascii_digit()) {
        format!("'{token}' reads as a number or timespan: write ['{token}'] to use it as a name")
    } else {
        format!("expected a name after 'let', found {}", describe_token(&j))
    };
    Err(nom::Err::Failure(PErr::message(sp, message)))
}

/// `let name = expr` or `let name = [view] (params) { body }`
fn let_statement(i: In) -> PResult<Statement> {
    let (i, _) = kw(i, "let")?;
    let (i, name) = cut(ident(i))?;
    let (i, _) = expect(i, "=")?;
    let view = try_kw(i, "view");
    let after_view = view.map_or(i, |(r, _)| r);
    if at_lambda(after_view) {
        let (rest, mut function) = cut(lambda(after_view))?;
        function.view = view.is_some();
        return Ok((rest, Statement::LetFunction { name, function }));
    }
    let (rest, value) = cut(pipeline(i))?;
    Ok((rest, Statement::Let { name, value }))
}

/// `(` followed by `)` or `name :` starts a function definition.
fn at_lambda(i: In) -> bool {
    let Some((rest, _)) = try_punct(i, "(") else {
        return false;
    };
    if at_punct(&rest, ")") {
        return text(&ws(skip(ws(rest), 1))).starts_with('{');
    }
    match ident(rest) {
        Ok((after, _)) => at_punct(&after, ":"),
        Err(_) => false,
    }
}

/// `(params) { statements }`
fn lambda(i: In) -> PResult<Lambda> {
    let (i, (params, _)) = delimited(i, "(", ")", param)?;
    let (i, open) = expect(i, "{")?;
    let _guard = enter(&i)?;
    let (i, body) = statement_list(i, true)?;
    let (rest, _) = closing(i, "{", "}", open)?;
    let view = false;
    Ok((rest, Lambda { view, params, body }))
}

/// `name:type [= default]`, `T:(*)`, `T:(Col:type, ...)`
pub(crate) fn param(i: In) -> PResult<Param> {
    let (i, name) = ident(i)?;
    let (i, _) = expect(i, ":")?;
    let (i, ty) = cut(param_type(i))?;
    let Some((i, _)) = try_punct(i, "=") else {
        return Ok((
            i,
            Param {
                name,
                ty,
                default: None,
            },
        ));
    };
    let (rest, default) = cut(or_expr(i))?;
    Ok((
        rest,
        Param {
            name,
            ty,
            default: Some(default),
        },
    ))
}

fn param_type(i: In) -> PResult<ParamType> {
    if !at_punct(&i, "(") {
        let (rest, ty) = crate::lexer::word(i)?;
        return Ok((rest, ParamType::Scalar(ty)));
    }
    let (after, open) = punct(i, "(")?;
    if let Some((after, _)) = try_punct(after, "*") {
        let (rest, _) = closing(after, "(", ")", open)?;
        return Ok((rest, ParamType::Tabular(Vec::new())));
    }
    let (rest, cols) = column_decls(i)?;
    Ok((rest, ParamType::Tabular(cols)))
}

/// `set name [= value]`
fn set_statement(i: In) -> PResult<Statement> {
    let (i, _) = kw(i, "set")?;
    let (i, name) = cut(ident(i))?;
    let Some((i, _)) = try_punct(i, "=") else {
        return Ok((i, Statement::Set { name, value: None }));
    };
    let (rest, value) = cut(or_expr(i))?;
    Ok((
        rest,
        Statement::Set {
            name,
            value: Some(value),
        },
    ))
}

/// `declare query_parameters(name:type [= default], ...)`
fn declare_statement(i: In) -> PResult<Statement> {
    let (i, _) = kw(i, "declare")?;
    let (i, _) = cut(kw(i, "query_parameters"))?;
    let (rest, (params, _)) = cut(delimited(i, "(", ")", param))?;
    Ok((rest, Statement::DeclareParameters(params)))
}
