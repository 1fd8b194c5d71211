//! The open loop's timetable: when request `i` is due, from the start of the run.
//!
//! Without a ramp, request `i` is due at `i / rate`. With a ramp of `T` seconds the rate rises
//! linearly, `r(t) = rate · t / T`, so the requests due by `t` are its integral
//! `rate · t² / 2T`; request `i` is due where that reaches `i`, `t = sqrt(2 T i / rate)`, until
//! the ramp's `rate · T / 2` requests are done, and then every `1 / rate` after `T`.

#[derive(Debug, Clone, Copy)]
pub(crate) struct Timetable {
    rate: f64,
    ramp_s: f64,
}

impl Timetable {
    pub(crate) fn new(rate: u64, ramp_ns: u64) -> Self {
        Self { rate: rate as f64, ramp_s: ramp_ns as f64 / 1e9 }
    }

    /// Nanoseconds from the start at which request `i` is due.
    pub(crate) fn due_ns(&self, i: u64) -> u64 {
        let i = i as f64;
        let ramp_requests = self.rate * self.ramp_s / 2.0;
        let t = if i < ramp_requests {
            (2.0 * self.ramp_s * i / self.rate).sqrt()
        } else {
            self.ramp_s + (i - ramp_requests) / self.rate
        };
        (t * 1e9).round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::Timetable;

    #[test]
    fn steady() {
        let t = Timetable::new(500, 0);
        assert_eq!((t.due_ns(0), t.due_ns(1), t.due_ns(1000)), (0, 2_000_000, 2_000_000_000));
    }

    #[test]
    fn ramp_integrates_the_rising_rate() {
        // 100/s reached after 2s: 100 requests during the ramp, then 10ms apart.
        let t = Timetable::new(100, 2_000_000_000);
        assert_eq!(t.due_ns(0), 0);
        assert_eq!(t.due_ns(25), 1_000_000_000); // a quarter of the ramp's requests by half way
        assert_eq!(t.due_ns(100), 2_000_000_000);
        assert_eq!(t.due_ns(101), 2_010_000_000);
        let gaps: Vec<u64> = (1..100).map(|i| t.due_ns(i + 1) - t.due_ns(i)).collect();
        assert!(gaps.windows(2).all(|w| w[0] >= w[1]), "requests come closer as the rate rises");
    }
}
