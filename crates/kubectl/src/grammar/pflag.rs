//! A re-implementation of the parts of spf13/pflag (v1.0.5, as kubectl 1.32 vendors it) that
//! decide which command lines are valid: long and short forms, `=` and attached values, grouped
//! boolean shorthands, optional values (`NoOptDefVal`), `--` and the exact error texts.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use super::golang;

/// How a flag's value is read, which decides both what it accepts and its error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Str,
    /// Go `int` (64-bit on kubectl's platforms).
    Int,
    Int32,
    Int64,
    /// `time.Duration` through pflag.
    Duration,
    /// A Go standard-library duration flag (`--log-flush-frequency`): any error is "parse error".
    GoDuration,
    /// `[]string` read as CSV: `a,b` is two values; repeated flags append.
    Slice,
    /// `[]string` without splitting; repeated flags append.
    Array,
    /// klog's `-v` level: a base-10 int32.
    Level,
    /// klog's `--vmodule` pattern list.
    ModuleSpec,
}

#[derive(Clone, Copy, Debug)]
pub struct FlagSpec {
    pub name: &'static str,
    /// The one-letter shorthand, 0 when there is none.
    pub short: u8,
    pub kind: Kind,
    /// pflag's `NoOptDefVal`: the value a bare `--flag` takes (booleans take "true").
    pub no_opt: &'static str,
    /// kubectl's default, as its help prints it; for lists, comma-joined.
    pub default: &'static str,
    /// Deprecation note printed when the flag is used.
    pub deprecated: &'static str,
}

impl FlagSpec {
    fn no_opt_value(&self) -> Option<&'static str> {
        if self.kind == Kind::Bool {
            Some("true")
        } else if self.no_opt.is_empty() {
            None
        } else {
            Some(self.no_opt)
        }
    }
}

pub const fn flag(name: &'static str, short: u8, kind: Kind, default: &'static str) -> FlagSpec {
    FlagSpec {
        name,
        short,
        kind,
        no_opt: "",
        default,
        deprecated: "",
    }
}

pub const fn boolean(name: &'static str, short: u8, default: bool) -> FlagSpec {
    flag(
        name,
        short,
        Kind::Bool,
        if default { "true" } else { "false" },
    )
}

pub const fn string(name: &'static str, short: u8, default: &'static str) -> FlagSpec {
    flag(name, short, Kind::Str, default)
}

/// A flag's parsed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Str(String),
    Int(i64),
    List(Vec<String>),
}

/// FNV-1a for the flag index: its keys are the command table's short names, fixed at build time
/// (user input only queries it, so there is nothing to flood), and it beats SipHash there.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The flags of one command: its own, then those it inherits (a local flag hides an inherited
/// one of the same name, as cobra's `AddFlagSet` does).
pub struct FlagSet<'a> {
    pub flags: Vec<&'a FlagSpec>,
    /// Positions in `flags` by name: verbs look up dozens of flags per command line.
    by_name: HashMap<&'a str, usize, BuildHasherDefault<Fnv>>,
    /// The few flags whose default is "true": a verb reads some forty booleans per command
    /// line, most of them not given, and their default is then this list's answer.
    true_by_default: Vec<&'a str>,
}

impl<'a> FlagSet<'a> {
    pub fn new(groups: &[&'a [FlagSpec]]) -> Self {
        let mut flags: Vec<&'a FlagSpec> = Vec::new();
        let mut by_name = HashMap::default();
        for group in groups {
            for f in group.iter() {
                if let Entry::Vacant(v) = by_name.entry(f.name) {
                    v.insert(flags.len());
                    flags.push(f);
                }
            }
        }
        let true_by_default = flags
            .iter()
            .filter(|f| f.default == "true")
            .map(|f| f.name)
            .collect();
        FlagSet {
            flags,
            by_name,
            true_by_default,
        }
    }

    /// Whether the flag `name` (as the command table spells it) defaults to "true".
    pub fn true_by_default(&self, name: &str) -> bool {
        self.true_by_default.contains(&name)
    }

    /// kubectl installs `WordSepNormalizeFunc`: `--all_namespaces` is `--all-namespaces`.
    pub fn lookup(&self, name: &str) -> Option<&'a FlagSpec> {
        // No flag's name has `_`: a hit needs no normalising, and verbs look up dozens of
        // canonical names per command line.
        let at = match self.by_name.get(name) {
            Some(at) => Some(at),
            None if name.contains('_') => self.by_name.get(name.replace('_', "-").as_str()),
            None => None,
        };
        at.map(|&i| self.flags[i])
    }

