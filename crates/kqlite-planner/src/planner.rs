//! The planner's state (the catalog, the query clock, `let` bindings) and the tabular dispatch.

use std::collections::HashMap;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::logical_expr::cast;
use datafusion::logical_expr::{col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, ExprKind, Query, ScalarType, Source, Span, Statement};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::is_text;
use crate::names::unknown_name;
use crate::{Catalog, PlanOptions};

#[derive(Clone)]
pub(crate) enum Binding {
    /// A `let` scalar, lowered where it is used.
    Scalar(ast::Expr),
    /// A function argument, already lowered in the caller's scope.
    Lowered(Expr),
    Tabular(LogicalPlan),
    Function(ast::Lambda),
    /// A column the `extend` being lowered adds: Kusto binds it only for the operators after.
    SameExtend,
}

pub(crate) struct Planner<'a> {
    pub(crate) catalog: &'a dyn Catalog,
    pub(crate) now: i64,
    pub(crate) lets: HashMap<String, Binding>,
    /// While lowering `summarize` aggregates: the aggregate expressions found so far.
    pub(crate) aggregate_sink: Option<Vec<Expr>>,
    /// While lowering `summarize` aggregates: the serialized order of the input, which
    /// `make_list` keeps.
    pub(crate) aggregate_order: Vec<datafusion::logical_expr::SortExpr>,
    /// Operators, `let` expansions and function calls lowered so far, against [`MAX_STEPS`].
    steps: usize,
    /// The user functions being expanded, innermost last: a call to one of them is recursion.
    pub(crate) calling: Vec<String>,
    /// Whether table scans keep their hidden ingestion time column.
    pub(crate) ingestion_time: bool,
    /// While lowering a `where` predicate (not the tables inside it): where DataFusion can
    /// run `x in (T)` as a subquery.
    pub(crate) in_filter: bool,
    /// The plans `as Name` named, which `union withsource` shows by that name.
    pub(crate) as_names: Vec<(String, LogicalPlan)>,
    /// Inside `mv-apply` and `partition`: the group column that window functions number
    /// and look back within.
    pub(crate) window_partition: Vec<Expr>,
}

/// The most operators, `let` expansions and function calls one query may lower. Each is one
/// level of a plan that DataFusion walks recursively and, for some nodes, quadratically
/// (10,000 chained `take`s plan in about 3 s), and a function called twice in its own body
/// doubles the count at each level: the bound keeps planning time and stack depth finite.
pub(crate) const MAX_STEPS: usize = 10_000;

impl<'a> Planner<'a> {
    pub(crate) fn new(catalog: &'a dyn Catalog, options: &PlanOptions) -> Self {
        Planner {
            catalog,
            now: options.now,
            lets: HashMap::new(),
            aggregate_sink: None,
            aggregate_order: Vec::new(),
            steps: 0,
            calling: Vec::new(),
            in_filter: false,
            ingestion_time: options.ingestion_time,
            as_names: Vec::new(),
            window_partition: Vec::new(),
        }
    }

    /// Counts one step of lowering; an error once the query passes [`MAX_STEPS`].
    pub(crate) fn step(&mut self, span: Span) -> PlanResult<()> {
        self.steps += 1;
        if self.steps <= MAX_STEPS {
            return Ok(());
        }
        Err(PlanError::user(
            span,
            format!(
                "the query is too large: it expands to more than {MAX_STEPS} operators, \
                 let uses and function calls"
            ),
        ))
    }

    pub(crate) fn plan(&mut self, query: &Query) -> PlanResult<Vec<LogicalPlan>> {
        let mut plans = Vec::new();
        for statement in &query.statements {
            if self.declare(&statement.node)? {
                continue;
            }
            match &statement.node {
                Statement::Tabular(expr) => {
                    let plan = self.tabular(expr)?;
                    plans.push(without_ingestion_time(plan, statement.span)?);
                }
                Statement::DeclareParameters(_) => {
                    return Err(PlanError::not_supported(statement.span, "query parameters"))
                }
                _ => {}
            }
        }
        if plans.is_empty() {
            let end = query.statements.last().map_or(Span::default(), |s| s.span);
            return Err(PlanError::user(
                end,
                "the query has no tabular expression to run",
            ));
        }
        Ok(plans)
    }

