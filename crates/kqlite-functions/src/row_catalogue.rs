//! The row functions (see `rowwise.rs`) by the name their kernels carry, so that a plan holding
//! them can cross to a cluster's executors. A kernel crosses only when the function listed here
//! under its name is the very function it runs; any other stays on the client.

use crate::rowwise::RowFn::{self, Bool, Dynamic, Long, Real, Text};
use crate::text_fns as t;
use crate::{arrays as a, dynamic as d, key_values as kv, parsers as p, series_fns as s};
use crate::{number_text as n, string_lists as l};

/// The row function the kernel named `name` runs.
pub fn row_function(name: &str) -> Option<RowFn> {
    dynamic_function(name)
        .or_else(|| array_function(name))
        .or_else(|| text_function(name))
        .or_else(|| series_function(name))
        .or_else(|| key_value_function(name))
}

/// The `series_*` function of that name (the planner takes its kernels from here).
pub fn series_function(name: &str) -> Option<RowFn> {
    Some(match name {
        "series_fill_forward" => Dynamic(s::fill_forward),
        "series_fill_backward" => Dynamic(s::fill_backward),
        "series_fill_const" => Dynamic(s::fill_const),
        "series_fill_linear" => Dynamic(s::fill_linear),
        "series_stats" | "series_stats_dynamic" => Dynamic(s::stats_bag),
        "series_fit_line" | "series_fit_line_dynamic" => Dynamic(s::fit_line_bag),
        "series_decompose" => Dynamic(s::decompose_bag),
        "series_decompose_anomalies" => Dynamic(s::anomalies_bag),
        "series_outliers" => Dynamic(s::outliers),
        "series_iir" => Dynamic(s::iir),
        "series_fir" => Dynamic(s::fir),
        "series_pearson_correlation" => Real(s::pearson),
        "series_add" => Dynamic(s::add),
        "series_subtract" => Dynamic(s::subtract),
        "series_multiply" => Dynamic(s::multiply),
        "series_divide" => Dynamic(s::divide),
        "series_pow" => Dynamic(s::pow),
        "series_greater" => Dynamic(s::greater),
        "series_greater_equals" => Dynamic(s::greater_equals),
        "series_less" => Dynamic(s::less),
        "series_less_equals" => Dynamic(s::less_equals),
        "series_equals" => Dynamic(s::equals),
        "series_not_equals" => Dynamic(s::not_equals),
        "series_abs" => Dynamic(s::abs),
        "series_sign" => Dynamic(s::sign),
        "series_floor" => Dynamic(s::floor),
        "series_ceiling" => Dynamic(s::ceiling),
        "series_exp" => Dynamic(s::exp),
        "series_log" => Dynamic(s::log),
        "series_sin" => Dynamic(s::sin),
        "series_cos" => Dynamic(s::cos),
        "series_tan" => Dynamic(s::tan),
        "series_asin" => Dynamic(s::asin),
        "series_acos" => Dynamic(s::acos),
        "series_atan" => Dynamic(s::atan),
        "series_sum" => Real(s::sum),
        "series_product" => Real(s::product),
        "series_magnitude" => Real(s::magnitude),
        "series_dot_product" => Real(s::dot_product),
        "series_cosine_similarity" => Real(s::cosine_similarity),
        _ => return None,
    })
}

/// `parse-kv`'s two readers, by their kernels' names.
fn key_value_function(name: &str) -> Option<RowFn> {
    Some(match name {
        "parse_kv_by_regex" => Dynamic(kv::by_regex),
        "parse_kv_by_delimiters" => Dynamic(kv::by_delimiters),
        "parse_kv_by_key_names" => Dynamic(kv::by_key_names),
        _ => return None,
    })
}

fn dynamic_function(name: &str) -> Option<RowFn> {
    Some(match name {
        "parse_json" | "todynamic" | "parsejson" | "toobject" => Dynamic(d::parse),
        "array_length" => Long(d::array_length),
        "bag_keys" => Dynamic(d::bag_keys),
        "bag_has_key" => Bool(d::bag_has_key),
        "set_has_element" => Bool(d::set_has_element),
        "array_index_of" => Long(d::array_index_of),
        "array_concat" => Dynamic(d::array_concat),
        "array_slice" => Dynamic(d::array_slice),
        "strcat_array" => Text(d::strcat_array),
        "split" => Dynamic(d::split),
        "set_union" => Dynamic(d::set_union),
        "set_intersect" => Dynamic(d::set_intersect),
        "set_difference" => Dynamic(d::set_difference),
        "gettype" => Text(d::type_name),
        "extractjson" | "extract_json" => Text(d::extract_json),
        "kql_json_get" => Dynamic(d::get),
        _ => return None,
    })
}

