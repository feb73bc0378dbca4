//! One lowering function per tabular operator, dispatched from [`Planner::operator`].

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{
    lit, Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder, SortExpr,
};
use kqlite_parser::{
    ast, ExprKind, Literal, NullsOrder, OperatorKind, SortKey, SortOrder, Span, Summarize,
};

use crate::error::{build, PlanError, PlanResult, WithSpan};
use crate::names::{column_names, expression_name, fresh_column_name, resolve_column, unique_name};
use crate::planner::{column, Binding, Planner};

impl Planner<'_> {
    /// The operators of a pipe in turn; a `where` right after an `innerunique` join goes with
    /// it ([`Planner::filtered_unique_join`]).
    pub(crate) fn operators(
        &mut self,
        mut plan: LogicalPlan,
        ops: &[ast::Operator],
    ) -> PlanResult<LogicalPlan> {
        let mut i = 0;
        while i < ops.len() {
            if let (OperatorKind::Join(join), Some(next)) = (&ops[i].node, ops.get(i + 1)) {
                if let OperatorKind::Where(predicate) = &next.node {
                    if crate::join::is_innerunique(join) {
                        plan = self.filtered_unique_join(plan, join, predicate, ops[i].span)?;
                        i += 2;
                        continue;
                    }
                }
            }
            plan = self.operator(plan, &ops[i])?;
            i += 1;
        }
        Ok(plan)
    }

    pub(crate) fn operator(
        &mut self,
        plan: LogicalPlan,
        op: &ast::Operator,
    ) -> PlanResult<LogicalPlan> {
        let span = op.span;
        self.step(span)?;
        match &op.node {
            OperatorKind::Where(predicate) => self.where_(plan, predicate),
            OperatorKind::Project(items) => self.project_items(plan, items, span),
            OperatorKind::Extend(items) => self.extend(plan, items, span),
            OperatorKind::ProjectAway(items) => self.project_away(plan, items, span),
            OperatorKind::ProjectKeep(items) => self.project_keep(plan, items, span),
            OperatorKind::ProjectRename(items) => self.project_rename(plan, items, span),
            OperatorKind::ProjectReorder(keys) => self.project_reorder(plan, keys, span),
            OperatorKind::Summarize(summarize) => self.summarize(plan, summarize, span),
            OperatorKind::Take(n) => self.take(plan, n),
            OperatorKind::Sort(keys) => self.sort(plan, keys, span),
            OperatorKind::Top { count, by } => self.top(plan, count, by, span),
            OperatorKind::Count => self.count(plan, span),
            OperatorKind::Distinct(items) => self.distinct(plan, items, span),
            OperatorKind::Join(join) => self.join(plan, join, span),
            OperatorKind::Lookup(join) => self.lookup(plan, join, span),
            OperatorKind::Union(union) => self.union(Some(plan), union, span),
            OperatorKind::MvExpand(mv) => self.mv_expand(plan, mv, span),
            OperatorKind::Parse(parse) => self.parse(plan, parse, span),
            OperatorKind::ParseKv(kv) => self.parse_kv(plan, kv, span),
            OperatorKind::Serialize(items) => {
                let marked = crate::serial::serialized(plan).at(span)?;
                self.extend(marked, items, span)
            }
            OperatorKind::Getschema => self.getschema(plan, span),
            OperatorKind::Invoke(call) => self.invoke(plan, call),
            OperatorKind::As(name) => {
                // Under an alias of the name, so that only these rows compare equal to it (a
                // union leg is named by it), not another input with the same plan.
                let named = build(
                    LogicalPlanBuilder::from(plan).alias(name.node.as_str()),
                    span,
                )?;
                self.lets.insert(
                    name.node.clone(),
                    crate::planner::Binding::Tabular(named.clone()),
                );
                self.as_names.push((name.node.clone(), named.clone()));
                Ok(named)
            }
            OperatorKind::Render { .. } => Ok(plan),
            OperatorKind::MvApply(apply) => self.mv_apply(plan, apply, span),
            OperatorKind::Search(search) => self.search(plan, search, span),
            OperatorKind::TopNested(levels) => self.top_nested(plan, levels, span),
            OperatorKind::Partition(partition) => self.partition(plan, partition, span),
            OperatorKind::Scan(scan) => self.scan(plan, scan, span),
            OperatorKind::TopHitters { count, column, by } => {
                self.top_hitters(plan, count, column, by.as_ref(), span)
            }
            OperatorKind::MakeSeries(series) => self.make_series(plan, series, span),
            OperatorKind::Sample(count) => self.sample(plan, count, span),
            OperatorKind::SampleDistinct { count, column } => {
                self.sample_distinct(plan, count, column, span)
            }
            OperatorKind::Find(find) => self.find(plan, find, span),
            OperatorKind::Evaluate { plugin, schema, .. } => {
                self.evaluate(plan, plugin, schema.as_deref(), span)
            }
            other => Err(PlanError::not_supported(span, operator_name(other))),
        }
    }

    pub(crate) fn where_(
        &mut self,
        plan: LogicalPlan,
        predicate: &ast::Expr,
    ) -> PlanResult<LogicalPlan> {
        let span = predicate.span;
        self.in_filter = true;
        let condition = self.scalar(predicate, plan.schema());
        self.in_filter = false;
        let condition = condition?;
        let found = condition.get_type(plan.schema()).at(span)?;
        if found != DataType::Boolean && found != DataType::Null {
            return Err(PlanError::user(
                span,
                format!(
                    "where needs a bool predicate, found {}",
                    kusto_type_name(&found)
                ),
            ));
        }
        let columns: Vec<Expr> = plan
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect();
        let partition = self.window_partition.clone();
        let (windowed, mut conditions) =
            crate::window::with_windows(plan, vec![condition], &partition, span)?;
        let filtered = build(
            LogicalPlanBuilder::from(windowed).filter(conditions.remove(0)),
            span,
        )?;
        // `where prev(x) ...` reads windows computed beside the rows: keep the rows' own columns.
        if filtered.schema().fields().len() == columns.len() {
            return Ok(filtered);
        }
        crate::projection::project(filtered, columns, span)
    }

    /// `project` (and `print`): each item named by Kusto's rules.
    pub(crate) fn project_items(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let mut exprs = Vec::with_capacity(items.len());
        let mut names: Vec<String> = Vec::new();
        for item in items {
            // `project series_stats(x)` is its columns, as in `extend`.
            if let Some(spread) = self.spread_columns(item, &schema) {
                for (name, lowered) in spread? {
                    let name = unique_name(name, &names);
                    names.push(name.clone());
                    exprs.push(lowered.alias(name));
                }
                continue;
            }
            let (name, value) = split_name(item, &schema);
            let lowered = self.scalar(value, &schema)?;
            let declared = matches!(item.node, ExprKind::Assign { .. } | ExprKind::Name(_));
            let name = match name {
                Some(name) if declared && names.contains(&name) => {
                    return Err(PlanError::user(
                        item.span,
                        format!("the column '{name}' is produced twice"),
                    ))
                }
                Some(name) => unique_name(name, &names),
                None => fresh_column_name(&names),
            };
            names.push(name.clone());
            exprs.push(lowered.alias(name));
        }
        let partition = self.window_partition.clone();
        let (plan, exprs) = crate::window::with_windows(plan, exprs, &partition, span)?;
        crate::projection::project(plan, exprs, span)
    }

    /// `extend`: every item reads the input's columns as they were (`extend a = c, c = a`
    /// swaps them); a new column is not visible to the items after it (Kusto rejects
    /// `extend a = 1, b = a`). An existing name is replaced in place, new ones are added in order.
    fn extend(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let input = column_names(&schema);
        let mut names = input.clone();
        let mut exprs: Vec<Expr> = schema.columns().into_iter().map(Expr::Column).collect();
        let mut added = Vec::new();
        let lowered = self.extend_items(items, &schema, &input, &mut names, &mut exprs, &mut added);
        for name in added {
            self.lets.remove(&name);
        }
        lowered?;
        let partition = self.window_partition.clone();
        let (windowed, exprs) = crate::window::with_windows(plan, exprs, &partition, span)?;
        crate::projection::project(windowed, exprs, span)
    }

    /// Lowers `extend`'s items into `exprs`; each new column is bound, for the items after it,
    /// to an error that explains why it cannot be read there (its name is pushed on `added`).
    fn extend_items(
        &mut self,
        items: &[ast::Expr],
        schema: &DFSchema,
        input: &[String],
        names: &mut Vec<String>,
        exprs: &mut Vec<Expr>,
        added: &mut Vec<String>,
    ) -> PlanResult<()> {
        for item in items {
            let spread = match self.spread_columns(item, schema) {
                Some(columns) => columns?,
                None => vec![self.extend_item(item, schema, names)?],
            };
            for (name, lowered) in spread {
                match names.iter().position(|n| *n == name) {
                    Some(i) => exprs[i] = lowered.clone().alias(&name),
                    None => {
                        names.push(name.clone());
                        exprs.push(lowered.clone().alias(&name));
                    }
                }
                if !input.contains(&name) && !self.lets.contains_key(&name) {
                    self.lets.insert(name.clone(), Binding::SameExtend);
                    added.push(name);
                }
            }
        }
        Ok(())
    }

    /// One `extend` item: its name (given or derived) and value.
    fn extend_item(
        &mut self,
        item: &ast::Expr,
        schema: &DFSchema,
        names: &[String],
    ) -> PlanResult<(String, Expr)> {
        if item.tuple_assign().is_some() {
            return Err(PlanError::not_supported(
                item.span,
                "(a, b) = f(...) with this function",
            ));
        }
        let (name, value) = split_name(item, schema);
        let lowered = self.scalar(value, schema)?;
        Ok((name.unwrap_or_else(|| fresh_column_name(names)), lowered))
    }

    fn project_away(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        project_matching(plan, items, false, span)
    }

    fn project_keep(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        project_matching(plan, items, true, span)
    }

    fn project_rename(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let mut renames = Vec::new();
        for item in items {
            let ExprKind::Assign { name, value } = &item.node else {
                return Err(PlanError::user(
                    item.span,
                    "project-rename needs NewName = OldName",
                ));
            };
            let ExprKind::Name(old) = &value.node else {
                return Err(PlanError::user(
                    value.span,
                    "project-rename renames a column: NewName = OldName",
                ));
            };
            resolve_column(&schema, old, value.span)?;
            renames.push((old.clone(), name.node.clone()));
        }
        let exprs: Vec<Expr> = schema
            .iter()
            .map(|(q, f)| {
                let column = Expr::Column((q, f).into());
                match renames.iter().find(|(old, _)| old == f.name()) {
                    Some((_, new)) => column.alias(new),
                    None => column,
                }
            })
            .collect();
        let names: Vec<String> = exprs.iter().map(|e| e.schema_name().to_string()).collect();
        if let Some(twice) = names
            .iter()
            .enumerate()
            .find(|(i, n)| names[..*i].contains(n))
        {
            let message = format!(
                "project-rename: a column named '{}' already exists",
                twice.1
            );
            return Err(PlanError::user(span, message));
        }
        crate::projection::project(plan, exprs, span)
    }

    fn project_reorder(
        &mut self,
        plan: LogicalPlan,
        keys: &[SortKey],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let mut first = Vec::new();
        for key in keys {
            let mut matched = matching_columns(plan.schema(), std::slice::from_ref(&key.expr))?;
            // `a* asc`: the columns a pattern matches, by name.
            match key.order {
                Some(SortOrder::Asc) => matched.sort(),
                Some(SortOrder::Desc) => matched.sort_by(|a, b| b.cmp(a)),
                None => {}
            }
            for name in matched {
                if !first.contains(&name) {
                    first.push(name);
                }
            }
        }
        let names = column_names(plan.schema());
        let ordered = first
            .iter()
            .cloned()
            .chain(names.into_iter().filter(|n| !first.contains(n)));
        let exprs: Vec<Expr> = ordered
            .map(|n| Expr::Column(resolve_column(plan.schema(), &n, span).expect("listed")))
            .collect();
        crate::projection::project(plan, exprs, span)
    }

    pub(crate) fn summarize(
        &mut self,
        plan: LogicalPlan,
        summarize: &Summarize,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let mut names: Vec<String> = Vec::new();
        let mut groups = Vec::new();
        for key in &summarize.by {
            let (name, value) = split_name(key, &schema);
            let name = match name {
                Some(name) => unique_name(name, &names),
                None => fresh_column_name(&names),
            };
            let lowered = self.scalar(value, &schema)?;
            self.not_dynamic(&lowered, &schema, value.span, "summarize")?;
            groups.push(lowered.alias(&name));
            names.push(name);
        }
        let items = crate::aggregates::expand_items(&summarize.aggregates, &schema, &summarize.by);
        // Aggregate calls met while lowering the items land in the sink.
        self.aggregate_sink = Some(Vec::new());
        self.aggregate_order = crate::serial::serial_order(&plan);
        let outputs = self.aggregate_outputs(&items, &schema, &mut names);
        self.aggregate_order.clear();
        let aggregates = self.aggregate_sink.take().unwrap_or_default();
        let outputs = outputs?;
        let grouped = build(
            LogicalPlanBuilder::from(plan).aggregate(groups, aggregates),
            span,
        )?;
        let key_columns = summarize.by.iter().zip(&names).map(|(_, n)| column(n));
        let exprs: Vec<Expr> = key_columns.chain(outputs).collect();
        crate::projection::project(grouped, exprs, span)
    }

    /// The summarize items, named, over the aggregate outputs (`x = 2 * count()`).
    fn aggregate_outputs(
        &mut self,
        items: &[ast::Expr],
        schema: &DFSchema,
        names: &mut Vec<String>,
    ) -> PlanResult<Vec<Expr>> {
        let mut outputs = Vec::with_capacity(items.len());
        for item in items {
            let (name, value) = split_name(item, schema);
            let lowered = self.scalar(value, schema)?;
            let name = name
                .or_else(|| crate::aggregates::default_name(value))
                .unwrap_or_else(|| fresh_column_name(names));
            // Kusto numbers a repeated output name: `any_Timestamp`, `any_Timestamp1`.
            let name = if names.contains(&name) {
                (1..)
                    .map(|i| format!("{name}{i}"))
                    .find(|n| !names.contains(n))
                    .expect("some suffix is free")
            } else {
                name
            };
            names.push(name.clone());
            outputs.push(lowered.alias(name));
        }
        Ok(outputs)
    }

    /// Kusto neither sorts nor groups by a dynamic value: it asks for a conversion.
    fn not_dynamic(&self, e: &Expr, schema: &DFSchema, span: Span, op: &str) -> PlanResult<()> {
        if crate::literals::is_dynamic(&self.type_of(e, schema, span)?) {
            return Err(PlanError::user(
                span,
                format!(
                    "{op} by a dynamic value: convert it first, as with tostring() or tolong()"
                ),
            ));
        }
        Ok(())
    }

    fn take(&mut self, plan: LogicalPlan, n: &ast::Expr) -> PlanResult<LogicalPlan> {
        let rows = self.row_count(n)?;
        build(LogicalPlanBuilder::from(plan).limit(0, Some(rows)), n.span)
    }

    /// A row count: a non-negative integer known while planning (a literal, a `let`, a
    /// function parameter, or arithmetic on them).
    pub(crate) fn row_count(&mut self, n: &ast::Expr) -> PlanResult<usize> {
        let value = self.constant(n)?;
        let count = match value {
            ScalarValue::Int64(Some(v)) => usize::try_from(v).ok(),
            ScalarValue::Int32(Some(v)) => usize::try_from(v).ok(),
            ScalarValue::UInt64(Some(v)) => usize::try_from(v).ok(),
            _ => None,
        };
        count.ok_or_else(|| PlanError::user(n.span, "expected a non-negative integer constant"))
    }

    /// The value of a scalar expression that needs no row, folded while planning.
    pub(crate) fn constant(&mut self, expr: &ast::Expr) -> PlanResult<ScalarValue> {
        match self.folded(expr)? {
            Expr::Literal(value, _) => Ok(value),
            _ => Err(PlanError::user(expr.span, "expected a constant")),
        }
    }

    /// A scalar expression that needs no row, as a literal `Expr` when it folds to one.
    pub(crate) fn folded(&mut self, expr: &ast::Expr) -> PlanResult<Expr> {
        let lowered = self.scalar(expr, &DFSchema::empty())?;
        let context = datafusion::optimizer::simplify_expressions::SimplifyContext::default();
        let simplified = datafusion::optimizer::simplify_expressions::ExprSimplifier::new(context)
            .simplify(lowered)
            .at(expr.span)?;
        match simplified {
            literal @ Expr::Literal(..) => Ok(literal),
            _ => Err(PlanError::user(expr.span, "expected a constant")),
        }
    }

    fn sort(&mut self, plan: LogicalPlan, keys: &[SortKey], span: Span) -> PlanResult<LogicalPlan> {
        let sorts = self.sort_exprs(plan.schema(), keys)?;
        build(LogicalPlanBuilder::from(plan).sort(sorts), span)
    }

    /// Kusto sorts descending by default; nulls come last when descending, first when ascending.
    /// A real NaN sits next to the nulls (Kusto's docs: "Null and NaN values are always grouped
    /// together"); DataFusion takes it for the largest value, so where the nulls are on the
    /// small side a key on `isnan` comes first.
    pub(crate) fn sort_exprs(
        &mut self,
        schema: &DFSchema,
        keys: &[SortKey],
    ) -> PlanResult<Vec<SortExpr>> {
        let mut sorts = Vec::with_capacity(keys.len());
        for key in keys {
            let asc = key.order == Some(SortOrder::Asc);
            let nulls_first = match key.nulls {
                Some(n) => n == NullsOrder::First,
                None => asc,
            };
            let value = self.scalar(&key.expr, schema)?;
            self.not_dynamic(&value, schema, key.expr.span, "sort")?;
            let real = self.type_of(&value, schema, key.expr.span)?.is_floating();
            if real && asc == nulls_first {
                let nan = datafusion::functions::math::expr_fn::isnan(value.clone());
                sorts.push(nan.sort(!nulls_first, nulls_first));
            }
            sorts.push(value.sort(asc, nulls_first));
        }
        Ok(sorts)
    }

    fn top(
        &mut self,
        plan: LogicalPlan,
        n: &ast::Expr,
        by: &SortKey,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let rows = self.row_count(n)?;
        let sorts = self.sort_exprs(plan.schema(), std::slice::from_ref(by))?;
        if rows == 0 {
            // DataFusion's top-k needs k > 0; no rows is what Kusto returns.
            let schema = std::sync::Arc::clone(plan.schema());
            let empty = datafusion::logical_expr::EmptyRelation {
                produce_one_row: false,
                schema,
            };
            return Ok(LogicalPlan::EmptyRelation(empty));
        }
        build(
            LogicalPlanBuilder::from(plan).sort_with_limit(sorts, Some(rows)),
            span,
        )
    }

    fn count(&mut self, plan: LogicalPlan, span: Span) -> PlanResult<LogicalPlan> {
        let total = count(lit(1i64)).alias("Count");
        build(
            LogicalPlanBuilder::from(plan).aggregate(Vec::<Expr>::new(), vec![total]),
            span,
        )
    }

    pub(crate) fn distinct(
        &mut self,
        plan: LogicalPlan,
        items: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let all = items.iter().any(|i| matches!(i.node, ExprKind::Star));
        let projected = if all {
            plan
        } else {
            self.project_items(plan, items, span)?
        };
        build(LogicalPlanBuilder::from(projected).distinct(), span)
    }
}

