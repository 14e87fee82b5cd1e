//! Umbrella's per-key rate limits, when asked for: sliding windows over the calls each API key
//! made, whatever client or process made them (the server counts). API calls and the token
//! endpoint have their own windows. A refused call is discarded, as Cisco describes, so it does
//! not count; the answer is 429 `{"message": "Too Many Requests"}` with no `Retry-After` (Umbrella
//! documents no rate-limit headers).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// The documented admin-scope limits per API key: 5 per second, 14 per minute, 350 per 30 minutes.
pub const DOCUMENTED_RATE_LIMITS: [(u32, Duration); 3] = [
    (5, Duration::from_secs(1)),
    (14, Duration::from_secs(60)),
    (350, Duration::from_secs(1800)),
];

/// The documented limit of the token endpoint per API key: 20 per minute.
pub const DOCUMENTED_TOKEN_RATE_LIMITS: [(u32, Duration); 1] = [(20, Duration::from_secs(60))];

/// Which per-key limits a sandbox's Umbrella enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UmbrellaLimits {
    /// None (the default: tests run as fast as they can).
    #[default]
    Off,
    /// [`DOCUMENTED_RATE_LIMITS`] and [`DOCUMENTED_TOKEN_RATE_LIMITS`] with every window divided
    /// by `time_scale`: 1 is real time, 60 makes a minute last a second (and 30 minutes, 30
    /// seconds), so a test sees the limits without waiting minutes.
    Documented { time_scale: u32 },
}

impl UmbrellaLimits {
    /// The documented limits in real time.
    pub const DOCUMENTED: UmbrellaLimits = UmbrellaLimits::Documented { time_scale: 1 };

    /// The limits of API calls `(max requests, window)`; empty when off.
    pub fn api_limits(self) -> Vec<(u32, Duration)> {
        self.scaled(&DOCUMENTED_RATE_LIMITS)
    }

    /// The limits of the token endpoint; empty when off.
    pub fn token_limits(self) -> Vec<(u32, Duration)> {
        self.scaled(&DOCUMENTED_TOKEN_RATE_LIMITS)
    }

    fn scaled(self, limits: &[(u32, Duration)]) -> Vec<(u32, Duration)> {
        match self {
            UmbrellaLimits::Off => Vec::new(),
            UmbrellaLimits::Documented { time_scale } => limits
                .iter()
                .map(|(max, window)| (*max, *window / time_scale.max(1)))
                .collect(),
        }
    }
}

/// `off`, `documented`, or a time scale (a whole number from 1, e.g. `60`): the documented
/// limits with time compressed that much.
impl FromStr for UmbrellaLimits {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(UmbrellaLimits::Off),
            "documented" => Ok(UmbrellaLimits::DOCUMENTED),
            number => match number.parse::<u32>() {
                Ok(time_scale) if time_scale >= 1 => Ok(UmbrellaLimits::Documented { time_scale }),
                _ => Err(format!(
                    "expected off, documented, or a time scale from 1 (e.g. 60: a minute \
                     lasts a second), not {value:?}"
                )),
            },
        }
    }
}

impl fmt::Display for UmbrellaLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UmbrellaLimits::Off => f.write_str("off"),
            UmbrellaLimits::Documented { time_scale: 1 } => f.write_str("documented"),
            UmbrellaLimits::Documented { time_scale } => {
                write!(f, "documented, time compressed {time_scale}×")
            }
        }
    }
}

/// Sliding windows per API key: the times of the calls each key made within the longest window.
#[derive(Default)]
pub(super) struct SlidingWindows {
    limits: Vec<(u32, Duration)>,
    hits: HashMap<String, VecDeque<Instant>>,
}

impl SlidingWindows {
    /// New limits `(max requests, window)`; forgets the calls counted so far. Empty: unlimited.
    pub(super) fn set(&mut self, limits: Vec<(u32, Duration)>) {
        self.limits = limits;
        self.hits.clear();
    }

    /// Counts a call of `key` at `now` if every window has room for it; `false` (not counted)
    /// when one is full.
    pub(super) fn admit(&mut self, key: &str, now: Instant) -> bool {
        let Some(longest) = self.limits.iter().map(|(_, window)| *window).max() else {
            return true;
        };
        let hits = self.hits.entry(key.to_owned()).or_default();
        while hits
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= longest)
        {
            hits.pop_front();
        }
        let room = self.limits.iter().all(|(max, window)| {
            let recent = hits
                .iter()
                .rev()
                .take_while(|t| now.saturating_duration_since(**t) < *window)
                .count();
            recent < *max as usize
        });
        if room {
            hits.push_back(now);
        }
        room
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_rather_than_reset() {
        let mut windows = SlidingWindows::default();
        windows.set(vec![(2, Duration::from_secs(10))]);
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        assert!(windows.admit("k", at(0)));
        assert!(windows.admit("k", at(6)));
        assert!(!windows.admit("k", at(9)), "two calls in the last 10 s");
        assert!(windows.admit("other", at(9)), "keys are counted apart");
        // A fixed window starting at 0 would reset at 10 and allow two; the sliding one has
        // only the call of 0 out of it.
        assert!(windows.admit("k", at(10)));
        assert!(!windows.admit("k", at(15)), "6 and 10 are still inside");
        assert!(windows.admit("k", at(16)));
    }

    #[test]
    fn refused_calls_do_not_count() {
        let mut windows = SlidingWindows::default();
        windows.set(vec![(1, Duration::from_secs(1))]);
        let start = Instant::now();
        assert!(windows.admit("k", start));
        for ms in [100, 500, 900] {
            assert!(!windows.admit("k", start + Duration::from_millis(ms)));
        }
        assert!(windows.admit("k", start + Duration::from_millis(1000)));
    }

    #[test]
    fn every_window_must_have_room() {
        let mut windows = SlidingWindows::default();
        windows.set(UmbrellaLimits::DOCUMENTED.api_limits());
        let start = Instant::now();
        let admitted = (0..40)
            .filter(|i| windows.admit("k", start + Duration::from_millis(250 * i)))
            .count();
        assert_eq!(
            admitted, 14,
            "4 per second pass the 5/s window; 14/min stops them"
        );
        windows.set(Vec::new());
        assert!((0..1000).all(|_| windows.admit("k", start)), "no limits");
    }

    #[test]
    fn limits_parse_and_scale() {
        assert_eq!("off".parse(), Ok(UmbrellaLimits::Off));
        assert_eq!("Documented".parse(), Ok(UmbrellaLimits::DOCUMENTED));
        assert_eq!(
            "60".parse(),
            Ok(UmbrellaLimits::Documented { time_scale: 60 })
        );
        for bad in ["0", "-1", "fast", ""] {
            assert!(bad.parse::<UmbrellaLimits>().is_err(), "{bad}");
        }
        assert_eq!(
            UmbrellaLimits::Documented { time_scale: 60 }.api_limits(),
            [
                (5, Duration::from_secs(1) / 60),
                (14, Duration::from_secs(1)),
                (350, Duration::from_secs(30)),
            ]
        );
        assert_eq!(
            UmbrellaLimits::Documented { time_scale: 60 }.token_limits(),
            [(20, Duration::from_secs(1))]
        );
        assert!(UmbrellaLimits::Off.api_limits().is_empty());
        assert_eq!(UmbrellaLimits::default(), UmbrellaLimits::Off);
    }
}
