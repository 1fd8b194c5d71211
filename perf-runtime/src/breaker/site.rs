//! One `static` per `#[circuit_breaker]` fn: its config, bound to the breaker of its name on
//! the first call.

use std::sync::OnceLock;

use super::config::BreakerConfig;
use super::machine::{Breaker, Origin};
use super::permit::Permit;
use super::{Open, registry};
use crate::record::site_name::{SelfName, site_name};

/// A `#[circuit_breaker]` fn's call site.
#[derive(Debug)]
pub struct BreakerSite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    config: &'static BreakerConfig,
    breaker: OnceLock<&'static Breaker>,
}

impl BreakerSite {
    /// Built at compile time; bound to its breaker on the first call.
    pub const fn new(
        module: &'static str,
        func: &'static str,
        custom_name: Option<&'static str>,
        file: &'static str,
        line: u32,
        config: &'static BreakerConfig,
    ) -> Self {
        Self { module, func, custom_name, file, line, config, breaker: OnceLock::new() }
    }

    /// Admits the call, or refuses it with [`Open`].
    #[inline(always)]
    pub fn enter(&'static self, self_name: SelfName) -> Result<Permit, Open> {
        let breaker = match self.breaker.get() {
            Some(b) => *b,
            None => self.register(self_name),
        };
        breaker.acquire()
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName) -> &'static Breaker {
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let origin = Origin { file: self.file, line: self.line };
        self.breaker.get_or_init(|| registry::breaker_for(&name, self.config, origin))
    }
}
