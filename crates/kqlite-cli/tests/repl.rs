//! The REPL driven as a user drives it: in a real pseudo-terminal (a detached tmux session),
//! by keystrokes, reading the screen. Skipped when tmux is missing (CI installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long any one expected text may take to appear.
const WAIT: Duration = Duration::from_secs(20);

/// One REPL in its own tmux server, killed on drop. The server's socket lives in `home`, a
/// scratch folder (also the data home for the history) removed on drop.
struct Repl {
    socket: PathBuf,
    home: PathBuf,
}

fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("note: tmux not found; skipping the terminal tests of the REPL");
    }
    found
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl Repl {
    /// Starts `kqlite --data testdata/sample --now 2025-10-01` in a 120x40 terminal.
    fn start() -> Repl {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let home = std::env::temp_dir().join(format!("kqlite-test-{}-{n}", std::process::id()));
        let socket = home.join("tmux");
        std::fs::create_dir_all(&home).unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
        // The history goes to a scratch folder; the shell keeps the pane open after an exit.
        // It shares kqlite's process group, as an interactive shell would not: its trap keeps
        // a Ctrl-C from ending it (and with it the pane).
        let command = format!(
            "trap : INT; XDG_DATA_HOME={} {} --data {} --now 2025-10-01; \
             echo \"[exited $?]\"; sleep 60",
            quote(home.to_str().unwrap()),
            quote(env!("CARGO_BIN_EXE_kqlite")),
            quote(sample.to_str().unwrap()),
        );
        let repl = Repl { socket, home };
        let new_session = [
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
        ];
        // A tmux server now and then exits as it starts; one more try is enough.
        let started = (0..3).any(|_| {
            let out = repl.tmux(&new_session).output(&["sh", "-c", &command]);
            out.status.success()
        });
        assert!(started, "tmux new-session failed three times");
        repl.wait_for("Ctrl-D quits");
        repl
    }

    fn tmux<'a>(&'a self, args: &'a [&'a str]) -> TmuxCall<'a> {
        TmuxCall { repl: self, args }
    }

    /// Types `text` literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l"]).arg_check(&[text]);
    }

    /// Presses keys by tmux name: `Enter`, `Tab`, `C-c`, `C-d`, `C-u`.
    fn press(&self, key: &str) {
        self.tmux(&["send-keys"]).arg_check(&[key]);
    }

    /// Types `text` and presses Enter.
    fn enter(&self, text: &str) {
        self.type_text(text);
        self.press("Enter");
    }

    /// The whole pane, scrollback included, wrapped lines joined.
    fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-J", "-S", "-"])
            .output(&[]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `done` holds; panics with the screen after [`WAIT`].
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            if started.elapsed() > WAIT {
                panic!("waited {WAIT:?} for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

struct TmuxCall<'a> {
    repl: &'a Repl,
    args: &'a [&'a str],
}

impl TmuxCall<'_> {
    fn output(&self, more: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.repl.socket)
            .args(self.args)
            .args(["-t", "0"].iter().filter(|_| self.targets()))
            .args(more)
            .output()
            .expect("tmux runs")
    }

    fn targets(&self) -> bool {
        matches!(self.args.first(), Some(&"send-keys" | &"capture-pane"))
    }

    fn arg_check(&self, more: &[&str]) {
        let out = self.output(more);
        assert!(
            out.status.success(),
            "tmux {:?} {more:?}: {}",
            self.args,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The text after the last prompt: what the latest command printed.
fn after_last_prompt(screen: &str) -> &str {
    let before_prompt = screen.trim_end().rfind("kql> ").unwrap_or(0);
    let last_input = screen[..before_prompt].rfind("kql> ").unwrap_or(0);
    &screen[last_input..]
}

#[test]
fn a_query_over_several_lines_runs_when_complete() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter("DataSecurityEvents |");
    repl.enter("  where ActionType == 'FileUploadedToCloud' |");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!repl.screen().contains("rows in"), "ran too early");
    repl.enter("  summarize Uploads = count()");
    let screen = repl.wait_for("1 row in");
    assert!(screen.contains("| Uploads |"), "{screen}");
    // A line starting with `|` refines the query that just ran.
    repl.enter("| extend Twice = Uploads * 2");
    let screen = repl.wait_for("| Uploads | Twice |");
    assert!(!screen.contains("error"), "{screen}");
    repl.enter(".quit");
    repl.wait_for("[exited 0]");
    let history = std::fs::read_to_string(repl.home.join("kqlite/history")).unwrap();
    assert!(history.contains("summarize Uploads = count()"), "{history}");
}

