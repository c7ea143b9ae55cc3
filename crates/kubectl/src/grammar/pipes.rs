//! The filters an agent may pipe kubectl's output through, parsed as GNU coreutils and grep
//! parse them (options in any order, grouped short options, `-n5`/`-5` forms), with their
//! error messages; everything else after `|` is refused.

use super::{Filter, ParseError};

const SUPPORTED: &str = "only grep, head, tail, wc -l and sort can follow '|'";

fn refuse(msg: impl Into<String>) -> ParseError {
    ParseError::new(format!("error: {}", msg.into()), 1)
}

pub fn parse_filter(words: &[String]) -> Result<Filter, ParseError> {
    let Some(program) = words.first() else {
        return Err(refuse(SUPPORTED));
    };
    let args = &words[1..];
    let base = program.rsplit('/').next().unwrap_or(program);
    match base {
        "grep" => grep(args, false, false),
        "egrep" => grep(args, true, false),
        "fgrep" => grep(args, false, true),
        "head" => head_tail("head", args).map(|n| match n {
            Lines::Last(n) => Filter::Head(n),
            Lines::From(_) => unreachable!("head has no +N form"),
        }),
        "tail" => head_tail("tail", args).map(|n| match n {
            Lines::Last(n) => Filter::Tail(n),
            Lines::From(n) => Filter::TailFrom(n),
        }),
        "wc" => wc(args),
        "sort" => sort(args),
        "jq" | "yq" => Err(refuse(format!(
            "'{base}' is not available here ({SUPPORTED}); use kubectl's own -o jsonpath=... or -o custom-columns=... to pick fields"
        ))),
        "kubectl" => Err(refuse(format!(
            "piping into another kubectl command is not supported ({SUPPORTED}); run one kubectl command at a time"
        ))),
        other => Err(refuse(format!(
            "'{other}' cannot be used after '|': {SUPPORTED}"
        ))),
    }
}

fn grep_usage() -> ParseError {
    ParseError::new(
        "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.",
        2,
    )
}

fn grep_unsupported(opt: &str) -> ParseError {
    refuse(format!(
        "grep option {opt} is not supported here (supported: -i -v -E -F -c -w -n -o -A -B -C -e)"
    ))
}

fn context_len(v: &str) -> Result<usize, ParseError> {
    v.parse::<usize>()
        .map_err(|_| ParseError::new(format!("grep: {v}: invalid context length argument"), 2))
}

fn grep(args: &[String], extended: bool, fixed: bool) -> Result<Filter, ParseError> {
    let mut ignore_case = false;
    let mut invert = false;
    let mut extended = extended;
    let mut fixed = fixed;
    let mut count = false;
    let mut word = false;
    let mut line_number = false;
    let mut only_matching = false;
    let mut after = 0usize;
    let mut before = 0usize;
    let mut pattern: Option<String> = None;
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            operands.push(a.clone());
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let mut value = |name: &str| -> Result<String, ParseError> {
                if let Some(v) = &inline {
                    return Ok(v.clone());
                }
                if i < args.len() {
                    i += 1;
                    return Ok(args[i - 1].clone());
                }
                Err(ParseError::new(
                    format!(
                        "grep: option '--{name}' requires an argument\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."
                    ),
                    2,
                ))
            };
            match name {
                "ignore-case" => ignore_case = true,
                "no-ignore-case" => ignore_case = false,
                "invert-match" => invert = true,
                "extended-regexp" => extended = true,
                "fixed-strings" => fixed = true,
                "basic-regexp" => {
                    extended = false;
                    fixed = false;
                }
                "count" => count = true,
                "word-regexp" => word = true,
                "line-number" => line_number = true,
                "only-matching" => only_matching = true,
                "after-context" => after = context_len(&value(name)?)?,
                "before-context" => before = context_len(&value(name)?)?,
                "context" => {
                    let n = context_len(&value(name)?)?;
                    after = n;
                    before = n;
                }
                "regexp" => {
                    let v = value(name)?;
                    if pattern.replace(v).is_some() {
                        return Err(refuse(
                            "only one grep pattern is supported: combine them with -E 'a|b'",
                        ));
                    }
                }
                "color" | "colour" | "no-messages" => {}
                _ => return Err(grep_unsupported(&format!("--{name}"))),
            }
            continue;
        }
        // A group of short options; those taking a value take the rest or the next word.
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let mut value = || -> Result<String, ParseError> {
                let rest: String = chars[j..].iter().collect();
                j = chars.len();
                if !rest.is_empty() {
                    return Ok(rest);
                }
                if i < args.len() {
                    i += 1;
                    return Ok(args[i - 1].clone());
                }
                Err(ParseError::new(
                    format!(
                        "grep: option requires an argument -- '{c}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."
                    ),
                    2,
                ))
            };
            match c {
                'i' | 'y' => ignore_case = true,
                'v' => invert = true,
                'E' => extended = true,
                'F' => fixed = true,
                'G' => {
                    extended = false;
                    fixed = false;
                }
                'c' => count = true,
                'w' => word = true,
                'n' => line_number = true,
                'o' => only_matching = true,
                's' => {}
                'A' => after = context_len(&value()?)?,
                'B' => before = context_len(&value()?)?,
                'C' => {
                    let n = context_len(&value()?)?;
                    after = n;
                    before = n;
                }
                'e' => {
                    let v = value()?;
                    if pattern.replace(v).is_some() {
                        return Err(refuse(
                            "only one grep pattern is supported: combine them with -E 'a|b'",
                        ));
                    }
                }
                '0'..='9' => {
                    // `-5` is `-C 5`.
                    let mut digits = c.to_string();
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        digits.push(chars[j]);
                        j += 1;
                    }
                    let n = context_len(&digits)?;
                    after = n;
                    before = n;
                }
                'a' | 'b' | 'D' | 'd' | 'f' | 'H' | 'h' | 'I' | 'L' | 'l' | 'm' | 'P' | 'q'
                | 'R' | 'r' | 'T' | 'U' | 'u' | 'V' | 'x' | 'Z' | 'z' => {
                    return Err(grep_unsupported(&format!("-{c}")));
                }
                _ => {
                    return Err(ParseError::new(
                        format!(
                            "grep: invalid option -- '{c}'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information."
                        ),
                        2,
                    ));
                }
            }
        }
    }
    let mut operands = operands.into_iter();
    let pattern = match pattern {
        Some(p) => p,
        None => operands.next().ok_or_else(grep_usage)?,
    };
    let files: Vec<String> = operands.filter(|f| f != "-").collect();
    if !files.is_empty() {
        // There is no filesystem: grep reports each file and ignores the pipe.
        let msg: Vec<String> = files
            .iter()
            .map(|f| format!("grep: {f}: No such file or directory"))
            .collect();
        return Err(ParseError::new(msg.join("\n"), 2));
    }
    if fixed && extended {
        return Err(ParseError::new("grep: conflicting matchers specified", 2));
    }
    Ok(Filter::Grep {
        pattern,
        ignore_case,
        invert,
        extended,
        count,
        fixed,
        word,
        line_number,
        only_matching,
        after,
        before,
    })
}

