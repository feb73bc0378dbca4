//! `join` and `lookup`: Kusto's join kinds, `$left`/`$right` keys and column suffixes.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ExprSchema, JoinType};
use datafusion::functions_aggregate::expr_fn::first_value;
use datafusion::logical_expr::{col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, BinaryOp, ExprKind, Join, Span};

use crate::error::{build, PlanError, PlanResult};
use crate::functions::is_text;
use crate::names::{column_names, resolve_column};
use crate::planner::Planner;

const LEFT: &str = "$left";
const RIGHT: &str = "$right";

/// Which sides' columns a join kind returns.
#[derive(Clone, Copy, PartialEq)]
enum Output {
    Both,
    LeftOnly,
    RightOnly,
}

/// A join kind's DataFusion type, the columns it returns, and whether the left side is first
/// reduced to one row per key (`innerunique`, Kusto's default).
fn join_kind(kind: &str, span: Span) -> PlanResult<(JoinType, Output, bool)> {
    Ok(match kind {
        "innerunique" => (JoinType::Inner, Output::Both, true),
        "inner" => (JoinType::Inner, Output::Both, false),
        "leftouter" => (JoinType::Left, Output::Both, false),
        "rightouter" => (JoinType::Right, Output::Both, false),
        "fullouter" | "outer" => (JoinType::Full, Output::Both, false),
        "leftanti" | "anti" | "leftantisemi" => (JoinType::LeftAnti, Output::LeftOnly, false),
        "rightanti" | "rightantisemi" => (JoinType::RightAnti, Output::RightOnly, false),
        "leftsemi" => (JoinType::LeftSemi, Output::LeftOnly, false),
        "rightsemi" => (JoinType::RightSemi, Output::RightOnly, false),
        other => {
            return Err(PlanError::user(
                span,
                format!("unknown join kind '{other}'"),
            ))
        }
    })
}

/// One equality: the left column and the right column.
type KeyPair = (String, String);

impl Planner<'_> {
    pub(crate) fn join(
        &mut self,
        left: LogicalPlan,
        join: &Join,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let kind = option_word(&join.options, "kind").unwrap_or_else(|| "innerunique".to_string());
        let (join_type, output, unique_left) = join_kind(&kind, span)?;
        let right = self.tabular(&join.right)?;
        let keys = join_keys(&join.on)?;
        check_keys(&left, &right, &keys, &join.on)?;
        let left = if unique_left {
            one_row_per_key(left, &keys, span)?
        } else {
            left
        };
        let (joined, left_names, right_names) =
            self.equi_join(left, right, join_type, &keys, span)?;
        let left_nullable = matches!(join_type, JoinType::Right | JoinType::Full);
        let right_nullable = matches!(join_type, JoinType::Left | JoinType::Full);
        let mut exprs = Vec::new();
        let mut taken: Vec<String> = Vec::new();
        let reserved: Vec<&String> = match output {
            Output::Both => left_names.iter().chain(&right_names).collect(),
            Output::LeftOnly => left_names.iter().collect(),
            Output::RightOnly => right_names.iter().collect(),
        };
        let names = Names::new(&reserved);
        if output != Output::RightOnly {
            side_columns(
                &joined,
                "left",
                &left_names,
                left_nullable,
                (&names, &mut taken),
                &mut exprs,
                |_| false,
            );
        }
        if output != Output::LeftOnly {
            side_columns(
                &joined,
                "right",
                &right_names,
                right_nullable,
                (&names, &mut taken),
                &mut exprs,
                |_| false,
            );
        }
        crate::projection::project(joined, exprs, span)
    }

    /// `L | join kind=innerunique R | where P`: the conjuncts of `P` over left columns alone
    /// filter `L`, the others the joined rows. Kusto's optimizer does so, and it decides which
    /// left row of a key survives (Kusto's docs: "it will always give the second result").
    pub(crate) fn filtered_unique_join(
        &mut self,
        left: LogicalPlan,
        join: &Join,
        predicate: &ast::Expr,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let mut conjuncts = Vec::new();
        and_terms(predicate, &mut conjuncts);
        let (before, after): (Vec<&ast::Expr>, Vec<&ast::Expr>) = conjuncts
            .into_iter()
            .partition(|c| self.scalar(c, left.schema()).is_ok());
        let mut plan = left;
        for conjunct in before {
            plan = self.where_(plan, conjunct)?;
        }
        plan = self.join(plan, join, span)?;
        for conjunct in after {
            plan = self.where_(plan, conjunct)?;
        }
        Ok(plan)
    }

    /// `lookup`: a join whose right key columns are not repeated; `leftouter` by default.
    pub(crate) fn lookup(
        &mut self,
        left: LogicalPlan,
        join: &Join,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let kind = option_word(&join.options, "kind").unwrap_or_else(|| "leftouter".to_string());
        let join_type = match kind.as_str() {
            "leftouter" => JoinType::Left,
            "inner" => JoinType::Inner,
            other => {
                return Err(PlanError::user(
                    span,
                    format!("lookup kind must be leftouter or inner, not '{other}'"),
                ))
            }
        };
        let right = self.tabular(&join.right)?;
        let keys = join_keys(&join.on)?;
        check_keys(&left, &right, &keys, &join.on)?;
        let (joined, left_names, right_names) =
            self.equi_join(left, right, join_type, &keys, span)?;
        let right_keys: Vec<String> = keys.iter().map(|(_, r)| r.clone()).collect();
        let mut exprs = Vec::new();
        let mut taken = Vec::new();
        let reserved: Vec<&String> = left_names
            .iter()
            .chain(right_names.iter().filter(|n| !right_keys.contains(n)))
            .collect();
        let names = Names::new(&reserved);
        side_columns(
            &joined,
            "left",
            &left_names,
            false,
            (&names, &mut taken),
            &mut exprs,
            |_| false,
        );
        let nullable = join_type == JoinType::Left;
        side_columns(
            &joined,
            "right",
            &right_names,
            nullable,
            (&names, &mut taken),
            &mut exprs,
            |n| right_keys.iter().any(|k| k == n),
        );
        crate::projection::project(joined, exprs, span)
    }

    /// Joins with each side under its own alias, so a table joined with itself stays apart.
    fn equi_join(
        &mut self,
        left: LogicalPlan,
        right: LogicalPlan,
        join_type: JoinType,
        keys: &[KeyPair],
        span: Span,
    ) -> PlanResult<(LogicalPlan, Vec<String>, Vec<String>)> {
        let left_names = column_names(left.schema());
        let right_names = column_names(right.schema());
        let left = build(LogicalPlanBuilder::from(left).alias("left"), span)?;
        let right = build(LogicalPlanBuilder::from(right).alias("right"), span)?;
        let on: Vec<Expr> = keys
            .iter()
            .map(|(l, r)| qualified("left", l).eq(qualified("right", r)))
            .collect();
        let joined = build(
            LogicalPlanBuilder::from(left).join_on(right, join_type, on),
            span,
        )?;
        Ok((nulls_match(joined), left_names, right_names))
    }
}