    pub fn lookup_short(&self, c: u8) -> Option<&'a FlagSpec> {
        self.flags
            .iter()
            .copied()
            .find(|f| f.short != 0 && f.short == c)
    }

    fn has_no_opt(&self, name: &str) -> bool {
        self.lookup(name)
            .is_some_and(|f| f.no_opt_value().is_some())
    }

    fn short_has_no_opt(&self, name: &str) -> bool {
        name.as_bytes()
            .first()
            .and_then(|&c| self.lookup_short(c))
            .is_some_and(|f| f.no_opt_value().is_some())
    }

    /// cobra's `stripFlags`: the words that are not flags or flag values, used to find
    /// subcommands. It guesses that a flag it does not know takes a value.
    pub fn strip_flags(&self, args: &[String]) -> Vec<String> {
        let mut commands = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let s = &args[i];
            i += 1;
            if s == "--" {
                break;
            }
            let long_takes_value =
                s.starts_with("--") && !s.contains('=') && !self.has_no_opt(&s[2..]);
            let short_takes_value = s.starts_with('-')
                && !s.contains('=')
                && s.len() == 2
                && !self.short_has_no_opt(&s[1..]);
            if long_takes_value || short_takes_value {
                if args.len() - i <= 1 {
                    break;
                }
                i += 1;
                continue;
            }
            if !s.is_empty() && !s.starts_with('-') {
                commands.push(s.clone());
            }
        }
        commands
    }

    /// cobra's `argsMinusFirstX`: `args` without the first plain word equal to `x`.
    pub fn args_minus_first(&self, args: &[String], x: &str) -> Vec<String> {
        let mut pos = 0;
        while pos < args.len() {
            let s = &args[pos];
            if s == "--" {
                break;
            }
            let long_takes_value =
                s.starts_with("--") && !s.contains('=') && !self.has_no_opt(&s[2..]);
            let short_takes_value = s.starts_with('-')
                && !s.contains('=')
                && s.len() == 2
                && !self.short_has_no_opt(&s[1..]);
            if long_takes_value || short_takes_value {
                pos += 2;
                continue;
            }
            if !s.starts_with('-') && s == x {
                let mut out = args[..pos].to_vec();
                out.extend_from_slice(&args[pos + 1..]);
                return out;
            }
            pos += 1;
        }
        args.to_vec()
    }
}

/// The result of parsing a command's arguments.
#[derive(Debug, Default)]
pub struct Parsed {
    pub values: BTreeMap<&'static str, Value>,
    /// Every flag occurrence in order: (canonical name, value as applied).
    pub occurrences: Vec<(String, String)>,
    pub args: Vec<String>,
    pub args_len_at_dash: Option<usize>,
    /// "Flag --x has been deprecated, ...\n" lines, as pflag prints them.
    pub warnings: Vec<String>,
}

impl Parsed {
    pub fn changed(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

impl FlagSet<'_> {
    /// pflag's `Parse` with interspersed flags; the error is pflag's message, before kubectl
    /// appends its "See '... --help' for usage." line.
    pub fn parse(&self, arguments: &[String]) -> Result<Parsed, String> {
        let mut out = Parsed::default();
        let mut args: &[String] = arguments;
        while let Some((s, rest)) = args.split_first() {
            args = rest;
            if s.len() < 2 || !s.starts_with('-') {
                out.args.push(s.clone());
                continue;
            }
            if s.as_bytes()[1] == b'-' {
                if s.len() == 2 {
                    out.args_len_at_dash = Some(out.args.len());
                    out.args.extend(args.iter().cloned());
                    break;
                }
                args = self.parse_long(s, args, &mut out)?;
            } else {
                args = self.parse_short(s, args, &mut out)?;
            }
        }
        Ok(out)
    }

    fn parse_long<'s>(
        &self,
        s: &str,
        mut args: &'s [String],
        out: &mut Parsed,
    ) -> Result<&'s [String], String> {
        let name = &s[2..];
        if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
            return Err(format!("bad flag syntax: {s}"));
        }
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let Some(flag) = self.lookup(name) else {
            return Err(format!("unknown flag: --{name}"));
        };
        let value = if let Some(v) = inline {
            v.to_string()
        } else if let Some(v) = flag.no_opt_value() {
            v.to_string()
        } else if let Some((v, rest)) = args.split_first() {
            args = rest;
            v.clone()
        } else {
            return Err(format!("flag needs an argument: {s}"));
        };
        set(flag, &value, out)?;
        Ok(args)
    }

    fn parse_short<'s>(
        &self,
        s: &str,
        args: &'s [String],
        out: &mut Parsed,
    ) -> Result<&'s [String], String> {
        // pflag passes the original `args` for every letter of a group, so only the last
        // letter's consumption of the next word counts; that quirk is kept.
        let mut shorthands = &s[1..];
        let mut result = args;
        while !shorthands.is_empty() {
            let bytes = shorthands.as_bytes();
            let c = bytes[0];
            let Some(flag) = self.lookup_short(c) else {
                return Err(format!(
                    "unknown shorthand flag: {} in -{shorthands}",
                    golang::quote_byte(c)
                ));
            };
            let value;
            let mut next = shorthands.get(1..).unwrap_or("");
            if bytes.len() > 2 && bytes[1] == b'=' {
                value = shorthands[2..].to_string();
                next = "";
            } else if let Some(v) = flag.no_opt_value() {
                value = v.to_string();
            } else if bytes.len() > 1 {
                value = shorthands[1..].to_string();
                next = "";
            } else if let Some((v, rest)) = args.split_first() {
                value = v.clone();
                result = rest;
            } else {
                return Err(format!(
                    "flag needs an argument: {} in -{shorthands}",
                    golang::quote_byte(c)
                ));
            }
            set(flag, &value, out)?;
            // A matched shorthand is ASCII, so `next` starts on a character boundary.
            shorthands = next;
        }
        Ok(result)
    }
}

