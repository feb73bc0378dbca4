//! kqlite on a Ballista cluster: a scheduler and two executors, started by the test as separate
//! processes (`kqlite scheduler`, `kqlite executor`) on loopback ports and stopped after it. The
//! file-driven tests and the hunting pack answer on the cluster as they do here, over folders
//! and over Azurite; an executor killed in the middle of a query ends it with the answer or a
//! clear error, never a hang. `KQLITE_SKIP_CLUSTER` skips these tests.

#[path = "support/azurite.rs"]
mod azurite;
#[path = "../../kqlite/tests/support/blocks.rs"]
mod blocks;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2025-10-01";

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct TestCluster {
    url: String,
    scheduler: Process,
    executors: Vec<Process>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `kqlite ARGS` in the background, its output in `logs/NAME.log`.
fn background(name: &str, args: &[String], env: &[(&str, String)]) -> Process {
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log = std::fs::File::create(logs.join(format!("{name}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("kqlite starts");
    Process(child)
}

impl TestCluster {
    fn start(executors: usize) -> TestCluster {
        TestCluster::start_with(executors, &[])
    }

    /// A cluster whose processes see `env` too (the credentials of a store).
    fn start_with(executors: usize, env: &[(&str, String)]) -> TestCluster {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let scheduler = background(
            &format!("scheduler-{port}"),
            &["scheduler".into(), "--bind".into(), bind],
            env,
        );
        wait_for_port(port, "the scheduler");
        let url = format!("df://127.0.0.1:{port}");
        let executors = (0..executors)
            .map(|i| start_executor(&url, port, i, env))
            .collect();
        let cluster = TestCluster {
            url,
            scheduler,
            executors,
        };
        cluster.wait_until_ready();
        cluster
    }

    /// Until a query over the sample runs on the cluster (bounded).
    fn wait_until_ready(&self) {
        let started = Instant::now();
        loop {
            let output = kqlite(&self.sample_args(&["DataSecurityEvents | count"]));
            if output.status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the cluster did not run a query: {}",
                text(&output.stderr)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn sample_args(&self, rest: &[&str]) -> Vec<String> {
        let sample = repo().join("testdata/sample");
        let mut args: Vec<String> = vec!["--cluster".into(), self.url.clone()];
        args.extend(["--data".into(), sample.display().to_string()]);
        args.extend(["--now", NOW, "--format", "csv"].map(String::from));
        args.extend(rest.iter().map(|s| s.to_string()));
        args
    }
}

fn start_executor(url: &str, scheduler_port: u16, i: usize, env: &[(&str, String)]) -> Process {
    let (flight, grpc) = (free_port(), free_port());
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("executor-{flight}"));
    std::fs::create_dir_all(&work).unwrap();
    let args = [
        "executor",
        "--scheduler",
        url,
        "--port",
        &flight.to_string(),
        "--grpc-port",
        &grpc.to_string(),
        "--cores",
        "2",
        "--work-dir",
        work.to_str().unwrap(),
    ];
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let process = background(&format!("executor-{scheduler_port}-{i}"), &args, env);
    wait_for_port(flight, "an executor");
    process
}

fn kqlite(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn skipped() -> bool {
    let skip = std::env::var_os("KQLITE_SKIP_CLUSTER").is_some();
    if skip {
        eprintln!("skipped: KQLITE_SKIP_CLUSTER is set");
    }
    skip
}

fn hunts() -> Vec<PathBuf> {
    let mut hunts = azurite::files(&repo().join("testdata/hunts"));
    hunts.sort();
    hunts
}

/// Every block of `testdata/queries` on the cluster, against the same expectations as the
/// local test; and how many of them sent work to the cluster.
fn check_query_files(cluster: &TestCluster) {
    let root = repo().join("testdata");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = blocks::sample_engine(&runtime, &root);
    kqlite_cluster::connect(&mut engine, &cluster.url).unwrap();
    let mut remote = 0;
    let (count, failures) = blocks::differing_blocks(&runtime, &engine, &root, |block| {
        let plan = runtime.block_on(engine.explain(&block.query));
        remote += plan.is_ok_and(|p| p.contains("ClusterExec")) as usize;
    });
    println!("{count} blocks, {remote} of them ran (in part) on the cluster");
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        remote * 10 >= count * 7,
        "only {remote} of {count} blocks reached the cluster"
    );
}

/// The pack's answers over `data`, on the cluster and here: the same bytes.
fn check_hunts(cluster: &TestCluster, data: &str, env: &[(&str, String)]) {
    for hunt in hunts() {
        let hunt = hunt.to_str().unwrap();
        let base = ["--data", data, "--now", NOW, "--format", "csv", "-f", hunt];
        let run = |cluster_url: Option<&str>| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_kqlite"));
            command.args(base).stdin(Stdio::null());
            command.envs(env.iter().map(|(k, v)| (k, v)));
            if let Some(url) = cluster_url {
                command.args(["--cluster", url]);
            }
            let output = command.output().expect("kqlite runs");
            (
                output.status.code(),
                text(&output.stdout),
                text(&output.stderr),
            )
        };
        let (here, there) = (run(None), run(Some(&cluster.url)));
        assert_eq!(there.0, Some(0), "{hunt} on the cluster: {}", there.2);
        assert_eq!(here.1, there.1, "{hunt} over {data}");
        assert!(!there.1.is_empty(), "{hunt}: no output");
    }
}

#[test]
fn query_files_and_hunts_answer_on_the_cluster_as_here() {
    if skipped() {
        return;
    }
    let over_azurite = std::env::var_os("KQLITE_SKIP_AZURITE").is_none();
    if !over_azurite {
        eprintln!("over Azurite: skipped, KQLITE_SKIP_AZURITE is set");
    }
    let store = over_azurite.then(azurite::Azurite::start);
    // The executors read `az://` themselves: they get the store's settings, as the client.
    let env: Vec<(&str, String)> = match &store {
        Some(store) => vec![
            ("AZURE_STORAGE_USE_EMULATOR", "true".to_string()),
            (
                "AZURITE_BLOB_STORAGE_URL",
                format!("http://127.0.0.1:{}", store.port),
            ),
        ],
        None => Vec::new(),
    };
    let cluster = TestCluster::start_with(2, &env);
    check_query_files(&cluster);
    check_hunts(
        &cluster,
        repo().join("testdata/sample").to_str().unwrap(),
        &[],
    );
    let Some(store) = store else { return };
    store.create_container("exports");
    store.upload("exports", "defender", &repo().join("testdata/sample"));
    let cache =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cluster-cache-{}", store.port));
    let mut client_env = env.clone();
    client_env.push(("KQLITE_CACHE", cache.display().to_string()));
    check_hunts(&cluster, "az://exports/defender", &client_env);
    // The cluster read the store itself: the scan went there.
    let explain = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args([
            "--cluster",
            &cluster.url,
            "--data",
            "az://exports/defender",
            "--explain",
        ])
        .arg("DataSecurityEvents | summarize count() by ActionType")
        .envs(client_env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("kqlite runs");
    let plan = text(&explain.stdout);
    assert!(
        plan.contains("ClusterExec"),
        "{plan}{}",
        text(&explain.stderr)
    );
    assert!(plan.contains("DataSecurityEvents/part-"), "{plan}");
    // Nothing was fetched whole: the executors read the Parquet objects in the store.
    let fetched = azurite::files(&cache);
    assert!(!fetched
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "parquet")));
}

/// A query heavy enough to be running when an executor dies (seconds of joins: every event
/// paired with every other and with 100 more).
const HEAVY: &str = "DataSecurityEvents | extend k = 1 \
    | join kind=inner (DataSecurityEvents | extend k = 1) on k \
    | join kind=inner (DataSecurityEvents | take 100 | extend k = 1) on k \
    | summarize n = count() by ActionType | order by ActionType asc";

/// The CPU time a process has used, in clock ticks (Linux's /proc).
fn cpu_ticks(process: &Process) -> u64 {
    let stat =
        std::fs::read_to_string(format!("/proc/{}/stat", process.0.id())).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

#[test]
fn a_killed_executor_ends_the_query_with_its_answer_or_a_clear_error() {
    if skipped() {
        return;
    }
    let mut cluster = TestCluster::start(2);
    let here = kqlite(&cluster.sample_args(&[HEAVY])[2..]);
    assert!(here.status.success(), "{}", text(&here.stderr));
    let mut query = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(cluster.sample_args(&[HEAVY]))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the query runs, the executor working hardest dies.
    let before: Vec<u64> = cluster.executors.iter().map(cpu_ticks).collect();
    std::thread::sleep(Duration::from_millis(2500));
    let worked = cluster
        .executors
        .iter()
        .zip(before)
        .map(|(e, b)| cpu_ticks(e) - b);
    let busiest = worked
        .enumerate()
        .max_by_key(|(_, ticks)| *ticks)
        .map_or(0, |(i, _)| i);
    drop(cluster.executors.remove(busiest));
    let started = Instant::now();
    while query.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the query hangs"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let output = query.wait_with_output().unwrap();
    let errors = text(&output.stderr);
    assert!(!errors.contains("panicked"), "{errors}");
    let outcome = if output.status.success() {
        "the answer"
    } else {
        "an error"
    };
    println!(
        "executor killed; {outcome} {:.1} s later: {errors}",
        started.elapsed().as_secs_f64()
    );
    if output.status.success() {
        assert_eq!(text(&output.stdout), text(&here.stdout));
    } else {
        assert!(errors.contains(&cluster.url), "{errors}");
    }
    drop(cluster.scheduler);
}

#[test]
fn an_unreachable_scheduler_is_an_error_naming_it() {
    let port = free_port();
    let url = format!("df://127.0.0.1:{port}");
    let sample = repo().join("testdata/sample");
    let args = [
        "--cluster",
        &url,
        "--data",
        sample.to_str().unwrap(),
        "DataSecurityEvents | count",
    ];
    let started = Instant::now();
    let output = kqlite(&args.map(String::from));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(&url),
        "{}",
        text(&output.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}
