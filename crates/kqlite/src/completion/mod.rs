//! Completion for query editors (the REPL, the web page): where the cursor is, and what could
//! be typed there. [`analyze`] reads only the text; [`candidates`] asks the engine for tables
//! and for the columns of the pipeline so far, by planning the text before the current `|`
//! segment. Commands (a line starting with `.`) are their editor's to complete.

mod functions;

use kqlite_parser::{tokens, TokenKind, OPERATOR_KEYWORDS};

use crate::Engine;
pub use functions::{parameters, FUNCTIONS};

/// A word to offer: what the list shows (`strlen(string)`) and what accepting it inserts
/// (`strlen(`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

/// What kind of word belongs at the cursor.
#[derive(Debug, PartialEq, Eq)]
pub enum Context {
    /// Inside a string or a comment.
    Nothing,
    /// `.he` at the start of the line.
    DotCommand,
    /// The argument of a dot command (its name without the dot).
    DotArgument(String),
    /// The start of a statement or pipeline: tables, `let` names, sources.
    Source,
    /// Right after `|`: the tabular operators.
    Operator,
    /// Inside an operator: the columns of `pipeline` (a text to plan, when there is one),
    /// functions and `let` names; tables too in `join`, `lookup` and `union`.
    Expression {
        pipeline: Option<String>,
        tables_too: bool,
    },
}

/// The word being completed and its context.
#[derive(Debug, PartialEq, Eq)]
pub struct Analysis {
    /// Byte offset where the replacement starts.
    pub start: usize,
    pub word: String,
    pub context: Context,
    /// Names bound by `let` before the cursor.
    pub lets: Vec<String>,
}

/// Looks at `line` up to `pos` and says what may be typed at the cursor.
pub fn analyze(line: &str, pos: usize) -> Analysis {
    let trimmed = line.trim_start();
    if trimmed.starts_with('.') {
        return analyze_command(line, pos, line.len() - trimmed.len());
    }
    let start = word_start(line, pos);
    let scan = Scan::run(line, start);
    let mut context = scan.context(line);
    let mut start = start;
    if context != Context::Operator {
        if let Some(dash) = line[start..pos].rfind('-') {
            start += dash + 1;
        }
    }
    if inside_string_or_comment(line, pos) {
        context = Context::Nothing;
    }
    Analysis {
        start,
        word: line[start..pos].to_string(),
        context,
        lets: scan.lets,
    }
}

fn analyze_command(line: &str, pos: usize, dot: usize) -> Analysis {
    let name_end = line[dot..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| dot + i);
    let name = &line[dot + 1..name_end];
    if pos <= name_end {
        return Analysis {
            start: dot,
            word: line[dot..pos].to_string(),
            context: Context::DotCommand,
            lets: Vec::new(),
        };
    }
    if name == "explain" || name == "analyze" {
        let mut inner = analyze(&line[name_end..], pos - name_end);
        inner.start += name_end;
        return inner;
    }
    let start = word_start(line, pos).max(name_end);
    Analysis {
        start,
        word: line[start..pos].to_string(),
        context: Context::DotArgument(name.to_string()),
        lets: Vec::new(),
    }
}

fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '-')
        .last()
        .map_or(pos, |(i, _)| i)
}

fn inside_string_or_comment(line: &str, pos: usize) -> bool {
    tokens(&line[..pos]).last().is_some_and(|(span, kind)| {
        matches!(kind, TokenKind::String | TokenKind::Comment) && span.end == pos
    })
}

/// One level of nesting: the whole statement, or the inside of a bracket.
#[derive(Debug)]
struct Frame {
    /// Holds a pipeline (`join (...)`, the statement) rather than a scalar expression.
    tabular: bool,
    /// Where the pipeline text starts.
    pipeline_start: usize,
    /// The last `|` at this level.
    last_bar: Option<usize>,
    /// Tokens since the start of the segment (the pipeline start or the last `|`).
    tokens: usize,
    /// The segment's first word: the operator.
    operator: String,
    on_seen: bool,
}

impl Frame {
    fn new(tabular: bool, pipeline_start: usize) -> Self {
        Frame {
            tabular,
            pipeline_start,
            last_bar: None,
            tokens: 0,
            operator: String::new(),
            on_seen: false,
        }
    }

    fn note(&mut self, token: &str) {
        if self.tokens == 0 {
            self.operator = token.to_string();
        }
        self.tokens += 1;
        self.on_seen |= token == "on";
    }

    /// Whether `(` after `prev` opens a pipeline here rather than a call or a group.
    fn opens_pipeline(&self, prev: &str) -> bool {
        const BEFORE_SUBQUERY: &[&str] = &["materialize", "toscalar", "in", "!in", "in~", "!in~"];
        let in_source_list =
            matches!(self.operator.as_str(), "join" | "lookup" | "union") && !self.on_seen;
        self.tokens == 0 || in_source_list || BEFORE_SUBQUERY.contains(&prev)
    }
}

/// The walk over the tokens before the word being completed.
struct Scan {
    stack: Vec<Frame>,
    /// Where the current statement starts: the text before is whole statements.
    statement_start: usize,
    lets: Vec<String>,
}

