use perf_runtime::cached;
struct Conn;
#[cached(ttl = "1m")]
fn connect(id: u32) -> Result<Conn, String> { let _ = id; Ok(Conn) }
fn main() { let _ = connect(1); }
