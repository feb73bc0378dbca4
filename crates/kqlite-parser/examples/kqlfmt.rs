//! Print a query file canonically, or its parse error: `cargo run --example kqlfmt FILE [--ast]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: kqlfmt FILE [--ast]");
    let text = std::fs::read_to_string(&path).expect("readable file");
    match kqlite_parser::parse_query(&text) {
        Ok(q) if args.next().as_deref() == Some("--ast") => println!("{q:#?}"),
        Ok(q) => println!("{}", kqlite_parser::printer::print_query(&q)),
        Err(e) => {
            eprint!("{}", e.render(&text));
            std::process::exit(1);
        }
    }
}
