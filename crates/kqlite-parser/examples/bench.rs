//! Rough parse timing: `cargo run --release --example bench`.

fn main() {
    let mut text = String::from("T");
    let size: usize = std::env::args().nth(1).map_or(1024, |a| a.parse().unwrap());
    while text.len() < size {
        text += "\n| where a > 1 and b has \"x\" or c in (1, 2, 3)\n| extend y = f(x, 1d) * 2";
    }
    let n = 10_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        kqlite_parser::parse_query(&text).unwrap();
    }
    println!("{} bytes: {:?} per parse", text.len(), start.elapsed() / n);
}
