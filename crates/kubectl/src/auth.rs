//! `kubectl auth can-i`: the simulated cluster has one identity, with full access, so every
//! question is answered `yes`; what differs is kubectl's warnings about the question itself.

use crate::discovery::{self, Resource};
use crate::grammar::Invocation;
use crate::human;
use crate::output::Output;

const RESOURCE_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
const NON_RESOURCE_VERBS: &[&str] = &[
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

fn warning(text: &str) -> String {
    format!("Warning: {text}\n\n")
}

/// The resource a `can-i` argument names, as kubectl's REST mapper finds it
/// (`resource`, `resource.group` or `resource.version.group`; plural, singular or short name).
fn lookup(word: &str) -> (Option<Resource>, String, String) {
    let lower = word.to_lowercase();
    let (resource, group) = match lower.split_once('.') {
        Some((r, g)) => (r.to_string(), g.to_string()),
        None => (lower.clone(), String::new()),
    };
    let matches = |r: &Resource, res: &str, group: &str| {
        (r.plural == res || r.singular == res || r.short_names.contains(&res))
            && (group.is_empty() || r.group == group)
    };
    // `resource.version.group` first, when there are enough dots for it.
    if let Some((version, g)) = group.split_once('.')
        && let Some(found) = discovery::resources()
            .into_iter()
            .find(|r| r.version == version && matches(r, &resource, g))
    {
        return (Some(found), resource, group);
    }
    let found = discovery::resources()
        .into_iter()
        .find(|r| matches(r, &resource, &group));
    (found, resource, group)
}

pub fn can_i(inv: &Invocation) -> Output {
    if inv.flags.list {
        return list(inv);
    }
    let mut out = Output::default();
    let (Some(verb), Some(what)) = (inv.operands.first(), inv.operands.get(1)) else {
        return Output::error(
            "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.\n".into(),
            1,
        );
    };
    if what.starts_with('/') {
        if !NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            out.stderr
                .push_str(&warning(&format!("verb '{verb}' is not a known verb")));
        }
    } else {
        let word = inv
            .targets
            .first()
            .map(|t| t.resource.clone())
            .unwrap_or_default();
        if word != "*" {
            let (found, resource, group) = lookup(&word);
            match found {
                None if group.is_empty() => out.stderr.push_str(&warning(&format!(
                    "the server doesn't have a resource type '{resource}'"
                ))),
                None => out.stderr.push_str(&warning(&format!(
                    "the server doesn't have a resource type '{resource}' in group '{group}'"
                ))),
                Some(r) if !r.namespaced && !inv.flags.all_namespaces => {
                    out.stderr.push_str(&warning(&if r.group.is_empty() {
                        format!("resource '{}' is not namespace scoped", r.plural)
                    } else {
                        format!(
                            "resource '{}' is not namespace scoped in group '{}'",
                            r.plural, r.group
                        )
                    }))
                }
                Some(_) => {}
            }
        }
        if !RESOURCE_VERBS.contains(&verb.as_str()) {
            out.stderr
                .push_str(&warning(&format!("verb '{verb}' is not a known verb")));
        }
    }
    if let Some(err) = &inv.deferred_error {
        out.stderr.push_str(&err.message);
        out.exit_code = err.exit_code;
        return out;
    }
    if !inv.flags.quiet {
        out.stdout.push_str("yes\n");
    }
    out
}

/// `--list`: the rules of the one identity, all wildcards.
fn list(inv: &Invocation) -> Output {
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !inv.flags.no_headers {
        lines.push(
            ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]
                .map(String::from)
                .to_vec(),
        );
    }
    lines.push(["*.*", "[]", "[]", "[*]"].map(String::from).to_vec());
    lines.push(["", "[*]", "[]", "[*]"].map(String::from).to_vec());
    Output {
        stdout: human::align(&lines),
        ..Output::default()
    }
}
