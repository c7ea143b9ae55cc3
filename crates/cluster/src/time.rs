//! Simulated time. The simulator never reads the wall clock: every timestamp is derived from a
//! [`SimTime`] that only moves when the caller advances it.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch on the simulated clock.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Where a fresh cluster's clock starts: 2026-01-05T09:00:00Z.
    pub const EPOCH: SimTime = SimTime(1_767_603_600_000);

    pub fn from_secs(secs: u64) -> Self {
        SimTime(secs * 1000)
    }

    pub fn millis(self) -> u64 {
        self.0
    }

    pub fn timestamp(self) -> Timestamp {
        // In range by construction: u64 milliseconds far below jiff's year 9999 bound.
        Timestamp::from_millisecond(self.0 as i64).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Seconds-precision API timestamp (`metadata.creationTimestamp`, condition times).
    pub fn time(self) -> Time {
        Time(self.timestamp())
    }

    pub fn micro_time(self) -> MicroTime {
        MicroTime(self.timestamp())
    }

    pub fn from_time(time: &Time) -> Self {
        SimTime(time.0.as_millisecond().max(0) as u64)
    }

    /// Time elapsed since `earlier`, zero if `earlier` is in the future.
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: Duration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.as_millis() as u64))
    }
}

impl Sub<Duration> for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: Duration) -> SimTime {
        SimTime(self.0.saturating_sub(rhs.as_millis() as u64))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.timestamp())
    }
}

/// Shorthand for durations in simulator code.
pub const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub const fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Error from [`parse_duration`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: expected a sequence like 90s, 5m, 1h30m or 250ms")]
pub struct ParseDurationError {
    input: String,
}

/// Parses Go-style durations as kubectl and the CLI accept them: `90s`, `5m`, `1h30m`, `250ms`.
/// A bare number is read as seconds.
pub fn parse_duration(input: &str) -> Result<Duration, ParseDurationError> {
    let err = || ParseDurationError {
        input: input.to_string(),
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u64>().map(Duration::from_secs).map_err(|_| err());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if digits == 0 {
            return Err(err());
        }
        let value: f64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit_ms = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            "d" => 86_400e3,
            _ => return Err(err()),
        };
        rest = &rest[unit_len..];
        total += Duration::from_millis((value * unit_ms).round() as u64);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(parse_duration("90s").unwrap(), secs(90));
        assert_eq!(parse_duration("5m").unwrap(), secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), millis(1500));
        assert_eq!(parse_duration("42").unwrap(), secs(42));
        for bad in ["", "m", "5x", "-1s", "1h-", "s5"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn timestamps_format_like_the_api_server() {
        let t = SimTime::EPOCH + secs(61);
        let json = serde_json::to_string(&t.time()).unwrap();
        assert_eq!(json, "\"2026-01-05T09:01:01Z\"");
    }
}