impl Scan {
    fn run(line: &str, end: usize) -> Scan {
        let mut scan = Scan {
            stack: vec![Frame::new(true, 0)],
            statement_start: 0,
            lets: Vec::new(),
        };
        let mut statement: Vec<String> = Vec::new();
        let mut prev = String::new();
        for (span, kind) in tokens(&line[..end]) {
            if matches!(kind, TokenKind::Whitespace | TokenKind::Comment) {
                continue;
            }
            let token = &line[span.start..span.end];
            if prev == "let" && kind == TokenKind::Ident {
                scan.lets.push(token.to_string());
            }
            if scan.stack.len() == 1 {
                statement.push(token.to_string());
            }
            scan.step(token, span.start, span.end, &prev, &mut statement);
            prev = token.to_string();
        }
        scan
    }

    fn step(&mut self, token: &str, start: usize, end: usize, prev: &str, stmt: &mut Vec<String>) {
        let top_level = self.stack.len() == 1;
        let frame = self.stack.last_mut().expect("the statement frame stays");
        match token {
            "(" | "[" | "{" => {
                let tabular = token == "{" || (token == "(" && frame.opens_pipeline(prev));
                frame.note(token);
                self.stack.push(Frame::new(tabular, end));
            }
            ")" | "]" | "}" if !top_level => {
                self.stack.pop();
            }
            "|" if frame.tabular => {
                frame.last_bar = Some(start);
                frame.tokens = 0;
                frame.on_seen = false;
            }
            ";" if top_level => {
                *frame = Frame::new(true, end);
                self.statement_start = end;
                stmt.clear();
            }
            "=" if top_level && stmt.len() == 3 && stmt[0] == "let" => {
                *frame = Frame::new(true, end);
            }
            _ => frame.note(token),
        }
    }

    fn context(&self, line: &str) -> Context {
        let frame = self.stack.last().expect("the statement frame stays");
        if frame.tabular && frame.tokens == 0 {
            return match frame.last_bar {
                Some(_) => Context::Operator,
                None => Context::Source,
            };
        }
        let owner = self
            .stack
            .iter()
            .rev()
            .find(|f| f.tabular)
            .expect("the statement frame is tabular");
        let pipeline = owner.last_bar.map(|bar| {
            format!(
                "{}{}",
                &line[..self.statement_start],
                &line[owner.pipeline_start..bar]
            )
        });
        let tables_too =
            matches!(owner.operator.as_str(), "join" | "lookup" | "union") && !owner.on_seen;
        Context::Expression {
            pipeline,
            tables_too: tables_too && frame.tabular,
        }
    }
}

/// Words to offer for `analysis`, best first (none for commands: see the module's note).
pub fn candidates(analysis: &Analysis, engine: &Engine) -> Vec<Candidate> {
    let word = analysis.word.as_str();
    let mut out = Candidates::new(word);
    match &analysis.context {
        Context::Nothing | Context::DotCommand | Context::DotArgument(_) => {}
        Context::Source => {
            out.words(engine.table_names(), "");
            out.words(analysis.lets.iter().cloned(), "");
            out.words(["let", "print", "datatable", "range", "union"], " ");
        }
        Context::Operator => out.words(OPERATOR_KEYWORDS.iter().copied(), " "),
        Context::Expression {
            pipeline,
            tables_too,
        } => {
            if let Some(text) = pipeline {
                out.words(columns(engine, text), "");
            }
            if *tables_too {
                out.words(engine.table_names(), "");
            }
            out.words(analysis.lets.iter().cloned(), "");
            if !word.is_empty() {
                out.functions();
            }
        }
    }
    out.found
}

/// The output columns of the last statement of `text`, or none when it does not plan.
pub fn columns(engine: &Engine, text: &str) -> Vec<String> {
    let Ok(plans) = engine.plan(text) else {
        return Vec::new();
    };
    plans.last().map_or_else(Vec::new, |plan| {
        plan.schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    })
}

/// Candidates matching a prefix case-insensitively, each offered once.
struct Candidates<'w> {
    word: &'w str,
    found: Vec<Candidate>,
}

impl<'w> Candidates<'w> {
    fn new(word: &'w str) -> Self {
        Candidates {
            word,
            found: Vec::new(),
        }
    }

    fn matches(&self, name: &str) -> bool {
        name.len() >= self.word.len()
            && name.is_char_boundary(self.word.len())
            && name[..self.word.len()].eq_ignore_ascii_case(self.word)
            && !self.found.iter().any(|c| c.display == name)
    }

    fn words<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>, suffix: &str) {
        for name in names {
            let name = name.as_ref();
            if self.matches(name) {
                self.found.push(Candidate {
                    display: name.to_string(),
                    replacement: format!("{name}{suffix}"),
                });
            }
        }
    }

    fn functions(&mut self) {
        for (name, params) in FUNCTIONS {
            if self.matches(name) {
                self.found.push(Candidate {
                    display: format!("{name}({params})"),
                    replacement: format!("{name}("),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
