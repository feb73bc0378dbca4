//! A mutation fuzzer for the query path: a project tool run by hand, not by CI. Queries from
//! `testdata` (the hunts and every `.test` case) are mutated (a token dropped, repeated or
//! swapped, a stretch spliced in from another query, a number made huge or zero) and parsed,
//! planned and run over the sample, each run bounded (2 s, 256 MB). A panic is a finding:
//! it is printed with its query. The run stops after the given number of seconds.
//!
//! `FUZZ_SECONDS=300 FUZZ_SEED=7 cargo test --workspace --test fuzz_queries -- --ignored --nocapture`
//! (an ignored test, so that it shares the test build and CI does not run it).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use kqlite::Engine;

const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

#[test]
#[ignore = "a fuzzing run, by hand: see the module comment"]
fn fuzz_queries() {
    let setting = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = setting("FUZZ_SECONDS", 60);
    let mut rng = XorShift(setting("FUZZ_SEED", 1) | 1);
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let seeds = seed_queries(&testdata);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut engine = Engine::with_memory_limit(256 << 20).expect("an engine");
    runtime
        .block_on(engine.attach(&testdata.join("sample")))
        .expect("the sample attaches");
    engine.set_now(Some(NOW));
    std::panic::set_hook(Box::new(|_| {}));
    let (mut runs, mut panics) = (0u64, 0u64);
    let end = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < end {
        let query = mutate(&seeds, &mut rng);
        runs += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(async {
                let run = engine.run(&query);
                let _ = tokio::time::timeout(Duration::from_secs(2), run).await;
            })
        }));
        if outcome.is_err() {
            panics += 1;
            println!("PANIC on:\n{query}\n");
        }
    }
    println!(
        "{runs} mutated queries in {seconds} s, {panics} panics, {} seed queries",
        seeds.len()
    );
    assert_eq!(panics, 0, "panics found: see above");
}

/// The hunts, and the query of every case of the `.test` files.
fn seed_queries(testdata: &Path) -> Vec<String> {
    let mut seeds = Vec::new();
    for dir in ["hunts", "queries"] {
        for entry in std::fs::read_dir(testdata.join(dir))
            .expect("testdata")
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if entry.path().extension().is_some_and(|e| e == "kql") {
                seeds.push(text);
                continue;
            }
            let mut current: Option<String> = None;
            for line in text.lines() {
                match (line, &mut current) {
                    ("query", _) => current = Some(String::new()),
                    ("----", Some(q)) => {
                        seeds.push(std::mem::take(q));
                        current = None;
                    }
                    (l, Some(q)) => {
                        q.push_str(l);
                        q.push('\n');
                    }
                    _ => {}
                }
            }
        }
    }
    seeds
}

/// One of the seeds with one to three mutations.
fn mutate(seeds: &[String], rng: &mut XorShift) -> String {
    let mut tokens = tokens(&seeds[rng.below(seeds.len())]);
    for _ in 0..=rng.below(3) {
        if tokens.is_empty() {
            break;
        }
        let i = rng.below(tokens.len());
        match rng.below(6) {
            0 => {
                tokens.remove(i);
            }
            1 => tokens.insert(i, tokens[i].clone()),
            2 => {
                let j = rng.below(tokens.len());
                tokens.swap(i, j);
            }
            3 => {
                let other = tokens_of(seeds, rng);
                let start = rng.below(other.len().max(1));
                let stretch: Vec<String> = other.into_iter().skip(start).take(5).collect();
                tokens.splice(i..i, stretch);
            }
            4 => {
                tokens[i] = ["0", "-1", "9223372036854775807", "1e308", "0.0"][rng.below(5)].into()
            }
            _ => tokens.insert(
                i,
                ["|", "(", ")", "[", ",", "..", "*", "'"][rng.below(8)].into(),
            ),
        }
    }
    tokens.join(" ")
}

fn tokens_of(seeds: &[String], rng: &mut XorShift) -> Vec<String> {
    tokens(&seeds[rng.below(seeds.len())])
}

/// Words, numbers, quoted strings and single punctuation, in order.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut token = c.to_string();
        if c == '"' || c == '\'' {
            for d in chars.by_ref() {
                token.push(d);
                if d == c {
                    break;
                }
            }
        } else if c.is_alphanumeric() || c == '_' || c == '.' {
            while let Some(&d) = chars.peek() {
                if !(d.is_alphanumeric() || d == '_' || d == '.' || d == '-') {
                    break;
                }
                token.push(d);
                chars.next();
            }
        }
        out.push(token);
    }
    out
}

struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}
