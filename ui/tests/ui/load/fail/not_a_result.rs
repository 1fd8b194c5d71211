// Any return type is accepted from #[load]: only `Err` counts. The programmatic form needs
// `()` or a `Result` and says so.
#[tokio::main]
async fn main() {
    perf_runtime::load::Load::new("x", |seq| async move { seq }).run().await;
}