pub(crate) fn is_innerunique(join: &Join) -> bool {
    option_word(&join.options, "kind").is_none_or(|kind| kind == "innerunique")
}

/// The terms of an `and` chain.
fn and_terms<'e>(expr: &'e ast::Expr, terms: &mut Vec<&'e ast::Expr>) {
    match &expr.node {
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            and_terms(left, terms);
            and_terms(right, terms);
        }
        _ => terms.push(expr),
    }
}

/// Kusto's join keys match when both are null.
fn nulls_match(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Join(mut join) => {
            join.null_equality = datafusion::common::NullEquality::NullEqualsNull;
            LogicalPlan::Join(join)
        }
        other => other,
    }
}

fn qualified(side: &str, name: &str) -> Expr {
    col(Column::new(Some(side), name))
}

/// Projects one side's columns: clashing names get Kusto's suffixes (`AlertId1`), and the side
/// that an outer join may leave unmatched reads its strings as empty, never null.
fn side_columns(
    joined: &LogicalPlan,
    side: &str,
    names: &[String],
    nullable: bool,
    (reserved, taken): (&Names, &mut Vec<String>),
    exprs: &mut Vec<Expr>,
    skip: impl Fn(&str) -> bool,
) {
    for name in names.iter().filter(|n| !skip(n)) {
        let column = Column::new(Some(side), name.as_str());
        let mut expr = col(column.clone());
        if nullable {
            let field = joined.schema().field_from_column(&column);
            if field.is_ok_and(|f| is_text(f.data_type())) {
                expr = crate::kernels::empty_if_null::call(expr);
            }
        }
        let output = reserved.unique(name, taken);
        taken.push(output.clone());
        exprs.push(expr.alias(output));
    }
}

/// Every column name of a join's output, before clashes are renamed.
struct Names<'a>(&'a [&'a String]);

impl<'a> Names<'a> {
    fn new(all: &'a [&'a String]) -> Self {
        Names(all)
    }

    /// `name`, else `name1`, `name2`... the first that no column has or was given: Kusto maps
    /// `[c, c, c1]` to `[c, c2, c1]`.
    fn unique(&self, name: &str, taken: &[String]) -> String {
        if !taken.iter().any(|t| t == name) {
            return name.to_string();
        }
        (1..)
            .map(|i| format!("{name}{i}"))
            .find(|n| !taken.contains(n) && !self.0.contains(&n))
            .expect("unbounded")
    }
}

