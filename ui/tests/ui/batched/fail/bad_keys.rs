use perf_runtime::batched;

#[batched(max_batch = 0, window = "2 ms", max_in_flight = "4", cached = "60", size = 3)]
async fn without_one(keys: Vec<u64>) -> Vec<u64> {
    keys
}

#[batched(one = "not a name", one = "again", window = "0ms", name = "")]
async fn bad_one(keys: Vec<u64>) -> Vec<u64> {
    keys
}

fn main() {}
