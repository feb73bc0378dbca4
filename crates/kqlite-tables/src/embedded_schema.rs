//! The Arrow schema that Arrow-based writers embed in a Parquet footer (`ARROW:schema`),
//! checked before the parquet crate decodes it: arrow-ipc panics on a damaged one (an unknown
//! type id, a list without its child, a unit out of range). A damaged schema is dropped and
//! the file's columns are read by their Parquet types.

use arrow_ipc::{DateUnit, Endianness, Field, Precision, TimeUnit, Type, UnionMode};
use base64::prelude::{Engine, BASE64_STANDARD};

/// The footer key the schema is stored under.
pub(crate) const KEY: &str = "ARROW:schema";

/// Whether decoding `encoded` cannot panic: it is sound, or damaged in a way the decoder
/// reports as an error.
pub(crate) fn decodes_safely(encoded: &str) -> bool {
    let Ok(bytes) = BASE64_STANDARD.decode(encoded) else {
        return true;
    };
    let message = if bytes.len() > 8 && bytes[0..4] == [255u8; 4] {
        &bytes[8..]
    } else {
        bytes.as_slice()
    };
    let Some(schema) = arrow_ipc::root_as_message(message)
        .ok()
        .and_then(|m| m.header_as_schema())
    else {
        return true;
    };
    let Some(fields) = schema.fields() else {
        return false;
    };
    let big_endian = schema.endianness() == Endianness::Big;
    fields
        .iter()
        .all(|f| !(big_endian && f.type_type() == Type::Decimal) && sound(&f, 0))
}

/// Whether `field`, its dictionary and its children decode without a panic.
fn sound(field: &Field<'_>, depth: usize) -> bool {
    let children = field.children();
    let count = children.map_or(0, |c| c.len());
    let dictionary = field.dictionary().is_none_or(|d| {
        d.indexType()
            .is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64))
    });
    depth < 64
        && dictionary
        && sound_type(field, count)
        && children.is_none_or(|c| c.iter().all(|child| sound(&child, depth + 1)))
}

fn sound_type(field: &Field<'_>, children: usize) -> bool {
    let unit = |u: TimeUnit| u.variant_name().is_some();
    match field.type_type() {
        Type::Null | Type::Bool | Type::Binary | Type::BinaryView | Type::Utf8 => true,
        Type::Utf8View | Type::LargeBinary | Type::LargeUtf8 | Type::Struct_ => true,
        Type::Int => field
            .type_as_int()
            .is_some_and(|i| matches!(i.bitWidth(), 8 | 16 | 32 | 64)),
        Type::FixedSizeBinary => field.type_as_fixed_size_binary().is_some(),
        Type::FloatingPoint => field.type_as_floating_point().is_some_and(|f| {
            matches!(
                f.precision(),
                Precision::HALF | Precision::SINGLE | Precision::DOUBLE
            )
        }),
        Type::Date => field
            .type_as_date()
            .is_some_and(|d| matches!(d.unit(), DateUnit::DAY | DateUnit::MILLISECOND)),
        Type::Time => field.type_as_time().is_some_and(|t| {
            matches!(
                (t.bitWidth(), t.unit()),
                (32, TimeUnit::SECOND | TimeUnit::MILLISECOND)
                    | (64, TimeUnit::MICROSECOND | TimeUnit::NANOSECOND)
            )
        }),
        Type::Timestamp => field.type_as_timestamp().is_some_and(|t| unit(t.unit())),
        Type::Duration => field.type_as_duration().is_some_and(|d| unit(d.unit())),
        Type::Interval => field
            .type_as_interval()
            .is_some_and(|i| i.unit().variant_name().is_some()),
        Type::List | Type::LargeList | Type::ListView | Type::LargeListView => children == 1,
        Type::FixedSizeList => children == 1 && field.type_as_fixed_size_list().is_some(),
        Type::Map => children == 1 && field.type_as_map().is_some(),
        Type::RunEndEncoded => children == 2,
        Type::Decimal => field.type_as_decimal().is_some_and(|d| {
            matches!(d.bitWidth(), 32 | 64 | 128 | 256)
                && u8::try_from(d.precision()).is_ok()
                && i8::try_from(d.scale()).is_ok()
        }),
        Type::Union => field.type_as_union().is_some_and(|u| {
            let mode = matches!(u.mode(), UnionMode::Dense | UnionMode::Sparse);
            let ids = u.typeIds().is_none_or(|ids| {
                let ids: Vec<i8> = ids.iter().map(|i| i as i8).collect();
                let mut unique = ids.clone();
                unique.sort_unstable();
                unique.dedup();
                ids.len() == children && unique.len() == ids.len() && ids.iter().all(|i| *i >= 0)
            });
            mode && ids
        }),
        _ => false,
    }
}

/// An error when the footer of `metadata` embeds a damaged Arrow schema.
pub(crate) fn check(
    metadata: &datafusion::parquet::file::metadata::FileMetaData,
) -> Result<(), String> {
    let damaged = metadata
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|kv| kv.key == KEY)
        .any(|kv| kv.value.as_deref().is_some_and(|v| !decodes_safely(v)));
    match damaged {
        true => Err(format!(
            "the Arrow schema its footer embeds ({KEY}) is damaged"
        )),
        false => Ok(()),
    }
}

/// [`check`] for the Parquet file `file`, before a reader decodes its footer.
pub(crate) fn check_file(file: &std::fs::File) -> Result<(), String> {
    let metadata = datafusion::parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(file)
        .map_err(|e| e.to_string())?;
    check(metadata.file_metadata())
}
