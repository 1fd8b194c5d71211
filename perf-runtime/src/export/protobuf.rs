//! Prometheus protobuf exposition (`application/vnd.google.protobuf;
//! proto=io.prometheus.client.MetricFamily; encoding=delimited`): each `MetricFamily` message
//! prefixed by its length as a varint. It is the format that carries native histograms.
//!
//! Encoded by hand from `io/prometheus/client/metrics.proto` (prometheus/client_model): eight
//! messages (MetricFamily, Metric, LabelPair, Counter, Gauge, Histogram, Bucket, BucketSpan),
//! written with three wire types (varint, 64-bit, length-delimited). That is a hundred lines;
//! prost would add a build step (protoc or a vendored generated file) and allocate a message
//! tree per scrape that we would fill only to serialize.
//!
//! Histograms carry both the classic buckets (`bucket`, the same bounds as the text format,
//! `+Inf` left implicit) and the native ones (`schema`, zero bucket, `positive_span`,
//! `positive_delta`), so a Prometheus with native histograms on reads the native ones and
//! other readers of the format the classic ones.

use super::exposition::{self, HistogramSample};
use super::native;
use super::text::{Kind, Value};

const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;

// Field numbers, from metrics.proto.
mod field {
    pub(super) const FAMILY_NAME: u32 = 1;
    pub(super) const FAMILY_HELP: u32 = 2;
    pub(super) const FAMILY_TYPE: u32 = 3;
    pub(super) const FAMILY_METRIC: u32 = 4;
    pub(super) const METRIC_LABEL: u32 = 1;
    pub(super) const METRIC_GAUGE: u32 = 2;
    pub(super) const METRIC_COUNTER: u32 = 3;
    pub(super) const METRIC_HISTOGRAM: u32 = 7;
    pub(super) const LABEL_NAME: u32 = 1;
    pub(super) const LABEL_VALUE: u32 = 2;
    /// `Gauge.value` and `Counter.value`.
    pub(super) const VALUE: u32 = 1;
    pub(super) const H_SAMPLE_COUNT: u32 = 1;
    pub(super) const H_SAMPLE_SUM: u32 = 2;
    pub(super) const H_BUCKET: u32 = 3;
    pub(super) const H_SCHEMA: u32 = 5;
    pub(super) const H_ZERO_THRESHOLD: u32 = 6;
    pub(super) const H_ZERO_COUNT: u32 = 7;
    pub(super) const H_POSITIVE_SPAN: u32 = 12;
    pub(super) const H_POSITIVE_DELTA: u32 = 13;
    pub(super) const BUCKET_CUMULATIVE_COUNT: u32 = 1;
    pub(super) const BUCKET_UPPER_BOUND: u32 = 2;
    pub(super) const SPAN_OFFSET: u32 = 1;
    pub(super) const SPAN_LENGTH: u32 = 2;
}

