//! Runs a kubectl command line against a simulated cluster in process: parse, execute, then the
//! safe pipes (`| grep`, `| head`, `| tail`, `| wc -l`, `| sort`). No process and no shell ever run.

use cluster::Cluster;

use crate::get::{self, Format, GetRequest};
use crate::grammar::{self, Filter, Invocation, Output as OutputFlag, RolloutWhat, SetWhat, Verb};
use crate::mutate;
use crate::output::Output;

/// The namespace commands use when none is given (the kubeconfig's context namespace).
pub const DEFAULT_NAMESPACE: &str = "default";

/// Runs one command line, as a person would type it at a shell prompt in front of kubectl.
pub fn run(cluster: &mut Cluster, command_line: &str) -> Output {
    match grammar::parse(command_line) {
        Ok(invocation) => run_parsed(cluster, &invocation),
        Err(e) => Output::error(e.message, e.exit_code),
    }
}

/// Runs a command line already parsed with [`grammar::parse`].
pub fn run_parsed(cluster: &mut Cluster, invocation: &Invocation) -> Output {
    let mut out = execute(cluster, invocation);
    // The controllers react to a change at once, as they would before the next command.
    cluster.settle();
    if !invocation.warnings.is_empty() {
        out.stderr = format!("{}{}", invocation.warnings.concat(), out.stderr);
    }
    apply_pipeline(&invocation.pipeline, &mut out);
    out
}

/// Runs kubectl's stdout through the safe pipes (`| grep`, `| head`, ...), as the shell would;
/// the live backend applies them to the real binary's output the same way.
pub fn apply_pipeline(pipeline: &[Filter], out: &mut Output) {
    for filter in pipeline {
        out.stdout = apply_filter(filter, &out.stdout);
        // In a pipeline the shell reports the last command's status; kubectl's errors still
        // reach the terminal on stderr.
        out.exit_code = pipe_status(filter, &out.stdout);
    }
}

