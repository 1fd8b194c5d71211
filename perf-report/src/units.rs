//! Numbers as the report table writes them: perf-runtime's, which its HTML page uses too, so
//! that the terminal, the page and `report()` agree to the digit.

pub(crate) use perf_runtime::html::units::{change, duration, rate};
