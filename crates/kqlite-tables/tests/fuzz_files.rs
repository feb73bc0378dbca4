//! A mutation fuzzer for the file readers: a project tool run by hand, not by CI. Seed files
//! of every export format (Parquet, streaming API JSON lines plain and gzip, Graph JSON,
//! portal CSV, Event Hubs Capture Avro) are written from the sample generator; each round
//! mutates one (bits flipped, bytes set to extremes, stretches cut, repeated or spliced from
//! another seed, the file cut short), then registers its folder and reads every table whole.
//! A panic is a finding, printed with the file kept for reproduction; a round past 30 s is a
//! hang and stops the run. An error or a warning is the expected answer to a damaged file.
//!
//! `FUZZ_SECONDS=300 FUZZ_SEED=7 cargo test --workspace --test fuzz_files -- --ignored --nocapture`

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_avro::writer::AvroWriter;
use common::{batch, context, scratch};
use datafusion::arrow::array::{ArrayRef, BinaryArray, Int64Array, StringArray};
use kqlite_tables::generate::{write_sample, write_sample_formats};
use kqlite_tables::{register_dir_with_report, RegisterOptions};

#[test]
#[ignore = "a fuzzing run, by hand: see the module comment"]
fn fuzz_files() {
    let setting = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = setting("FUZZ_SECONDS", 60);
    let mut rng = XorShift(setting("FUZZ_SEED", 1) | 1);
    let seeds_dir = scratch("fuzz-seeds");
    let seeds = seed_files(&seeds_dir);
    let round_dir = scratch("fuzz-round");
    println!(
        "{} seed files; the file under test is kept below {}",
        seeds.len(),
        round_dir.display()
    );
    let started = Arc::new(AtomicU64::new(0));
    watchdog(Arc::clone(&started), round_dir.clone());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    std::panic::set_hook(Box::new(|_| {}));
    let (mut rounds, mut panics) = (0u64, 0u64);
    let clock = Instant::now();
    while clock.elapsed() < Duration::from_secs(seconds) {
        let (relative, bytes) = &seeds[rng.below(seeds.len())];
        let mutated = mutate(bytes, &seeds, &mut rng);
        let _ = std::fs::remove_dir_all(&round_dir);
        let path = round_dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &mutated).unwrap();
        started.store(clock.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let outcome = catch_unwind(AssertUnwindSafe(|| runtime.block_on(read_all(&round_dir))));
        started.store(0, Ordering::SeqCst);
        rounds += 1;
        if outcome.is_err() {
            panics += 1;
            let kept = seeds_dir.join(format!(
                "panic-{panics}-{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::copy(&path, &kept).unwrap();
            println!("PANIC reading {relative}: kept as {}", kept.display());
        }
    }
    println!("{rounds} mutated files in {seconds} s, {panics} panics");
    assert_eq!(panics, 0, "panics found: see above");
}

/// Registers `dir` and reads every table it holds to the end; errors are expected answers.
async fn read_all(dir: &Path) {
    let ctx = context();
    let Ok((tables, _warnings)) = register_dir_with_report(&ctx, dir, RegisterOptions::default())
    else {
        return;
    };
    for table in tables {
        if let Ok(frame) = ctx.table(table.name.as_str()).await {
            let _ = frame.collect().await;
        }
    }
}

/// Stops the run when a round takes longer than 30 s (a hang is a finding too).
fn watchdog(started: Arc<AtomicU64>, round_dir: PathBuf) {
    let clock = Instant::now();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let since = started.load(Ordering::SeqCst);
        if since > 0 && clock.elapsed().as_millis() as u64 > since + 30_000 {
            println!(
                "HANG: a round ran past 30 s; its file is below {}",
                round_dir.display()
            );
            std::process::exit(3);
        }
    });
}

/// Every seed file, as (path below its export folder, contents).
fn seed_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    write_sample(&dir.join("parquet"), 7, 1).expect("the Parquet sample");
    write_sample_formats(&dir.join("formats"), 7, 1).expect("the other formats");
    write_capture(&dir.join("avro/ns/hub/0/2025/09/01/10/00/00.avro"));
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files);
    files
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(root, &path, out);
        } else if path.file_name().is_some_and(|n| n != "truth.json") {
            let relative = path.strip_prefix(root).unwrap();
            // Keep the folders below the format's own folder: they name the table.
            let relative: PathBuf = relative.components().skip(1).collect();
            out.push((
                relative.to_string_lossy().to_string(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
}

/// An Event Hubs Capture file whose bodies are streaming API records.
fn write_capture(path: &Path) {
    let bodies: Vec<&[u8]> = vec![
        br#"{"records":[{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a1","Timestamp":"2025-09-01T10:00:00Z"}}]}"#,
        br#"{"category":"AdvancedHunting-AlertEvidence","properties":{"AlertId":"a1"}}"#,
    ];
    let events = batch(vec![
        (
            "SequenceNumber",
            Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
        ),
        ("Offset", Arc::new(StringArray::from(vec!["1", "2"]))),
        (
            "EnqueuedTimeUtc",
            Arc::new(StringArray::from(vec!["9/1/2025 10:00:00 AM"; 2])),
        ),
        ("Body", Arc::new(BinaryArray::from(bodies))),
    ]);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = AvroWriter::new(file, events.schema().as_ref().clone()).unwrap();
    writer.write(&events).unwrap();
    writer.finish().unwrap();
}

/// One to four mutations of `bytes`.
fn mutate(bytes: &[u8], seeds: &[(String, Vec<u8>)], rng: &mut XorShift) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len());
        match rng.below(7) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = [0x00, 0xff, 0x7f, 0x80, b'"', b'\n', b'{'][rng.below(7)],
            2 => out.truncate(at),
            3 => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                let stretch = out[at..end].to_vec();
                out.splice(at..at, stretch);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len().max(1));
                let stretch = &other[from..(from + 1 + rng.below(256)).min(other.len())];
                out.splice(at..at, stretch.iter().copied());
            }
            _ => {
                // A number made extreme where the text has digits.
                let huge = b"99999999999999999999";
                out.splice(at..at, huge.iter().copied());
            }
        }
    }
    out
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