fn execute(cluster: &mut Cluster, inv: &Invocation) -> Output {
    // `get` and `logs` look their objects up before reporting a deferred error, `rollout
    // pause|resume|undo` make their change before failing to print it; the rest report it
    // before changing anything.
    if let Some(err) = &inv.deferred_error
        && !matches!(
            inv.verb,
            Verb::Get
                | Verb::Logs
                | Verb::AuthCanI
                | Verb::Apply
                | Verb::Rollout(RolloutWhat::Pause | RolloutWhat::Resume | RolloutWhat::Undo)
        )
    {
        return Output::error(err.message.clone(), err.exit_code);
    }
    match &inv.verb {
        Verb::Get => {
            if let Some(err) = &inv.deferred_error {
                return Output::error(err.message.clone(), err.exit_code);
            }
            let format = match &inv.flags.output {
                None => Format::Table,
                Some(OutputFlag::Wide) => Format::Wide,
                Some(OutputFlag::Name) => Format::Name,
                Some(OutputFlag::Json) => Format::Json,
                Some(OutputFlag::Yaml) => Format::Yaml,
                Some(OutputFlag::JsonPath(template)) => Format::JsonPath(template.clone()),
                Some(OutputFlag::CustomColumns(spec)) => Format::CustomColumns(spec.clone()),
                Some(OutputFlag::CustomColumnsFile(file)) => {
                    return crate::custom_columns::file_error(file);
                }
                Some(other) => return unsupported(&format!("-o {}", output_name(other))),
            };
            let req = GetRequest {
                targets: inv
                    .targets
                    .iter()
                    .map(|t| (t.resource.clone(), t.name.clone()))
                    .collect(),
                namespace: inv
                    .flags
                    .namespace
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string()),
                all_namespaces: inv.flags.all_namespaces,
                output: format,
                selector: inv.flags.selector.clone(),
                field_selector: inv.flags.field_selector.clone(),
                show_labels: inv.flags.show_labels,
                label_columns: inv.flags.label_columns.clone(),
                no_headers: inv.flags.no_headers,
                show_kind: inv.flags.show_kind,
                sort_by: inv.flags.sort_by.clone(),
                ignore_not_found: inv.flags.ignore_not_found,
            };
            get::get(cluster, &req)
        }
        Verb::Describe => crate::describe::describe(cluster, inv),
        Verb::Logs => crate::logs::logs(cluster, inv),
        Verb::Events => crate::events::events(cluster, inv),
        Verb::Top(what) => crate::top::top(cluster, inv, *what),
        Verb::Version => crate::version::version(cluster, inv),
        Verb::Explain => crate::explain::explain(inv),
        Verb::ApiResources => crate::info::api_resources(inv),
        Verb::ApiVersions => crate::info::api_versions(),
        Verb::ClusterInfo => crate::info::cluster_info(),
        Verb::AuthCanI => crate::auth::can_i(inv),
        Verb::Apply => crate::apply::apply(cluster, inv),
        Verb::Create(what) => crate::create::create(cluster, inv, *what),
        Verb::Scale => mutate::scale(cluster, inv),
        Verb::Patch => mutate::patch(cluster, inv),
        Verb::Label => mutate::label(cluster, inv),
        Verb::Annotate => mutate::annotate(cluster, inv),
        Verb::Delete => mutate::delete(cluster, inv),
        Verb::Rollout(RolloutWhat::Restart) => mutate::rollout_restart(cluster, inv),
        Verb::Rollout(RolloutWhat::Status) => crate::rollout::status(cluster, inv),
        Verb::Rollout(RolloutWhat::History) => crate::rollout::history(cluster, inv),
        Verb::Rollout(RolloutWhat::Undo) => crate::rollout::undo(cluster, inv),
        Verb::Rollout(RolloutWhat::Pause) => crate::rollout::pause_or_resume(cluster, inv, true),
        Verb::Rollout(RolloutWhat::Resume) => crate::rollout::pause_or_resume(cluster, inv, false),
        Verb::Set(SetWhat::Image) => mutate::set_image(cluster, inv),
        Verb::Set(SetWhat::Resources) => mutate::set_resources(cluster, inv),
        Verb::Set(SetWhat::Env) => mutate::set_env(cluster, inv),
        Verb::Help { topic } => match grammar::help_text(topic) {
            Some(text) => Output {
                stdout: text.to_string(),
                stderr: String::new(),
                exit_code: 0,
            },
            None => unsupported(&format!("help for {:?}", topic.join(" "))),
        },
        other => unsupported(&format!("{other:?}").to_lowercase()),
    }
}

fn output_name(o: &OutputFlag) -> &'static str {
    match o {
        OutputFlag::JsonPath(_) | OutputFlag::JsonPathFile(_) => "jsonpath",
        OutputFlag::JsonPathAsJson(_) => "jsonpath-as-json",
        OutputFlag::CustomColumns(_) | OutputFlag::CustomColumnsFile(_) => "custom-columns",
        OutputFlag::GoTemplate(_) | OutputFlag::GoTemplateFile(_) => "go-template",
        OutputFlag::Wide => "wide",
        OutputFlag::Yaml => "yaml",
        OutputFlag::Json => "json",
        OutputFlag::Name => "name",
    }
}

/// What the in-process kubectl cannot do yet, said plainly rather than guessed at.
pub(crate) fn unsupported(what: &str) -> Output {
    Output::error(
        format!("error: {what} is not supported by the simulated cluster's kubectl yet\n"),
        1,
    )
}

