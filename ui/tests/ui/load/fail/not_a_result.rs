// Any return type is accepted from #[load]: only `Err` counts. The programmatic form needs
// `()` or a `Result` and says so.
fn main() {
    let _ = perf_runtime::load::Load::new("x", |seq| async move { seq });
}
