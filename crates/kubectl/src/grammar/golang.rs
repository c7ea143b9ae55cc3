//! The few pieces of Go's standard library whose exact output reaches kubectl's error messages:
//! `strconv.Quote` (every `%q`), `strconv.ParseInt`/`ParseBool`, `time.ParseDuration` and the
//! first-record read of `encoding/csv` that pflag's string-slice flags use.

use std::fmt::Write as _;

/// Go's `strconv.Quote`: a double-quoted string with Go escapes, printable runes kept as they are.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%q` of a byte (pflag formats an unknown shorthand this way): a quoted rune literal.
pub fn quote_byte(b: u8) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, char::from(b), '\'');
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote_char: char) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote_char => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    // Format characters (soft hyphen, zero-width joiners, bidi marks, BOM) are not printable.
    !matches!(c as u32, 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2064 | 0xfeff)
}

fn num_error(func: &str, s: &str, range: bool) -> String {
    let why = if range {
        "value out of range"
    } else {
        "invalid syntax"
    };
    format!("strconv.{func}: parsing {}: {why}", quote(s))
}

/// Go's `strconv.ParseInt(s, 0, bits)`, which pflag uses for every integer flag; the error is
/// the text Go prints (`strconv.ParseInt: parsing "x": invalid syntax`).
pub fn parse_int(s: &str, bits: u32) -> Result<i64, String> {
    if s.is_empty() {
        return Err(num_error("ParseInt", s, false));
    }
    let (neg, digits) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = match parse_uint_base0(digits, bits) {
        Ok(v) => v,
        Err(UintError::Syntax) => return Err(num_error("ParseInt", s, false)),
        Err(UintError::Range) => u64::MAX,
    };
    let cutoff = 1u64 << (bits - 1);
    if !neg && un >= cutoff {
        return Err(num_error("ParseInt", s, true));
    }
    if neg && un > cutoff {
        return Err(num_error("ParseInt", s, true));
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

enum UintError {
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, 0, bits)`: base prefixes `0x`, `0o`, `0b`, a leading `0` for octal,
/// and underscores between digits.
fn parse_uint_base0(s0: &str, bits: u32) -> Result<u64, UintError> {
    if s0.is_empty() {
        return Err(UintError::Syntax);
    }
    let b = s0.as_bytes();
    let (base, rest): (u64, &[u8]) = if b[0] == b'0' {
        if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
            (2, &b[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
            (8, &b[2..])
        } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
            (16, &b[2..])
        } else {
            (8, &b[1..])
        }
    } else {
        (10, b)
    };
    let max_val: u64 = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let cutoff = u64::MAX / base + 1;
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in rest {
        let d = match c {
            b'_' => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            c if c.is_ascii_alphabetic() => u64::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return Err(UintError::Syntax),
        };
        if d >= base {
            return Err(UintError::Syntax);
        }
        if n >= cutoff {
            // Go returns at the first overflow; a later bad digit cannot be seen then.
            return Err(UintError::Range);
        }
        n *= base;
        let n1 = n.wrapping_add(d);
        if n1 < n || n1 > max_val {
            return Err(UintError::Range);
        }
        n = n1;
    }
    if underscores && !underscore_ok(s0) {
        return Err(UintError::Syntax);
    }
    Ok(n)
}

fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(num_error("ParseBool", s, false)),
    }
}

/// `time`'s private quote: non-ASCII and control bytes as `\x..`, `"` and `\` escaped.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{b:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, returning nanoseconds or Go's error text.
pub fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Leading integer.
        let start_len = s.len();
        let mut v: u64 = 0;
        while let Some(&c) = s.first() {
            if !c.is_ascii_digit() {
                break;
            }
            if v > (1u64 << 63) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > 1u64 << 63 {
                return Err(invalid());
            }
            s = &s[1..];
        }
        let pre = start_len != s.len();
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let pl = s.len();
            let mut overflow = false;
            while let Some(&c) = s.first() {
                if !c.is_ascii_digit() {
                    break;
                }
                if !overflow {
                    if f > (1u64 << 63) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(c - b'0');
                        if y > 1u64 << 63 {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                s = &s[1..];
            }
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let i = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if i == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let unit_bytes = &s[..i];
        s = &s[i..];
        let unit_str = String::from_utf8_lossy(unit_bytes);
        let unit: u64 = match unit_str.as_ref() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(u),
                    time_quote(orig)
                ));
            }
        };
        if v > (1u64 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1u64 << 63 {
                return Err(invalid());
            }
        }
        d += v;
        if d > 1u64 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1u64 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// The first record of `encoding/csv`'s reader with default settings, as pflag's string-slice