fn metric_type(kind: Kind) -> u64 {
    match kind {
        Kind::Counter => 0,
        Kind::Gauge => 1,
        Kind::Histogram => 4,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// `sint32`/`sint64`'s ZigZag: small magnitudes of either sign take few bytes.
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn put_tag(out: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(out, u64::from(field << 3 | u32::from(wire)));
}

fn put_uint(out: &mut Vec<u8>, field: u32, v: u64) {
    put_tag(out, field, VARINT);
    put_varint(out, v);
}

fn put_double(out: &mut Vec<u8>, field: u32, v: f64) {
    put_tag(out, field, I64);
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_tag(out, field, LEN);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Bytes of a length-delimited field of `len` bytes whose number is below 16 (a 1-byte tag).
fn delimited_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Bytes of a `LabelPair` message.
fn label_pair_len(name: &str, value: &str) -> usize {
    delimited_len(name.len()) + delimited_len(value.len())
}

/// Appends `label` fields of a `Metric`.
fn put_label_pair(out: &mut Vec<u8>, name: &str, value: &str) {
    put_tag(out, field::METRIC_LABEL, LEN);
    put_varint(out, label_pair_len(name, value) as u64);
    put_bytes(out, field::LABEL_NAME, name.as_bytes());
    put_bytes(out, field::LABEL_VALUE, value.as_bytes());
}

/// One `MetricFamily` being written: its `metric` fields so far.
#[derive(Debug)]
pub(crate) struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    body: Vec<u8>,
    /// The histogram message being written, before its length is known (reused).
    scratch: Vec<u8>,
}

impl Family {
    /// Appends a `metric` field whose message is `labels`, `extra` and `rest`, in that order.
    fn metric(&mut self, labels: &[u8], extra: Option<(&str, &str)>, rest_len: usize) {
        let extra_len = extra.map_or(0, |(k, v)| delimited_len(label_pair_len(k, v)));
        put_tag(&mut self.body, field::FAMILY_METRIC, LEN);
        put_varint(&mut self.body, (labels.len() + extra_len + rest_len) as u64);
        self.body.extend_from_slice(labels);
        if let Some((k, v)) = extra {
            put_label_pair(&mut self.body, k, v);
        }
    }
}

impl exposition::Family for Family {
    /// The `label` fields of a `Metric`, encoded.
    type Labels = Vec<u8>;
    type Out = Vec<u8>;
    const NATIVE: bool = true;

    fn new(name: &'static str, kind: Kind, help: &'static str) -> Self {
        Self { name, help, kind, body: Vec::new(), scratch: Vec::new() }
    }

    fn out(capacity: usize) -> Vec<u8> {
        Vec::with_capacity(capacity)
    }

    fn labels(out: &mut Vec<u8>, pairs: &[(&str, &str)]) {
        out.clear();
        for (name, value) in pairs {
            put_label_pair(out, name, value);
        }
    }

    fn sample(&mut self, labels: &Vec<u8>, extra: Option<(&str, &str)>, value: impl Value) {
        // `Counter { value }` or `Gauge { value }`: a 9-byte double in an 11-byte field.
        let holder =
            if self.kind == Kind::Counter { field::METRIC_COUNTER } else { field::METRIC_GAUGE };
        self.metric(labels, extra, 11);
        put_tag(&mut self.body, holder, LEN);
        put_varint(&mut self.body, 9);
        put_double(&mut self.body, field::VALUE, value.as_f64());
    }

    fn histogram(&mut self, labels: &Vec<u8>, h: &HistogramSample<'_>) {
        let s = &mut self.scratch;
        s.clear();
        let classic_total: u64 = h.classic.iter().sum();
        // Both kinds of buckets count the same calls; should a reset racing the read have made
        // them differ, the count covers either, as Prometheus wants of a count.
        put_uint(s, field::H_SAMPLE_COUNT, classic_total.max(h.native.total()));
        put_double(s, field::H_SAMPLE_SUM, h.sum);
        let mut cumulative = 0;
        for (count, bound) in h.classic.iter().zip(h.buckets.bounds()) {
            cumulative += count;
            put_tag(s, field::H_BUCKET, LEN);
            put_varint(s, (1 + varint_len(cumulative) + 9) as u64);
            put_uint(s, field::BUCKET_CUMULATIVE_COUNT, cumulative);
            put_double(s, field::BUCKET_UPPER_BOUND, bound);
        }
        put_uint(s, field::H_SCHEMA, zigzag(native::SCHEMA.into()));
        put_double(s, field::H_ZERO_THRESHOLD, native::ZERO_THRESHOLD);
        put_uint(s, field::H_ZERO_COUNT, h.native.zero);
        let mut end = 0;
        for (i, (start, counts)) in h.native.spans().enumerate() {
            // The first span's offset is its index; later ones, the gap since the last.
            let offset = if i == 0 { start } else { start - end };
            end = start + counts.len() as i32;
            let offset = zigzag(offset.into());
            let length = counts.len() as u64;
            put_tag(s, field::H_POSITIVE_SPAN, LEN);
            put_varint(s, (2 + varint_len(offset) + varint_len(length)) as u64);
            put_uint(s, field::SPAN_OFFSET, offset);
            put_uint(s, field::SPAN_LENGTH, length);
        }
        // Packed: each count as its difference from the previous bucket's.
        let deltas = || {
            let mut previous = 0i64;
            h.native.spans().flat_map(|(_, c)| c).map(move |&c| {
                let d = zigzag(c as i64 - previous);
                previous = c as i64;
                d
            })
        };
        let packed: usize = deltas().map(varint_len).sum();
        if packed > 0 {
            put_tag(s, field::H_POSITIVE_DELTA, LEN);
            put_varint(s, packed as u64);
            deltas().for_each(|d| put_varint(s, d));
        }
        let histogram_len = self.scratch.len();
        self.metric(labels, None, delimited_len(histogram_len));
        put_tag(&mut self.body, field::METRIC_HISTOGRAM, LEN);
        put_varint(&mut self.body, histogram_len as u64);
        self.body.extend_from_slice(&self.scratch);
    }

    /// The family's length, then `MetricFamily { name, help, type, metric... }`.
    fn finish(&self, out: &mut Vec<u8>) {
        if self.body.is_empty() {
            return;
        }
        let kind = metric_type(self.kind);
        let len = delimited_len(self.name.len())
            + delimited_len(self.help.len())
            + 1
            + varint_len(kind)
            + self.body.len();
        put_varint(out, len as u64);
        put_bytes(out, field::FAMILY_NAME, self.name.as_bytes());
        put_bytes(out, field::FAMILY_HELP, self.help.as_bytes());
        put_uint(out, field::FAMILY_TYPE, kind);
        out.extend_from_slice(&self.body);
    }

    fn len(&self) -> usize {
        self.body.len() + self.name.len() + self.help.len() + 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag() {
        for (v, bytes) in [(0u64, &[0u8][..]), (1, &[1]), (127, &[127]), (128, &[0x80, 1])] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out, bytes);
            assert_eq!(varint_len(v), bytes.len());
        }
        assert_eq!(varint_len(u64::MAX), 10);
        assert_eq!([0, -1, 1, -2, 3].map(zigzag), [0, 1, 2, 3, 6]);
    }

    #[test]
    fn a_counter_family_in_the_wire_format() {
        let mut f = <Family as exposition::Family>::new("c_total", Kind::Counter, "h");
        let mut labels = Vec::new();
        <Family as exposition::Family>::labels(&mut labels, &[("fn", "é")]);
        exposition::Family::sample(&mut f, &labels, None, 2u64);
        let mut out = Vec::new();
        exposition::Family::finish(&f, &mut out);
        // name: "c_total" help: "h" type: COUNTER
        // metric { label { name: "fn" value: "é" } counter { value: 2 } }, by the wire format's
        // rules: (field << 3 | wire type), lengths before contents.
        let mut expected = vec![0x0a, 7];
        expected.extend_from_slice(b"c_total");
        expected.extend_from_slice(&[0x12, 1, b'h', 0x18, 0]);
        expected.extend_from_slice(&[0x22, 21, 0x0a, 8, 0x0a, 2, b'f', b'n', 0x12, 2, 0xc3, 0xa9]);
        expected.extend_from_slice(&[0x1a, 9, 0x09]);
        expected.extend_from_slice(&2f64.to_le_bytes());
        assert_eq!(out[0] as usize, expected.len());
        assert_eq!(&out[1..], expected);
    }
}