fn apply_filter(filter: &Filter, input: &str) -> String {
    let lines: Vec<&str> = input.lines().collect();
    let joined = |ls: Vec<&str>| -> String { ls.iter().map(|l| format!("{l}\n")).collect() };
    match filter {
        Filter::Grep {
            pattern,
            ignore_case,
            invert,
            extended,
            count,
            fixed,
            word,
            line_number,
            only_matching,
            ..
        } => {
            let mut source = if *fixed {
                regex::escape(pattern)
            } else if *extended {
                pattern.clone()
            } else {
                basic_to_extended(pattern)
            };
            if *word {
                source = format!(r"\b(?:{source})\b");
            }
            let Ok(re) = regex::RegexBuilder::new(&source)
                .case_insensitive(*ignore_case)
                .build()
            else {
                return String::new();
            };
            let matched: Vec<(usize, &str)> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| re.is_match(l) != *invert)
                .map(|(i, l)| (i, *l))
                .collect();
            if *count {
                return format!("{}\n", matched.len());
            }
            let mut out = String::new();
            for (i, line) in matched {
                let prefix = if *line_number {
                    format!("{}:", i + 1)
                } else {
                    String::new()
                };
                if *only_matching && !*invert {
                    for m in re.find_iter(line) {
                        out.push_str(&format!("{prefix}{}\n", m.as_str()));
                    }
                } else {
                    out.push_str(&format!("{prefix}{line}\n"));
                }
            }
            out
        }
        Filter::Head(n) => joined(lines.into_iter().take(*n).collect()),
        Filter::Tail(n) => {
            let skip = lines.len().saturating_sub(*n);
            joined(lines.into_iter().skip(skip).collect())
        }
        Filter::TailFrom(n) => joined(lines.into_iter().skip(n.saturating_sub(1)).collect()),
        Filter::WcLines => format!("{}\n", lines.len()),
        Filter::Sort {
            reverse,
            numeric,
            unique,
        } => {
            let mut sorted = lines;
            if *numeric {
                let key = |l: &str| {
                    l.split_whitespace()
                        .next()
                        .and_then(|w| w.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                sorted.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.cmp(b)));
            } else {
                sorted.sort();
            }
            if *reverse {
                sorted.reverse();
            }
            if *unique {
                sorted.dedup();
            }
            joined(sorted)
        }
    }
}

/// POSIX basic regular expressions treat `+ ? ( ) { } |` as literals.
fn basic_to_extended(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('+' | '?' | '(' | ')' | '{' | '}' | '|')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            },
            '+' | '?' | '(' | ')' | '{' | '}' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The exit status of the last command in a pipeline: grep fails when nothing matched.
fn pipe_status(filter: &Filter, output: &str) -> i32 {
    match filter {
        Filter::Grep { count: true, .. } => i32::from(output.trim() == "0"),
        Filter::Grep { .. } => i32::from(output.is_empty()),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_filter_like_the_coreutils() {
        let mut c = Cluster::baseline(1);
        let out = run(&mut c, "kubectl get pods -A | grep -v Running | wc -l");
        assert_eq!(out.stdout, "1\n", "only the header line is not Running");
        let out = run(
            &mut c,
            "get pods -n payments --no-headers | grep payment-gateway | head -n 1",
        );
        assert_eq!(out.stdout.lines().count(), 1);
        assert!(out.stdout.starts_with("payment-gateway-"));
        let out = run(&mut c, "get pods -n payments | grep -c nothing-like-this");
        assert_eq!((out.stdout.as_str(), out.exit_code), ("0\n", 1));
        let out = run(&mut c, "get ns --no-headers | sort -r | head -1");
        assert!(out.stdout.starts_with("payments"), "{}", out.stdout);
    }

    #[test]
    fn refusals_never_touch_the_cluster() {
        let mut c = Cluster::baseline(1);
        let before = c.resource_version();
        for line in [
            "kubectl exec -it web -- sh",
            "rm -rf /",
            "kubectl get pods; reboot",
            "kubectl describe pod x",
            "kubectl get pods -o custom-columns-file=columns.txt",
        ] {
            let out = run(&mut c, line);
            assert_ne!(out.exit_code, 0, "{line}");
            assert!(!out.stderr.is_empty(), "{line}");
        }
        assert_eq!(c.resource_version(), before);
    }

    #[test]
    fn basic_regular_expressions() {
        assert_eq!(basic_to_extended("a+b"), r"a\+b");
        assert_eq!(basic_to_extended(r"a\|b"), "a|b");
        assert_eq!(basic_to_extended("^web.*1$"), "^web.*1$");
    }
}
