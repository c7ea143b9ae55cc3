//! cobra 1.8's command resolution as kubectl uses it: kubectl's plugin lookup before anything
//! else, `Find` (which strips flags to locate the subcommand), flag parsing with the found
//! command's flags plus the inherited global ones, the help flag and command, and the errors
//! each step prints.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use super::golang;
use super::pflag::{FlagSet, Fnv, Parsed};
use super::tree::{Action, Cmd, GLOBAL, HELP, HELP_CMD, ROOT};
use super::{ParseError, help};

/// What kubectl does with a command line once cobra has resolved it.
pub enum Executed {
    Run {
        path: Vec<&'static Cmd>,
        parsed: Parsed,
    },
    Help {
        topic: Vec<String>,
    },
}

/// The flags cobra knows while finding a command (help flags are added only on execution).
fn find_flags(c: &'static Cmd) -> &'static FlagSet<'static> {
    &flag_sets(c).0
}

/// The flags a found command parses: its own, the global ones and help.
pub(super) fn run_flags(c: &'static Cmd) -> &'static FlagSet<'static> {
    &flag_sets(c).1
}

/// Each command's finding and running flag sets, built once: merging the groups is quadratic
/// and used to be most of the cost of parsing a command line.
fn flag_sets(c: &'static Cmd) -> &'static (FlagSet<'static>, FlagSet<'static>) {
    type Sets = HashMap<usize, (FlagSet<'static>, FlagSet<'static>), BuildHasherDefault<Fnv>>;
    static SETS: LazyLock<Sets> = LazyLock::new(|| {
        let mut sets = Sets::default();
        let mut stack: Vec<&'static Cmd> = vec![&ROOT, &HELP_CMD];
        while let Some(c) = stack.pop() {
            sets.insert(std::ptr::from_ref(c) as usize, build_flag_sets(c));
            stack.extend(c.children.iter());
        }
        sets
    });
    match SETS.get(&(std::ptr::from_ref(c) as usize)) {
        Some(sets) => sets,
        // Every command is reached from the root or is `help`, so this does not happen; were
        // it to, the command still gets its own flags.
        None => Box::leak(Box::new(build_flag_sets(c))),
    }
}

fn build_flag_sets(c: &'static Cmd) -> (FlagSet<'static>, FlagSet<'static>) {
    let mut groups: Vec<&'static [_]> = c.flags.to_vec();
    groups.push(GLOBAL);
    let find = FlagSet::new(&groups);
    groups.push(HELP);
    (find, FlagSet::new(&groups))
}

pub fn command_path(path: &[&Cmd]) -> String {
    path.iter().map(|c| c.name).collect::<Vec<_>>().join(" ")
}

fn find_next(c: &'static Cmd, next: &str, with_help: bool) -> Option<&'static Cmd> {
    let found = c
        .children
        .iter()
        .find(|child| child.name == next || child.has_alias(next));
    if found.is_none() && with_help && std::ptr::eq(c, &ROOT) && next == HELP_CMD.name {
        return Some(&HELP_CMD);
    }
    found
}

/// cobra's `Find`; the error is `legacyArgs`' unknown-command message.
fn find(args: &[String], with_help: bool) -> Result<(Vec<&'static Cmd>, Vec<String>), String> {
    let mut path: Vec<&'static Cmd> = vec![&ROOT];
    let mut rest = args.to_vec();
    loop {
        let c = *path.last().expect("root");
        let flags = find_flags(c);
        let stripped = flags.strip_flags(&rest);
        let Some(next) = stripped.first() else { break };
        match find_next(c, next, with_help) {
            Some(child) => {
                rest = flags.args_minus_first(&rest, next);
                path.push(child);
            }
            None => break,
        }
    }
    if path.len() == 1 {
        let stripped = find_flags(&ROOT).strip_flags(&rest);
        if let Some(first) = stripped.first() {
            return Err(format!(
                "unknown command {} for \"kubectl\"{}",
                golang::quote(first),
                suggestions(first, with_help)
            ));
        }
    }
    Ok((path, rest))
}

/// Go's byte-wise Levenshtein distance on lower-cased strings, as cobra computes it.
fn levenshtein(s: &str, t: &str) -> usize {
    let s = s.to_lowercase().into_bytes();
    let t = t.to_lowercase().into_bytes();
    // The distance is at least the difference in length; beyond the threshold cobra uses,
    // that bound is as good as the distance and avoids a huge matrix for a huge word.
    let gap = s.len().abs_diff(t.len());
    if gap > 2 {
        return gap;
    }
    let mut prev: Vec<usize> = (0..=t.len()).collect();
    for i in 1..=s.len() {
        let mut cur = vec![i; t.len() + 1];
        for j in 1..=t.len() {
            cur[j] = if s[i - 1] == t[j - 1] {
                prev[j - 1]
            } else {
                1 + prev[j].min(cur[j - 1]).min(prev[j - 1])
            };
        }
        prev = cur;
    }
    prev[t.len()]
}

/// cobra's "Did you mean this?" block for an unknown root command.
fn suggestions(typed: &str, with_help: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut candidates: Vec<&Cmd> = ROOT.children.iter().collect();
    if with_help {
        candidates.push(&HELP_CMD);
    }
    for c in candidates {
        let close = levenshtein(typed, c.name) <= 2;
        let prefix = c.name.to_lowercase().starts_with(&typed.to_lowercase());
        if close || prefix {
            names.push(c.name);
        }
        for s in c.suggest_for {
            if s.eq_ignore_ascii_case(typed) {
                names.push(c.name);
            }
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n\nDid you mean this?\n");
    for n in names {
        out.push('\t');
        out.push_str(n);
        out.push('\n');
    }
    out
}

pub fn execute(args: &[String]) -> Result<Executed, ParseError> {
    // kubectl looks for a plugin first when the command is unknown; a flag before the name
    // stops that search with its own error (and capital "Error:").
    if !args.is_empty() && find(args, false).is_err() {
        let name = args.iter().find(|a| !a.starts_with('-'));
        let special = matches!(
            name.map(String::as_str),
            Some("help" | "__complete" | "__completeNoDesc")
        );
        if !special && args[0].starts_with('-') {
            return Err(ParseError::new(
                format!(
                    "Error: flags cannot be placed before plugin name: {}",
                    args[0]
                ),
                1,
            ));
        }
    }

    let (path, rest) = find(args, true).map_err(ParseError::kubectl)?;
    let c = *path.last().expect("root");
    let cmd_path = command_path(&path);

    refusal(&path)?;

    let parsed = run_flags(c)
        .parse(&rest)
        .map_err(|e| ParseError::kubectl(format!("{e}\nSee '{cmd_path} --help' for usage.")))?;
    let topic: Vec<String> = path[1..].iter().map(|c| c.name.to_string()).collect();
    if parsed.values.get("help") == Some(&super::pflag::Value::Bool(true)) {
        return Ok(Executed::Help { topic });
    }

    match &c.action {
        Action::Root => Ok(Executed::Help { topic: Vec::new() }),
        Action::Help => match find(&parsed.args, true) {
            Ok((p, _)) => {
                // Help for a command this environment refuses is that refusal.
                refusal(&p)?;
                Ok(Executed::Help {
                    topic: p[1..].iter().map(|c| c.name.to_string()).collect(),
                })
            }
            Err(_) => {
                let shown: Vec<String> = parsed.args.iter().map(|a| go_backquote(a)).collect();
                Err(ParseError::new(
                    format!(
                        "Unknown help topic [{}]\n{}",
                        shown.join(" "),
                        help::root_usage()
                    ),
                    0,
                ))
            }
        },
        Action::Group => {
            if !parsed.args.is_empty() {
                return Err(ParseError::kubectl(format!(
                    "unknown command {}\nSee '{cmd_path} -h' for help and examples",
                    golang::quote(&parsed.args.join(" "))
                )));
            }
            // kubectl prints the group's help and exits 1.
            let text = help::help_text(&topic).unwrap_or_default();
            Err(ParseError {
                message: text.to_string(),
                exit_code: 1,
            })
        }
        Action::Verb(_) => Ok(Executed::Run { path, parsed }),
        Action::Refused(_) | Action::Unsupported => unreachable!("handled above"),
    }
}

/// The refusal for a command that needs a terminal or the host, or is not implemented here.
fn refusal(path: &[&'static Cmd]) -> Result<(), ParseError> {
    let cmd_path = command_path(path);
    match &path.last().expect("root").action {
        Action::Refused(why) => Err(ParseError::kubectl(format!(
            "\"{cmd_path}\" is not supported here: {why}."
        ))),
        Action::Unsupported => Err(ParseError::kubectl(format!(
            "\"{cmd_path}\" is not supported in this environment. Supported commands: \
             get, describe, logs, events, top, explain, api-resources, api-versions, \
             version, cluster-info, auth can-i, set, scale, patch, rollout, label, \
             annotate, delete, create, apply, run."
        ))),
        _ => Ok(()),
    }
}

/// Go's `%#q`: a back-quoted raw string when possible.
fn go_backquote(s: &str) -> String {
    if s.contains('`') || s.chars().any(|c| c.is_control() && c != '\t') {
        golang::quote(s)
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_cobra() {
        assert_eq!(levenshtein("xet", "exec"), 2);
        assert_eq!(levenshtein("GET", "set"), 1);
        assert_eq!(levenshtein("logz", "logs"), 1);
    }

    #[test]
    fn suggests_in_kubectl_order() {
        assert_eq!(
            suggestions("ap", true),
            "\n\nDid you mean this?\n\ttop\n\tcp\n\tapply\n\tapi-versions\n\tapi-resources\n"
        );
        assert_eq!(
            suggestions("rm", true),
            "\n\nDid you mean this?\n\trun\n\tdelete\n\tcp\n"
        );
    }
}
