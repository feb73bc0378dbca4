//! How kqlite's plans cross to the scheduler and executors: Ballista's codec for plan nodes
//! (its shuffles, DataFusion's scans and operators), and kqlite's functions by their position in
//! [`kqlite_functions::catalogue`]. A function DataFusion's own registry resolves by name
//! crosses as its name, a row kernel as its name when `row_catalogue.rs` lists its function; any
//! other (a keyed pseudonym) refuses to encode, and the part of the plan that holds it stays on
//! this machine.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use ballista_core::serde::BallistaPhysicalExtensionCodec;
use datafusion::common::{not_impl_err, DataFusionError, Result};
use datafusion::execution::{SessionStateBuilder, TaskContext};
use datafusion::logical_expr::{AggregateUDF, ScalarUDF, WindowUDF};
use datafusion::physical_expr_common::physical_expr::proto_decode::PhysicalExprDecodeCtx;
use datafusion::physical_expr_common::physical_expr::proto_encode::PhysicalExprEncodeCtx;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use kqlite_functions::catalogue;
use kqlite_functions::row_catalogue::{row_function, same_function};
use kqlite_functions::rowwise::RowKernel;

use crate::expressions;

/// The one codec of client, scheduler and executors.
#[derive(Debug, Default)]
pub struct KqlCodec {
    plans: BallistaPhysicalExtensionCodec,
}

/// A catalogue position, with the name as a check that both sides run the same kqlite.
fn encode_position(position: usize, name: &str, buf: &mut Vec<u8>) {
    buf.extend_from_slice(&(position as u32).to_le_bytes());
    buf.extend_from_slice(name.as_bytes());
}

fn decode_position(buf: &[u8], name: &str) -> Result<usize> {
    let (position, named) = buf.split_at_checked(4).ok_or_else(|| mismatch(name))?;
    if named != name.as_bytes() {
        return Err(mismatch(name));
    }
    let position: [u8; 4] = position.try_into().map_err(|_| mismatch(name))?;
    Ok(u32::from_le_bytes(position) as usize)
}

/// The position that stands for a row kernel, known by its name (`row_catalogue.rs`).
const ROW_KERNEL: usize = u32::MAX as usize;

fn encode_row_kernel(kernel: &RowKernel, name: &str, buf: &mut Vec<u8>) -> Result<()> {
    match row_function(name) {
        Some(f) if same_function(f, kernel.row_fn()) => {
            encode_position(ROW_KERNEL, name, buf);
            Ok(())
        }
        _ => not_distributable(name),
    }
}

fn mismatch(name: &str) -> DataFusionError {
    DataFusionError::Plan(format!(
        "the cluster does not know kqlite's function {name}: run the same kqlite version on \
         the client, the scheduler and every executor"
    ))
}

/// DataFusion's own functions, as every process's registry holds them.
struct Builtins {
    scalar: HashMap<String, Arc<ScalarUDF>>,
    aggregate: HashMap<String, Arc<AggregateUDF>>,
    window: HashMap<String, Arc<WindowUDF>>,
}

fn builtins() -> &'static Builtins {
    static BUILTINS: OnceLock<Builtins> = OnceLock::new();
    BUILTINS.get_or_init(|| {
        let state = SessionStateBuilder::new().with_default_features().build();
        Builtins {
            scalar: state.scalar_functions().clone(),
            aggregate: state.aggregate_functions().clone(),
            window: state.window_functions().clone(),
        }
    })
}

fn not_distributable(name: &str) -> Result<()> {
    not_impl_err!("kqlite's function {name} does not run on a cluster")
}

