//! Names in a budgets file may hold `*`, which matches any run of characters (dots too), so
//! `http.*` covers `http.get_user` and `http.admin.login`. Nothing else is special.

/// A name with `*`s, split once so that matching many names does not split it again.
pub(crate) struct Pattern<'a> {
    prefix: &'a str,
    middles: Vec<&'a str>,
    /// `None` without any `*`: then the name must equal `prefix`.
    suffix: Option<&'a str>,
}

impl<'a> Pattern<'a> {
    pub(crate) fn new(pattern: &'a str) -> Self {
        let mut parts = pattern.split('*');
        let prefix = parts.next().unwrap_or("");
        let suffix = parts.next_back();
        Self { prefix, middles: parts.collect(), suffix }
    }

    /// Whether `name` matches.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let Some(mut rest) = name.strip_prefix(self.prefix) else {
            return false;
        };
        let Some(suffix) = self.suffix else {
            return rest.is_empty();
        };
        for middle in &self.middles {
            match rest.find(middle) {
                Some(at) => rest = &rest[at + middle.len()..],
                None => return false,
            }
        }
        rest.ends_with(suffix)
    }
}

#[cfg(test)]
mod tests {
    fn matches(pattern: &str, name: &str) -> bool {
        super::Pattern::new(pattern).matches(name)
    }

    #[test]
    fn stars() {
        assert!(matches("http.*", "http.get_user"));
        assert!(matches("http.*", "http.admin.login"));
        assert!(matches("http.*", "http."));
        assert!(!matches("http.*", "https.get"));
        assert!(!matches("http.*", "db.http.get"));
        assert!(matches("*", "anything"));
        assert!(matches("*::fetch_*", "app::db::fetch_user"));
        assert!(!matches("*::fetch_*", "app::db::store_user"));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "acb"));
        assert!(!matches("ab*ba", "aba"), "the two ends must not overlap");
        assert!(matches("db.fetch_user", "db.fetch_user"));
        assert!(!matches("db.fetch_user", "db.fetch_users"));
        assert!(!matches("db.fetch_user", "db.fetch"));
    }
}
