use perf_runtime::load;
#[load(rate = 100)]
fn f() {}
fn main() {}
