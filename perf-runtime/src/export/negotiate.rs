//! Which exposition format a scraper asked for in its `Accept` header.
//!
//! Prometheus asks for protobuf only when native histograms are on (2.42:
//! `--enable-feature=native-histograms`), first and without a `q`; otherwise it lists
//! OpenMetrics and text. So protobuf is served when the header names it with a `q` above zero
//! and no lower than that of any `text/plain` it also names; everything else (no header, wildcards,
//! OpenMetrics alone) gets text format 0.0.4, which every scraper reads. As client_golang
//! does, wildcards never select protobuf.

/// Text format 0.0.4's content type.
pub(crate) const TEXT: &str = "text/plain; version=0.0.4";

/// The delimited protobuf format's content type.
pub(crate) const PROTOBUF: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

pub(crate) fn wants_protobuf(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let (mut protobuf, mut text) = (0.0f64, 0.0f64);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let (mut q, mut proto, mut encoding) = (1.0, None, None);
        for param in parts {
            let Some((key, value)) = param.split_once('=') else { continue };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "q" => q = value.parse().unwrap_or(0.0),
                "proto" => proto = Some(value),
                "encoding" => encoding = Some(value),
                _ => {}
            }
        }
        if media.eq_ignore_ascii_case("application/vnd.google.protobuf")
            && proto == Some("io.prometheus.client.MetricFamily")
            && encoding == Some("delimited")
        {
            protobuf = protobuf.max(q);
        } else if media.eq_ignore_ascii_case("text/plain") {
            // Any version: a scraper that prefers text 1.0.0 reads 0.0.4 better than protobuf.
            text = text.max(q);
        }
    }
    protobuf > 0.0 && protobuf >= text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_with_native_histograms_gets_protobuf() {
        // Prometheus 2.42 with --enable-feature=native-histograms.
        assert!(wants_protobuf(Some(
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
             encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
             application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,\
             */*;q=0.1"
        )));
        assert!(wants_protobuf(Some(
            "application/vnd.google.protobuf; proto=\"io.prometheus.client.MetricFamily\"; \
             encoding=delimited; q=0.7, text/plain; q=0.7"
        )));
    }

    #[test]
    fn everyone_else_gets_text() {
        for accept in [
            None,
            Some(""),
            Some("*/*"),
            // Prometheus without native histograms.
            Some(
                "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                 version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ),
            // Text preferred, or protobuf refused, or another encoding or message.
            Some(
                "text/plain;version=0.0.4,application/vnd.google.protobuf;\
                 proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5",
            ),
            Some(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited;q=0",
            ),
            Some(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=text",
            ),
            Some("application/vnd.google.protobuf;proto=other.Message;encoding=delimited"),
            // Prometheus 3 asked for text first.
            Some(
                "text/plain;version=1.0.0;escaping=allow-utf-8,application/vnd.google.protobuf;\
                 proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.9",
            ),
        ] {
            assert!(!wants_protobuf(accept), "{accept:?}");
        }
    }
}
