//! Kubernetes resource quantities ("500m", "128Mi", "1.5Gi", "2e3") as fixed-point integers.
//! CPU is handled in millicores and memory in bytes, which is all the simulator needs.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// Error for a string that is not a Kubernetes quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)]
pub struct ParseQuantityError;

/// Parses a quantity into thousandths of its unit (so "500m" is 500 and "1" is 1000),
/// rounding up like the API server. Saturates rather than overflowing.
pub fn parse_milli(s: &str) -> Result<i128, ParseQuantityError> {
    match parse_milli_whole(s) {
        Some(milli) => Ok(milli.into()),
        None => parse_milli_general(s),
    }
}

/// The common form, whole digits with no suffix or a decimal or binary one ("250m", "128Mi"),
/// in 64-bit arithmetic: the scheduler reads every bound pod's requests on each attempt, and
/// the general parse divides 128-bit numbers. `None` for anything else or on overflow.
fn parse_milli_whole(s: &str) -> Option<i64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (int, suffix) = s.split_at(digits);
    // Thousandths of a unit per unit of the suffix.
    let per_unit: i64 = match suffix {
        "" => 1000,
        "m" => 1,
        "k" => 1_000_000,
        "M" => 1_000_000_000,
        "G" => 1_000_000_000_000,
        "Ki" => 1000 << 10,
        "Mi" => 1000 << 20,
        "Gi" => 1000 << 30,
        "Ti" => 1000 << 40,
        _ => return None,
    };
    int.parse::<i64>().ok()?.checked_mul(per_unit)
}

fn parse_milli_general(s: &str) -> Result<i128, ParseQuantityError> {
    let s = s.trim();
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (-1i128, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let num_len = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, suffix) = body.split_at(num_len);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return Err(ParseQuantityError);
    }
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    // Work in units of 10^-9 to keep "0.1m"-style fractions exact before rounding.
    let mut nanos: i128 = 0;
    for b in int_part.bytes() {
        nanos = nanos
            .saturating_mul(10)
            .saturating_add(i128::from(b - b'0'));
    }
    nanos = nanos.saturating_mul(1_000_000_000);
    let mut scale = 100_000_000i128;
    for b in frac_part.bytes().take(9) {
        nanos += i128::from(b - b'0') * scale;
        scale /= 10;
    }
    // Multiplier as a fraction, applied to nano-units and ending in milli-units.
    let (num, den): (i128, i128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1000),
        "k" => (1000, 1),
        "M" => (1_000_000, 1),
        "G" => (1_000_000_000, 1),
        "T" => (1_000_000_000_000, 1),
        "P" => (1_000_000_000_000_000, 1),
        "E" => (1_000_000_000_000_000_000, 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        exp if exp.starts_with(['e', 'E']) => {
            let power: i32 = exp[1..].parse().map_err(|_| ParseQuantityError)?;
            if power.abs() > 18 {
                return Err(ParseQuantityError);
            }
            let factor = 10i128.pow(power.unsigned_abs());
            if power >= 0 { (factor, 1) } else { (1, factor) }
        }
        _ => return Err(ParseQuantityError),
    };
    let milli = div_ceil(nanos.saturating_mul(num), den.saturating_mul(1_000_000));
    Ok(sign * milli)
}

fn div_ceil(a: i128, b: i128) -> i128 {
    // Saturated values stay saturated instead of overflowing.
    if a >= 0 {
        a.saturating_add(b - 1) / b
    } else {
        a / b
    }
}

