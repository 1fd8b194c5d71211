//! The four return shapes of a batch fn, turned into one value per key position.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// A batch fn's return value: `HashMap<K, V>` or `Vec<V>` in the keys' order, each with or
/// without `Result<_, E>`. A key missing from the map (or past the end of the `Vec`) is `None`.
#[diagnostic::on_unimplemented(
    message = "`#[batched]` cannot read the values of keys `{K}` out of `{Self}`",
    label = "a batch fn returns `HashMap<K, V>`, `Result<HashMap<K, V>, E>`, `Vec<V>` or `Result<Vec<V>, E>`"
)]
pub trait BatchOutput<K, V, E> {
    /// The value of each key, by position in the batch; `position` finds a key's.
    fn into_values(
        self,
        len: usize,
        position: impl Fn(&K) -> Option<usize>,
    ) -> Result<Vec<Option<V>>, E>;
}

fn nones<V>(len: usize) -> Vec<Option<V>> {
    (0..len).map(|_| None).collect()
}

impl<K: Hash + Eq, V, S: BuildHasher, E> BatchOutput<K, V, E> for HashMap<K, V, S> {
    fn into_values(
        self,
        len: usize,
        position: impl Fn(&K) -> Option<usize>,
    ) -> Result<Vec<Option<V>>, E> {
        let mut values = nones(len);
        for (k, v) in self {
            if let Some(p) = position(&k) {
                values[p] = Some(v);
            }
        }
        Ok(values)
    }
}

impl<K: Hash + Eq, V, S: BuildHasher, E> BatchOutput<K, V, E> for Result<HashMap<K, V, S>, E> {
    fn into_values(
        self,
        len: usize,
        position: impl Fn(&K) -> Option<usize>,
    ) -> Result<Vec<Option<V>>, E> {
        self.and_then(|map| BatchOutput::<K, V, E>::into_values(map, len, position))
    }
}

impl<K, V, E> BatchOutput<K, V, E> for Vec<V> {
    fn into_values(self, len: usize, _: impl Fn(&K) -> Option<usize>) -> Result<Vec<Option<V>>, E> {
        let mut values: Vec<Option<V>> = self.into_iter().take(len).map(Some).collect();
        values.resize_with(len, || None);
        Ok(values)
    }
}

impl<K, V, E> BatchOutput<K, V, E> for Result<Vec<V>, E> {
    fn into_values(
        self,
        len: usize,
        position: impl Fn(&K) -> Option<usize>,
    ) -> Result<Vec<Option<V>>, E> {
        self.and_then(|list| BatchOutput::<K, V, E>::into_values(list, len, position))
    }
}
