//! HumanDuration and ShortHumanDuration against the cases of apimachinery's duration_test.go.

use std::time::Duration;

use kubectl::table::{human_duration, short_human_duration};
use proptest::prelude::*;

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const YEAR: u64 = 365 * DAY;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

#[test]
fn human_duration_matches_kubernetes() {
    let cases = [
        // TestHumanDuration
        (SECOND, "1s"),
        (70 * SECOND, "70s"),
        (190 * SECOND, "3m10s"),
        (70 * MINUTE, "70m"),
        (47 * HOUR, "47h"),
        (49 * HOUR, "2d1h"),
        ((8 * 24 + 2) * HOUR, "8d"),
        (367 * DAY, "367d"),
        (2 * YEAR + 25 * HOUR, "2y1d"),
        (8 * YEAR + 2 * HOUR, "8y"),
        // TestHumanDurationBoundaries (the non-negative ones)
        (0, "0s"),
        (SECOND - 1, "0s"),
        (2 * MINUTE - 1, "119s"),
        (2 * MINUTE, "2m"),
        (2 * MINUTE + SECOND, "2m1s"),
        (10 * MINUTE - 1, "9m59s"),
        (10 * MINUTE, "10m"),
        (10 * MINUTE + SECOND, "10m"),
        (3 * HOUR - 1, "179m"),
        (3 * HOUR, "3h"),
        (3 * HOUR + MINUTE, "3h1m"),
        (8 * HOUR - 1, "7h59m"),
        (8 * HOUR, "8h"),
        (8 * HOUR + 59 * MINUTE, "8h"),
        (2 * DAY - 1, "47h"),
        (2 * DAY, "2d"),
        (2 * DAY + HOUR, "2d1h"),
        (8 * DAY - 1, "7d23h"),
        (8 * DAY, "8d"),
        (8 * DAY + 23 * HOUR, "8d"),
        (2 * YEAR - 1, "729d"),
        (2 * YEAR, "2y"),
        (2 * YEAR + 23 * HOUR, "2y"),
        (2 * YEAR + 23 * HOUR + 59 * MINUTE, "2y"),
        (2 * YEAR + DAY - 1, "2y"),
        (2 * YEAR + DAY, "2y1d"),
        (3 * YEAR, "3y"),
        (4 * YEAR, "4y"),
        (5 * YEAR, "5y"),
        (6 * YEAR, "6y"),
        (7 * YEAR, "7y"),
        (8 * YEAR - 1, "7y364d"),
        (8 * YEAR, "8y"),
        (8 * YEAR + 364 * DAY, "8y"),
        (9 * YEAR, "9y"),
        // Ages as kubectl shows them.
        (2 * MINUTE + 10 * SECOND, "2m10s"),
        (30 * HOUR, "30h"),
        (3 * DAY + HOUR, "3d1h"),
        (400 * DAY, "400d"),
        (5 * YEAR + 45 * DAY, "5y45d"),
    ];
    for (d, want) in cases {
        assert_eq!(human_duration(ms(d)), want, "{d}ms");
    }
}

#[test]
fn short_human_duration_matches_kubernetes() {
    let cases = [
        (0, "0s"),
        (SECOND - 1, "0s"),
        (SECOND, "1s"),
        (2 * SECOND - 1, "1s"),
        (MINUTE - 1, "59s"),
        (MINUTE, "1m"),
        (2 * MINUTE - 1, "1m"),
        (HOUR - 1, "59m"),
        (HOUR, "1h"),
        (2 * HOUR - 1, "1h"),
        (DAY - 1, "23h"),
        (DAY, "1d"),
        (2 * DAY - 1, "1d"),
        (YEAR - 1, "364d"),
        (YEAR, "1y"),
        (2 * YEAR - 1, "1y"),
        (2 * YEAR, "2y"),
    ];
    for (d, want) in cases {
        assert_eq!(short_human_duration(ms(d)), want, "{d}ms");
    }
}

/// Splits "3d1h" into [(3, 'd'), (1, 'h')].
fn parts(s: &str) -> Vec<(u64, char)> {
    let mut out = Vec::new();
    let mut n = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            n.push(c);
        } else {
            out.push((n.parse().expect("a number before each unit"), c));
            n.clear();
        }
    }
    assert!(n.is_empty(), "{s} must end with a unit");
    out
}

fn unit_secs(c: char) -> u64 {
    match c {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'y' => 365 * 86_400,
        other => panic!("unexpected unit {other}"),
    }
}

proptest! {
    /// Every rendering is at most two units, never overstates the duration, and keeps at least
    /// ~2 significant figures (it is off by less than one of its smallest unit's next step).
    #[test]
    fn human_duration_never_overstates(secs in 0u64..20 * 365 * 86_400, extra_ms in 0u64..1000) {
        let d = Duration::from_millis(secs * 1000 + extra_ms);
        let s = human_duration(d);
        let p = parts(&s);
        prop_assert!(!p.is_empty() && p.len() <= 2, "{s}");
        let shown: u64 = p.iter().map(|(n, u)| n * unit_secs(*u)).sum();
        prop_assert!(shown <= secs, "{s} for {secs}s");
        let (_, last) = p[p.len() - 1];
        // The coarsest truncation is hours dropped from days (below 2y) or days below a year.
        let slack = match last { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86_400, _ => 365 * 86_400 };
        prop_assert!(secs - shown < slack, "{s} for {secs}s");
    }

    #[test]
    fn short_human_duration_is_one_truncated_unit(secs in 0u64..20 * 365 * 86_400) {
        let s = short_human_duration(Duration::from_secs(secs));
        let p = parts(&s);
        prop_assert_eq!(p.len(), 1);
        let (n, u) = p[0];
        prop_assert!(n * unit_secs(u) <= secs && secs < (n + 1) * unit_secs(u), "{} for {}s", s, secs);
    }
}
