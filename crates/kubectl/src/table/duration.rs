//! Kubernetes' `k8s.io/apimachinery/pkg/util/duration`: the ages kubectl prints.

use std::time::Duration;

use cluster::SimTime;
use k8s_openapi::jiff::Timestamp;

/// `HumanDuration`: about two or three significant figures ("119s", "2m10s", "10m", "3h1m",
/// "30h", "3d1h", "400d", "5y45d", "9y").
pub fn human_duration(d: Duration) -> String {
    let seconds = d.as_secs();
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
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
