//! `dcount` and `count_distinct`: the distinct values of each group, kept as 64-bit hashes in
//! one table shared by all groups. DataFusion's `COUNT(DISTINCT)` keeps a hash set per group,
//! and with many small groups (each sender's few recipients) allocating those sets costs more
//! than the counting. Kusto's `dcount` is an estimate; this count is exact unless two distinct
//! values of one group share a 64-bit hash (odds of about n²/2⁶⁵ for n distinct values).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, UInt64Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::hash_utils::{create_hashes, QualityRandomState};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, Expr, GroupsAccumulator, Signature,
    Volatility,
};

/// The hashes must agree between the partitions that merge their states.
const STATE: QualityRandomState = QualityRandomState::with_seed(0x6b71_6c69_7465);

/// `kql_dcount(x)`: the number of distinct non-null values of `x`.
pub fn call(value: Expr) -> Expr {
    let udaf = Dcount {
        signature: Signature::any(1, Volatility::Immutable),
    };
    AggregateUDF::new_from_impl(udaf).call(vec![value])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Dcount {
    signature: Signature,
}

impl AggregateUDFImpl for Dcount {
    fn name(&self) -> &str {
        "kql_dcount"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(0)))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let name = format_state_name(args.name, "hashes");
        Ok(vec![Arc::new(Field::new_list(name, hash_item(), true))])
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<DcountGroups>::default())
    }
    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }
    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::<DcountGroups>::default())
    }
}

fn hash_item() -> Field {
    Field::new_list_field(DataType::UInt64, false)
}

/// Keys of the shared table: a group index and a value hash.
type Key = (u32, u64);

/// The value hash is already uniform: mixing in the group is all the table needs.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, group: u32) {
        self.0 ^= u64::from(group).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 ^= hash;
    }
}

#[derive(Debug, Default)]
struct DcountGroups {
    seen: HashSet<Key, BuildHasherDefault<KeyHasher>>,
    /// Distinct values per group: also the number of the group's keys in `seen`.
    counts: Vec<i64>,
    hashes: Vec<u64>,
}

impl DcountGroups {
    fn insert(&mut self, group: usize, hash: u64) {
        if self.seen.insert((group as u32, hash)) {
            self.counts[group] += 1;
        }
    }

    fn hash(&mut self, values: &ArrayRef) -> Result<()> {
        self.hashes.clear();
        self.hashes.resize(values.len(), 0);
        create_hashes([values], &STATE, &mut self.hashes)?;
        Ok(())
    }

    /// Drops the first `n` groups (emitted) and renumbers the rest.
    fn forget_first(&mut self, n: usize) {
        let n = n as u32;
        self.seen = self
            .seen
            .drain()
            .filter(|(group, _)| *group >= n)
            .map(|(group, hash)| (group - n, hash))
            .collect();
    }

    /// The hashes of the first `n` groups as one list per group.
    fn lists(&self, n: usize) -> ListArray {
        let offsets = OffsetBuffer::from_lengths(self.counts[..n].iter().map(|c| *c as usize));
        let mut next: Vec<usize> = offsets[..n].iter().map(|o| *o as usize).collect();
        let mut values = vec![0u64; offsets[n] as usize];
        for &(group, hash) in &self.seen {
            if let Some(slot) = next.get_mut(group as usize) {
                values[*slot] = hash;
                *slot += 1;
            }
        }
        let values: ArrayRef = Arc::new(UInt64Array::from(values));
        ListArray::new(Arc::new(hash_item()), offsets, values, None)
    }
}

fn kept(row: usize, nulls: Option<&NullBuffer>, filter: Option<&BooleanArray>) -> bool {
    nulls.is_none_or(|n| n.is_valid(row)) && filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

impl GroupsAccumulator for DcountGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        self.hash(&values[0])?;
        let nulls = values[0].logical_nulls();
        let hashes = std::mem::take(&mut self.hashes);
        for (row, (&group, &hash)) in group_indices.iter().zip(&hashes).enumerate() {
            if kept(row, nulls.as_ref(), opt_filter) {
                self.insert(group, hash);
            }
        }
        self.hashes = hashes;
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        if let EmitTo::First(n) = emit_to {
            self.forget_first(n);
        }
        Ok(Arc::new(Int64Array::from(
            emit_to.take_needed(&mut self.counts),
        )))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let n = match emit_to {
            EmitTo::All => self.counts.len(),
            EmitTo::First(n) => n,
        };
        let lists = self.lists(n);
        match emit_to {
            EmitTo::All => self.seen.clear(),
            EmitTo::First(n) => self.forget_first(n),
        }
        emit_to.take_needed(&mut self.counts);
        Ok(vec![Arc::new(lists)])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.counts.resize(total_num_groups, 0);
        let lists = values[0].as_list::<i32>();
        let offsets = lists.value_offsets();
        let hashes = lists.values().as_primitive::<UInt64Type>().values();
        for (row, &group) in group_indices.iter().enumerate() {
            if kept(row, lists.nulls(), None) {
                let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                for &hash in &hashes[start..end] {
                    self.insert(group, hash);
                }
            }
        }
        Ok(())
    }

    /// Each row its own group: a list of its one hash, or an empty list.
    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let mut hashes = vec![0; values[0].len()];
        create_hashes([&values[0]], &STATE, &mut hashes)?;
        let nulls = values[0].logical_nulls();
        let keep: Vec<bool> = (0..hashes.len())
            .map(|row| kept(row, nulls.as_ref(), opt_filter))
            .collect();
        let offsets = OffsetBuffer::from_lengths(keep.iter().map(|k| usize::from(*k)));
        let kept_hashes: Vec<u64> = hashes
            .iter()
            .zip(&keep)
            .filter_map(|(hash, keep)| keep.then_some(*hash))
            .collect();
        let values: ArrayRef = Arc::new(UInt64Array::from(kept_hashes));
        let lists = ListArray::new(Arc::new(hash_item()), offsets, values, None);
        Ok(vec![Arc::new(lists)])
    }

    fn size(&self) -> usize {
        self.seen.capacity() * std::mem::size_of::<Key>()
            + (self.counts.capacity() + self.hashes.capacity()) * 8
    }
}

/// Without `by`, one group: the same table with group 0.
impl Accumulator for DcountGroups {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; values[0].len()];
        GroupsAccumulator::update_batch(self, values, &groups, None, 1)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let groups = vec![0; states[0].len()];
        GroupsAccumulator::merge_batch(self, states, &groups, 1)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.counts.resize(1, 0);
        Ok(vec![ScalarValue::List(Arc::new(self.lists(1)))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(
            self.counts.first().copied().unwrap_or(0),
        )))
    }

    fn size(&self) -> usize {
        GroupsAccumulator::size(self)
    }
}