#[test]
fn tab_completes_operators_and_columns() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.type_text("DataSecurityEvents | ");
    repl.press("Tab");
    repl.press("Tab");
    let screen = repl.wait_for("summarize");
    assert!(screen.contains("project-away"), "{screen}");
    assert!(screen.contains("where"), "{screen}");
    repl.type_text("proj");
    repl.press("Tab");
    repl.wait_for("| project");
    // After the project only its columns are offered: `Accou` has one completion.
    repl.type_text(" AccountUpn, ActionType | where Accou");
    repl.press("Tab");
    repl.wait_for("where AccountUpn");
    repl.enter(" != '' | take 2");
    let screen = repl.wait_for("2 rows in");
    assert!(screen.contains("| AccountUpn "), "{screen}");
    repl.press("C-d");
    repl.wait_for("[exited 0]");
}

#[test]
fn ctrl_c_cancels_a_running_query_and_the_session_goes_on() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter(".maxrows 5");
    // A cross join of 10^10 rows: minutes of work. Twice in a row: the second Ctrl-C must
    // work while the first query's work is still winding down.
    let long = "range i from 1 to 100000 step 1 | extend k = 1 \
         | join kind=inner (range j from 1 to 100000 step 1 | extend k = 1) on k \
         | summarize count()";
    for round in 1..=2 {
        repl.enter(long);
        std::thread::sleep(Duration::from_millis(1000));
        repl.press("C-c");
        repl.wait_until("the query cancelled", |s| {
            s.matches("query cancelled").count() == round
        });
    }
    // An empty line: Ctrl-C says how to quit, and the session survives.
    repl.press("C-c");
    repl.wait_for("to quit, press Ctrl-D");
    repl.enter("print answer = 6 * 7");
    let screen = repl.wait_for("1 row in");
    assert!(screen.contains("42"), "{screen}");
    // The setting made before the cancel still holds.
    repl.enter("DataSecurityEvents | project AccountUpn");
    repl.wait_for("more rows");
}

#[test]
fn an_error_shows_a_caret_and_the_next_query_runs() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter("AlertInfo | wher Severity == 'High'");
    let screen = repl.wait_for("error:");
    assert!(screen.contains("unknown operator 'wher'"), "{screen}");
    assert!(screen.contains("            ^^^^"), "{screen}");
    repl.enter("AlertInfo | count");
    repl.wait_for("1 row in");
}

#[test]
fn format_csv_and_output_to_a_file() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter(".format csv");
    repl.enter("AlertInfo | sort by AlertId asc | take 2 | project AlertId, Severity");
    let screen = repl.wait_for("2 rows in");
    let printed = after_last_prompt(&screen);
    assert!(printed.contains("\nAlertId,Severity\n"), "{printed}");
    assert!(!printed.contains("+---"), "{printed}");
    let file = repl.home.join("out.csv");
    repl.enter(&format!(".output {}", file.display()));
    repl.enter("print Answer = 42");
    repl.wait_for("written to");
    repl.enter(".output");
    repl.wait_for("screen again");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "Answer\n42\n");
}

#[test]
fn dot_cluster_sends_queries_away_and_off_brings_them_back() {
    if !tmux_available() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let repl = Repl::start();
    repl.enter(&format!(".cluster df://127.0.0.1:{port}"));
    repl.wait_for(&format!("queries run on df://127.0.0.1:{port}"));
    repl.enter("AlertInfo | count");
    let screen = repl.wait_for("error:");
    assert!(
        screen.contains(&format!("on the cluster at df://127.0.0.1:{port}")),
        "{screen}"
    );
    repl.enter(".cluster off");
    repl.wait_for("queries run here");
    repl.enter("AlertInfo | count");
    repl.wait_for("1 row in");
}

#[test]
fn dot_commands_describe_the_catalog() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter(".tables");
    let screen = repl.wait_for("DataSecurityEvents");
    assert!(screen.contains("rows"), "{screen}");
    repl.enter(".schema AlertInfo");
    repl.wait_for("AlertInfo (Timestamp:datetime");
    repl.enter(".now 2025-09-01");
    repl.wait_for("now() is 2025-09-01 (UTC)");
    repl.enter(".nope");
    repl.wait_for(".help lists the commands");
}

#[test]
fn render_previews_the_chart_and_dot_chart_writes_it() {
    if !tmux_available() {
        return;
    }
    let repl = Repl::start();
    repl.enter(
        "DataSecurityEvents | summarize Events = count() by ActionType | top 3 by Events \
         | render columnchart",
    );
    let screen = repl.wait_for("3 rows");
    assert!(
        screen.contains("FileRead │███"),
        "block bars above the table: {screen}"
    );
    let file = repl.home.join("chart.svg");
    repl.enter(&format!(".chart {}", file.display()));
    repl.wait_for("chart written to");
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains(">FileRead</text>"),
        "{svg}"
    );
}
