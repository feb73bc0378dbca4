//! `search` and `find`. A bare string in a search predicate looks in every column: `"err"` is
//! `has`, `"*err"` `hassuffix`, `"err*"` `hasprefix`, `"*err*"` `contains` and `"e*r"` a regex;
//! `Col:"err*"` applies the same rules to one column, `*` alone keeps every row, and
//! `kind=case_sensitive` makes them case-sensitive. The source forms arrive as a union with a
//! `$table` (search) or `source_` (find) column, from the parser.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{lit, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, BinaryOp, ExprKind, Find, Literal, Search, Span};

use crate::error::{build, PlanError, PlanResult};
use crate::expr::string_match;
use crate::join::option_word;
use crate::kernels::MatchOp;
use crate::names::column_names;
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn search(
        &mut self,
        plan: LogicalPlan,
        search: &Search,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let case_sensitive =
            option_word(&search.options, "kind").as_deref() == Some("case_sensitive");
        let schema = plan.schema().clone();
        let predicate = self.search_predicate(&search.predicate, &schema, case_sensitive)?;
        let found = build(LogicalPlanBuilder::from(plan).filter(predicate), span)?;
        if schema.has_column_with_unqualified_name("$table") {
            return Ok(found);
        }
        // Piped input has no table name: Kusto names it by position.
        let mut exprs = vec![lit("search_arg0").alias("$table")];
        exprs.extend(schema.columns().into_iter().map(Expr::Column));
        crate::projection::project(found, exprs, span)
    }

    /// `find where P project a, b`: the rows matching `P`, with the source column first.
    pub(crate) fn find(
        &mut self,
        plan: LogicalPlan,
        find: &Find,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        if find.project.is_empty() {
            return Err(PlanError::not_supported(
                span,
                "find without a project clause (name the columns: find ... project a, b)",
            ));
        }
        let schema = plan.schema().clone();
        let predicate = self.search_predicate(&find.predicate, &schema, false)?;
        let filtered = build(LogicalPlanBuilder::from(plan).filter(predicate), span)?;
        let source = option_word(&find.options, "withsource").unwrap_or_else(|| "source_".into());
        let mut items: Vec<ast::Expr> = column_names(filtered.schema())
            .into_iter()
            .filter(|n| *n == source)
            .map(|n| ast::Spanned::new(ExprKind::Name(n), span))
            .collect();
        items.extend(find.project.iter().cloned());
        self.project_items(filtered, &items, span)
    }

    fn search_predicate(
        &mut self,
        expr: &ast::Expr,
        schema: &DFSchema,
        case_sensitive: bool,
    ) -> PlanResult<Expr> {
        match &expr.node {
            ExprKind::Literal(Literal::String(term)) => {
                Ok(any_column(schema, term, case_sensitive))
            }
            ExprKind::Binary { op, left, right } if matches!(op, BinaryOp::And | BinaryOp::Or) => {
                let l = self.search_predicate(left, schema, case_sensitive)?;
                let r = self.search_predicate(right, schema, case_sensitive)?;
                Ok(if *op == BinaryOp::And {
                    l.and(r)
                } else {
                    l.or(r)
                })
            }
            // `search *` keeps every row.
            ExprKind::Star => Ok(lit(true)),
            // `Col:"term"`: the term's rules, in one column.
            ExprKind::Binary {
                op: BinaryOp::Has,
                left,
                right,
            } if matches!(left.node, ExprKind::Name(_)) => {
                let ExprKind::Literal(Literal::String(term)) = &right.node else {
                    return self.scalar(expr, schema);
                };
                let column = self.scalar(left, schema)?;
                let text = self.as_text(column, schema, left.span)?;
                Ok(term_match(text, term, case_sensitive))
            }
            ExprKind::Call { name, args } if name.node == "not" && args.len() == 1 => {
                let inner = self.search_predicate(&args[0], schema, case_sensitive)?;
                Ok(Expr::Not(Box::new(inner)))
            }
            // `kind=case_sensitive` makes every string operator case-sensitive.
            ExprKind::Binary { op, left, right } if case_sensitive => {
                let sensitive = ast::Spanned::new(
                    ExprKind::Binary {
                        op: case_sensitive_op(*op),
                        left: left.clone(),
                        right: right.clone(),
                    },
                    expr.span,
                );
                self.scalar(&sensitive, schema)
            }
            _ => self.scalar(expr, schema),
        }
    }
}

/// The case-sensitive form of a string operator (others as they are).
fn case_sensitive_op(op: BinaryOp) -> BinaryOp {
    use BinaryOp::*;
    match op {
        Has => HasCs,
        NotHas => NotHasCs,
        HasPrefix => HasPrefixCs,
        NotHasPrefix => NotHasPrefixCs,
        HasSuffix => HasSuffixCs,
        NotHasSuffix => NotHasSuffixCs,
        Contains => ContainsCs,
        NotContains => NotContainsCs,
        StartsWith => StartsWithCs,
        NotStartsWith => NotStartsWithCs,
        EndsWith => EndsWithCs,
        NotEndsWith => NotEndsWithCs,
        other => other,
    }
}

/// `term` matched against the text of every column.
fn any_column(schema: &DFSchema, term: &str, case_sensitive: bool) -> Expr {
    crate::binary::any_column(schema, |column| term_match(column, term, case_sensitive))
}

fn term_match(column: Expr, term: &str, case_sensitive: bool) -> Expr {
    let starts = term.starts_with('*');
    let ends = term.len() > 1 && term.ends_with('*');
    let inner = term.trim_start_matches('*').trim_end_matches('*');
    let op = match (starts, ends) {
        _ if inner.contains('*') => return wildcard_regex(column, term, case_sensitive),
        (true, true) => MatchOp::Contains,
        (true, false) => MatchOp::HasSuffix,
        (false, true) => MatchOp::HasPrefix,
        (false, false) => MatchOp::Has,
    };
    string_match(
        op,
        case_sensitive,
        false,
        vec![column, lit(inner.to_string())],
    )
}

/// `"a*b"`: a regex with `.*` for each `*`, from and to word boundaries where the term does
/// not start or end with `*` (Kusto's `\ba.*b\b`).
fn wildcard_regex(column: Expr, term: &str, case_sensitive: bool) -> Expr {
    let pattern: Vec<String> = term.split('*').map(regex::escape).collect();
    let start = if term.starts_with('*') { "" } else { r"\b" };
    let end = if term.ends_with('*') { "" } else { r"\b" };
    let pattern = format!("{start}{}{end}", pattern.join(".*"));
    let flags = (!case_sensitive).then(|| lit("i"));
    datafusion::functions::expr_fn::regexp_like(column, lit(pattern), flags)
}
