//! Go's `time.Parse(time.RFC3339, s)` as far as `logs --since-time` needs it: whether the
//! value parses, and Go's error text when it does not.

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// Go `time`'s private quote (non-ASCII and control bytes as `\x..`).
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        if !(b' '..0x80).contains(&b) {
            out.push_str(&format!("\\x{b:02x}"));
        } else {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(char::from(b));
        }
    }
    out.push('"');
    out
}

fn cannot_parse(value: &str, value_elem: &[u8], layout_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        quote(value),
        quote(LAYOUT),
        quote(&String::from_utf8_lossy(value_elem)),
        quote(layout_elem)
    )
}

fn out_of_range(value: &str, what: &str) -> String {
    format!("parsing time {}: {what} out of range", quote(value))
}

/// `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let d = |i: usize| {
        s.get(i)
            .filter(|b| b.is_ascii_digit())
            .map(|b| u32::from(b - b'0'))
    };
    let first = d(0)?;
    match d(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Validates an RFC 3339 timestamp the way Go does, returning Go's error text.
pub fn check_rfc3339(value: &str) -> Result<(), String> {
    let mut v = value.as_bytes();
    let literal = |v: &mut &[u8], lit: u8| -> Result<(), String> {
        if v.first() == Some(&lit) {
            *v = &v[1..];
            Ok(())
        } else {
            Err(cannot_parse(value, v, &char::from(lit).to_string()))
        }
    };
    // 2006
    if v.len() < 4 || !v[0].is_ascii_digit() || !v[..4].iter().all(u8::is_ascii_digit) {
        return Err(cannot_parse(value, v, "2006"));
    }
    let year: i64 = std::str::from_utf8(&v[..4])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    v = &v[4..];
    literal(&mut v, b'-')?;
    let hold = v;
    let (month, rest) = getnum(v, true).ok_or_else(|| cannot_parse(value, hold, "01"))?;
    v = rest;
    if month == 0 || month > 12 {
        return Err(out_of_range(value, "month"));
    }
    literal(&mut v, b'-')?;
    let hold = v;
    let (day, rest) = getnum(v, true).ok_or_else(|| cannot_parse(value, hold, "02"))?;
    v = rest;
    literal(&mut v, b'T')?;
    let hold = v;
    let (hour, rest) = getnum(v, false).ok_or_else(|| cannot_parse(value, hold, "15"))?;
    v = rest;
    if hour >= 24 {
        return Err(out_of_range(value, "hour"));
    }
    literal(&mut v, b':')?;
    let hold = v;
    let (minute, rest) = getnum(v, true).ok_or_else(|| cannot_parse(value, hold, "04"))?;
    v = rest;
    if minute >= 60 {
        return Err(out_of_range(value, "minute"));
    }
    literal(&mut v, b':')?;
    let hold = v;
    let (second, rest) = getnum(v, true).ok_or_else(|| cannot_parse(value, hold, "05"))?;
    v = rest;
    if second >= 60 {
        return Err(out_of_range(value, "second"));
    }
    // A fractional second is accepted even though the layout has none.
    if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && v[1].is_ascii_digit() {
        let n = 1 + v[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        v = &v[n..];
    }
    // Z07:00
    let hold = v;
    if v.first() == Some(&b'Z') {
        v = &v[1..];
    } else {
        let bad = || cannot_parse(value, hold, "Z07:00");
        if v.len() < 6 || v[3] != b':' {
            return Err(bad());
        }
        let (hr, _) = getnum(&v[1..3], true).ok_or_else(bad)?;
        let (mm, _) = getnum(&v[4..6], true).ok_or_else(bad)?;
        if hr > 24 {
            return Err(out_of_range(value, "time zone offset hour"));
        }
        if mm > 60 {
            return Err(out_of_range(value, "time zone offset minute"));
        }
        if v[0] != b'+' && v[0] != b'-' {
            return Err(bad());
        }
        v = &v[6..];
    }
    if !v.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            quote(value),
            quote(&String::from_utf8_lossy(v))
        ));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(out_of_range(value, "day"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_messages() {
        assert!(check_rfc3339("2024-01-02T03:04:05Z").is_ok());
        assert!(check_rfc3339("2024-01-02T03:04:05.123+02:00").is_ok());
        assert_eq!(
            check_rfc3339("garbage").unwrap_err(),
            r#"parsing time "garbage" as "2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006""#
        );
        assert_eq!(
            check_rfc3339("2024/01/02").unwrap_err(),
            r#"parsing time "2024/01/02" as "2006-01-02T15:04:05Z07:00": cannot parse "/01/02" as "-""#
        );
        assert_eq!(
            check_rfc3339("2024-13-02T03:04:05Z").unwrap_err(),
            r#"parsing time "2024-13-02T03:04:05Z": month out of range"#
        );
        assert_eq!(
            check_rfc3339("2024-02-30T03:04:05Z").unwrap_err(),
            r#"parsing time "2024-02-30T03:04:05Z": day out of range"#
        );
    }
}
