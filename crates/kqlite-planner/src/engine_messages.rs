//! DataFusion's and Arrow's messages about types that do not fit, in Kusto's terms: the
//! user reads `sum() does not take string`, never `Function 'sum' failed to match any
//! signature` with Arrow's type names and DataFusion's issue tracker.

/// Arrow's spellings of the types kqlite holds, and Kusto's names for them (longer spellings
/// first: `LargeUtf8` before `Utf8`).
const TYPE_NAMES: &[(&str, &str)] = &[
    ("Timestamp(ns, \"UTC\")", "datetime"),
    ("Timestamp(Nanosecond, Some(\"UTC\"))", "datetime"),
    ("Duration(ns)", "timespan"),
    ("Duration(Nanosecond)", "timespan"),
    ("Decimal128(38, 18)", "decimal"),
    ("LargeUtf8", "dynamic"),
    ("Utf8View", "string"),
    ("Utf8", "string"),
    ("Int64", "long"),
    ("Int32", "int"),
    ("Float64", "real"),
    ("Boolean", "bool"),
];

/// DataFusion's names of functions that kqlite's functions run as.
const FUNCTION_NAMES: &[(&str, &str)] = &[
    ("signum", "sign"),
    ("stddev", "stdev"),
    ("stddev_pop", "stdevp"),
    ("var_samp", "variance"),
    ("var_pop", "variancep"),
    ("bag_pack", "pack_all"),
];

/// The message in Kusto's terms, when it is one of the engine's about types.
pub fn in_kusto_terms(message: &str) -> Option<String> {
    if let Some(call) = quoted_after(message, "argument types '") {
        let (name, args) = call.split_once('(')?;
        let name = FUNCTION_NAMES
            .iter()
            .find(|(engine, _)| *engine == name)
            .map_or(name, |(_, kusto)| kusto);
        let args = kusto_types(args.strip_suffix(')').unwrap_or(args));
        return Some(match args.is_empty() {
            true => format!("{name}() needs arguments"),
            false => format!("{name}() does not take {args}"),
        });
    }
    if let Some(operation) = after(message, "Cannot infer common argument type for ") {
        return Some(operands(operation));
    }
    if let Some(types) = after(
        message,
        "CASE expression 'then' values had multiple data types: ",
    ) {
        let types = kusto_types(types);
        return Some(format!(
            "iff() and case() need results of one type, found {types}"
        ));
    }
    if message.contains("Negation only supports") {
        return Some("'-' needs a number or a timespan".to_string());
    }
    if let Some(value) = quoted_after(message, "Cannot cast string '")
        .or_else(|| quoted_after(message, "Cannot cast value '"))
    {
        let target = after(message, "to value of ").unwrap_or("its type");
        let target = kusto_types(target.trim_end_matches(" type"));
        return Some(format!("the value '{value}' does not convert to {target}"));
    }
    if let Some(text) = quoted_after(message, "Error parsing timestamp from '") {
        return Some(format!("'{text}' is not a datetime"));
    }
    if message.contains("must either specify a row count or at least one column") {
        return Some("the result would have no column".to_string());
    }
    None
}

/// `comparison operation Utf8 IS DISTINCT FROM Boolean`, `logical boolean operation Boolean
/// AND Int64`: what the operands are and what the operator needs.
fn operands(operation: &str) -> String {
    let operation = kusto_types(
        operation
            .split_once("operation ")
            .map_or(operation, |p| p.1),
    );
    for spelling in [" IS DISTINCT FROM ", " IS NOT DISTINCT FROM "] {
        if let Some((value, _)) = operation.split_once(spelling) {
            return format!("not() needs a bool, found {value}");
        }
    }
    for (spelling, needs) in [
        (" AND ", "'and' needs bool operands"),
        (" OR ", "'or' needs bool operands"),
    ] {
        if let Some((l, r)) = operation.split_once(spelling) {
            return format!("{needs}, found {l} and {r}");
        }
    }
    format!("the operands do not fit: {operation}")
}

fn kusto_types(text: &str) -> String {
    TYPE_NAMES
        .iter()
        .fold(text.trim().to_string(), |t, (arrow, kusto)| {
            t.replace(arrow, kusto)
        })
}

fn after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    message.find(marker).map(|i| &message[i + marker.len()..])
}

/// The text after `marker` up to the next `'`.
fn quoted_after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    after(message, marker).and_then(|rest| rest.split('\'').next())
}

#[cfg(test)]
mod tests {
    use super::in_kusto_terms;

    fn said(message: &str) -> String {
        in_kusto_terms(message).unwrap_or_default()
    }

    #[test]
    fn type_mismatches_in_kusto_terms() {
        let sum = "Internal error: Function 'sum' failed to match any signature, errors: ... \
            No function matches the given name and argument types 'sum(Utf8)'. You might...";
        assert_eq!(said(sum), "sum() does not take string");
        let sign = "No function matches the given name and argument types \
            'signum(Duration(ns))'. You might";
        assert_eq!(said(sign), "sign() does not take timespan");
        let not = "Cannot infer common argument type for comparison operation Utf8 IS \
            DISTINCT FROM Boolean";
        assert_eq!(said(not), "not() needs a bool, found string");
        let case = "CASE expression 'then' values had multiple data types: Int64, Utf8";
        assert_eq!(
            said(case),
            "iff() and case() need results of one type, found long, string"
        );
        let cast = "Cannot cast value 'a' to value of Boolean type";
        assert_eq!(said(cast), "the value 'a' does not convert to bool");
        assert_eq!(in_kusto_terms("unknown column 'x'"), None);
    }
}