/// flags read a value (`a,b` -> two items, `"a,b"` -> one).
pub fn read_csv_record(val: &str) -> Result<Vec<String>, String> {
    if val.is_empty() {
        return Ok(Vec::new());
    }
    // Lines keep their "\n"; "\r\n" becomes "\n" and a trailing "\r" at EOF is dropped.
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let bytes = val.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|p| start + p + 1)
            .unwrap_or(bytes.len());
        let mut line = bytes[start..end].to_vec();
        if line.ends_with(b"\r\n") {
            line.truncate(line.len() - 2);
            line.push(b'\n');
        } else if end == bytes.len() && line.ends_with(b"\r") {
            line.pop();
        }
        lines.push(line);
        start = end;
    }
    let mut next_line = 0usize;
    let mut num_line = 0usize;
    let mut read_line = || -> Option<Vec<u8>> {
        let l = lines.get(next_line).cloned();
        if l.is_some() {
            next_line += 1;
        }
        l
    };
    let length_nl = |l: &[u8]| usize::from(l.last() == Some(&b'\n'));
    // Skip empty lines.
    let mut line = loop {
        match read_line() {
            None => return Err("EOF".to_string()),
            Some(l) => {
                num_line += 1;
                if l.len() == length_nl(&l) {
                    continue;
                }
                break l;
            }
        }
    };
    let rec_line = num_line;
    let mut fields: Vec<String> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut col = 1usize;
    let mut pos_line = num_line;
    let err = |line_no: usize, col: usize, what: &str| -> String {
        if rec_line != line_no {
            format!(
                "record on line {rec_line}; parse error on line {line_no}, column {col}: {what}"
            )
        } else {
            format!("parse error on line {line_no}, column {col}: {what}")
        }
    };
    'field: loop {
        if line.first() != Some(&b'"') {
            let i = line.iter().position(|&b| b == b',');
            let field: &[u8] = match i {
                Some(i) => &line[..i],
                None => &line[..line.len() - length_nl(&line)],
            };
            if let Some(j) = field.iter().position(|&b| b == b'"') {
                return Err(err(num_line, col + j, "bare \" in non-quoted-field"));
            }
            fields.push(String::from_utf8_lossy(field).into_owned());
            match i {
                Some(i) => {
                    line = line[i + 1..].to_vec();
                    col += i + 1;
                    continue 'field;
                }
                None => break 'field,
            }
        }
        // Quoted field.
        line = line[1..].to_vec();
        col += 1;
        buf.clear();
        loop {
            if let Some(i) = line.iter().position(|&b| b == b'"') {
                buf.extend_from_slice(&line[..i]);
                line = line[i + 1..].to_vec();
                col += i + 1;
                match line.first() {
                    Some(b'"') => {
                        buf.push(b'"');
                        line = line[1..].to_vec();
                        col += 1;
                    }
                    Some(b',') => {
                        line = line[1..].to_vec();
                        col += 1;
                        fields.push(String::from_utf8_lossy(&buf).into_owned());
                        continue 'field;
                    }
                    _ if length_nl(&line) == line.len() => {
                        fields.push(String::from_utf8_lossy(&buf).into_owned());
                        break 'field;
                    }
                    _ => {
                        return Err(err(
                            num_line,
                            col - 1,
                            "extraneous or missing \" in quoted-field",
                        ));
                    }
                }
            } else if !line.is_empty() {
                buf.extend_from_slice(&line);
                col += line.len();
                match read_line() {
                    Some(l) => {
                        num_line += 1;
                        pos_line += 1;
                        col = 1;
                        line = l;
                    }
                    None => {
                        line = Vec::new();
                    }
                }
            } else {
                return Err(err(
                    pos_line,
                    col,
                    "extraneous or missing \" in quoted-field",
                ));
            }
        }
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote("a\tb\u{1}é\u{a0}"), r#""a\tb\x01é\u00a0""#);
        assert_eq!(quote_byte(b'z'), "'z'");
        assert_eq!(quote_byte(b'\''), r"'\''");
    }

    #[test]
    fn parses_ints_like_go() {
        assert_eq!(parse_int("42", 64), Ok(42));
        assert_eq!(parse_int("-0x10", 64), Ok(-16));
        assert_eq!(parse_int("010", 64), Ok(8));
        assert_eq!(parse_int("1_000", 64), Ok(1000));
        assert_eq!(parse_int("0", 64), Ok(0));
        assert_eq!(
            parse_int("x", 64).unwrap_err(),
            r#"strconv.ParseInt: parsing "x": invalid syntax"#
        );
        assert_eq!(
            parse_int("08", 64).unwrap_err(),
            r#"strconv.ParseInt: parsing "08": invalid syntax"#
        );
        assert_eq!(
            parse_int("99999999999999999999", 64).unwrap_err(),
            r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#
        );
        assert_eq!(
            parse_int("2147483648", 32).unwrap_err(),
            r#"strconv.ParseInt: parsing "2147483648": value out of range"#
        );
        assert_eq!(parse_int("-2147483648", 32), Ok(-2147483648));
        assert!(parse_int("1__0", 64).is_err());
    }

    #[test]
    fn parses_durations_like_go() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("-2m"), Ok(-120_000_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(
            parse_duration("5").unwrap_err(),
            r#"time: missing unit in duration "5""#
        );
        assert_eq!(
            parse_duration("5q").unwrap_err(),
            r#"time: unknown unit "q" in duration "5q""#
        );
        assert_eq!(
            parse_duration("x").unwrap_err(),
            r#"time: invalid duration "x""#
        );
        assert_eq!(
            parse_duration("").unwrap_err(),
            r#"time: invalid duration """#
        );
    }

    #[test]
    fn reads_csv_like_go() {
        assert_eq!(read_csv_record("a,b"), Ok(vec!["a".into(), "b".into()]));
        assert_eq!(
            read_csv_record("\"a,b\",c"),
            Ok(vec!["a,b".into(), "c".into()])
        );
        assert_eq!(read_csv_record("a\nb"), Ok(vec!["a".into()]));
        assert_eq!(read_csv_record("a,"), Ok(vec!["a".into(), String::new()]));
        assert_eq!(
            read_csv_record("a\"b").unwrap_err(),
            "parse error on line 1, column 2: bare \" in non-quoted-field"
        );
        assert_eq!(
            read_csv_record("\"ab").unwrap_err(),
            "parse error on line 1, column 4: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            read_csv_record("\"a\"b").unwrap_err(),
            "parse error on line 1, column 3: extraneous or missing \" in quoted-field"
        );
        assert_eq!(read_csv_record("\n").unwrap_err(), "EOF");
    }
}
