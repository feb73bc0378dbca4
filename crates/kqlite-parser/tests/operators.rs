//! Tabular operators and sources, one behaviour each.

mod common;

use common::*;
use kqlite_parser::*;

/// `T | <op>` printed canonically equals `T | <want>`.
fn prints(op_text: &str, want: &str) {
    assert_eq!(
        canon(&format!("T | {op_text}")),
        format!("T | {want}"),
        "{op_text}"
    );
}

#[test]
fn where_and_filter() {
    assert_eq!(
        op("where a > 1"),
        OperatorKind::Where(bin(BinaryOp::Gt, name("a"), long(1)))
    );
    assert_eq!(op("filter a > 1"), op("where a > 1"));
}

#[test]
fn project_items_are_names_assignments_or_expressions() {
    let want = OperatorKind::Project(vec![
        name("a"),
        assign("b", long(1)),
        bin(BinaryOp::Add, name("c"), long(1)),
    ]);
    assert_eq!(op("project a, b = 1, c + 1"), want);
}

#[test]
fn extend_with_assignment() {
    assert_eq!(
        op("extend x = a * 2"),
        OperatorKind::Extend(vec![assign("x", bin(BinaryOp::Mul, name("a"), long(2)))])
    );
}

#[test]
fn project_away_accepts_wildcards() {
    assert_eq!(
        op("project-away Account*, b"),
        OperatorKind::ProjectAway(vec![name("Account*"), name("b")])
    );
    prints("project-away Account*, b", "project-away Account*, b");
}

#[test]
fn project_keep() {
    assert_eq!(
        op("project-keep *Id"),
        OperatorKind::ProjectKeep(vec![name("*Id")])
    );
}

#[test]
fn project_rename() {
    assert_eq!(
        op("project-rename New = Old"),
        OperatorKind::ProjectRename(vec![assign("New", name("Old"))])
    );
}

#[test]
fn project_reorder_with_order() {
    let want = OperatorKind::ProjectReorder(vec![
        key(name("a"), None, None),
        key(name("b"), Some(SortOrder::Asc), None),
    ]);
    assert_eq!(op("project-reorder a, b asc"), want);
}

#[test]
fn summarize_aggregates_by_keys() {
    let by = call(
        "bin",
        vec![name("Timestamp"), lit(Literal::Timespan(3_600_000_000_000))],
    );
    let want = Summarize {
        hints: vec![],
        aggregates: vec![assign("n", call("count", vec![]))],
        by: vec![by],
    };
    assert_eq!(
        op("summarize n = count() by bin(Timestamp, 1h)"),
        OperatorKind::Summarize(want)
    );
}

#[test]
fn summarize_without_keys_or_without_aggregates() {
    prints("summarize count()", "summarize count()");
    let want = Summarize {
        hints: vec![],
        aggregates: vec![],
        by: vec![name("A")],
    };
    assert_eq!(op("summarize by A"), OperatorKind::Summarize(want));
}

#[test]
fn summarize_hints() {
    prints(
        "summarize hint.strategy=shuffle count() by A",
        "summarize hint.strategy=shuffle count() by A",
    );
}

#[test]
fn take_and_limit() {
    assert_eq!(op("take 10"), OperatorKind::Take(long(10)));
    assert_eq!(op("limit 10"), OperatorKind::Take(long(10)));
}

#[test]
fn sort_and_order_with_directions_and_nulls() {
    let want = OperatorKind::Sort(vec![
        key(name("a"), Some(SortOrder::Desc), Some(NullsOrder::Last)),
        key(name("b"), Some(SortOrder::Asc), None),
        key(name("c"), None, Some(NullsOrder::First)),
    ]);
    assert_eq!(op("sort by a desc nulls last, b asc, c nulls first"), want);
    assert_eq!(op("order by a desc nulls last, b asc, c nulls first"), want);
}

#[test]
fn top_n_by_key() {
    let want = OperatorKind::Top {
        count: long(5),
        by: key(name("a"), Some(SortOrder::Desc), None),
    };
    assert_eq!(op("top 5 by a desc"), want);
}

#[test]
fn count_operator() {
    assert_eq!(op("count"), OperatorKind::Count);
}

#[test]
fn distinct_columns_and_star() {
    assert_eq!(
        op("distinct a, b"),
        OperatorKind::Distinct(vec![name("a"), name("b")])
    );
    assert_eq!(
        op("distinct *"),
        OperatorKind::Distinct(vec![sp(ExprKind::Star)])
    );
}

#[test]
fn join_with_kind_hint_and_parenthesised_right() {
    prints(
        "join kind=inner hint.strategy=broadcast (U | where x) on A, $left.B == $right.C",
        "join kind=inner hint.strategy=broadcast (U | where x) on A, $left.B == $right.C",
    );
}

#[test]
fn join_with_a_bare_table() {
    let OperatorKind::Join(j) = op("join kind=leftouter U on A") else {
        panic!()
    };
    assert_eq!(j.options, vec![assign("kind", name("leftouter"))]);
    assert_eq!((j.right, j.on), (name("U"), vec![name("A")]));
}

