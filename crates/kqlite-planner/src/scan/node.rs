//! The logical plan node of `scan`. Its expressions read a one-row schema of their own (the
//! row, the declared columns, each step's state), not the input's, so it shows DataFusion's
//! optimizer none of them: they are lowered and typed already.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{DFSchema, DFSchemaRef, Result, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlan, SortExpr, UserDefinedLogicalNodeCore};

/// What a step adds to the output when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd)]
pub(crate) enum Output {
    All,
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ScanStepPlan {
    pub condition: Expr,
    /// The declared column each assignment sets (by position), and its value.
    pub assignments: Vec<(usize, Expr)>,
    pub output: Output,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ScanNode {
    pub input: LogicalPlan,
    /// The declared columns and their defaults.
    pub declared: Vec<(String, ScalarValue)>,
    pub steps: Vec<ScanStepPlan>,
    /// `with_match_id=Name`.
    pub match_id: Option<String>,
    /// The order the rows arrive in (the sort before `scan`).
    pub order: Vec<SortExpr>,
    /// What the steps' expressions read.
    pub row: DFSchemaRef,
    schema: DFSchemaRef,
}

impl ScanNode {
    pub fn new(
        input: LogicalPlan,
        declared: Vec<(String, ScalarValue)>,
        steps: Vec<ScanStepPlan>,
        match_id: Option<String>,
        order: Vec<SortExpr>,
        row: DFSchemaRef,
    ) -> Result<Self> {
        let mut fields: Vec<Field> = input
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.extend(
            declared
                .iter()
                .map(|(n, v)| Field::new(n, v.data_type(), true)),
        );
        if let Some(name) = &match_id {
            fields.push(Field::new(name, DataType::Int64, false));
        }
        let schema = Arc::new(DFSchema::try_from(Schema::new(fields))?);
        Ok(ScanNode {
            input,
            declared,
            steps,
            match_id,
            order,
            row,
            schema,
        })
    }
}

impl PartialOrd for ScanNode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.input.partial_cmp(&other.input)
    }
}

impl UserDefinedLogicalNodeCore for ScanNode {
    fn name(&self) -> &str {
        "KqlScan"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        &self.schema
    }

    fn expressions(&self) -> Vec<Expr> {
        Vec::new()
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let declared: Vec<&str> = self.declared.iter().map(|(n, _)| n.as_str()).collect();
        write!(
            f,
            "KqlScan: steps={}, declare=[{}]",
            self.steps.len(),
            declared.join(", ")
        )
    }

    fn with_exprs_and_inputs(
        &self,
        _exprs: Vec<Expr>,
        mut inputs: Vec<LogicalPlan>,
    ) -> Result<Self> {
        let mut node = self.clone();
        node.input = inputs.swap_remove(0);
        Ok(node)
    }
}
