//! Three reference workloads of about 20ns, 1µs and 100µs, measured by both `#[bench]`
//! (`benches/attr.rs`) and criterion (`benches/bench_accuracy.rs`).

use std::hint::black_box;

/// ≈ 20ns: a short dependent chain of multiplies.
pub fn small() -> u64 {
    let mut x = black_box(0x9e37_79b9_7f4a_7c15u64);
    for _ in 0..36 {
        x = x.wrapping_mul(0x2545_f491_4f6c_dd1d).rotate_left(7);
    }
    x
}

/// ≈ 1µs: sort 240 pseudo-random numbers.
pub fn medium() -> u64 {
    let mut v: Vec<u64> =
        (0..240u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40).collect();
    v.sort_unstable();
    black_box(v[120])
}

/// ≈ 100µs: FNV-1a over 90 KiB.
pub fn large() -> u64 {
    static DATA: [u8; 92160] = {
        let mut d = [0u8; 92160];
        let mut i = 0;
        while i < d.len() {
            d[i] = (i * 31 % 251) as u8;
            i += 1;
        }
        d
    };
    black_box(&DATA)
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}
