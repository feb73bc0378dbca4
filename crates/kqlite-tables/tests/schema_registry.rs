//! The embedded Defender registry: names, column order, type mapping.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use kqlite_tables::{defender_schema, kusto_type, table_names};

fn ns_utc() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

fn columns(table: &str) -> Vec<(String, DataType)> {
    let schema = defender_schema(table).unwrap();
    let fields = schema.fields().iter();
    fields
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

#[test]
fn registry_has_every_documented_table_and_the_alias() {
    let names = table_names();
    assert_eq!(
        names.len(),
        78,
        "66 documented Defender tables + GraphAPIAuditEvents alias + 10 Sentinel tables \
         + O365AuditRecords"
    );
    for t in [
        "SigninLogs",
        "OfficeActivity",
        "AlertInfo",
        "AlertEvidence",
        "DataSecurityBehaviors",
        "DataSecurityEvents",
    ] {
        assert!(names.contains(&t), "{t}");
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        defender_schema("GraphAPIAuditEvents"),
        defender_schema("GraphApiAuditEvents")
    );
}

#[test]
fn lookup_is_exact() {
    assert!(defender_schema("alertinfo").is_none());
    assert!(defender_schema("NoSuchTable").is_none());
    assert_eq!(kusto_type("AlertInfo", "alertid"), None);
    assert_eq!(kusto_type("AlertInfo", "AlertId"), Some("string"));
}

#[test]
fn alert_info_keeps_documented_order_and_types() {
    let s = DataType::Utf8View;
    let expected = vec![
        ("Timestamp", ns_utc()),
        ("AlertId", s.clone()),
        ("Title", s.clone()),
        ("Category", s.clone()),
        ("Severity", s.clone()),
        ("ServiceSource", s.clone()),
        ("DetectionSource", s.clone()),
        ("AttackTechniques", s.clone()),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    assert_eq!(columns("AlertInfo"), expected);
}

#[test]
fn data_security_behaviors_keeps_documented_order_and_types() {
    let names: Vec<String> = columns("DataSecurityBehaviors")
        .into_iter()
        .map(|c| c.0)
        .collect();
    let expected = "Timestamp BehaviorId ActionType StartTime EndTime AttackTechniques Categories \
        ActionCategory Description ServiceSource DetectionSource ActivityCount IsAnomalous \
        IsContentHidden AccountUpn AccountEmail Application PolicyInfo Policies DeviceInfo \
        SensitivityLabelInfo SensitiveInfoTypesInfo UrlDomainInfo SharepointSiteInfo \
        RecipientEmailInfo RemovableMediaInfo PrinterName PriorityContentMatchInfo";
    assert_eq!(names, expected.split_whitespace().collect::<Vec<_>>());
    let t = |c| kusto_type("DataSecurityBehaviors", c).unwrap();
    assert_eq!(t("StartTime"), "datetime");
    assert_eq!(t("ActionCategory"), "string"); // documented as enum
    assert_eq!(t("ActivityCount"), "int");
    assert_eq!(t("IsAnomalous"), "bool");
    assert_eq!(t("PolicyInfo"), "dynamic");
    assert_eq!(t("Policies"), "string");
}

#[test]
fn data_security_events_types() {
    let cols = columns("DataSecurityEvents");
    assert_eq!(cols.len(), 57);
    assert_eq!(cols[0].0, "ApplicationNames");
    assert_eq!(cols[28], ("Timestamp".to_string(), ns_utc()));
    assert_eq!(cols[56].0, "SequenceCorrelationId");
    let t = |c| kusto_type("DataSecurityEvents", c).unwrap();
    assert_eq!(t("AadDeviceId"), "guid");
    assert_eq!(t("IsManagedDevice"), "bool");
    assert_eq!(t("DlpPolicyEnforcementMode"), "int");
    assert_eq!(t("PhysicalAccessPointInfo"), "dynamic"); // documented as object
    assert_eq!(t("IrmActionCategory"), "string"); // documented as enum
    assert_eq!(t("ObjectSize"), "int");
    assert_eq!(t("SensitiveInfoTypeInfo"), "dynamic");
    let size = cols.iter().find(|c| c.0 == "ObjectSize").unwrap();
    assert_eq!(size.1, DataType::Int32);
    let guid = cols.iter().find(|c| c.0 == "ActivityId").unwrap();
    assert_eq!(guid.1, DataType::Utf8View);
}

#[test]
fn alert_evidence_types() {
    let cols = columns("AlertEvidence");
    assert_eq!(cols.len(), 42);
    assert_eq!(cols[0], ("Timestamp".to_string(), ns_utc()));
    assert_eq!(cols[41].0, "SubscriptionId");
    assert_eq!(kusto_type("AlertEvidence", "FileSize"), Some("long"));
    assert_eq!(kusto_type("AlertEvidence", "ApplicationId"), Some("int"));
    let size = cols.iter().find(|c| c.0 == "FileSize").unwrap();
    assert_eq!(size.1, DataType::Int64);
}

#[test]
fn non_kusto_type_names_are_normalised() {
    assert_eq!(
        kusto_type("OAuthAppInfo", "ConsentedUsersCount"),
        Some("int")
    );
    assert_eq!(
        kusto_type("DisruptionAndResponseEvents", "DataSources"),
        Some("dynamic")
    );
    assert_eq!(
        kusto_type("DeviceBaselineComplianceAssessment", "IsCompliant"),
        Some("bool")
    );
    for table in table_names() {
        let schema = defender_schema(table).unwrap();
        for f in schema.fields() {
            let kusto = kusto_type(table, f.name()).unwrap();
            let known = [
                "string", "guid", "dynamic", "datetime", "int", "long", "bool", "real",
            ];
            assert!(known.contains(&kusto), "{table}.{}: {kusto}", f.name());
        }
    }
}

#[test]
fn case_differing_columns_are_both_kept() {
    let names: Vec<String> = columns("DeviceProcessEvents")
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert!(names.iter().any(|n| n == "LogonId"));
    assert!(names.iter().any(|n| n == "LogonID"));
}
