//! Running `scan`: the rows in order, one at a time, through Kusto's two checks per step
//! (last step first). Check 1: the step before has a state and the row meets this step's
//! condition: that state moves here, extended by the row. Check 2 (when check 1 did not
//! match): this step has a state, or is the first step, and the row meets the condition: the
//! row replaces this step's state; on the first step with no state, a new match begins.
//! Each match outputs the row extended by the step's assignments (unless `output=none`).
//!
//! The steps' expressions are evaluated over one row at a time: scan is sequential by nature.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{exec_err, DataFusionError, Result, ScalarValue};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{LogicalPlan, UserDefinedLogicalNode};
use datafusion::physical_expr::{LexOrdering, LexRequirement, OrderingRequirements, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    collect, DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, Partitioning,
    PlanProperties,
};
use datafusion::physical_planner::{ExtensionPlanner, PhysicalPlanner};

use super::node::{Output, ScanNode};

/// Plans [`ScanNode`] into [`ScanExec`].
#[derive(Debug, Default)]
pub struct ScanPlanner;

#[async_trait]
impl ExtensionPlanner for ScanPlanner {
    async fn plan_extension(
        &self,
        planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        _logical_inputs: &[&LogicalPlan],
        physical_inputs: &[Arc<dyn ExecutionPlan>],
        session: &dyn Session,
        planning_ctx: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(scan) = node.as_any().downcast_ref::<ScanNode>() else {
            return Ok(None);
        };
        let expr = |e| planner.create_physical_expr(e, &scan.row, session, planning_ctx);
        let mut steps = Vec::with_capacity(scan.steps.len());
        for step in &scan.steps {
            let assignments = step
                .assignments
                .iter()
                .map(|(target, e)| Ok((*target, expr(e)?)))
                .collect::<Result<Vec<_>>>()?;
            steps.push(Step {
                condition: expr(&step.condition)?,
                assignments,
                output: step.output,
            });
        }
        let input = Arc::clone(&physical_inputs[0]);
        let input_schema = scan.input.schema();
        let order = datafusion::physical_expr::create_physical_sort_exprs(
            &scan.order,
            input_schema,
            session.execution_props(),
            planning_ctx,
        )?;
        Ok(Some(Arc::new(ScanExec::new(scan, input, steps, order))))
    }
}

#[derive(Debug)]
struct Step {
    condition: Arc<dyn PhysicalExpr>,
    assignments: Vec<(usize, Arc<dyn PhysicalExpr>)>,
    output: Output,
}

#[derive(Debug)]
pub struct ScanExec {
    input: Arc<dyn ExecutionPlan>,
    steps: Arc<Vec<Step>>,
    defaults: Vec<ScalarValue>,
    match_id: bool,
    row: SchemaRef,
    order: Option<LexOrdering>,
    properties: Arc<PlanProperties>,
}

impl ScanExec {
    fn new(
        node: &ScanNode,
        input: Arc<dyn ExecutionPlan>,
        steps: Vec<Step>,
        order: Vec<datafusion::physical_expr::PhysicalSortExpr>,
    ) -> Self {
        let schema: SchemaRef = Arc::new(node.schema().as_arrow().clone());
        let properties = Arc::new(PlanProperties::new(
            datafusion::physical_expr::EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        ScanExec {
            input,
            steps: Arc::new(steps),
            defaults: node.declared.iter().map(|(_, v)| v.clone()).collect(),
            match_id: node.match_id.is_some(),
            row: Arc::new(node.row.as_arrow().clone()),
            order: LexOrdering::new(order),
            properties,
        }
    }
}

impl DisplayAs for ScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "KqlScanExec: steps={}", self.steps.len())
    }
}

impl ExecutionPlan for ScanExec {
    fn name(&self) -> &str {
        "KqlScanExec"
    }
    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }
    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for step in self.steps.iter() {
            if f(&step.condition)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
            for (_, e) in &step.assignments {
                if f(e)? == TreeNodeRecursion::Stop {
                    return Ok(TreeNodeRecursion::Stop);
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }
    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::SinglePartition]
    }
    fn required_input_ordering(&self) -> Vec<Option<OrderingRequirements>> {
        let requirement = self
            .order
            .clone()
            .and_then(|o| LexRequirement::new(o.into_iter().map(Into::into)))
            .map(OrderingRequirements::new);
        vec![requirement]
    }
    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }
    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(ScanExec {
            input: children.swap_remove(0),
            steps: Arc::clone(&self.steps),
            defaults: self.defaults.clone(),
            match_id: self.match_id,
            row: Arc::clone(&self.row),
            order: self.order.clone(),
            properties: Arc::clone(&self.properties),
        }))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return exec_err!("scan runs in one partition");
        }
        let input = Arc::clone(&self.input);
        let machine = Machine {
            steps: Arc::clone(&self.steps),
            defaults: self.defaults.clone(),
            match_id: self.match_id,
            row: Arc::clone(&self.row),
            output: Arc::clone(self.properties.eq_properties.schema()),
        };
        let output = Arc::clone(&machine.output);
        let run = async move {
            let batches = collect(input, context).await?;
            machine.run(&batches)
        };
        let stream = futures::stream::once(run);
        Ok(Box::pin(RecordBatchStreamAdapter::new(output, stream)))
    }
}

/// A step's state: the match it holds so far, as the row (extended) each step up to this one
/// matched, and the id of the match.
#[derive(Clone)]
struct State {
    rows: Vec<Vec<ScalarValue>>,
    match_id: i64,
}

struct Machine {
    steps: Arc<Vec<Step>>,
    defaults: Vec<ScalarValue>,
    match_id: bool,
    row: SchemaRef,
    output: SchemaRef,
}

