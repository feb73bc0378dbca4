//! Vectorised kernels for KQL's string operators, as DataFusion scalar UDFs. They read whole
//! Arrow string arrays (`Utf8`, `LargeUtf8`, `Utf8View`, dictionaries of those) and never build
//! a lowercase copy of a column: case-insensitive comparison folds ASCII bytes on the fly.

pub mod arrays;
pub mod case_fold;
pub mod catalogue;
pub mod convert;
mod datetime_range;
pub mod dcount;
mod dictionary_answers;
pub mod dynamic;
pub mod dynamic_text;
pub mod empty_if_null;
mod folded_match;
mod in_ci;
pub mod json;
pub mod json_paths;
mod json_scan;
mod json_stops;
pub mod key_values;
mod mv_items;
pub mod number_text;
pub mod pack;
pub mod parsers;
pub mod percentile;
pub mod regex_match;
mod row_bits;
pub mod row_catalogue;
pub mod rowwise;
mod series;
pub mod series_fns;
pub mod session;
mod stretch_search;
pub mod string_lists;
mod string_match;
mod strings;
pub mod text_fns;
pub mod time;
mod time_zones;
pub mod types;
mod view_memo;
mod wide_needle;

pub use in_ci::InCi;
pub use mv_items::MvItems;
pub use series::SeriesFill;
pub use string_match::{MatchOp, StringMatch};
