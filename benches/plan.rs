//! Parse + plan latency of each hunt in `testdata/hunts` over the committed sample (the
//! tables' schemas are what planning needs). Run with `cargo bench -p kqlite --bench plan`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use kqlite::Engine;

const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

fn hunts(dir: &Path) -> Vec<(String, String)> {
    let mut hunts: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("testdata/hunts exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "kql"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    hunts.sort();
    hunts
}

fn plan(c: &mut Criterion) {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    runtime
        .block_on(engine.attach(&testdata.join("sample")))
        .expect("the sample attaches");
    engine.set_now(Some(NOW));
    let mut group = c.benchmark_group("parse+plan");
    for (name, kql) in hunts(&testdata.join("hunts")) {
        group.bench_function(&name, |b| {
            b.iter(|| engine.plan(black_box(&kql)).expect("hunt plans"))
        });
    }
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);
