//! The KQL syntax tree. Every node carries its byte span in the source text; spans take no part
//! in equality, so tests compare trees without positions.

use std::fmt;
use std::ops::Range;

/// A byte range in the query text.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A node and where it stands in the source. Equality ignores the span.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

pub type Ident = Spanned<String>;

/// A whole query text: statements separated by `;`.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub statements: Vec<Spanned<Statement>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// `let name = value;` — the value may be scalar or tabular; the planner decides.
    Let { name: Ident, value: Expr },
    /// `let name = (params) { body };`
    LetFunction { name: Ident, function: Lambda },
    /// `set name [= value];`
    Set { name: Ident, value: Option<Expr> },
    /// `declare query_parameters(name:type [= default], ...);`
    DeclareParameters(Vec<Param>),
    /// A tabular expression whose result is returned.
    Tabular(Expr),
}

/// A user-defined function: `(a:string, b:long = 5) { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// `let V = view () {...}`: a view, which `union` names by its name and wildcards find.
    pub view: bool,
    pub params: Vec<Param>,
    /// `let` statements inside the body, then the result expression.
    pub body: Vec<Spanned<Statement>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: ParamType,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParamType {
    Scalar(Ident),
    /// `(*)` or `(Col:type, ...)`.
    Tabular(Vec<(Ident, Ident)>),
}

pub type Expr = Spanned<ExprKind>;

impl Expr {
    /// `(a, b) = f(x)` as its names and value; `None` for anything else (a plain
    /// `a = f(x)` included).
    pub fn tuple_assign(&self) -> Option<(Vec<&Ident>, &Expr)> {
        let ExprKind::Assign { name, value } = &self.node else {
            return None;
        };
        if !matches!(value.node, ExprKind::Assign { .. }) {
            return None;
        }
        let mut names = vec![name];
        let mut value: &Expr = value;
        while let ExprKind::Assign { name, value: inner } = &value.node {
            names.push(name);
            value = inner;
        }
        Some((names, value))
    }

