use perf_runtime::cached;
struct User { id: u64 }
#[cached(ttl = "1m", key = user.id)]
fn name(user: &User) -> String { user.id.to_string() }
fn main() { name(&User { id: 1 }); }
