//! String functions: case, length, concatenation, regex extraction and replacement, positions,
//! trimming, encodings, hashes, URL, path and command-line parsing, IPv4 addresses.

use datafusion::arrow::datatypes::DataType;
use datafusion::functions::expr_fn::{
    character_length, concat, concat_ws, md5, octet_length, replace, reverse, sha256,
};
use datafusion::logical_expr::{cast, Expr};

use super::{is_empty, Call};
use crate::error::PlanResult;
use crate::kernels::rowwise::{self, Ctx, RowFn};
use crate::kernels::{case_fold, number_text as n, parsers as p, text_fns as t};
use crate::planner::Planner;

type Row<'a> = [Option<&'a str>];

impl Planner<'_> {
    pub(super) fn string_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        use RowFn::{Bool, Dynamic, Long, Text};
        Some(match c.f {
            "tolower" => self
                .texts(c, 1, 1)
                .map(|a| case_fold::call(a[0].clone(), false)),
            "toupper" => self
                .texts(c, 1, 1)
                .map(|a| case_fold::call(a[0].clone(), true)),
            "strlen" => self
                .texts(c, 1, 1)
                .map(|a| cast(character_length(a[0].clone()), DataType::Int64)),
            "string_size" => self
                .texts(c, 1, 1)
                .map(|a| cast(octet_length(a[0].clone()), DataType::Int64)),
            "reverse" => self.texts(c, 1, 1).map(|a| reverse(a[0].clone())),
            // `notempty` is the deprecated name of `isnotempty`.
            "isempty" | "isnotempty" | "notempty" => self.emptiness(c),
            "strcat" => self.texts(c, 1, 64).map(concat),
            "strcat_delim" => self.texts(c, 2, 65).map(|mut a| {
                let delimiter = a.remove(0);
                concat_ws(delimiter, a)
            }),
            "replace_string" => self
                .texts(c, 3, 3)
                .map(|a| replace(a[0].clone(), a[1].clone(), a[2].clone())),
            "replace_regex" => self.row_kernel(c, (3, 3), &[0, 1, 2], Text(t::replace_regex)),
            // The old `replace(regex, rewrite, text)`.
            "replace" => self.texts(c, 3, 3).map(|a| {
                let args = vec![a[2].clone(), a[0].clone(), a[1].clone()];
                rowwise::call("replace", Text(t::replace_regex), args)
            }),
            "extract" => self.extract(c),
            "extract_all" | "extractall" => {
                self.row_kernel(c, (2, 3), &[0, 1, 2], Dynamic(t::extract_all))
            }
            "substring" => self.row_kernel(c, (2, 3), &[0], Text(t::substring)),
            "indexof" => self.row_kernel(c, (2, 5), &[0, 1], Long(t::indexof)),
            "indexof_regex" => self.row_kernel(c, (2, 5), &[0, 1], Long(t::indexof_regex)),
            "tohex" => self.row_kernel(c, (1, 2), &[], Text(n::tohex)),
            "format_bytes" => self.row_kernel(c, (1, 3), &[2], Text(n::format_bytes)),
            "hash_sha1" => self.row_kernel(c, (1, 1), &[0], Text(n::hash_sha1)),
            "trim" => self.row_kernel(c, (2, 2), &[0, 1], Text(t::trim)),
            "trim_start" => self.row_kernel(c, (2, 2), &[0, 1], Text(t::trim_start)),
            "trim_end" => self.row_kernel(c, (2, 2), &[0, 1], Text(t::trim_end)),
            "strcmp" => self.row_kernel(c, (2, 2), &[0, 1], Long(t::strcmp)),
            "strrep" => self.row_kernel(c, (2, 3), &[0, 2], Text(t::strrep)),
            "countof" => self.row_kernel(c, (2, 3), &[0, 1, 2], Long(t::countof)),
            "base64_encode_tostring" | "base64_encodestring" => {
                self.row_kernel(c, (1, 1), &[0], Text(t::base64_encode))
            }
            "base64_decode_tostring" | "base64_decodestring" => {
                self.row_kernel(c, (1, 1), &[0], Text(t::base64_decode))
            }
            "translate" => self.row_kernel(c, (3, 3), &[0, 1, 2], Text(t::translate)),
            "url_encode" => self.row_kernel(c, (1, 1), &[0], Text(t::url_encode)),
            "url_encode_component" => {
                self.row_kernel(c, (1, 1), &[0], Text(t::url_encode_component))
            }
            "url_decode" => self.row_kernel(c, (1, 1), &[0], Text(t::url_decode)),
            "parse_url" | "parseurl" => self.row_kernel(c, (1, 1), &[0], Dynamic(p::parse_url)),
            "parse_path" => self.row_kernel(c, (1, 1), &[0], Dynamic(p::parse_path)),
            "parse_command_line" => {
                self.row_kernel(c, (2, 2), &[0, 1], Dynamic(p::parse_command_line))
            }
            "hash_sha256" => self
                .texts(c, 1, 1)
                .map(|a| rowwise::call("hash_sha256", Text(copy), vec![sha256(a[0].clone())])),
            "hash_md5" => self.texts(c, 1, 1).map(|a| md5(a[0].clone())),
            "hash" | "hash_xxhash64" => self.hash(c),
            "parse_ipv4" => self.row_kernel(c, (1, 1), &[0], Long(p::parse_ipv4)),
            "ipv4_is_private" => self.row_kernel(c, (1, 1), &[0], Bool(p::ipv4_is_private)),
            "ipv4_is_in_range" => self.row_kernel(c, (2, 2), &[0, 1], Bool(p::ipv4_is_in_range)),
            "ipv4_is_match" => self.row_kernel(c, (2, 3), &[0, 1], Bool(p::ipv4_is_match)),
            _ => return None,
        })
    }

    /// The arguments as strings.
    fn texts(&mut self, c: &Call, min: usize, max: usize) -> PlanResult<Vec<Expr>> {
        let all: Vec<usize> = (0..c.args.len()).collect();
        self.text_args(c, min, max, &all)
    }

    fn emptiness(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 1, 1)?;
        let t = self.type_of(&a[0], c.schema, c.span)?;
        let empty = is_empty(a[0].clone(), &t);
        Ok(if c.f == "isempty" {
            empty
        } else {
            Expr::Not(Box::new(empty))
        })
    }

    /// `hash(v [, mod])`: xxhash64 of a string's UTF-8 bytes, and of the eight little-endian
    /// bytes of a long or of a datetime's or timespan's ticks (the docs' `hash(datetime(...))`).
    fn hash(&mut self, c: &Call) -> PlanResult<Expr> {
        let mut a = self.lower_args(c, 1, 2)?;
        let ty = self.type_of(&a[0], c.schema, c.span)?;
        if !matches!(
            ty,
            DataType::Int64 | DataType::Timestamp(..) | DataType::Duration(_)
        ) {
            return self.row_kernel(c, (1, 2), &[0], RowFn::Long(t::hash));
        }
        if ty != DataType::Int64 {
            a[0] =
                crate::kernels::convert::call(crate::kernels::convert::Target::Long, a[0].clone());
        }
        Ok(rowwise::call(
            "hash_of_long",
            RowFn::Long(t::hash_of_long),
            a,
        ))
    }

    /// `extract(regex, group, text [, typeof(T)])`.
    fn extract(&mut self, c: &Call) -> PlanResult<Expr> {
        c.arity(3, 4)?;
        let args = self.text_args(&c.prefix(3), 3, 3, &[0, 2])?;
        let found = rowwise::call("extract", RowFn::Text(t::extract), args);
        match c.args.get(3) {
            Some(ty) => crate::functions::math::convert_to(found, ty, c),
            None => Ok(found),
        }
    }
}

impl<'a> Call<'a> {
    /// The same call with only its first `n` arguments.
    pub(super) fn prefix(&self, n: usize) -> Call<'a> {
        Call {
            f: self.f,
            args: &self.args[..n.min(self.args.len())],
            schema: self.schema,
            span: self.span,
        }
    }
}

/// A binary value as hex text comes through `rowwise` unchanged.
fn copy(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    match row[0] {
        Some(v) => {
            out.push_str(v);
            true
        }
        None => false,
    }
}
