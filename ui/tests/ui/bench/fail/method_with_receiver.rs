use perf_runtime::bench;
struct Parser;
impl Parser {
    #[bench]
    fn parse(&self) -> u32 { 1 }
}
fn main() {}
