//! `let f = (params) { body }` functions: called as scalars, as tables, or with `invoke`.

use datafusion::common::DFSchema;
use datafusion::logical_expr::{Expr, LogicalPlan};
use kqlite_parser::{ast, ExprKind, Lambda, ParamType, Span, Statement};

use crate::error::{PlanError, PlanResult};
use crate::planner::{Binding, Planner};

/// Functions that exist only in the Defender portal, backed by Microsoft's online services.
const ONLINE_ONLY: &[&str] = &[
    "FileProfile",
    "DeviceFromIP",
    "SeenBy",
    "AssignedIPAddresses",
];

pub(crate) fn needs_online(name: &str, span: Span) -> Option<PlanError> {
    ONLINE_ONLY.contains(&name).then(|| {
        PlanError::not_supported(
            span,
            format!("{name}(): it needs online enrichment from Microsoft Defender"),
        )
    })
}

impl Planner<'_> {
    pub(crate) fn returns_table(&self, lambda: &Lambda) -> bool {
        let Some(result) = result_expr(lambda) else {
            return false;
        };
        match &result.node {
            ExprKind::Name(name) => {
                let tabular_param = lambda
                    .params
                    .iter()
                    .any(|p| p.name.node == *name && matches!(p.ty, ParamType::Tabular(_)));
                tabular_param || self.is_tabular(result)
            }
            _ => self.is_tabular(result),
        }
    }

    /// `f(args)` or `input | invoke f(args)`, where `f` returns a table.
    pub(crate) fn call_tabular_function(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        input: Option<LogicalPlan>,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let lambda = self.function(name)?;
        let empty = DFSchema::empty();
        let bindings = self.bind_params(&lambda, args, input, &empty, span)?;
        self.expanding(name, span, |planner| {
            planner.in_scope(bindings, &lambda, |planner, result| planner.tabular(result))
        })
    }

    /// `f(args)` where `f` returns a scalar: lowered in the caller's schema.
    pub(crate) fn call_scalar_function(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        let lambda = self.function(name)?;
        let bindings = self.bind_params(&lambda, args, None, schema, span)?;
        self.expanding(name, span, |planner| {
            planner.in_scope(bindings, &lambda, |planner, result| {
                planner.scalar(result, schema)
            })
        })
    }

    /// Runs `f` with `name` marked as being expanded; a call to a function already being
    /// expanded is an error, as recursion is in Kusto.
    fn expanding<T>(
        &mut self,
        name: &ast::Ident,
        span: Span,
        f: impl FnOnce(&mut Self) -> PlanResult<T>,
    ) -> PlanResult<T> {
        if let Some(first) = self.calling.iter().position(|c| *c == name.node) {
            let cycle = self.calling[first..].join("' -> '");
            return Err(PlanError::user(
                name.span,
                format!(
                    "recursion is not allowed: '{cycle}' -> '{}' calls itself again",
                    name.node
                ),
            ));
        }
        self.step(span)?;
        self.calling.push(name.node.clone());
        let outcome = f(self);
        self.calling.pop();
        outcome
    }

    fn function(&self, name: &ast::Ident) -> PlanResult<Lambda> {
        match self.binding(&name.node) {
            Some(Binding::Function(lambda)) => Ok(lambda.clone()),
            _ => Err(PlanError::user(
                name.span,
                format!("'{}' is not a function", name.node),
            )),
        }
    }

    /// Evaluates the arguments in the caller's scope: tables to plans, scalars to expressions.
    fn bind_params(
        &mut self,
        lambda: &Lambda,
        args: &[ast::Expr],
        mut input: Option<LogicalPlan>,
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Vec<(String, Binding)>> {
        let mut positional = args
            .iter()
            .filter(|a| !matches!(a.node, ExprKind::Assign { .. }));
        let mut bindings = Vec::new();
        for param in &lambda.params {
            let name = &param.name.node;
            let tabular = matches!(param.ty, ParamType::Tabular(_));
            if tabular {
                if let Some(plan) = input.take() {
                    bindings.push((name.clone(), Binding::Tabular(plan)));
                    continue;
                }
            }
            let arg = named_arg(args, name).or_else(|| positional.next());
            let binding = match (arg, &param.default) {
                (Some(arg), _) if tabular => Binding::Tabular(self.tabular(arg)?),
                (Some(arg), _) => Binding::Lowered(self.scalar(arg, schema)?),
                (None, Some(default)) => Binding::Lowered(self.scalar(default, schema)?),
                (None, None) => {
                    return Err(PlanError::user(span, format!("missing argument '{name}'")));
                }
            };
            bindings.push((name.clone(), binding));
        }
        if let Some(extra) = positional.next() {
            return Err(PlanError::user(extra.span, "too many arguments"));
        }
        Ok(bindings)
    }

    /// Runs the body's `let`s and `f` on its result with the parameters bound, then restores
    /// the caller's names.
    fn in_scope<T>(
        &mut self,
        bindings: Vec<(String, Binding)>,
        lambda: &Lambda,
        f: impl FnOnce(&mut Self, &ast::Expr) -> PlanResult<T>,
    ) -> PlanResult<T> {
        let saved = self.lets.clone();
        self.lets.extend(bindings);
        let outcome = (|| {
            for statement in &lambda.body {
                self.declare(&statement.node)?;
            }
            let result = result_expr(lambda)
                .ok_or_else(|| PlanError::user(Span::default(), "the function has no result"))?;
            f(self, result)
        })();
        self.lets = saved;
        outcome
    }
}

fn result_expr(lambda: &Lambda) -> Option<&ast::Expr> {
    lambda.body.iter().rev().find_map(|s| match &s.node {
        Statement::Tabular(expr) => Some(expr),
        _ => None,
    })
}

fn named_arg<'a>(args: &'a [ast::Expr], name: &str) -> Option<&'a ast::Expr> {
    args.iter().find_map(|a| match &a.node {
        ExprKind::Assign { name: n, value } if n.node == name => Some(value.as_ref()),
        _ => None,
    })
}