/// CPU in millicores, or `None` if the string is not a quantity.
pub fn cpu_millis(q: &Quantity) -> Option<i64> {
    parse_milli(&q.0)
        .ok()
        .map(|m| m.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// A quantity in whole units, rounded up (memory and storage in bytes, counts).
pub fn whole_units(q: &Quantity) -> Option<i64> {
    if let Some(m) = parse_milli_whole(&q.0) {
        // Never negative (the whole form has no sign); saturating, since a whole number of
        // units just below the limit is within 999 thousandths of it.
        return Some(m.saturating_add(999) / 1000);
    }
    parse_milli_general(&q.0)
        .ok()
        .map(|m| div_ceil(m, 1000).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// Formats bytes the way the API server canonicalises binary quantities ("128Mi", "1536Mi").
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [(&str, i64); 6] = [
        ("Ei", 1 << 60),
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    if bytes == 0 {
        return "0".to_string();
    }
    for (suffix, size) in UNITS {
        if bytes % size == 0 {
            return format!("{}{suffix}", bytes / size);
        }
    }
    bytes.to_string()
}

/// Formats millicores as the API server does ("250m", "2").
pub fn format_cpu(millis: i64) -> String {
    if millis % 1000 == 0 {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(s: &str) -> Quantity {
        Quantity(s.to_string())
    }

    #[test]
    fn parses_cpu_and_memory() {
        assert_eq!(cpu_millis(&q("500m")), Some(500));
        assert_eq!(cpu_millis(&q("2")), Some(2000));
        assert_eq!(cpu_millis(&q("0.25")), Some(250));
        assert_eq!(cpu_millis(&q("0.1m")), Some(1), "sub-milli rounds up");
        assert_eq!(cpu_millis(&q("3920m")), Some(3920));
        assert_eq!(whole_units(&q("128Mi")), Some(128 << 20));
        assert_eq!(whole_units(&q("1.5Gi")), Some(1536 << 20));
        assert_eq!(whole_units(&q("16393244Ki")), Some(16_393_244 << 10));
        assert_eq!(whole_units(&q("1e3")), Some(1000));
        assert_eq!(whole_units(&q("100M")), Some(100_000_000));
        assert_eq!(whole_units(&q("-4Mi")), Some(-(4 << 20)));
        assert_eq!(whole_units(&q("110")), Some(110));
        assert_eq!(
            whole_units(&q("9223372036854775")),
            Some(9_223_372_036_854_775),
            "the largest whole count of units rounds without overflowing"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "Mi", "12Q", "1.2.3", "abc", "1e", "--1", "1e99"] {
            assert_eq!(parse_milli(bad), Err(ParseQuantityError), "{bad:?}");
        }
        // Out of range saturates rather than overflowing.
        assert_eq!(parse_milli("170141183461E"), Ok(i128::MAX / 1_000_000));
    }

    #[test]
    fn formats_canonically() {
        assert_eq!(format_bytes(128 << 20), "128Mi");
        assert_eq!(format_bytes(1536 << 20), "1536Mi");
        assert_eq!(format_bytes(1 << 30), "1Gi");
        assert_eq!(format_bytes(1000), "1000");
        assert_eq!(format_cpu(250), "250m");
        assert_eq!(format_cpu(2000), "2");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,24}") {
            let _ = parse_milli(&s);
        }

        #[test]
        fn the_whole_number_form_parses_as_the_general_form_does(
            n in 0u64..=u64::MAX,
            digits in 1u32..20,
            suffix in prop::sample::select(vec!["", "m", "k", "M", "G", "Ki", "Mi", "Gi", "Ti", "u", "E"]),
        ) {
            let s = format!("{}{suffix}", n % 10u64.pow(digits.min(19)));
            prop_assert_eq!(parse_milli(&s), parse_milli_general(&s), "{}", s);
            let units = parse_milli_general(&s)
                .ok()
                .map(|m| div_ceil(m, 1000).clamp(i64::MIN as i128, i64::MAX as i128) as i64);
            prop_assert_eq!(whole_units(&q(&s)), units, "{}", s);
        }

        #[test]
        fn binary_round_trip(n in 1i64..1_000_000, unit in 0usize..4) {
            let bytes = n << (10 * (unit + 1));
            prop_assert_eq!(whole_units(&q(&format_bytes(bytes))), Some(bytes));
        }
    }
}
