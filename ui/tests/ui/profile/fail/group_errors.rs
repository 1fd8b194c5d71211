//! Bad arguments of `#[profile]` on an impl, trait or mod: all reported in one pass, once per
//! group (not once per fn), and a fn's own bad arguments inside a group at the fn.
use perf_runtime::profile;

struct S;

#[profile(name = "s.all", sampel = 3)]
impl S {
    fn a(&self) {}
}

#[profile(skip, slow = "1s")]
mod skipped {
    pub fn b() {}
}

#[profile(sample = "fast")]
trait T {
    fn c(&self) {}
}

#[profile]
mod own {
    #[profile(slow = "soon")]
    pub fn d() {}

    #[profile(skip = true)]
    pub fn e() {}
}

#[profile]
static NOT_A_GROUP: u32 = 1;

fn main() {}