fn array_function(name: &str) -> Option<RowFn> {
    Some(match name {
        "array_sum" => Real(a::sum),
        "array_sort_asc" => Dynamic(a::sort_asc),
        "array_sort_desc" => Dynamic(a::sort_desc),
        "array_reverse" => Dynamic(a::reverse),
        "array_rotate_left" => Dynamic(a::rotate_left),
        "array_rotate_right" => Dynamic(a::rotate_right),
        "array_shift_left" => Dynamic(a::shift_left),
        "array_shift_right" => Dynamic(a::shift_right),
        "array_split" => Dynamic(a::split),
        "array_iff" | "array_iif" => Dynamic(a::iff),
        "zip" => Dynamic(a::zip),
        "range" => Dynamic(a::range),
        "range_of_datetimes" => Dynamic(a::datetime_range),
        "range_of_timespans" => Dynamic(a::timespan_range),
        "repeat" => Dynamic(a::repeat),
        "bag_merge" => Dynamic(a::bag_merge),
        "bag_zip" => Dynamic(a::bag_zip),
        "parse_csv" => Dynamic(l::parse_csv),
        "replace_strings" => Text(l::replace_strings),
        "unicode_codepoints_from_string" => Dynamic(l::codepoints_from_string),
        "unicode_codepoints_to_string" => Text(l::codepoints_to_string),
        "bag_remove_keys" => Dynamic(a::bag_remove_keys),
        "bag_set_key" => Dynamic(a::bag_set_key),
        "jaccard_index" => Real(a::jaccard_index),
        "dynamic_to_json" => Text(a::to_json),
        _ => return None,
    })
}

fn text_function(name: &str) -> Option<RowFn> {
    Some(match name {
        "replace_regex" | "replace" => Text(t::replace_regex),
        "extract" => Text(t::extract),
        "extract_all" | "extractall" => Dynamic(t::extract_all),
        "substring" => Text(t::substring),
        "indexof" => Long(t::indexof),
        "indexof_regex" => Long(t::indexof_regex),
        "tohex" => Text(n::tohex),
        "format_bytes" => Text(n::format_bytes),
        "hash_sha1" => Text(n::hash_sha1),
        "trim" => Text(t::trim),
        "trim_start" => Text(t::trim_start),
        "trim_end" => Text(t::trim_end),
        "strcmp" => Long(t::strcmp),
        "strrep" => Text(t::strrep),
        "countof" => Long(t::countof),
        "base64_encode_tostring" | "base64_encodestring" => Text(t::base64_encode),
        "base64_decode_tostring" | "base64_decodestring" => Text(t::base64_decode),
        "translate" => Text(t::translate),
        "url_encode" => Text(t::url_encode),
        "url_encode_component" => Text(t::url_encode_component),
        "url_decode" => Text(t::url_decode),
        "hash" | "hash_xxhash64" => Long(t::hash),
        "hash_of_long" => Long(t::hash_of_long),
        "parse_url" | "parseurl" => Dynamic(p::parse_url),
        "parse_path" => Dynamic(p::parse_path),
        "parse_command_line" => Dynamic(p::parse_command_line),
        "parse_ipv4" => Long(p::parse_ipv4),
        "ipv4_is_private" => Bool(p::ipv4_is_private),
        "ipv4_is_in_range" => Bool(p::ipv4_is_in_range),
        "ipv4_is_match" => Bool(p::ipv4_is_match),
        _ => return None,
    })
}

/// Whether two row functions are the same function (same kind, same code).
pub fn same_function(x: RowFn, y: RowFn) -> bool {
    let address = |f: RowFn| match f {
        Text(g) | Dynamic(g) => g as usize,
        Long(g) => g as usize,
        Real(g) => g as usize,
        Bool(g) => g as usize,
    };
    std::mem::discriminant(&x) == std::mem::discriminant(&y) && address(x) == address(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_parse_kv_kernels_cross_by_name() {
        let series = series_function("series_fill_forward").unwrap();
        assert!(same_function(
            row_function("series_fill_forward").unwrap(),
            series
        ));
        let regex = row_function("parse_kv_by_regex").unwrap();
        let delimiters = row_function("parse_kv_by_delimiters").unwrap();
        assert!(!same_function(regex, delimiters));
        assert!(row_function("series_no_such").is_none());
    }
}
