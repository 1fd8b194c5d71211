//! The reference workloads of `benches/attr.rs` under criterion's defaults, to check `#[bench]`
//! against: `cargo bench --bench bench_accuracy` beside `cargo bench --bench attr -- reference`.

#[path = "support/workloads.rs"]
mod workloads;

use criterion::{Criterion, criterion_group, criterion_main};

fn reference(c: &mut Criterion) {
    c.bench_function("reference/20ns", |b| b.iter(workloads::small));
    c.bench_function("reference/1us", |b| b.iter(workloads::medium));
    c.bench_function("reference/100us", |b| b.iter(workloads::large));
}

criterion_group!(benches, reference);
criterion_main!(benches);
