//! # kqlite-parser
//!
//! KQL text to an AST with byte spans, or a structured [`ParseError`]. Knows nothing of
//! Arrow or DataFusion.
//!
//! ## Architecture
//! - `lexer`: whitespace/comments, punctuation, keywords, identifiers, error helpers, the
//!   nesting-depth guard. Every parser skips whitespace *before* its token.
//! - `literals` / `time`: strings, numbers, timespans, typed literals, datetime arithmetic.
//! - `expr`: expressions by precedence, pipelines.
//! - `sources` / `operators`: tabular sources and the operators after `|`; `grouping`
//!   (`make-series`, `top-nested`, ...), `nested` (operators holding sub-queries: `mv-apply`,
//!   `partition`, `fork`, `facet`, `scan`) and `search` (`search`/`find`, also as sources).
//! - `statements`: `let`, `set`, `declare`, the query.
//! - [`printer`]: the canonical printer (`parse(print(parse(x))) == parse(x)`).
//! - `hints`: better messages for common mistakes (placeholders, `=` for `==`, ...).
//! - [`tokens()`]: a total lexer for syntax highlighting; [`split_queries`] for `.kql` files.
//!
//! The grammar accepted is documented in `grammar/kql.ebnf` at the workspace root.

// `Source::Datatable` and friends are much larger than `Union`; boxing is the planner's call.
#[allow(clippy::large_enum_variant)]
pub mod ast;
mod error;
mod expr;
mod grouping;
mod hints;
mod lexer;
mod literals;
mod nested;
mod operators;
pub mod printer;
mod search;
mod sources;
mod split;
mod statements;
mod time;
mod tokens;

pub use ast::*;
pub use error::ParseError;
pub use operators::OPERATOR_KEYWORDS;
pub use split::split_queries;
pub use time::parse_timespan_text;
pub use tokens::{tokens, TokenKind};

use lexer::{at_eof, describe_token, token_span, Ctx, In};

/// Parse a whole query text: statements separated by `;`.
pub fn parse_query(text: &str) -> Result<Query, ParseError> {
    let ctx = Ctx::default();
    let input = In::new_extra(text, &ctx);
    match statements::query(input) {
        Ok((_, q)) => Ok(q),
        Err(e) => Err(hints::improve(into_error(e), text)),
    }
}

/// Parse a single expression (possibly a pipeline) that must span the whole text.
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let ctx = Ctx::default();
    let input = In::new_extra(text, &ctx);
    let (rest, e) = expr::pipeline(input).map_err(|e| hints::improve(into_error(e), text))?;
    if !at_eof(&rest) {
        let message = format!("unexpected {} after the expression", describe_token(&rest));
        return Err(ParseError {
            span: token_span(&rest),
            message,
            expected: vec!["end of input".into()],
        });
    }
    Ok(e)
}

fn into_error(e: nom::Err<error::PErr>) -> ParseError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e.into_public(),
        nom::Err::Incomplete(_) => ParseError {
            span: Span::default(),
            message: "internal error: incomplete input".into(),
            expected: Vec::new(),
        },
    }
}
