use datafusion::common::TableReference;
use datafusion::functions::expr_fn::date_part;
use datafusion::functions_aggregate::expr_fn::{count, max, min};
use datafusion::prelude::*;
#[tokio::main]
async fn main() {
    let ctx = SessionContext::new_with_config(kqlite_tables::session_config());
    kqlite_tables::register_dir(&ctx, std::path::Path::new("testdata/sample")).unwrap();
    let t = |n: &'static str| {
        let ctx = ctx.clone();
        async move { ctx.table(TableReference::bare(n)).await.unwrap() }
    };
    let e = t("DataSecurityEvents").await;
    e.clone()
        .aggregate(vec![ident("ActionType")], vec![count(lit(1)).alias("n")])
        .unwrap()
        .sort(vec![ident("n").sort(false, true)])
        .unwrap()
        .show()
        .await
        .unwrap();
    e.clone()
        .aggregate(vec![ident("AccountUpn")], vec![count(lit(1)).alias("n")])
        .unwrap()
        .sort(vec![ident("n").sort(false, true)])
        .unwrap()
        .show_limit(8)
        .await
        .unwrap();
    e.clone()
        .aggregate(
            vec![],
            vec![min(ident("Timestamp")), max(ident("Timestamp"))],
        )
        .unwrap()
        .show()
        .await
        .unwrap();
    e.clone()
        .aggregate(
            vec![date_part(lit("hour"), ident("Timestamp")).alias("h")],
            vec![count(lit(1)).alias("n")],
        )
        .unwrap()
        .sort(vec![ident("h").sort(true, true)])
        .unwrap()
        .show()
        .await
        .unwrap();
    e.clone()
        .filter(ident("SensitiveInfoTypeInfo").is_not_null())
        .unwrap()
        .select(vec![
            ident("ObjectName"),
            ident("ExternalUrlDomains"),
            ident("SensitiveInfoTypeInfo"),
            ident("RemovableMediaInfo"),
        ])
        .unwrap()
        .show_limit(4)
        .await
        .unwrap();
    t("DataSecurityBehaviors")
        .await
        .limit(0, Some(2))
        .unwrap()
        .show()
        .await
        .unwrap();
    t("AlertEvidence")
        .await
        .aggregate(vec![ident("EntityType")], vec![count(lit(1))])
        .unwrap()
        .show()
        .await
        .unwrap();
    t("AlertInfo")
        .await
        .select(vec![
            ident("Timestamp"),
            ident("AlertId"),
            ident("ServiceSource"),
            ident("Severity"),
            ident("AttackTechniques"),
        ])
        .unwrap()
        .show_limit(6)
        .await
        .unwrap();
}
