//! The canonical printer round-trips: parse(print(parse(x))) == parse(x).

mod common;

use common::*;
use kqlite_parser::printer::print_query;

const QUERIES: &[&str] = &[
    "T",
    "T | where a > 1 and b < 2 or c == 3",
    "T | where x has \"a\" and y !hasprefix_cs 'b' or z matches regex @\"\\d+\"",
    "T | where x in (1, 2, 3) and y !in~ (\"a\") and z has_any (dynamic([\"x\"]))",
    "T | where x between (1 .. 10) and y !between (datetime(2024-01-01) .. now())",
    "T | extend y = -x, z = -(-x), w = a - -1, v = (a + b) * c % d / e",
    "T | extend t = 1.5d + 100ms - 10microsecond + 5tick, r = 1e-7, h = 0x10",
    "T | extend d = datetime(2025-09-01T10:30:00.1234567Z), n = datetime(null), g = guid(0f8fad5b-d9cb-469f-a165-70867728950e)",
    "T | extend i = int(5), l = long(null), b = bool(false), dd = dynamic({\"a\": [1, 2.5, \"s\", null, true]})",
    "T | extend s = strcat(\"a\\\"b\", @'c''d', h\"hidden\", ```multi\nline```)",
    "T | extend j = parse_json(x).a.b[0][\"c\"], k = x.['odd name']",
    "T | project a, ['b c'] = 1, c + 1",
    "T | project-away Account*, Device* | project-keep *Id, X",
    "T | project-rename A = B, C = D | project-reorder Z desc, A*",
    "T | summarize count(), n = dcount(x) by bin(Timestamp, 1h), Day = startofday(Timestamp)",
    "T | summarize by A, B",
    "T | summarize hint.shufflekey=A arg_max(Timestamp, *) by A",
    "T | take 10 | limit 5 | sample 3",
    "T | sort by a desc nulls last, b asc | order by c",
    "T | top 10 by count_ desc nulls first",
    "T | count",
    "T | distinct a, b | distinct *",
    "T | join kind=inner (U | where x == 1) on A, $left.B == $right.C",
    "T | join kind=leftanti hint.remote=auto U on A",
    "T | lookup kind=leftouter (U) on $left.A == $right.B",
    "T | union withsource=Source U, (V | take 1), W*",
    "union isfuzzy=true A, B | where x",
    "T | mv-expand bagexpansion=array with_itemindex=Idx Col to typeof(string), N = pack_array(a, b) limit 100",
    "T | parse kind=regex flags=Ui Msg with \"user=\" User:string \" id=\" * \"x\" Rest",
    "T | parse-where Msg with * \"a\" B",
    "T | as Result | serialize rn = row_number() | getschema",
    "T | render timechart with (title=\"x\", ysplit=panels)",
    "T | invoke f(1, \"a\") | evaluate bag_unpack(Col)",
    "datatable(a:string, b:long) [\"x\", 1, \"y\", -2] | where b > 0",
    "print x = 1, 2, s = strlen(\"abc\")",
    "range x from 1 to 10 step 2 | extend y = x * x",
    "externaldata(a:string, b:long) [@\"https://example.com/x.csv\"] with (format=\"csv\", ignoreFirstRecord=true)",
    "let x = 5;\nlet T2 = T | where a > x;\nT2 | count",
    "let f = (a:string, b:long = 5) { let c = b * 2; T | where x == a | take c };\nf(\"q\")",
    "let g = (T:(*), U:(Col:string)) { T | union U };\ng(A, B)",
    "set notruncation;\nset maxrows = 10;\nT",
    "declare query_parameters(x:string = \"a\", n:long = 1);\nT | where c == x",
    "T | where toscalar(U | summarize max(x)) > 1 and x in (U | project x)",
    "T | extend a = iff(x > 1, \"big\", \"small\"), b = case(x == 1, 1, x == 2, 2, 0)",
    "(T | where a) | union (U | where b)",
    "T | where ['count'] > 1 and ['and'] == 2 and ['True'] == 3",
    "T | where x notcontains \"a\"",
    "T | make-series kind=nonempty n = count() default = 0, avg(x) on Timestamp from ago(30d) to now() step 1d by Domain",
    "T | make-series n = count() on Timestamp in range(datetime(2024-01-01), datetime(2024-02-01), 1d)",
    "T | make-series n = count() on Timestamp step 1h",
    "T | extend (anomalies, score, baseline) = series_decompose_anomalies(n, 1.5)",
    "T | summarize (Last, Name) = arg_max(Timestamp, Name), c = count() by Id",
    "T | mv-apply with_itemindex=i e = Items to typeof(string) limit 10 on (where e has \"x\" | take 1)",
    "T | top-nested 3 of State with others = \"Other\" by s = sum(x) desc, top-nested of Source by count() asc",
    "search in (A, B*) \"ntds\" and Action:\"Modified\" | take 1",
    "search kind=case_sensitive \"x\"",
    "T | search \"administrator\"",
    "find withsource=Src in (A, B) where Sha1 == \"x\" project Name, Sha1 | take 5",
    "find where x > 1 project-smart",
    "T | scan with_match_id=Id declare (Step:string, Delta:timespan = 0s) with (step s1: a == 1 => Step = \"s1\"; step s2 output=last: a == 2 and b == s1.b => Step = \"s2\", Delta = t - s1.t;)",
    "T | partition hint.strategy=native by Id (top 1 by Time | project Id)",
    "T | fork (where a | take 1) named = (summarize count())",
    "T | facet by a, b with (take 5)",
    "T | sample-distinct 5 of Name | top-hitters 3 of Name by Size",
    "T | reduce by Message with threshold=0.5, characters=\"ab\"",
    "T | evaluate pivot(Level) : (Name:string, High:long)",
    "T | project-reorder Timestamp, $table",
];

#[test]
fn printing_then_parsing_gives_the_same_tree() {
    for text in QUERIES {
        let first = query(text);
        let printed = print_query(&first);
        let second = query(&printed);
        assert_eq!(first, second, "\noriginal: {text}\nprinted:  {printed}");
    }
}

#[test]
fn printing_is_idempotent() {
    for text in QUERIES {
        let once = print_query(&query(text));
        assert_eq!(print_query(&query(&once)), once, "{text}");
    }
}
