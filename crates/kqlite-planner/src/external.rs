//! `externaldata`: rows of local files, through the catalog. URLs cannot be
//! fetched offline and say so.

use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, ExprKind, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::planner::{kusto_columns, Planner};
use crate::ExternalData;

impl Planner<'_> {
    /// `externaldata(Col:type, ...) [path, ...] with (format=..., ignoreFirstRecord=...)`
    pub(crate) fn external_data(
        &mut self,
        columns: &[(ast::Ident, ast::Ident)],
        uris: &[ast::Expr],
        options: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let mut request = ExternalData {
            paths: Vec::with_capacity(uris.len()),
            columns: columns
                .iter()
                .map(|(name, ty)| (name.node.clone(), ty.node.clone()))
                .collect(),
            format: None,
            skip_first: false,
        };
        for uri in uris {
            request.paths.push(self.local_path(uri)?);
        }
        for option in options {
            self.external_option(option, &mut request)?;
        }
        let provider = self
            .catalog
            .external_data(&request)
            .map_err(|message| PlanError::user(span, message))?;
        let scan = LogicalPlanBuilder::scan("externaldata", provider_as_source(provider), None)
            .and_then(|b| b.build())
            .at(span)?;
        let dynamic: Vec<String> = request
            .columns
            .iter()
            .filter(|(_, ty)| ty == "dynamic")
            .map(|(name, _)| name.clone())
            .collect();
        kusto_columns(scan, &dynamic, &[], span)
    }

    /// A path to read: a constant string that is not a URL (`file://` is allowed).
    fn local_path(&mut self, uri: &ast::Expr) -> PlanResult<String> {
        let text = self.constant_string(uri, "externaldata paths")?;
        if let Some(path) = text.strip_prefix("file://") {
            return Ok(path.to_string());
        }
        if text.contains("://") {
            return Err(PlanError::not_supported(
                uri.span,
                "externaldata from a URL: kqlite is offline; save the file and name its local path",
            ));
        }
        Ok(text)
    }

    fn external_option(
        &mut self,
        option: &ast::Expr,
        request: &mut ExternalData,
    ) -> PlanResult<()> {
        let ExprKind::Assign { name, value } = &option.node else {
            return Err(PlanError::user(option.span, "expected name=value"));
        };
        match name.node.to_ascii_lowercase().as_str() {
            "format" => request.format = Some(self.constant_string(value, "format")?),
            "ignorefirstrecord" => {
                request.skip_first = match &value.node {
                    ExprKind::Literal(kqlite_parser::Literal::Bool(b)) => *b,
                    ExprKind::Name(n) => n == "true",
                    _ => return Err(PlanError::user(value.span, "expected true or false")),
                }
            }
            // Options about how Kusto fetches or names the data change nothing for a local file.
            "compressed" | "compressionsuffix" | "includeheaders" | "ingestionmappingreference" => {
            }
            other => {
                return Err(PlanError::not_supported(
                    name.span,
                    format!("externaldata option {other}"),
                ))
            }
        }
        Ok(())
    }

    /// A string known when planning: a literal, a `let` of one, or `strcat` of them.
    fn constant_string(&mut self, expr: &ast::Expr, what: &str) -> PlanResult<String> {
        match self.constant(expr) {
            Ok(value) => match value.try_as_str() {
                Some(Some(text)) => Ok(text.to_string()),
                _ => Err(PlanError::user(
                    expr.span,
                    format!("{what} must be strings"),
                )),
            },
            Err(_) => Err(PlanError::user(
                expr.span,
                format!("{what} must be constant strings"),
            )),
        }
    }
}