enum Lines {
    Last(usize),
    From(usize),
}

/// coreutils' line counts: digits with an optional size suffix are not needed here.
fn line_count(program: &str, v: &str) -> Result<Lines, ParseError> {
    let invalid = || {
        ParseError::new(
            format!("{program}: invalid number of lines: \u{2018}{v}\u{2019}"),
            1,
        )
    };
    if let Some(n) = v.strip_prefix('+') {
        if program == "head" {
            // `head -n +5` is `head -n 5`.
            return n.parse().map(Lines::Last).map_err(|_| invalid());
        }
        return n.parse().map(Lines::From).map_err(|_| invalid());
    }
    if let Some(n) = v.strip_prefix('-') {
        if program == "head" && n.parse::<usize>().is_ok() {
            return Err(refuse(
                "'head -n -N' (all but the last N lines) is not supported here",
            ));
        }
        if program == "tail" {
            return n.parse().map(Lines::Last).map_err(|_| invalid());
        }
        return Err(invalid());
    }
    v.parse().map(Lines::Last).map_err(|_| invalid())
}

fn head_tail(program: &str, args: &[String]) -> Result<Lines, ParseError> {
    let mut lines = Lines::Last(10);
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "-n" || a == "--lines" {
            let Some(v) = args.get(i) else {
                return Err(ParseError::new(
                    format!(
                        "{program}: option requires an argument -- 'n'\nTry '{program} --help' for more information."
                    ),
                    1,
                ));
            };
            i += 1;
            lines = line_count(program, v)?;
        } else if let Some(v) = a.strip_prefix("--lines=") {
            lines = line_count(program, v)?;
        } else if let Some(v) = a.strip_prefix("-n") {
            lines = line_count(program, v)?;
        } else if let Some(n) = a
            .strip_prefix('-')
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            lines = line_count(program, n)?;
        } else if program == "tail" && (a == "-f" || a == "-F" || a == "--follow") {
            return Err(refuse(
                "'tail -f' cannot follow output here: commands return once they finish",
            ));
        } else if a == "-q" || a == "--quiet" || a == "--silent" {
        } else if a.starts_with('-') && a != "-" {
            return Err(refuse(format!(
                "{program} option {a} is not supported here (supported: -n N, -N)"
            )));
        } else if a != "-" {
            let msg = if program == "head" {
                format!("head: cannot open '{a}' for reading: No such file or directory")
            } else {
                format!("tail: cannot open '{a}' for reading: No such file or directory")
            };
            return Err(ParseError::new(msg, 1));
        }
    }
    Ok(lines)
}

fn wc(args: &[String]) -> Result<Filter, ParseError> {
    let mut lines = false;
    for a in args {
        match a.as_str() {
            "-l" | "--lines" => lines = true,
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(refuse(format!(
                    "wc option {s} is not supported here: only 'wc -l' is"
                )));
            }
            s => {
                return Err(ParseError::new(
                    format!("wc: {s}: No such file or directory"),
                    1,
                ));
            }
        }
    }
    if !lines {
        return Err(refuse("only 'wc -l' is supported after '|'"));
    }
    Ok(Filter::WcLines)
}

fn sort(args: &[String]) -> Result<Filter, ParseError> {
    let mut reverse = false;
    let mut numeric = false;
    let mut unique = false;
    for a in args {
        match a.as_str() {
            "--reverse" => reverse = true,
            "--numeric-sort" => numeric = true,
            "--unique" => unique = true,
            s if s.starts_with('-') && s.len() > 1 && !s.starts_with("--") => {
                for c in s[1..].chars() {
                    match c {
                        'r' => reverse = true,
                        'n' => numeric = true,
                        'u' => unique = true,
                        _ => {
                            return Err(refuse(format!(
                                "sort option -{c} is not supported here (supported: -r -n -u)"
                            )));
                        }
                    }
                }
            }
            s if s.starts_with("--") => {
                return Err(refuse(format!(
                    "sort option {s} is not supported here (supported: -r -n -u)"
                )));
            }
            s => {
                return Err(ParseError::new(
                    format!("sort: cannot read: {s}: No such file or directory"),
                    2,
                ));
            }
        }
    }
    Ok(Filter::Sort {
        reverse,
        numeric,
        unique,
    })
}
