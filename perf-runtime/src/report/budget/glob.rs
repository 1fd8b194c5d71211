//! Names in a budgets file may hold `*`, which matches any run of characters (dots too), so
//! `http.*` covers `http.get_user` and `http.admin.login`. Nothing else is special.

/// Whether `name` matches `pattern`.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let Some(last) = parts.next_back() else {
        return rest.is_empty(); // no `*` at all
    };
    for middle in parts {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::matches;

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
    }
}
