use perf_runtime::retry;
struct Conn;
#[retry]
fn send(conn: Conn, payload: &[u8]) -> Result<usize, ()> {
    let _ = conn;
    Ok(payload.len())
}
fn main() {}
