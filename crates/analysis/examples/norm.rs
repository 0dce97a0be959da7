//! Prints the normalised form of each argument: `cargo run --example norm -- 文本 …`.
fn main() {
    for a in std::env::args().skip(1) {
        println!("{}", gongkai_analysis::normalize(&a));
    }
}