impl Planner<'_> {
    /// `invoke f(args)`: the pipe input is the function's first tabular parameter.
    fn invoke(&mut self, plan: LogicalPlan, call: &ast::Expr) -> PlanResult<LogicalPlan> {
        let ExprKind::Call { name, args } = &call.node else {
            return Err(PlanError::user(call.span, "invoke needs a function call"));
        };
        if let Some(error) = crate::user_functions::needs_online(&name.node, call.span) {
            return Err(error);
        }
        self.call_tabular_function(name, args, Some(plan), call.span)
    }

    /// `getschema`: one row per column.
    fn getschema(&mut self, plan: LogicalPlan, span: Span) -> PlanResult<LogicalPlan> {
        let rows: Vec<Vec<Expr>> = plan
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let kusto = kusto_type_name(f.data_type());
                vec![
                    lit(f.name().as_str()),
                    lit(i as i32),
                    lit(format!("System.{}", system_type(kusto))),
                    lit(kusto),
                ]
            })
            .collect();
        if rows.is_empty() {
            return Err(PlanError::user(
                span,
                "getschema of a table with no columns",
            ));
        }
        let values = build(LogicalPlanBuilder::values(rows), span)?;
        let names = ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"];
        let exprs: Vec<Expr> = values
            .schema()
            .iter()
            .zip(names)
            .map(|((q, f), n)| Expr::Column((q, f).into()).alias(n))
            .collect();
        // Its rows come in column order and are serialized (Kusto's docs on `serialize`).
        let columns = crate::projection::project(values, exprs, span)?;
        crate::serial::serialized(columns).at(span)
    }
}