/// Kusto's `innerunique`: one (arbitrary) left row per distinct key.
fn one_row_per_key(left: LogicalPlan, keys: &[KeyPair], span: Span) -> PlanResult<LogicalPlan> {
    let key_names: Vec<&String> = keys.iter().map(|(l, _)| l).collect();
    let schema = left.schema().clone();
    let mut groups = Vec::new();
    let mut firsts = Vec::new();
    for (qualifier, field) in schema.iter() {
        let column = Expr::Column((qualifier, field).into());
        if key_names.contains(&field.name()) {
            groups.push(column);
        } else {
            firsts.push(first_value(column, vec![]).alias(field.name()));
        }
    }
    let reduced = build(
        LogicalPlanBuilder::from(left).aggregate(groups, firsts),
        span,
    )?;
    // Restore the original column order.
    let order: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| col(Column::from_name(f.name())))
        .collect();
    crate::projection::project(reduced, order, span)
}

/// `on A, B`, `on $left.A == $right.B and ...`.
fn join_keys(on: &[ast::Expr]) -> PlanResult<Vec<KeyPair>> {
    let mut keys = Vec::new();
    for condition in on {
        collect_keys(condition, &mut keys)?;
    }
    if keys.is_empty() {
        return Err(PlanError::user(
            Span::default(),
            "join needs at least one key after 'on'",
        ));
    }
    Ok(keys)
}

fn collect_keys(condition: &ast::Expr, keys: &mut Vec<KeyPair>) -> PlanResult<()> {
    match &condition.node {
        ExprKind::Name(name) => keys.push((name.clone(), name.clone())),
        ExprKind::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            collect_keys(left, keys)?;
            collect_keys(right, keys)?;
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => {
            let (l, r) = match (side_of(left), side_of(right)) {
                (Some((LEFT, l)), Some((RIGHT, r))) => (l, r),
                (Some((RIGHT, r)), Some((LEFT, l))) => (l, r),
                _ => return Err(key_error(condition.span)),
            };
            keys.push((l.to_string(), r.to_string()));
        }
        _ => return Err(key_error(condition.span)),
    }
    Ok(())
}

fn key_error(span: Span) -> PlanError {
    PlanError::not_supported(
        span,
        "join conditions other than Column or $left.A == $right.B",
    )
}

/// `$left.Name` -> ("$left", "Name").
fn side_of(expr: &ast::Expr) -> Option<(&str, &str)> {
    let ExprKind::Member { target, name } = &expr.node else {
        return None;
    };
    let ExprKind::Name(side) = &target.node else {
        return None;
    };
    match side.as_str() {
        LEFT => Some((LEFT, name.node.as_str())),
        RIGHT => Some((RIGHT, name.node.as_str())),
        _ => None,
    }
}

/// Every key must name a column of its side; spans point at the `on` clause.
fn check_keys(
    left: &LogicalPlan,
    right: &LogicalPlan,
    keys: &[KeyPair],
    on: &[ast::Expr],
) -> PlanResult<()> {
    let span = on
        .iter()
        .map(|e| e.span)
        .reduce(Span::to)
        .unwrap_or_default();
    for (l, r) in keys {
        let lc = resolve_column(left.schema(), l, span).map_err(|e| side_error(e, "left"))?;
        let rc = resolve_column(right.schema(), r, span).map_err(|e| side_error(e, "right"))?;
        let type_of = |plan: &LogicalPlan, c: &Column| {
            plan.schema()
                .field_from_column(c)
                .map(|f| key_type(f.data_type()))
        };
        let (lt, rt) = (type_of(left, &lc), type_of(right, &rc));
        if let (Ok(lt), Ok(rt)) = (lt, rt) {
            if lt != rt {
                return Err(PlanError::user(
                    span,
                    format!(
                        "the join keys '{l}' and '{r}' are of different types, {lt} and {rt}: \
                         Kusto joins keys of one type (convert one of them)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A key's type for comparing sides: Kusto widens an int key to long, nothing else.
fn key_type(t: &DataType) -> &'static str {
    match crate::operators::kusto_type_name(t) {
        "int" => "long",
        other => other,
    }
}

fn side_error(mut error: PlanError, side: &str) -> PlanError {
    error.message = format!("{} on the {side} side of the join", error.message);
    error
}

/// The word value of an operator option such as `kind=inner`.
pub(crate) fn option_word(options: &[ast::Expr], key: &str) -> Option<String> {
    options.iter().find_map(|option| match &option.node {
        ExprKind::Assign { name, value } if name.node == key => match &value.node {
            ExprKind::Name(word) => Some(word.clone()),
            ExprKind::Literal(kqlite_parser::Literal::String(s)) => Some(s.clone()),
            ExprKind::Literal(kqlite_parser::Literal::Bool(b)) => Some(b.to_string()),
            _ => None,
        },
        _ => None,
    })
}
