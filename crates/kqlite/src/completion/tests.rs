use std::path::Path;

use super::{analyze, candidates, Analysis, Context};

fn at_end(line: &str) -> Analysis {
    analyze(line, line.len())
}

fn expression(pipeline: &str) -> Context {
    Context::Expression {
        pipeline: Some(pipeline.to_string()),
        tables_too: false,
    }
}

#[test]
fn the_first_word_is_a_source() {
    let a = at_end("DataSec");
    assert_eq!((a.start, a.word.as_str()), (0, "DataSec"));
    assert_eq!(a.context, Context::Source);
    assert_eq!(at_end("").context, Context::Source);
}

#[test]
fn after_a_pipe_come_operators() {
    assert_eq!(at_end("AlertInfo | ").context, Context::Operator);
    let a = at_end("AlertInfo\n| project-a");
    assert_eq!((a.start, a.word.as_str()), (12, "project-a"));
    assert_eq!(a.context, Context::Operator);
}

#[test]
fn inside_an_operator_the_pipeline_so_far_gives_the_columns() {
    let a = at_end("AlertInfo | where Sev");
    assert_eq!(a.context, expression("AlertInfo "));
    assert_eq!(a.word, "Sev");
    assert_eq!(
        at_end("T | project A, B | where A > 1 and ").context,
        expression("T | project A, B ")
    );
    assert_eq!(at_end("T | where strlen(Ti").context, expression("T "));
    assert_eq!(at_end("T | where x-Ti").word, "Ti");
}

#[test]
fn earlier_statements_and_let_bodies_are_planned_too() {
    let a = at_end("let n = 5; T | where A");
    assert_eq!(a.context, expression("let n = 5; T "));
    assert_eq!(a.lets, vec!["n".to_string()]);
    assert_eq!(at_end("let x = T | where A").context, expression(" T "));
    assert_eq!(at_end("let x = ").context, Context::Source);
}

#[test]
fn subqueries_have_their_own_pipeline() {
    assert_eq!(
        at_end("T | join kind=inner (U | where Acc").context,
        expression("U ")
    );
    assert_eq!(at_end("T | join (Al").context, Context::Source);
    assert_eq!(at_end("T | join (U | ").context, Context::Operator);
    let union = at_end("T | union Al").context;
    assert_eq!(
        union,
        Context::Expression {
            pipeline: Some("T ".into()),
            tables_too: true
        }
    );
}

#[test]
fn nothing_inside_strings_and_comments() {
    assert_eq!(at_end("T | where A == 'Acc").context, Context::Nothing);
    assert_eq!(at_end("T // Acc").context, Context::Nothing);
}

#[test]
fn dot_commands_and_their_arguments() {
    let a = at_end(".sch");
    assert_eq!((a.start, a.context), (0, Context::DotCommand));
    let a = at_end(".schema Al");
    assert_eq!(
        (a.start, a.context),
        (8, Context::DotArgument("schema".into()))
    );
    let a = at_end(".explain T | wh");
    assert_eq!((a.start, a.context), (13, Context::Operator));
}

fn sample_engine() -> crate::Engine {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    let mut engine = crate::Engine::new();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(engine.attach(&dir)).unwrap();
    engine
}

fn offered(engine: &crate::Engine, line: &str) -> Vec<String> {
    candidates(&at_end(line), engine)
        .into_iter()
        .map(|c| c.replacement)
        .collect()
}

#[test]
fn candidates_come_from_the_catalog_and_the_plan() {
    let engine = sample_engine();
    assert_eq!(offered(&engine, "DataSecurityEv"), ["DataSecurityEvents"]);
    assert_eq!(
        offered(&engine, "DataSecurityEvents | where Accou"),
        ["AccountUpn", "AccountObjectId"]
    );
    assert_eq!(
        offered(
            &engine,
            "DataSecurityEvents | project AccountUpn, N = 1 | where "
        ),
        ["AccountUpn", "N"]
    );
    assert!(offered(&engine, "AlertInfo | summ").contains(&"summarize ".to_string()));
    assert_eq!(offered(&engine, "AlertInfo | where strl"), ["strlen("]);
    assert!(offered(&engine, ".show tab").is_empty());
}
