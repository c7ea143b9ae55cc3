//! Kubernetes' `k8s.io/apimachinery/pkg/util/duration`: the ages kubectl prints.

use std::time::Duration;

use cluster::SimTime;
use k8s_openapi::jiff::Timestamp;

/// `HumanDuration`: about two or three significant figures ("119s", "2m10s", "10m", "3h1m",
/// "30h", "3d1h", "400d", "5y45d", "9y").
pub fn human_duration(d: Duration) -> String {
    // Every table row prints one or two of these: built by hand, not through `format!`.
    let seconds = d.as_secs();
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    let (big, big_unit, small, small_unit) = if seconds < 60 * 2 {
        (seconds, 's', 0, ' ')
    } else if minutes < 10 {
        (minutes, 'm', seconds % 60, 's')
    } else if minutes < 60 * 3 {
        (minutes, 'm', 0, ' ')
    } else if hours < 8 {
        (hours, 'h', minutes % 60, 'm')
    } else if hours < 48 {
        (hours, 'h', 0, ' ')
    } else if hours < 24 * 8 {
        (days, 'd', hours % 24, 'h')
    } else if hours < 24 * 365 * 2 {
        (days, 'd', 0, ' ')
    } else if hours < 24 * 365 * 8 {
        (days / 365, 'y', days % 365, 'd')
    } else {
        (days / 365, 'y', 0, ' ')
    };
    let mut out = String::with_capacity(8);
    push_decimal(&mut out, big);
    out.push(big_unit);
    if small != 0 {
        push_decimal(&mut out, small);
        out.push(small_unit);
    }
    out
}

/// `"a/b"`, as kubectl's READY columns print counts.
pub(crate) fn ratio(a: i64, b: i64) -> String {
    let mut out = String::with_capacity(8);
    push_signed(&mut out, a);
    out.push('/');
    push_signed(&mut out, b);
    out
}

/// Appends `n` in decimal, as `{n}` writes it.
pub(crate) fn push_signed(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_decimal(out, n.unsigned_abs());
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// `ShortHumanDuration`: a single unit ("59s", "1m", "23h", "364d", "2y").
pub fn short_human_duration(d: Duration) -> String {
    let seconds = d.as_secs();
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 24 {
        return format!("{hours}h");
    }
    if hours < 24 * 365 {
        return format!("{}d", hours / 24);
    }
    format!("{}y", hours / 24 / 365)
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), which the API server treats like an unset
/// timestamp.
const GO_ZERO_TIME_SECONDS: i64 = -62_135_596_800;

/// The timestamp unless it is Go's zero time.
pub(super) fn set(ts: Option<&Timestamp>) -> Option<Timestamp> {
    ts.copied()
        .filter(|t| !(t.as_second() == GO_ZERO_TIME_SECONDS && t.subsec_nanosecond() == 0))
}

/// `translateTimestampSince`: the age of a timestamp, "<unknown>" when unset. Timestamps up to
/// two seconds in the future read "0s" (clock skew), later ones "<invalid>", as in Go.
pub(super) fn since(ts: Option<&Timestamp>, now: SimTime) -> String {
    let Some(ts) = set(ts) else {
        return "<unknown>".to_string();
    };
    let elapsed_ms = i128::from(now.millis()) - i128::from(ts.as_millisecond());
    if elapsed_ms <= -2000 {
        "<invalid>".to_string()
    } else if elapsed_ms < 0 {
        "0s".to_string()
    } else {
        human_duration(Duration::from_millis(
            u64::try_from(elapsed_ms).unwrap_or(u64::MAX),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_read_as_kubernetes_prints_them() {
        let day = 24 * 3600;
        for (secs, text) in [
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (130, "2m10s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (2 * day, "2d"),
            (3 * day + 3600, "3d1h"),
            (400 * day, "400d"),
            (730 * day, "2y"),
            ((5 * 365 + 45) * day, "5y45d"),
            (9 * 365 * day, "9y"),
            (u64::MAX / 1000, "584942417y"),
        ] {
            assert_eq!(human_duration(Duration::from_secs(secs)), text, "{secs}s");
        }
    }
}
