//! What an exposition format writes a metric family with: the text format and the protobuf
//! one render the same families from the same pass over the stats, so neither can lack a
//! family the other has.

use super::buckets::Buckets;
use super::native::NativeBuckets;
use super::text::{Kind, Value};

/// One histogram sample: per-slot classic counts (not cumulative, the last slot above every
/// bound), the native buckets (filled only for formats that carry them) and the sum.
pub(crate) struct HistogramSample<'a> {
    pub(crate) buckets: &'a Buckets,
    pub(crate) classic: &'a [u64],
    pub(crate) native: &'a NativeBuckets,
    pub(crate) sum: f64,
}

/// A metric family being written in one exposition format.
pub(crate) trait Family {
    /// An entry's labels, rendered once and used for each of its samples.
    type Labels: Default;
    /// The whole exposition.
    type Out;
    /// Whether histograms carry native buckets, so that formats without them skip the work.
    const NATIVE: bool;

    fn new(name: &'static str, kind: Kind, help: &'static str) -> Self;

    /// Renders `(name, value)` pairs into `out`, replacing what it held.
    fn labels(out: &mut Self::Labels, pairs: &[(&str, &str)]);

    /// One sample, with an optional extra label whose value needs no escaping.
    fn sample(&mut self, labels: &Self::Labels, extra: Option<(&str, &str)>, value: impl Value);

    fn histogram(&mut self, labels: &Self::Labels, h: &HistogramSample<'_>);

    /// An empty exposition with room for `capacity` bytes.
    fn out(capacity: usize) -> Self::Out;

    /// Appends the family to `out`; a family without samples is left out.
    fn finish(&self, out: &mut Self::Out);

    /// Bytes written so far, to size the output.
    fn len(&self) -> usize;
}
