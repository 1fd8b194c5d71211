//! The name a call site reports under, shared by every attribute.

/// Names `Self` for methods: `type_name::<Self>` cannot appear in a `static` itself, so
/// generated code passes this function instead.
pub type SelfName = Option<fn() -> &'static str>;

/// `custom` if the attribute gave a name, else `module::fn`, or `module::Type::fn` for methods.
pub(crate) fn site_name(
    custom: Option<&str>,
    module: &str,
    func: &str,
    self_name: SelfName,
) -> String {
    match (custom, self_name) {
        (Some(name), _) => name.to_owned(),
        (None, Some(ty)) => format!("{module}::{}::{func}", short_type_name(ty())),
        (None, None) => format!("{module}::{func}"),
    }
}

/// `my_crate::db::Repo<T>` → `Repo`: generic instantiations share one entry.
fn short_type_name(full: &str) -> &str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_type_names() {
        assert_eq!(super::short_type_name("a::b::Repo<alloc::string::String>"), "Repo");
        assert_eq!(super::short_type_name("Repo"), "Repo");
        assert_eq!(super::short_type_name("[u8]"), "[u8]");
    }
}
