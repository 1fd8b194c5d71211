use perf_runtime::profile;
trait T {
    #[profile]
    fn f(&self);
}
fn main() {}
