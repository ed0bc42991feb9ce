//! Log lines that could otherwise repeat with every request, batch or connection — a store
//! that is read-only or cannot be opened, a full connection table, failing accepts — are
//! written at most once a minute per cause, and the next line says how many were held back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

/// How often one cause may be logged.
pub const LOG_EVERY: Duration = Duration::from_secs(60);

/// When each cause was last logged and how many lines were held back since.
#[derive(Debug)]
pub struct LogThrottle {
    every: Duration,
    causes: Mutex<FxHashMap<&'static str, Held>>,
}

#[derive(Debug)]
struct Held {
    last: Instant,
    held_back: u64,
}

impl Default for LogThrottle {
    fn default() -> LogThrottle {
        LogThrottle::new(LOG_EVERY)
    }
}

impl LogThrottle {
    pub fn new(every: Duration) -> LogThrottle {
        LogThrottle {
            every,
            causes: Mutex::new(FxHashMap::default()),
        }
    }

    /// Whether a line for `cause` may be written at `now`: `Some(n)` with the number of lines
    /// held back since the last one written, or `None` when this one is held back too.
    pub fn allow(&self, cause: &'static str, now: Instant) -> Option<u64> {
        let mut causes = self
            .causes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match causes.get_mut(cause) {
            Some(held) if now.saturating_duration_since(held.last) < self.every => {
                held.held_back += 1;
                None
            }
            Some(held) => {
                let count = held.held_back;
                held.last = now;
                held.held_back = 0;
                Some(count)
            }
            None => {
                causes.insert(
                    cause,
                    Held {
                        last: now,
                        held_back: 0,
                    },
                );
                Some(0)
            }
        }
    }

    /// [`allow`](Self::allow) now.
    pub fn allow_now(&self, cause: &'static str) -> Option<u64> {
        self.allow(cause, Instant::now())
    }
}

/// `" (N similar lines held back)"`, or nothing when none were.
pub fn held_back(count: u64) -> String {
    match count {
        0 => String::new(),
        1 => " (1 similar line held back in the last minute)".to_string(),
        n => format!(" ({n} similar lines held back in the last minute)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_cause_per_period_with_a_count() {
        let throttle = LogThrottle::new(Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(throttle.allow("read-only", start), Some(0));
        for i in 1..=600 {
            // Every 100 ms for a minute, as a store under traffic fails its batches.
            let at = start + Duration::from_millis(100 * i);
            let expected = (i == 600).then_some(599);
            assert_eq!(throttle.allow("read-only", at), expected, "at {i}");
        }
        // Another cause has its own allowance.
        assert_eq!(throttle.allow("cannot open", start), Some(0));
        assert_eq!(throttle.allow("cannot open", start), None);
        assert_eq!(held_back(0), "");
        assert!(held_back(599).contains("599 similar lines"));
    }
}
