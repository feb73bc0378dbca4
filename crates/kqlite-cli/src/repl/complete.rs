//! The session's completion: its dot commands and their arguments, then the library's
//! completion of the query (`kqlite::completion`), as rustyline pairs.

use kqlite::completion::{self, Analysis, Context};
use kqlite::Engine;
use rustyline::completion::Pair;

use super::commands::COMMANDS;

pub use completion::analyze;

/// Words to offer for `analysis`, best first.
pub fn candidates(analysis: &Analysis, engine: &Engine) -> Vec<Pair> {
    let words: Vec<String> = match &analysis.context {
        Context::DotCommand => COMMANDS.iter().map(|c| c.name.to_string()).collect(),
        Context::DotArgument(command) => command_arguments(command, engine),
        _ => {
            return completion::candidates(analysis, engine)
                .into_iter()
                .map(pair)
                .collect()
        }
    };
    let word = analysis.word.as_str();
    let matching = words
        .into_iter()
        .filter(|w| starts_with_ignoring_case(w, word));
    matching
        .map(|w| Pair {
            display: w.clone(),
            replacement: w,
        })
        .collect()
}

fn pair(candidate: completion::Candidate) -> Pair {
    Pair {
        display: candidate.display,
        replacement: candidate.replacement,
    }
}

fn starts_with_ignoring_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.is_char_boundary(prefix.len())
        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn command_arguments(command: &str, engine: &Engine) -> Vec<String> {
    let words: &[&str] = match command {
        "schema" => return engine.tables().iter().map(|t| t.name.clone()).collect(),
        "format" => &["table", "csv", "json", "ndjson"],
        "timing" => &["on", "off"],
        "now" => &["wall"],
        _ => &[],
    };
    words.iter().map(|w| w.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(line: &str) -> Vec<String> {
        let engine = Engine::new();
        let analysis = analyze(line, line.len());
        candidates(&analysis, &engine)
            .into_iter()
            .map(|p| p.replacement)
            .collect()
    }

    #[test]
    fn dot_commands_and_their_arguments() {
        assert_eq!(offered(".tab"), [".tables"]);
        assert_eq!(offered(".format c"), ["csv"]);
        assert!(offered("print x = strl").contains(&"strlen(".to_string()));
    }
}