    /// Calls `f` on each scalar sub-expression (not into tabular ones).
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match &mut self.node {
            ExprKind::Call { args, .. } => args.iter_mut().for_each(f),
            ExprKind::Assign { value, .. } => f(value),
            ExprKind::Unary { operand, .. } => f(operand),
            ExprKind::Binary { left, right, .. } => {
                f(left);
                f(right);
            }
            ExprKind::List { left, items, .. } => {
                f(left);
                items.iter_mut().for_each(f);
            }
            ExprKind::Between {
                value, low, high, ..
            } => {
                f(value);
                f(low);
                f(high);
            }
            ExprKind::Member { target, .. } => f(target),
            ExprKind::Index { target, index } => {
                f(target);
                f(index);
            }
            _ => {}
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A column, a `let` name or a table name: `Name` or `['Name with space']`.
    Name(String),
    /// `*` as in `arg_max(Timestamp, *)` or `project-away *`.
    Star,
    /// `f(a, b)`; named arguments appear as `Assign`.
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    /// `name = expr`, inside argument lists and column lists. A tuple assignment
    /// `(a, b) = f(x)` is an `Assign` whose value is an `Assign`: `a`, then `b`, then `f(x)`
    /// (no other syntax nests assignments); see [`Expr::tuple_assign`].
    Assign {
        name: Ident,
        value: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x in (a, b)`, `x has_any (a, b)`, `x in (T | project c)`.
    List {
        op: ListOp,
        left: Box<Expr>,
        items: Vec<Expr>,
    },
    /// `x between (low .. high)`.
    Between {
        negated: bool,
        value: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `x.name`
    Member {
        target: Box<Expr>,
        name: Ident,
    },
    /// `x[index]`
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// `input | op | op`: a tabular expression.
    Pipe {
        input: Box<Expr>,
        ops: Vec<Operator>,
    },
    /// Tabular sources that stand at the start of a pipeline.
    Source(Box<Source>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `long`: plain integer literals are long in Kusto.
    Long(i64),
    /// `int(5)`
    Int(i32),
    Real(f64),
    Bool(bool),
    String(String),
    /// Nanoseconds since the Unix epoch, UTC.
    Datetime(i64),
    /// Nanoseconds.
    Timespan(i64),
    /// A typed null: `long(null)`, `datetime(null)`, `dynamic(null)`...
    Null(ScalarType),
    /// `dynamic([...])` or `dynamic({...})`.
    Dynamic(Dynamic),
    /// `guid(...)`
    Guid(String),
    /// `decimal(1.5)`: the digits as written, read exactly by the planner.
    Decimal(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Dynamic {
    Null,
    Value(Box<Literal>),
    Array(Vec<Dynamic>),
    Object(Vec<(String, Dynamic)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarType {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    Datetime,
    Timespan,
    Guid,
    Dynamic,
}

impl ScalarType {
    pub fn from_name(name: &str) -> Option<ScalarType> {
        Some(match name {
            "bool" | "boolean" => ScalarType::Bool,
            "int" | "int32" => ScalarType::Int,
            "long" | "int64" => ScalarType::Long,
            "real" | "double" => ScalarType::Real,
            "decimal" => ScalarType::Decimal,
            "string" => ScalarType::String,
            "datetime" | "date" => ScalarType::Datetime,
            "timespan" | "time" => ScalarType::Timespan,
            "guid" | "uuid" | "uniqueid" => ScalarType::Guid,
            "dynamic" => ScalarType::Dynamic,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::Bool => "bool",
            ScalarType::Int => "int",
            ScalarType::Long => "long",
            ScalarType::Real => "real",
            ScalarType::Decimal => "decimal",
            ScalarType::String => "string",
            ScalarType::Datetime => "datetime",
            ScalarType::Timespan => "timespan",
            ScalarType::Guid => "guid",
            ScalarType::Dynamic => "dynamic",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    // comparison
    Eq,
    NotEq,
    EqCi,
    NotEqCi,
    Lt,
    LtEq,
    Gt,
    GtEq,
    // arithmetic
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    // string predicates
    Has,
    NotHas,
    HasCs,
    NotHasCs,
    HasPrefix,
    NotHasPrefix,
    HasPrefixCs,
    NotHasPrefixCs,
    HasSuffix,
    NotHasSuffix,
    HasSuffixCs,
    NotHasSuffixCs,
    Contains,
    NotContains,
    ContainsCs,
    NotContainsCs,
    StartsWith,
    NotStartsWith,
    StartsWithCs,
    NotStartsWithCs,
    EndsWith,
    NotEndsWith,
    EndsWithCs,
    NotEndsWithCs,
    MatchesRegex,
    Like,
    NotLike,
}

/// Every binary operator with its KQL spelling; the parser and printer both read this table.
pub const BINARY_OPS: &[(BinaryOp, &str)] = &[
    (BinaryOp::Or, "or"),
    (BinaryOp::And, "and"),
    (BinaryOp::Eq, "=="),
    (BinaryOp::NotEq, "!="),
    (BinaryOp::EqCi, "=~"),
    (BinaryOp::NotEqCi, "!~"),
    (BinaryOp::Lt, "<"),
    (BinaryOp::LtEq, "<="),
    (BinaryOp::Gt, ">"),
    (BinaryOp::GtEq, ">="),
    (BinaryOp::Add, "+"),
    (BinaryOp::Sub, "-"),
    (BinaryOp::Mul, "*"),
    (BinaryOp::Div, "/"),
    (BinaryOp::Mod, "%"),
    (BinaryOp::Has, "has"),
    (BinaryOp::NotHas, "!has"),
    (BinaryOp::HasCs, "has_cs"),
    (BinaryOp::NotHasCs, "!has_cs"),
    (BinaryOp::HasPrefix, "hasprefix"),
    (BinaryOp::NotHasPrefix, "!hasprefix"),
    (BinaryOp::HasPrefixCs, "hasprefix_cs"),
    (BinaryOp::NotHasPrefixCs, "!hasprefix_cs"),
    (BinaryOp::HasSuffix, "hassuffix"),
    (BinaryOp::NotHasSuffix, "!hassuffix"),
    (BinaryOp::HasSuffixCs, "hassuffix_cs"),
    (BinaryOp::NotHasSuffixCs, "!hassuffix_cs"),
    (BinaryOp::Contains, "contains"),
    (BinaryOp::NotContains, "!contains"),
    (BinaryOp::ContainsCs, "contains_cs"),
    (BinaryOp::NotContainsCs, "!contains_cs"),
    (BinaryOp::StartsWith, "startswith"),
    (BinaryOp::NotStartsWith, "!startswith"),
    (BinaryOp::StartsWithCs, "startswith_cs"),
    (BinaryOp::NotStartsWithCs, "!startswith_cs"),
    (BinaryOp::EndsWith, "endswith"),
    (BinaryOp::NotEndsWith, "!endswith"),
    (BinaryOp::EndsWithCs, "endswith_cs"),
    (BinaryOp::NotEndsWithCs, "!endswith_cs"),
    (BinaryOp::MatchesRegex, "matches regex"),
    (BinaryOp::Like, "like"),
    (BinaryOp::NotLike, "notlike"),
];

impl BinaryOp {
    pub fn spelling(self) -> &'static str {
        BINARY_OPS
            .iter()
            .find(|(op, _)| *op == self)
            .map(|(_, s)| *s)
            .unwrap_or("?")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListOp {
    In,
    NotIn,
    InCi,
    NotInCi,
    HasAny,
    HasAll,
}

pub const LIST_OPS: &[(ListOp, &str)] = &[
    (ListOp::In, "in"),
    (ListOp::NotIn, "!in"),
    (ListOp::InCi, "in~"),
    (ListOp::NotInCi, "!in~"),
    (ListOp::HasAny, "has_any"),
    (ListOp::HasAll, "has_all"),
];

impl ListOp {
    pub fn spelling(self) -> &'static str {
        LIST_OPS
            .iter()
            .find(|(op, _)| *op == self)
            .map(|(_, s)| *s)
            .unwrap_or("?")
    }
}

/// Tabular expressions that do not read an input pipe.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// `union [kind=inner|outer] [withsource=Col] [isfuzzy=true] T1, T2, (subquery)`
    Union(Union),
    /// `datatable(Col:type, ...) [v, v, ...]`
    Datatable {
        columns: Vec<(Ident, Ident)>,
        values: Vec<Expr>,
    },
    /// `print [name =] expr, ...`
    Print(Vec<Expr>),
    /// `range Col from a to b step c`
    Range {
        column: Ident,
        from: Expr,
        to: Expr,
        step: Expr,
    },
    /// `externaldata(Col:type, ...) [url, ...] [with (k=v, ...)]`
    ExternalData {
        columns: Vec<(Ident, Ident)>,
        uris: Vec<Expr>,
        options: Vec<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Union {
    /// `kind=`, `withsource=`, `isfuzzy=` and hints, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub tables: Vec<Expr>,
}

pub type Operator = Spanned<OperatorKind>;

#[derive(Clone, Debug, PartialEq)]
pub enum OperatorKind {
    /// `where` / `filter`
    Where(Expr),
    /// Columns are `Name`, `Assign` or any expression (named by the planner).
    Project(Vec<Expr>),
    Extend(Vec<Expr>),
    ProjectAway(Vec<Expr>),
    ProjectKeep(Vec<Expr>),
    /// `project-rename New = Old, ...` (as `Assign` expressions)
    ProjectRename(Vec<Expr>),
    ProjectReorder(Vec<SortKey>),
    Summarize(Summarize),
    /// `take` / `limit`
    Take(Expr),
    /// `sort by` / `order by`
    Sort(Vec<SortKey>),
    /// `top N by key`
    Top {
        count: Expr,
        by: SortKey,
    },
    /// The `count` operator.
    Count,
    /// `distinct *` is `Distinct(vec![Star])`.
    Distinct(Vec<Expr>),
    Join(Join),
    /// `lookup [kind=...] (T) on keys`
    Lookup(Join),
    /// `union` inside a pipe: the pipe input is the first table.
    Union(Union),
    MvExpand(MvExpand),
    Parse(Parse),
    ParseKv(ParseKv),
    /// `as Name`
    As(Ident),
    /// `serialize [Name = expr, ...]`
    Serialize(Vec<Expr>),
    Getschema,
    /// `render chart [with (...)]`: a no-op for a tabular result.
    Render {
        chart: Ident,
        options: Vec<Expr>,
    },
    /// `invoke f(args)`
    Invoke(Expr),
    /// `evaluate plugin(args) [: (Col:type, ...)]`
    Evaluate {
        options: Vec<Expr>,
        plugin: Expr,
        /// The declared output schema after `:`, if any.
        schema: Option<Vec<(Ident, Ident)>>,
    },
    /// `sample N`
    Sample(Expr),
    /// `sample-distinct N of Col`
    SampleDistinct {
        count: Expr,
        column: Expr,
    },
    /// `make-series ... on Axis [from a] [to b] step s [by ...]`
    MakeSeries(MakeSeries),
    /// `mv-apply Col [to typeof(T)], ... [limit N] on (subquery)`
    MvApply(MvApply),
    /// `top-nested N of Col by Agg, top-nested ...`: one entry per level.
    TopNested(Vec<TopNestedLevel>),
    /// `search [kind=...] predicate`. The source form `search in (T1, T2) P` parses as
    /// `union T1, T2 | search P`, and `search P` at the start of a query as `union * | search P`.
    Search(Search),
    /// `find [withsource=C] where P [project ...]`; the source form `find in (T1, T2) ...`
    /// parses as `union T1, T2 | find ...` (as `search` does).
    Find(Find),
    /// `scan [with_match_id=Id] [declare (...)] with (step ...; ...)`
    Scan(Scan),
    /// `partition [hints] by Col (subquery)`
    Partition(Partition),
    /// `fork [name =] (subquery) ...`
    Fork(Vec<ForkBranch>),
    /// `facet by Col, ... [with (subquery)]`
    Facet {
        columns: Vec<Expr>,
        with: Vec<Operator>,
    },
    /// `top-hitters N of Col [by Expr]`
    TopHitters {
        count: Expr,
        column: Expr,
        by: Option<Expr>,
    },
    /// `reduce [kind=source] by Expr [with threshold=..., characters=...]`
    Reduce {
        options: Vec<Expr>,
        by: Expr,
        with: Vec<Expr>,
    },
    /// `consume [decodeblocks=true]`
    Consume(Vec<Expr>),
}

/// `make-series [options] [Name =] Agg [default = v], ... on Axis [from a] [to b] step s [by keys]`.
/// The deprecated `on Axis in range(a, b, s)` parses as `from a to b step s` with `in_range`.
#[derive(Clone, Debug, PartialEq)]
pub struct MakeSeries {
    /// `kind=nonempty` and hints, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub aggregates: Vec<SeriesAggregate>,
    pub on: Expr,
    pub from: Option<Expr>,
    pub to: Option<Expr>,
    pub step: Expr,
    /// Written `in range(a, b, s)`: bins by `bin()` rather than from `a`, through `b` included.
    pub in_range: bool,
    pub by: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SeriesAggregate {
    /// `Name = agg(...)` or `agg(...)`.
    pub expr: Expr,
    /// `default = value`
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MvApply {
    /// `with_itemindex=Idx`, `kind=`, hints, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub columns: Vec<MvExpandColumn>,
    /// `limit N`
    pub limit: Option<Expr>,
    /// The operators applied to each row's expanded sub-table.
    pub subquery: Vec<Operator>,
}

/// `top-nested [N] of Expr [with others = v] by Agg [asc|desc]`
#[derive(Clone, Debug, PartialEq)]
pub struct TopNestedLevel {
    pub count: Option<Expr>,
    /// `Col` or `Name = expr`.
    pub of: Expr,
    pub others: Option<Expr>,
    /// `[Name =] aggregation`.
    pub by: Expr,
    pub order: Option<SortOrder>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// `kind=case_sensitive` and the like, as `Assign` expressions.
    pub options: Vec<Expr>,
    /// Bare string terms match any column; `Col:"x"` parses as `Col has "x"`.
    pub predicate: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Find {
    /// `withsource=Col` and the like, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub predicate: Expr,
    /// `project a, b`; empty when absent.
    pub project: Vec<Expr>,
    /// `project-smart`
    pub project_smart: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scan {
    /// `with_match_id=Id`, `with_step_name=Name`, as `Assign` expressions.
    pub options: Vec<Expr>,
    /// `declare (Col:type [= default], ...)`
    pub declare: Vec<Param>,
    pub steps: Vec<ScanStep>,
}

/// `step Name [output=all|last|none]: condition [=> Col = expr, ...]`
#[derive(Clone, Debug, PartialEq)]
pub struct ScanStep {
    pub name: Ident,
    pub options: Vec<Expr>,
    pub condition: Expr,
    pub assignments: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Partition {
    /// `hint.strategy=...` and the like, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub by: Expr,
    pub subquery: Vec<Operator>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForkBranch {
    pub name: Option<Ident>,
    pub subquery: Vec<Operator>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Summarize {
    /// `hint.strategy=shuffle` and the like, as `Assign` expressions.
    pub hints: Vec<Expr>,
    pub aggregates: Vec<Expr>,
    pub by: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    /// `kind=...`, `hint.*=...` and other options, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub right: Expr,
    /// `Col`, `$left.A == $right.B` (the `$left`/`$right` sides parse as `Name("$left")`
    /// members), combined with `and` or listed with commas.
    pub on: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MvExpand {
    /// `bagexpansion=array`, `with_itemindex=Idx` and hints, as `Assign` expressions.
    pub options: Vec<Expr>,
    pub columns: Vec<MvExpandColumn>,
    /// `limit N`
    pub limit: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MvExpandColumn {
    pub expr: Expr,
    /// `to typeof(long)`
    pub to_type: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Parse {
    /// `parse-where` keeps only the rows that match.
    pub only_matching: bool,
    /// `kind=simple|regex|relaxed`, `flags=...`
    pub options: Vec<Expr>,
    pub source: Expr,
    /// The pattern: string literals and `Col[:type]` captures, in order; `*` skips.
    pub pattern: Vec<ParsePart>,
}

/// `parse-kv Expr as (Key:type, ...) with (pair_delimiter=..., kv_delimiter=..., ...)`
#[derive(Clone, Debug, PartialEq)]
pub struct ParseKv {
    pub source: Expr,
    /// The keys to extract, with their types.
    pub keys: Vec<(Ident, Ident)>,
    /// `pair_delimiter`, `kv_delimiter`, `quote`, `escape`, `greedy`, `regex`.
    pub options: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParsePart {
    Text(String),
    Capture { name: Ident, ty: Option<Ident> },
    Wildcard,
}