/// The Kusto type name of an Arrow type.
pub fn kusto_type_name(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Boolean => "bool",
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            "int"
        }
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "long",
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "real",
        DataType::Decimal128(..) | DataType::Decimal256(..) => "decimal",
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => "datetime",
        DataType::Duration(_) | DataType::Interval(_) => "timespan",
        DataType::List(_) | DataType::Struct(_) | DataType::Map(..) | DataType::LargeUtf8 => {
            "dynamic"
        }
        _ => "string",
    }
}

fn system_type(kusto: &str) -> &'static str {
    match kusto {
        "bool" => "SByte",
        "int" => "Int32",
        "long" => "Int64",
        "real" => "Double",
        "decimal" => "Data.SqlTypes.SqlDecimal",
        "datetime" => "DateTime",
        "timespan" => "TimeSpan",
        "dynamic" => "Object",
        _ => "String",
    }
}

/// `Name = expr` gives its name; otherwise Kusto derives one (`expression_name`).
fn split_name<'e>(item: &'e ast::Expr, schema: &DFSchema) -> (Option<String>, &'e ast::Expr) {
    match &item.node {
        ExprKind::Assign { name, value } => (Some(name.node.clone()), value),
        _ => (
            column_ifexists_name(item, schema).or_else(|| expression_name(item)),
            item,
        ),
    }
}