#[test]
fn lookup() {
    let OperatorKind::Lookup(j) = op("lookup kind=leftouter (U) on A") else {
        panic!()
    };
    assert_eq!((j.right, j.on), (name("U"), vec![name("A")]));
}

#[test]
fn union_in_a_pipe() {
    prints(
        "union withsource=Src U, (V | take 1), W*",
        "union withsource=Src U, (V | take 1), W*",
    );
}

#[test]
fn mv_expand_with_options_types_and_limit() {
    prints(
        "mv-expand bagexpansion=array with_itemindex=i Col to typeof(long), Name = pack_array(a) limit 10",
        "mv-expand bagexpansion=array with_itemindex=i Col to typeof(long), Name = pack_array(a) limit 10",
    );
    // The legacy form stops at 128 rows per row unless it says otherwise.
    prints("mvexpand Col", "mv-expand Col limit 128");
    prints("mvexpand Col limit 5", "mv-expand Col limit 5");
}

#[test]
fn parse_with_captures_text_and_wildcards() {
    let OperatorKind::Parse(p) =
        op(r#"parse kind=regex flags=Ui Msg with * "id=" Id:long " user=" User"#)
    else {
        panic!()
    };
    assert!(!p.only_matching);
    assert_eq!(p.options.len(), 2);
    assert_eq!(p.source, name("Msg"));
    let want = vec![
        ParsePart::Wildcard,
        ParsePart::Text("id=".into()),
        ParsePart::Capture {
            name: id("Id"),
            ty: Some(id("long")),
        },
        ParsePart::Text(" user=".into()),
        ParsePart::Capture {
            name: id("User"),
            ty: None,
        },
    ];
    assert_eq!(p.pattern, want);
}

#[test]
fn parse_where_keeps_only_matches() {
    assert!(matches!(
        op(r#"parse-where Msg with "a" X"#),
        OperatorKind::Parse(Parse {
            only_matching: true,
            ..
        })
    ));
}

#[test]
fn as_serialize_getschema() {
    assert_eq!(op("as Result"), OperatorKind::As(id("Result")));
    assert_eq!(op("serialize"), OperatorKind::Serialize(vec![]));
    assert_eq!(
        op("serialize n = row_number()"),
        OperatorKind::Serialize(vec![assign("n", call("row_number", vec![]))])
    );
    assert_eq!(op("getschema"), OperatorKind::Getschema);
}

#[test]
fn render_with_options() {
    let want = OperatorKind::Render {
        chart: id("timechart"),
        options: vec![assign("title", string("x"))],
    };
    assert_eq!(op(r#"render timechart with (title="x")"#), want);
}

#[test]
fn invoke_evaluate_sample() {
    assert_eq!(
        op("invoke f(1)"),
        OperatorKind::Invoke(call("f", vec![long(1)]))
    );
    prints(
        "evaluate hint.distribution=per_node bag_unpack(Col)",
        "evaluate hint.distribution=per_node bag_unpack(Col)",
    );
    assert_eq!(op("sample 10"), OperatorKind::Sample(long(10)));
}

#[test]
fn operator_spans_start_at_the_keyword() {
    let text = "T | where a | take 5";
    let ExprKind::Pipe { ops, .. } = expr(text).node else {
        panic!()
    };
    assert_eq!(&text[ops[0].span.range()], "where a");
    assert_eq!(&text[ops[1].span.range()], "take 5");
}

#[test]
fn source_union() {
    assert_eq!(
        canon("union kind=outer isfuzzy=true A, B | count"),
        "union kind=outer isfuzzy=true A, B | count"
    );
}

#[test]
fn source_datatable() {
    let want = Source::Datatable {
        columns: vec![(id("a"), id("string")), (id("b"), id("long"))],
        values: vec![string("x"), long(1), string("y"), long(-2)],
    };
    assert_eq!(
        expr(r#"datatable(a:string, b:long) ["x", 1, "y", -2]"#),
        sp(ExprKind::Source(Box::new(want)))
    );
}

#[test]
fn source_print() {
    let want = Source::Print(vec![assign("x", long(1)), long(2)]);
    assert_eq!(expr("print x = 1, 2"), sp(ExprKind::Source(Box::new(want))));
}

#[test]
fn source_range() {
    let want = Source::Range {
        column: id("x"),
        from: long(1),
        to: long(10),
        step: long(1),
    };
    assert_eq!(
        expr("range x from 1 to 10 step 1"),
        sp(ExprKind::Source(Box::new(want)))
    );
}

#[test]
fn source_externaldata() {
    let text = r#"externaldata(a:string) [@"https://example.com/x.csv"] with (format="csv")"#;
    let want = Source::ExternalData {
        columns: vec![(id("a"), id("string"))],
        uris: vec![string("https://example.com/x.csv")],
        options: vec![assign("format", string("csv"))],
    };
    assert_eq!(expr(text), sp(ExprKind::Source(Box::new(want))));
}

#[test]
fn sources_calls_and_subqueries_start_pipelines() {
    assert_eq!(canon("materialize(T) | count"), "materialize(T) | count");
    assert_eq!(canon("(T | take 1) | count"), "(T | take 1) | count");
    assert_eq!(canon("view() | count"), "view() | count");
}
