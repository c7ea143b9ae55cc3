//! `resource.Quantity.String()`: the canonical form the API server prints ("1Gi", "500m",
//! "1536Mi"), whatever spelling the object stores ("1024Mi", "0.5", "1.5Gi").

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    DecimalSi,
    BinarySi,
    DecimalExponent,
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// Go clamps quantities to what an int64 holds.
const MAX_NANOS: i128 = (i64::MAX as i128) * NANOS_PER_UNIT;

/// The canonical string, or the stored one if it does not parse (Go would have rejected it
/// on the way in, so there is nothing better to show).
pub(super) fn canonical(q: &Quantity) -> String {
    parse(&q.0).map_or_else(
        || q.0.clone(),
        |(nanos, format)| format_canonical(nanos, format),
    )
}

/// Go prints a missing quantity pointer as "<nil>".
pub(super) fn canonical_opt(q: Option<&Quantity>) -> String {
    q.map_or_else(|| "<nil>".to_string(), canonical)
}

/// The value in units of 10^-9 (rounded away from zero, as Go rounds to nano precision) and
/// the format its suffix implies.
fn parse(s: &str) -> Option<(i128, Format)> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (int_digits, rest) = rest.split_at(int_len);
    let (frac_digits, suffix) = match rest.strip_prefix('.') {
        Some(after) => {
            let frac_len = after.bytes().take_while(u8::is_ascii_digit).count();
            after.split_at(frac_len)
        }
        None => ("", rest),
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let (base, exponent, format) = interpret_suffix(suffix)?;

    // mantissa * 10^-frac_len * base^exponent, in nano-units.
    let mut mantissa: i128 = 0;
    for b in int_digits.bytes().chain(frac_digits.bytes()) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(b - b'0'))?;
    }
    let frac_len = i32::try_from(frac_digits.len()).ok()?;
    let mut numerator = mantissa;
    let mut denominator: i128 = 1;
    let mut scale10 = 9 - frac_len;
    if base == 10 {
        scale10 += exponent;
    } else {
        numerator = numerator.checked_mul(1i128.checked_shl(u32::try_from(exponent).ok()?)?)?;
    }
    if scale10 >= 0 {
        numerator = numerator.checked_mul(10i128.checked_pow(u32::try_from(scale10).ok()?)?)?;
    } else {
        denominator = 10i128.checked_pow(u32::try_from(-scale10).ok()?)?;
    }
    let mut nanos = numerator / denominator;
    if numerator % denominator != 0 {
        nanos += 1;
    }
    nanos = nanos.min(MAX_NANOS);
    Some((if negative { -nanos } else { nanos }, format))
}

/// `(base, exponent, format)` for a suffix, as apimachinery's suffixer reads it.
fn interpret_suffix(suffix: &str) -> Option<(i32, i32, Format)> {
    let decimal = |e| Some((10, e, Format::DecimalSi));
    let binary = |e| Some((2, e, Format::BinarySi));
    match suffix {
        "" => decimal(0),
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let digits = suffix.strip_prefix(['e', 'E'])?;
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Anything beyond int32 could not be represented by Go either.
            let exponent: i32 = digits.parse().ok()?;
            (-100..=100)
                .contains(&exponent)
                .then_some((10, exponent, Format::DecimalExponent))
        }
    }
}

fn format_canonical(nanos: i128, format: Format) -> String {
    if nanos == 0 {
        return "0".to_string();
    }
    let whole_units = nanos % NANOS_PER_UNIT == 0;
    // Small or fractional binary quantities print in decimal rather than round.
    let format =
        if format == Format::BinarySi && (nanos.abs() < 1024 * NANOS_PER_UNIT || !whole_units) {
            Format::DecimalSi
        } else {
            format
        };
    if format == Format::BinarySi {
        let mut amount = nanos / NANOS_PER_UNIT;
        let mut exponent = 0;
        while exponent < 6 && amount % 1024 == 0 {
            amount /= 1024;
            exponent += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][exponent];
        return format!("{amount}{suffix}");
    }
    // Shortest mantissa whose base-10 exponent is a multiple of three.
    let mut amount = nanos;
    let mut exponent: i32 = -9;
    while amount % 10 == 0 {
        amount /= 10;
        exponent += 1;
    }
    while exponent % 3 != 0 {
        amount *= 10;
        exponent -= 1;
    }
    let suffix = match (format, exponent) {
        (Format::DecimalExponent, 0) => String::new(),
        (Format::DecimalExponent, e) => format!("e{e}"),
        (_, -9) => "n".into(),
        (_, -6) => "u".into(),
        (_, -3) => "m".into(),
        (_, 0) => String::new(),
        (_, 3) => "k".into(),
        (_, 6) => "M".into(),
        (_, 9) => "G".into(),
        (_, 12) => "T".into(),
        (_, 15) => "P".into(),
        (_, 18) => "E".into(),
        (_, e) => format!("e{e}"),
    };
    format!("{amount}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        canonical(&Quantity(s.to_string()))
    }

    #[test]
    fn canonicalizes_like_apimachinery() {
        let cases = [
            ("0", "0"),
            ("0Gi", "0"),
            ("1", "1"),
            ("1000m", "1"),
            ("0.5", "500m"),
            ("100m", "100m"),
            ("1500m", "1500m"),
            ("1k", "1k"),
            ("1000", "1k"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("1.5Gi", "1536Mi"),
            ("512Mi", "512Mi"),
            ("1Ki", "1Ki"),
            ("1023Ki", "1023Ki"),
            ("0.5Ki", "512"),
            ("10Gi", "10Gi"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("1E6", "1e6"),
            ("0.1m", "100u"),
            ("1n", "1n"),
            ("0.0000000001", "1n"),
            ("-100m", "-100m"),
            ("+2", "2"),
            ("007", "7"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("123Mi", "123Mi"),
        ];
        for (input, want) in cases {
            assert_eq!(c(input), want, "{input}");
        }
    }

    #[test]
    fn unparsable_quantities_print_as_stored() {
        for bad in ["", "abc", "1K", "1.2.3", "Mi", "1e", "1ex"] {
            assert_eq!(c(bad), bad);
        }
        assert_eq!(canonical_opt(None), "<nil>");
    }
}