/// `column_ifexists("C", default)` is named as what it reads: `C` where the column is there,
/// else the default's name (Kusto's documented example).
fn column_ifexists_name(item: &ast::Expr, schema: &DFSchema) -> Option<String> {
    let ExprKind::Call { name, args } = &item.node else {
        return None;
    };
    let [column, default] = args.as_slice() else {
        return None;
    };
    if name.node != "column_ifexists" {
        return None;
    }
    match &column.node {
        ExprKind::Literal(Literal::String(c)) if schema.has_column_with_unqualified_name(c) => {
            Some(c.clone())
        }
        _ => expression_name(default),
    }
}

/// `project-keep` (`keep`) or `project-away` (not `keep`): the columns `items` match, or all
/// the others, in their input order.
fn project_matching(
    plan: LogicalPlan,
    items: &[ast::Expr],
    keep: bool,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let matched = matching_columns(plan.schema(), items)?;
    let kept: Vec<Expr> = plan
        .schema()
        .iter()
        .filter(|(_, f)| matched.contains(f.name()) == keep)
        .map(|(q, f)| Expr::Column((q, f).into()))
        .collect();
    if kept.is_empty() {
        let operator = if keep { "project-keep" } else { "project-away" };
        return Err(PlanError::user(
            span,
            format!("{operator} leaves no column"),
        ));
    }
    crate::projection::project(plan, kept, span)
}

