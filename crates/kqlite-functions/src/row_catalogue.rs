//! The row functions (see `rowwise.rs`) by the name their kernels carry, so that a plan holding
//! them can cross to a cluster's executors. A kernel crosses only when the function listed here
//! under its name is the very function it runs; any other stays on the client.

use crate::rowwise::RowFn::{self, Bool, Dynamic, Long, Real, Text};
use crate::{arrays as a, dynamic as d, parsers as p, text_fns as t};

/// The row function the kernel named `name` runs.
pub fn row_function(name: &str) -> Option<RowFn> {
    dynamic_function(name)
        .or_else(|| array_function(name))
        .or_else(|| text_function(name))
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
        "repeat" => Dynamic(a::repeat),
        "bag_merge" => Dynamic(a::bag_merge),
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
        "indexof" => Long(t::index_or_minus_one),
        "trim" => Text(t::trim),
        "trim_start" => Text(t::trim_start),
        "trim_end" => Text(t::trim_end),
        "strcmp" => Long(t::strcmp),
        "strrep" => Text(t::strrep),
        "countof" => Long(t::countof),
        "base64_encode_tostring" | "base64_encodestring" => Text(t::base64_encode),
        "base64_decode_tostring" | "base64_decodestring" => Text(t::base64_decode),
        "url_encode" | "url_encode_component" => Text(t::url_encode),
        "url_decode" => Text(t::url_decode),
        "hash" | "hash_xxhash64" => Long(t::hash),
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