impl PhysicalExtensionCodec for KqlCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.plans.try_decode(buf, inputs, ctx, converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.plans.try_encode(node, buf, converter)
    }

    fn try_encode_expr(
        &self,
        node: &Arc<dyn PhysicalExpr>,
        buf: &mut Vec<u8>,
        ctx: &PhysicalExprEncodeCtx<'_>,
    ) -> Result<()> {
        expressions::encode(node, buf, ctx)
    }

    fn try_decode_expr(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn PhysicalExpr>],
        ctx: &PhysicalExprDecodeCtx<'_>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        expressions::decode(buf, inputs, ctx)
    }

    fn try_encode_udf(&self, udf: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if let Some(kernel) = (udf.inner().as_ref() as &dyn Any).downcast_ref::<RowKernel>() {
            return encode_row_kernel(kernel, udf.name(), buf);
        }
        if let Some(position) = catalogue::scalar_position(udf) {
            encode_position(position, udf.name(), buf);
            return Ok(());
        }
        match builtins().scalar.get(udf.name()) {
            Some(builtin) if builtin.as_ref() == udf => Ok(()),
            _ => not_distributable(udf.name()),
        }
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        let position = decode_position(buf, name)?;
        if position == ROW_KERNEL {
            let f = row_function(name).ok_or_else(|| mismatch(name))?;
            return Ok(Arc::new(ScalarUDF::new_from_impl(RowKernel::new(name, f))));
        }
        let udf = catalogue::scalar_udfs().get(position);
        udf.filter(|u| u.name() == name)
            .cloned()
            .ok_or_else(|| mismatch(name))
    }

    fn try_encode_udaf(&self, udaf: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        if let Some(position) = catalogue::aggregate_position(udaf) {
            encode_position(position, udaf.name(), buf);
            return Ok(());
        }
        match builtins().aggregate.get(udaf.name()) {
            Some(builtin) if builtin.as_ref() == udaf => Ok(()),
            _ => not_distributable(udaf.name()),
        }
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        let position = decode_position(buf, name)?;
        let udaf = catalogue::aggregate_udfs().get(position);
        udaf.filter(|u| u.name() == name)
            .cloned()
            .ok_or_else(|| mismatch(name))
    }

    fn try_decode_udwf(&self, name: &str, _buf: &[u8]) -> Result<Arc<WindowUDF>> {
        match name == kqlite_functions::session::NAME {
            true => Ok(kqlite_functions::session::udwf()),
            false => not_impl_err!("kqlite's function {name} does not run on a cluster"),
        }
    }

    fn try_encode_udwf(&self, udwf: &WindowUDF, _buf: &mut Vec<u8>) -> Result<()> {
        if udwf.name() == kqlite_functions::session::NAME {
            return Ok(());
        }
        match builtins().window.get(udwf.name()) {
            Some(builtin) if builtin.as_ref() == udwf => Ok(()),
            _ => not_distributable(udwf.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqlite_functions::rowwise::RowFn;

    fn kernel(name: &str, f: RowFn) -> ScalarUDF {
        ScalarUDF::new_from_impl(RowKernel::new(name, f))
    }

    #[test]
    fn row_kernels_cross_by_name_when_the_catalogue_runs_the_same_function() {
        let codec = KqlCodec::default();
        let f = row_function("parse_json").unwrap();
        let mut buf = Vec::new();
        codec
            .try_encode_udf(&kernel("parse_json", f), &mut buf)
            .unwrap();
        let decoded = codec.try_decode_udf("parse_json", &buf).unwrap();
        assert_eq!(decoded.name(), "parse_json");
        let other = row_function("trim").unwrap();
        let wrong = kernel("parse_json", other);
        assert!(codec.try_encode_udf(&wrong, &mut Vec::new()).is_err());
        let unknown = kernel("no_such_function", f);
        assert!(codec.try_encode_udf(&unknown, &mut Vec::new()).is_err());
    }

    #[test]
    fn catalogue_udfs_cross_and_foreign_names_are_refused() {
        let codec = KqlCodec::default();
        for udf in catalogue::scalar_udfs() {
            let mut buf = Vec::new();
            codec.try_encode_udf(udf, &mut buf).unwrap();
            let decoded = codec.try_decode_udf(udf.name(), &buf).unwrap();
            assert!(decoded.as_ref() == udf.as_ref(), "{}", udf.name());
        }
        let mut buf = Vec::new();
        encode_position(0, "not_the_name", &mut buf);
        assert!(codec.try_decode_udf("kql_startof", &buf).is_err());
    }
}
