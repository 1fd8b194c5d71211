//! Live numbers: Prometheus exposition, an HTTP endpoint, periodic JSON snapshots.

/// The hook of the first use of the crate: nothing yet.
pub(crate) fn first_use() {}

/// [`crate::configure`] ran.
pub(crate) fn configured() {}