impl Machine {
    fn run(&self, batches: &[RecordBatch]) -> Result<RecordBatch> {
        let mut states: Vec<Option<State>> = vec![None; self.steps.len()];
        let mut next_id = 0i64;
        let mut rows: Vec<Vec<ScalarValue>> = Vec::new();
        for batch in batches {
            for i in 0..batch.num_rows() {
                let record: Vec<ScalarValue> = batch
                    .columns()
                    .iter()
                    .map(|c| ScalarValue::try_from_array(c, i))
                    .collect::<Result<_>>()?;
                self.record(&record, &mut states, &mut next_id, &mut rows)?;
            }
        }
        self.batch(rows)
    }

    /// One record through every step, last first.
    fn record(
        &self,
        record: &[ScalarValue],
        states: &mut [Option<State>],
        next_id: &mut i64,
        rows: &mut Vec<Vec<ScalarValue>>,
    ) -> Result<()> {
        for k in (0..self.steps.len()).rev() {
            let step = &self.steps[k];
            if k > 0 {
                if let Some(before) = states[k - 1].clone() {
                    let own = states[k].as_ref().and_then(|s| s.rows.get(k));
                    let row = self.one_row(record, &before.rows, own)?;
                    if self.holds(&step.condition, &row)? {
                        let extended = self.extend(step, record, &row)?;
                        self.emit(step, &extended, before.match_id, rows);
                        let mut matched = before.rows;
                        matched.push(extended);
                        states[k] = Some(State {
                            rows: matched,
                            match_id: before.match_id,
                        });
                        states[k - 1] = None;
                        continue;
                    }
                }
            }
            if states[k].is_none() && k > 0 {
                continue;
            }
            let held = states[k].as_ref().map_or(&[][..], |s| &s.rows[..]);
            let row = self.one_row(record, held, None)?;
            if !self.holds(&step.condition, &row)? {
                continue;
            }
            let extended = self.extend(step, record, &row)?;
            let state = match states[k].take() {
                Some(mut state) => {
                    state.rows[k] = extended.clone();
                    state
                }
                None => {
                    *next_id += 1;
                    State {
                        rows: vec![extended.clone()],
                        match_id: *next_id - 1,
                    }
                }
            };
            self.emit(step, &extended, state.match_id, rows);
            states[k] = Some(state);
        }
        Ok(())
    }

    fn emit(
        &self,
        step: &Step,
        values: &[ScalarValue],
        match_id: i64,
        rows: &mut Vec<Vec<ScalarValue>>,
    ) {
        if step.output == Output::None {
            return;
        }
        let mut row = values.to_vec();
        if self.match_id {
            row.push(ScalarValue::Int64(Some(match_id)));
        }
        rows.push(row);
    }

    /// The record with the declared columns: defaults, then the step's assignments.
    fn extend(
        &self,
        step: &Step,
        record: &[ScalarValue],
        row: &RecordBatch,
    ) -> Result<Vec<ScalarValue>> {
        let mut values = record.to_vec();
        values.extend(self.defaults.iter().cloned());
        for (target, e) in &step.assignments {
            let value = e.evaluate(row)?.into_array(1)?;
            let value = ScalarValue::try_from_array(&value, 0)?;
            values[record.len() + target] = value.cast_to(&self.defaults[*target].data_type())?;
        }
        Ok(values)
    }

    fn holds(&self, condition: &Arc<dyn PhysicalExpr>, row: &RecordBatch) -> Result<bool> {
        let value = condition.evaluate(row)?.into_array(1)?;
        Ok(matches!(
            ScalarValue::try_from_array(&value, 0)?,
            ScalarValue::Boolean(Some(true))
        ))
    }

    /// The one-row batch a step reads: the record, the declared defaults, then for each step
    /// the row of the match in hand (`held`, or `own` for the step being matched): a step with
    /// none reads nulls, and its declared columns their defaults.
    fn one_row(
        &self,
        record: &[ScalarValue],
        held: &[Vec<ScalarValue>],
        own: Option<&Vec<ScalarValue>>,
    ) -> Result<RecordBatch> {
        let mut values: Vec<ScalarValue> = record.to_vec();
        values.extend(self.defaults.iter().cloned());
        for step in 0..self.steps.len() {
            let snapshot = held
                .get(step)
                .or(if step == held.len() { own } else { None });
            match snapshot {
                Some(snapshot) => values.extend(snapshot.iter().cloned()),
                None => {
                    for field in &self.row.fields()[..record.len()] {
                        values.push(ScalarValue::try_from(field.data_type())?);
                    }
                    values.extend(self.defaults.iter().cloned());
                }
            }
        }
        let columns: Vec<ArrayRef> = values
            .iter()
            .zip(self.row.fields())
            .map(|(v, f)| v.cast_to(f.data_type()).and_then(|v| v.to_array()))
            .collect::<Result<_>>()?;
        RecordBatch::try_new(Arc::clone(&self.row), columns).map_err(DataFusionError::from)
    }

    /// The output rows as one batch, column by column.
    fn batch(&self, rows: Vec<Vec<ScalarValue>>) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = self
            .output
            .fields()
            .iter()
            .enumerate()
            .map(|(c, field)| {
                if rows.is_empty() {
                    return Ok(datafusion::arrow::array::new_empty_array(field.data_type()));
                }
                ScalarValue::iter_to_array(rows.iter().map(|r| r[c].clone()))
            })
            .collect::<Result<_>>()?;
        RecordBatch::try_new(Arc::clone(&self.output), columns).map_err(DataFusionError::from)
    }
}