/// `FlagSet.Set`: converts the value, wrapping a conversion error in pflag's message.
fn set(flag: &FlagSpec, value: &str, out: &mut Parsed) -> Result<(), String> {
    let converted = convert(flag, value, out.values.get(flag.name));
    match converted {
        Ok(v) => {
            out.values.insert(flag.name, v);
            out.occurrences
                .push((flag.name.to_string(), value.to_string()));
            if !flag.deprecated.is_empty() {
                out.warnings.push(format!(
                    "Flag --{} has been deprecated, {}\n",
                    flag.name, flag.deprecated
                ));
            }
            Ok(())
        }
        Err(e) => {
            let flag_name = if flag.short != 0 {
                format!("-{}, --{}", char::from(flag.short), flag.name)
            } else {
                format!("--{}", flag.name)
            };
            Err(format!(
                "invalid argument {} for {} flag: {e}",
                golang::quote(value),
                golang::quote(&flag_name)
            ))
        }
    }
}

fn convert(flag: &FlagSpec, value: &str, previous: Option<&Value>) -> Result<Value, String> {
    Ok(match flag.kind {
        Kind::Bool => Value::Bool(golang::parse_bool(value)?),
        Kind::Str => Value::Str(value.to_string()),
        Kind::Int | Kind::Int64 => Value::Int(golang::parse_int(value, 64)?),
        Kind::Int32 => Value::Int(golang::parse_int(value, 32)?),
        Kind::Duration => {
            golang::parse_duration(value)?;
            Value::Str(value.to_string())
        }
        Kind::GoDuration => {
            golang::parse_duration(value).map_err(|_| "parse error".to_string())?;
            Value::Str(value.to_string())
        }
        Kind::Level => Value::Int(parse_level(value)?),
        Kind::ModuleSpec => {
            check_module_spec(value)?;
            Value::Str(value.to_string())
        }
        Kind::Slice | Kind::Array => {
            let new = if flag.kind == Kind::Slice {
                golang::read_csv_record(value)?
            } else {
                vec![value.to_string()]
            };
            match previous {
                Some(Value::List(old)) => {
                    let mut all = old.clone();
                    all.extend(new);
                    Value::List(all)
                }
                _ => Value::List(new),
            }
        }
    })
}

/// klog's `Level.Set`: `strconv.ParseInt(value, 10, 32)`.
fn parse_level(value: &str) -> Result<i64, String> {
    let err = |why: &str| format!("strconv.ParseInt: parsing {}: {why}", golang::quote(value));
    let (neg, digits) = match value.as_bytes().first() {
        Some(b'+') => (false, &value[1..]),
        Some(b'-') => (true, &value[1..]),
        _ => (false, value),
    };
    if digits.is_empty() {
        return Err(err("invalid syntax"));
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(err("invalid syntax"));
        }
        // ParseUint stops at the first overflow of 32 bits, before later bad digits.
        n = n * 10 + u64::from(b - b'0');
        if n > u64::from(u32::MAX) {
            return Err(err("value out of range"));
        }
    }
    let cutoff = 1u64 << 31;
    if (!neg && n >= cutoff) || (neg && n > cutoff) {
        return Err(err("value out of range"));
    }
    Ok(if neg { -(n as i64) } else { n as i64 })
}

/// klog's `--vmodule` syntax: `pattern=N[,pattern=N...]`.
fn check_module_spec(value: &str) -> Result<(), String> {
    const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
    for pat in value.split(',') {
        if pat.is_empty() {
            continue;
        }
        let parts: Vec<&str> = pat.split('=').collect();
        if parts.len() != 2 || parts[0].is_empty() || parts[1].is_empty() {
            return Err(SYNTAX.to_string());
        }
        let v = parse_level(parts[1]).map_err(|_| SYNTAX.to_string())?;
        if v < 0 {
            return Err("negative value for vmodule level".to_string());
        }
    }
    Ok(())
}
