use perf_runtime::cached;
#[cached(ttl = "1m")]
fn f(buf: &mut Vec<u8>) -> usize { buf.len() }
fn main() { f(&mut vec![]); }
