//! Parse throughput: the whole public hunting corpus when `../shared/corpus/queries` exists,
//! else a small bundled set. Run with `cargo bench -p kqlite-parser --bench parse`.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Queries written for this benchmark, used when the corpus is absent.
const BUNDLED: &[&str] = &[
    "DeviceProcessEvents\n| where Timestamp > ago(7d)\n| where FileName in~ (\"powershell.exe\", \"pwsh.exe\")\n| where ProcessCommandLine has_any (\"-enc\", \"-EncodedCommand\")\n| project Timestamp, DeviceName, AccountName, ProcessCommandLine\n| take 100",
    "let lookback = 14d;\nlet Admins = IdentityInfo | where AssignedRoles has \"Admin\" | distinct AccountUpn;\nAADSignInEventsBeta\n| where Timestamp > ago(lookback) and AccountUpn in (Admins)\n| summarize Attempts = count(), Failures = countif(ErrorCode != 0) by AccountUpn, bin(Timestamp, 1h)\n| where Failures > 10\n| order by Failures desc",
    "DeviceNetworkEvents\n| where RemotePort in (4444, 8080) and not(ipv4_is_private(RemoteIP))\n| join kind=inner (DeviceProcessEvents | where FileName =~ \"rundll32.exe\") on DeviceId, $left.InitiatingProcessId == $right.ProcessId\n| extend Info = parse_json(AdditionalFields)\n| project-reorder Timestamp, DeviceName, RemoteIP",
    "EmailEvents\n| where DeliveryAction == \"Delivered\"\n| make-series Mails = count() default = 0 on Timestamp from ago(30d) to now() step 1d by SenderFromDomain\n| extend (anomalies, score, baseline) = series_decompose_anomalies(Mails)\n| mv-expand anomalies to typeof(int)\n| where anomalies != 0",
    "AlertInfo\n| join AlertEvidence on AlertId\n| summarize arg_max(Timestamp, *), Titles = make_set(Title, 100) by DeviceId\n| mv-apply t = Titles to typeof(string) on (where t has \"ransom\" | take 1)\n| render timechart",
];

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/queries");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "corpus not found at {}: using the bundled queries",
            dir.display()
        );
        return BUNDLED.iter().map(|q| q.to_string()).collect();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn parse_all(queries: &[String]) -> usize {
    queries
        .iter()
        .filter(|q| kqlite_parser::parse_query(black_box(q)).is_ok())
        .count()
}

fn bench(c: &mut Criterion) {
    let queries = corpus();
    let bytes: usize = queries.iter().map(String::len).sum();
    let start = Instant::now();
    let rounds = 10;
    for _ in 0..rounds {
        black_box(parse_all(&queries));
    }
    let per_round = start.elapsed() / rounds;
    eprintln!(
        "{} queries ({} KB) in {per_round:?}: {:.0} queries/s",
        queries.len(),
        bytes / 1024,
        queries.len() as f64 / per_round.as_secs_f64()
    );
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("corpus", |b| b.iter(|| parse_all(&queries)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