/// Column names matched by a list of names and `Prefix*` wildcards; unknown plain names are errors.
fn matching_columns(schema: &DFSchema, items: &[ast::Expr]) -> PlanResult<Vec<String>> {
    let names = column_names(schema);
    let mut matched = Vec::new();
    for item in items {
        let ExprKind::Name(pattern) = &item.node else {
            return Err(PlanError::user(
                item.span,
                "expected a column name or wildcard",
            ));
        };
        if pattern.contains('*') {
            matched.extend(names.iter().filter(|n| wildcard_match(pattern, n)).cloned());
        } else {
            resolve_column(schema, pattern, item.span)?;
            matched.push(pattern.clone());
        }
    }
    Ok(matched)
}

pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

pub(crate) fn operator_name(op: &OperatorKind) -> &'static str {
    match op {
        OperatorKind::Join(_) => "join",
        OperatorKind::Lookup(_) => "lookup",
        OperatorKind::Union(_) => "union",
        OperatorKind::MvExpand(_) => "mv-expand",
        OperatorKind::Parse(p) if p.only_matching => "parse-where",
        OperatorKind::Parse(_) => "parse",
        OperatorKind::ParseKv(_) => "parse-kv",
        OperatorKind::Serialize(_) => "serialize with columns",
        OperatorKind::Getschema => "getschema",
        OperatorKind::Invoke(_) => "invoke",
        OperatorKind::Evaluate { .. } => "evaluate",
        OperatorKind::Sample(_) => "sample",
        OperatorKind::SampleDistinct { .. } => "sample-distinct",
        OperatorKind::MakeSeries(_) => "make-series",
        OperatorKind::MvApply(_) => "mv-apply",
        OperatorKind::TopNested(_) => "top-nested",
        OperatorKind::Search(_) => "search",
        OperatorKind::Find(_) => "find",
        OperatorKind::Scan(_) => "scan",
        OperatorKind::Partition(_) => "partition",
        OperatorKind::Fork(_) => "fork",
        OperatorKind::Facet { .. } => "facet",
        OperatorKind::TopHitters { .. } => "top-hitters",
        OperatorKind::Reduce { .. } => "reduce",
        OperatorKind::Consume(_) => "consume",
        _ => "this operator",
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("Account*", "AccountUpn"));
        assert!(wildcard_match("*Id", "AlertId"));
        assert!(wildcard_match("A*t*d", "AlertId"));
        assert!(!wildcard_match("Account*", "DeviceName"));
    }
}
