use perf_runtime::retry;
#[retry]
struct Config {
    attempts: u32,
}
fn main() {}
