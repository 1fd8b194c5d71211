use proc_macro2::TokenStream;
use syn::{LitStr, Path};

use crate::errors::Errors;

/// `#[profile(name = "...", slow = "250ms", sample = 64, cpu = true, crate = "...")]`
#[derive(Default)]
pub(crate) struct ProfileArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) slow_ns: Option<u64>,
    pub(crate) sample: Option<u32>,
    pub(crate) cpu: bool,
    pub(crate) krate: Option<Path>,
}

impl ProfileArgs {
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> syn::Result<Self> {
        let mut out = Self::default();
        for arg in super::parse(args, &["name", "slow", "sample", "cpu", "crate"], errors)? {
            match arg.key.as_str() {
                "name" => out.name = errors.take(super::name(&arg)),
                "slow" => out.slow_ns = errors.take(arg.positive_nanos()),
                "sample" => out.sample = errors.take(arg.positive_u32("sample = 64")),
                "cpu" => out.cpu = errors.take(arg.boolean()).unwrap_or(false),
                "crate" => out.krate = errors.take(arg.path()),
                _ => {} // args::parse lets only the known keys through
            }
        }
        Ok(out)
    }
}
