//! kqlite's own filter expressions on the wire. A [`ViewIn`] travels as the comparison it
//! stands for, a [`DictionaryPredicate`] as its conjunct and a [`SelectiveAnd`] as its conjuncts; the receiver builds them again, so the
//! executors filter as fast as a local run does.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{not_impl_err, DataFusionError, Result};
use datafusion::physical_expr_common::physical_expr::proto_decode::PhysicalExprDecodeCtx;
use datafusion::physical_expr_common::physical_expr::proto_encode::PhysicalExprEncodeCtx;
use datafusion::physical_plan::PhysicalExpr;
use datafusion_proto::protobuf::PhysicalExprNode;
use kqlite_planner::{DictionaryPredicate, SelectiveAnd, ViewIn};
use prost::Message;

const VIEW_IN: u8 = b'V';
const SELECTIVE_AND: u8 = b'A';
const DICTIONARY: u8 = b'D';

/// The tag and payload of `expr` (its children travel beside them, encoded by DataFusion).
pub fn encode(
    expr: &Arc<dyn PhysicalExpr>,
    buf: &mut Vec<u8>,
    ctx: &PhysicalExprEncodeCtx<'_>,
) -> Result<()> {
    if let Some(view_in) = expr.downcast_ref::<ViewIn>() {
        buf.push(VIEW_IN);
        ctx.encode_child(view_in.original())?
            .encode(buf)
            .map_err(wire)?;
        return Ok(());
    }
    if let Some(per_entry) = expr.downcast_ref::<DictionaryPredicate>() {
        buf.push(DICTIONARY);
        ctx.encode_child(per_entry.original())?
            .encode(buf)
            .map_err(wire)?;
        return Ok(());
    }
    if expr.downcast_ref::<SelectiveAnd>().is_some() {
        buf.push(SELECTIVE_AND);
        return Ok(());
    }
    not_impl_err!("no codec for the expression {expr}")
}

pub fn decode(
    buf: &[u8],
    inputs: &[Arc<dyn PhysicalExpr>],
    ctx: &PhysicalExprDecodeCtx<'_>,
) -> Result<Arc<dyn PhysicalExpr>> {
    match buf.split_first() {
        Some((&VIEW_IN, original)) => {
            let original = ctx.decode(&PhysicalExprNode::decode(original).map_err(wire)?)?;
            Ok(match ViewIn::recognise(&original, ctx.schema()) {
                Some(view_in) => Arc::new(view_in),
                None => original,
            })
        }
        Some((&DICTIONARY, original)) => {
            let original = ctx.decode(&PhysicalExprNode::decode(original).map_err(wire)?)?;
            Ok(
                match DictionaryPredicate::try_new(&original, &DataType::Utf8View)? {
                    Some(per_entry) => Arc::new(per_entry),
                    None => original,
                },
            )
        }
        Some((&SELECTIVE_AND, _)) => {
            let schema = Arc::new(ctx.schema().clone());
            Ok(Arc::new(SelectiveAnd::try_new(inputs.to_vec(), schema)?))
        }
        _ => not_impl_err!("an expression this kqlite does not know"),
    }
}

fn wire(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("kqlite expression on the wire: {e}"))
}
