use perf_runtime::cached;
struct Repo;
impl Repo {
    #[cached(ttl = "1m")]
    fn get(&self, id: u32) -> u32 { id }
}
fn main() { Repo.get(1); }
