//! A breaker without the attribute: a handle on the breaker of a name, and its builder.

use std::future::Future;
use std::time::Duration;

use super::clock::ManualClock;
use super::config::{BreakerConfig, Window};
use super::machine::{Breaker, Origin};
use super::permit::Permit;
use super::state::State;
use super::{Open, registry};

/// A handle on the breaker called `name`: the same breaker as every `#[circuit_breaker(name =
/// "...")]` fn of that name. Cheap to copy.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::breaker::{CircuitBreaker, ManualClock, Open, State};
///
/// #[derive(Debug)]
/// enum E { Down, Open(Open) }
/// impl From<Open> for E {
///     fn from(o: Open) -> Self { E::Open(o) }
/// }
///
/// let clock = ManualClock::new();
/// let b = CircuitBreaker::builder("doc.payments")
///     .window_calls(4)
///     .min_calls(4)
///     .failure_rate(50.0)
///     .open_for(Duration::from_secs(10))
///     .half_open_calls(1)
///     .clock(clock.clone())
///     .build();
/// for _ in 0..4 {
///     let _ = b.call(|| Err::<(), E>(E::Down));
/// }
/// assert_eq!(b.state(), State::Open);
/// assert!(matches!(b.call(|| Ok::<(), E>(())), Err(E::Open(o)) if o.retry_after == Duration::from_secs(10)));
/// clock.advance(Duration::from_secs(10));
/// assert!(b.call(|| Ok::<(), E>(())).is_ok()); // the one trial call
/// assert_eq!(b.state(), State::Closed);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CircuitBreaker(&'static Breaker);

impl CircuitBreaker {
    /// Starts the settings of a breaker called `name`, from [`BreakerConfig::DEFAULT`].
    pub fn builder(name: &str) -> Builder {
        Builder { name: name.to_owned(), config: BreakerConfig::DEFAULT, clock: None }
    }

    /// The breaker called `name`, if a call or a builder has made it.
    pub fn get(name: &str) -> Option<Self> {
        registry::find(name).map(Self)
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// Its state now. An open breaker whose `open_for` has passed still reads `Open` until the
    /// next call moves it to `HalfOpen`.
    pub fn state(&self) -> State {
        self.0.state()
    }

    /// The current window's failure rate in percent (the trial calls' while half-open is not
    /// counted: the window restarts on closing).
    pub fn failure_rate(&self) -> f64 {
        self.0.window().failure_rate()
    }

    /// Admits one call, or refuses it. Report the call's outcome on the permit.
    pub fn try_acquire(&self) -> Result<Permit, Open> {
        self.0.acquire()
    }

    /// Runs `f` through the breaker: refused with `Err(E::from(Open))` while open; any `Err` of
    /// `f` counts as a failure, a panic too (it goes on unwinding).
    pub fn call<T, E: From<Open>>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let permit = match self.0.acquire() {
            Ok(p) => p,
            Err(open) => {
                crate::rejection::mark();
                return Err(E::from(open));
            }
        };
        let result = f();
        permit.finish(&result, |_| true);
        result
    }

    /// [`call`](Self::call) for a future; a future dropped before it completes counts as
    /// neither success nor failure.
    pub async fn call_async<T, E: From<Open>>(
        &self,
        f: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let permit = match self.0.acquire() {
            Ok(p) => p,
            Err(open) => {
                crate::rejection::mark();
                return Err(E::from(open));
            }
        };
        let result = f.await;
        permit.finish(&result, |_| true);
        result
    }

    /// Opens it until [`reset`](Self::reset): every call is refused meanwhile.
    pub fn force_open(&self) {
        self.0.force_open();
    }

    /// Closes it with an empty window.
    pub fn reset(&self) {
        self.0.reset();
    }
}

/// The settings of a [`CircuitBreaker`]; each method is the attribute's key of the same name.
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    name: String,
    config: BreakerConfig,
    clock: Option<ManualClock>,
}

impl Builder {
    /// Opens at or above this failure rate, in percent (`failure_rate = "50%"`).
    pub fn failure_rate(mut self, percent: f64) -> Self {
        self.config.failure_rate_bp = basis_points(percent);
        self
    }

    /// Rates over the last `calls` calls (`window = 100`).
    pub fn window_calls(mut self, calls: u32) -> Self {
        self.config.window = Window::Calls(calls);
        self
    }

    /// Rates over the calls of the last `span` (`window = "60s"`).
    pub fn window_time(mut self, span: Duration) -> Self {
        self.config.window = Window::TimeNs(span.as_nanos() as u64);
        self
    }

    /// No verdict over fewer calls (`min_calls = 20`).
    pub fn min_calls(mut self, calls: u32) -> Self {
        self.config.min_calls = calls;
        self
    }

    /// How long it stays open (`open_for = "30s"`).
    pub fn open_for(mut self, span: Duration) -> Self {
        self.config.open_for_ns = span.as_nanos() as u64;
        self
    }

    /// Trial calls while half-open (`half_open_calls = 5`).
    pub fn half_open_calls(mut self, calls: u32) -> Self {
        self.config.half_open_calls = calls;
        self
    }

    /// Calls at or over `at` are slow (`slow = "1s"`).
    pub fn slow(mut self, at: Duration) -> Self {
        self.config.slow_ns = at.as_nanos() as u64;
        self
    }

    /// Opens at or above this slow-call rate, in percent (`slow_rate = "80%"`).
    pub fn slow_rate(mut self, percent: f64) -> Self {
        self.config.slow_rate_bp = basis_points(percent);
        self
    }

    /// Reads the time from `clock` rather than the system's.
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The breaker called `name`: made now with these settings, or the one already made under
    /// that name (whose settings stay).
    ///
    /// # Panics
    ///
    /// On a setting out of range: a rate not in (0%, 100%], an empty window, `half_open_calls`
    /// not in 1..=1000, `open_for` zero.
    pub fn build(self) -> CircuitBreaker {
        self.config.validate();
        let origin = Origin { file: "", line: 0 };
        let b = registry::breaker_for(&self.name, &self.config, origin);
        if let Some(clock) = self.clock {
            b.use_clock(clock);
        }
        CircuitBreaker(b)
    }
}

fn basis_points(percent: f64) -> u32 {
    (percent * 100.0).round().clamp(0.0, 1e6) as u32
}
