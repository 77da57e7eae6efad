//! Prints the benchmark's typical indicators as JSON Lines, so that the OASIS validator can be
//! timed on exactly the same objects: `cargo run -p stix-model --example typical_indicators -- 1000`.

#[path = "../benches/typical.rs"]
mod typical;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    for i in 0..n {
        // One object per line: collapse the pretty-printed template.
        let line: String = typical::indicator(i)
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("");
        println!("{line}");
    }
}