    /// `let` and `set` statements; false for anything else.
    pub(crate) fn declare(&mut self, statement: &Statement) -> PlanResult<bool> {
        match statement {
            Statement::Let { name, value } => self.bind(name, value)?,
            Statement::LetFunction { name, function } => {
                self.lets
                    .insert(name.node.clone(), Binding::Function(function.clone()));
            }
            Statement::Set { .. } => {} // Request options do not change results here.
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn bind(&mut self, name: &ast::Ident, value: &ast::Expr) -> PlanResult<()> {
        // A computed constant is folded once, as Kusto evaluates it once: a chain of lets
        // built on each other then plans in linear time. Literals stay as written (a
        // `dynamic([...])` is read element by element by `in`).
        let computed = !matches!(value.node, ExprKind::Literal(_));
        let binding = if self.is_tabular(value) {
            Binding::Tabular(self.tabular(value)?)
        } else if let Some(literal) = computed.then(|| self.folded(value).ok()).flatten() {
            Binding::Lowered(literal)
        } else {
            Binding::Scalar(value.clone())
        };
        self.lets.insert(name.node.clone(), binding);
        Ok(())
    }

    pub(crate) fn binding(&self, name: &str) -> Option<&Binding> {
        self.lets.get(name)
    }

    /// Whether `expr` denotes a table rather than a scalar.
    pub(crate) fn is_tabular(&self, expr: &ast::Expr) -> bool {
        match &expr.node {
            ExprKind::Pipe { .. } | ExprKind::Source(_) => true,
            ExprKind::Name(name) => match self.lets.get(name) {
                Some(Binding::Function(lambda)) => {
                    lambda.params.is_empty() && self.returns_table(lambda)
                }
                Some(binding) => matches!(binding, Binding::Tabular(_)),
                None => self.catalog.table(name).is_some(),
            },
            ExprKind::Call { name, .. } => match self.lets.get(&name.node) {
                Some(Binding::Function(lambda)) => self.returns_table(lambda),
                _ => matches!(name.node.as_str(), "materialize" | "view"),
            },
            _ => false,
        }
    }

    /// Lowers a tabular expression.
    pub(crate) fn tabular(&mut self, expr: &ast::Expr) -> PlanResult<LogicalPlan> {
        let in_filter = std::mem::replace(&mut self.in_filter, false);
        let plan = self.tabular_expr(expr);
        self.in_filter = in_filter;
        plan
    }

    fn tabular_expr(&mut self, expr: &ast::Expr) -> PlanResult<LogicalPlan> {
        match &expr.node {
            ExprKind::Name(name) => self.named_table(name, expr.span),
            ExprKind::Pipe { input, ops } => {
                let plan = self.tabular(input)?;
                self.operators(plan, ops)
            }
            ExprKind::Call { name, args } if name.node == "materialize" && args.len() == 1 => {
                self.tabular(&args[0])
            }
            ExprKind::Call { name, args }
                if matches!(self.lets.get(&name.node), Some(Binding::Function(_))) =>
            {
                self.call_tabular_function(name, args, None, expr.span)
            }
            ExprKind::Source(source) => self.source(source, expr.span),
            _ => Err(PlanError::user(
                expr.span,
                "expected a tabular expression (a table or a pipe)",
            )),
        }
    }

    fn source(&mut self, source: &Source, span: Span) -> PlanResult<LogicalPlan> {
        match source {
            Source::Print(items) => {
                let empty = LogicalPlanBuilder::empty(true).build().at(span)?;
                self.project_items(empty, &print_names(items), span)
            }
            Source::Union(union) => self.union(None, union, span),
            Source::Datatable { columns, values } => self.datatable(columns, values, span),
            Source::Range {
                column,
                from,
                to,
                step,
            } => self.range(column, from, to, step, span),
            Source::ExternalData {
                columns,
                uris,
                options,
            } => self.external_data(columns, uris, options, span),
        }
    }

    /// `datatable(Name:type, ...) [v, v, ...]`: constants laid out row by row.
    fn datatable(
        &mut self,
        columns: &[(ast::Ident, ast::Ident)],
        values: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        if columns.is_empty() || !values.len().is_multiple_of(columns.len()) {
            return Err(PlanError::user(
                span,
                format!(
                    "datatable has {} values, not a multiple of its {} columns",
                    values.len(),
                    columns.len()
                ),
            ));
        }
        for (i, (name, _)) in columns.iter().enumerate() {
            if columns[..i]
                .iter()
                .any(|(earlier, _)| earlier.node == name.node)
            {
                return Err(PlanError::user(
                    name.span,
                    format!("datatable names the column '{}' twice", name.node),
                ));
            }
        }
        let mut types = Vec::with_capacity(columns.len());
        for (_, ty) in columns {
            let Some(scalar_type) = ScalarType::from_name(&ty.node) else {
                return Err(PlanError::user(
                    ty.span,
                    format!("unknown type '{}'", ty.node),
                ));
            };
            types.push(crate::literals::arrow_type(scalar_type));
        }
        if let Some(value) = values.iter().find(|v| !is_literal(v)) {
            return Err(PlanError::user(
                value.span,
                "datatable values must be literals (a typed null such as long(null), not null)",
            ));
        }
        let empty = datafusion::common::DFSchema::empty();
        let mut rows = Vec::with_capacity(values.len() / columns.len());
        for chunk in values.chunks(columns.len()) {
            let mut row = Vec::with_capacity(chunk.len());
            for (value, ty) in chunk.iter().zip(&types) {
                row.push(cast(self.scalar(value, &empty)?, ty.clone()));
            }
            rows.push(row);
        }
        if rows.is_empty() {
            let fields: Vec<_> = columns
                .iter()
                .zip(&types)
                .map(|((name, _), ty)| Field::new(&name.node, ty.clone(), true))
                .collect();
            let schema = datafusion::common::DFSchema::try_from(Schema::new(fields)).at(span)?;
            let plan = LogicalPlan::EmptyRelation(datafusion::logical_expr::EmptyRelation {
                produce_one_row: false,
                schema: std::sync::Arc::new(schema),
            });
            return Ok(plan);
        }
        let values_plan = LogicalPlanBuilder::values(rows)
            .and_then(|b| b.build())
            .at(span)?;
        let named: Vec<Expr> = values_plan
            .schema()
            .iter()
            .zip(columns)
            .map(|((q, f), (name, _))| Expr::Column((q, f).into()).alias(&name.node))
            .collect();
        LogicalPlanBuilder::from(values_plan)
            .project(named)
            .and_then(|b| b.build())
            .at(span)
    }

    fn named_table(&mut self, name: &str, span: Span) -> PlanResult<LogicalPlan> {
        match self.lets.get(name) {
            Some(Binding::Tabular(plan)) => return Ok(plan.clone()),
            // A function of no parameters, called by its bare name.
            Some(Binding::Function(lambda)) if lambda.params.is_empty() => {
                let ident = ast::Spanned::new(name.to_string(), span);
                return self.call_tabular_function(&ident, &[], None, span);
            }
            _ => {}
        }
        let Some(provider) = self.catalog.table(name) else {
            let mut known = self.catalog.table_names();
            known.extend(
                self.lets
                    .iter()
                    .filter(|(_, b)| matches!(b, Binding::Tabular(_)))
                    .map(|(n, _)| n.clone()),
            );
            known.sort();
            return Err(unknown_name("table", name, &known, span));
        };
        let scan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None)
            .and_then(|b| b.build())
            .at(span)?;
        self.never_null_strings(scan, name, span)
    }

    /// Kusto strings are never null: a missing string reads as empty. `dynamic` columns
    /// keep their nulls and are read as dynamic values.
    fn never_null_strings(
        &self,
        scan: LogicalPlan,
        table: &str,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let dynamic = self.catalog.dynamic_columns(table);
        let never_null = self.catalog.never_null(table);
        let scan = match self.ingestion_time {
            true => scan,
            false => without_ingestion_time(scan, span)?,
        };
        let scan = self.rewritten(scan, table, span)?;
        kusto_columns(scan, &dynamic, &never_null, span)
    }

    /// `scan` with each text column the catalog rewrites (pseudonymised mode) rewritten.
    fn rewritten(&self, scan: LogicalPlan, table: &str, span: Span) -> PlanResult<LogicalPlan> {
        let mut changed = false;
        let columns = scan
            .schema()
            .iter()
            .map(|(q, f)| {
                let column = Expr::Column((q, f).into());
                let text = f.data_type() == &DataType::Utf8View;
                match self
                    .catalog
                    .rewrite_column(table, f.name())
                    .filter(|_| text)
                {
                    Some(udf) => {
                        changed = true;
                        udf.call(vec![column]).alias_qualified(q.cloned(), f.name())
                    }
                    None => column,
                }
            })
            .collect();
        match changed {
            true => crate::projection::project(scan, columns, span),
            false => Ok(scan),
        }
    }
}

/// `plan` without its hidden ingestion time column, if it has one.
fn without_ingestion_time(plan: LogicalPlan, span: Span) -> PlanResult<LogicalPlan> {
    let schema = plan.schema();
    if schema
        .fields()
        .iter()
        .all(|f| f.name() != crate::INGESTION_TIME)
    {
        return Ok(plan);
    }
    let kept = schema
        .iter()
        .filter(|(_, f)| f.name() != crate::INGESTION_TIME)
        .map(|(q, f)| Expr::Column((q, f).into()))
        .collect();
    crate::projection::project(plan, kept, span)
}

/// A source's columns as Kusto reads them: those in `dynamic` as dynamic values, nullable
/// strings with "" for null (except those in `as_they_are`, which hold no null).
pub(crate) fn kusto_columns(
    plan: LogicalPlan,
    dynamic: &[String],
    as_they_are: &[String],
    span: Span,
) -> PlanResult<LogicalPlan> {
    let columns: Vec<Expr> = plan
        .schema()
        .iter()
        .map(|(qualifier, field)| {
            let column = Expr::Column((qualifier, field).into());
            if dynamic.iter().any(|d| d == field.name()) {
                cast(column, crate::literals::dynamic_type()).alias(field.name())
            } else if as_they_are.iter().any(|n| n == field.name()) {
                column
            } else {
                never_null_string(column, field)
            }
        })
        .collect();
    crate::projection::project(plan, columns, span)
}

/// A nullable string column read with "" for null; other columns as they are.
fn never_null_string(column: Expr, field: &Field) -> Expr {
    if is_text(field.data_type()) && field.is_nullable() {
        crate::kernels::empty_if_null::call(column).alias(field.name())
    } else {
        column
    }
}

/// A literal, possibly signed: what `datatable` accepts.
fn is_literal(value: &ast::Expr) -> bool {
    match &value.node {
        ExprKind::Literal(_) => true,
        ExprKind::Unary { operand, .. } => matches!(operand.node, ExprKind::Literal(_)),
        _ => false,
    }
}

/// A column reference by its (unqualified) output name.
pub(crate) fn column(name: &str) -> Expr {
    col(datafusion::common::Column::from_name(name))
}

/// `print` names unnamed columns `print_0`, `print_1`...
fn print_names(items: &[ast::Expr]) -> Vec<ast::Expr> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match &item.node {
            ExprKind::Assign { .. } => item.clone(),
            _ => ast::Spanned::new(
                ExprKind::Assign {
                    name: ast::Spanned::new(format!("print_{i}"), item.span),
                    value: Box::new(item.clone()),
                },
                item.span,
            ),
        })
        .collect()
}
