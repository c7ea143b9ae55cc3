//! The allow-list in front of the real `kubectl` binary.
//!
//! An agent's command line is parsed with our kubectl grammar (so nothing unparsed reaches a
//! process), checked, and rebuilt as an argument vector with the session's real namespace:
//!
//! - The agent types **logical** namespaces (`-n payments`), as on the simulator; they are
//!   rewritten to the session's real ones (`ksg-<session>-payments`), and kubectl's output is
//!   rewritten back ([`NamespaceMap::to_logical_text`]). Commands without `-n` use the session's
//!   `default`. Any other namespace (`kube-system`, another session's) is refused.
//! - `-A`/`--all-namespaces` on reads (`get`, `describe`, `events`, `top pod`) becomes one run
//!   per session namespace, whose outputs the executor merges; on writes it is refused.
//! - Verbs that need a terminal or the host (`exec`, `attach`, `port-forward`, `proxy`, `cp`,
//!   `edit`) are refused by the grammar already; `cluster-info` (it prints the control plane's
//!   address) and files from the server's disk (`-f PATH`, `-k`, `--patch-file`) are refused here.
//! - Kinds: only those the simulator serves. Cluster-scoped kinds (nodes, storage classes,
//!   namespaces) are read-only; namespaces only by this session's names.
//! - Secrets: listing and `describe` are allowed (they show key names and sizes, never values);
//!   every output that prints values (`-o yaml|json|jsonpath|go-template|custom-columns`) on a
//!   command that names secrets, `set env --resolve`, and `get --raw` are refused.
//! - Connection and identity flags (`--kubeconfig`, `--context`, `--server`, `--token`, `--as`,
//!   ...) are refused: the session's kubeconfig decides them.
//! - Patches, manifests and `run --overrides` may not set fields that escape a container's
//!   sandbox (privileged, host namespaces and paths, capabilities, service accounts).
//!
//! A refusal runs nothing, so it changes nothing.

use std::collections::BTreeSet;

use cluster::Kind;
use kubectl::grammar::{self, CreateWhat, Invocation, Output, RolloutWhat, SetWhat, TopWhat, Verb};

use crate::namespaces::NamespaceMap;

/// A refused command: kubectl-style text for the agent's stderr, and an exit code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Ends with a newline.
    pub message: String,
    pub exit_code: i32,
}

impl Refusal {
    fn new(message: impl AsRef<str>) -> Refusal {
        Refusal {
            message: format!("error: {}\n", message.as_ref()),
            exit_code: 1,
        }
    }
}

/// One run of the kubectl binary: its arguments (without `kubectl`) and standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubectlRun {
    pub args: Vec<String>,
    pub stdin: Option<String>,
}

/// What an allowed command becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Printed without a cluster (`kubectl help ...`).
    Local { stdout: String },
    /// Runs of the kubectl binary. `all_namespaces`: one run per session namespace (in the
    /// map's order) stands for `-A`, and the executor merges their outputs.
    Kubectl {
        runs: Vec<KubectlRun>,
        all_namespaces: bool,
    },
}

/// An allowed command: the parsed invocation (its pipeline still to apply) and the plan.
#[derive(Clone, Debug)]
pub struct Approved {
    pub invocation: Invocation,
    pub plan: Plan,
}

/// Global flags that choose the cluster, the credentials or the identity.
const CONNECTION_FLAGS: &[&str] = &[
    "kubeconfig",
    "context",
    "cluster",
    "user",
    "server",
    "token",
    "as",
    "as-group",
    "as-uid",
    "username",
    "password",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "insecure-skip-tls-verify",
    "tls-server-name",
    "cache-dir",
];

/// Flags that are rewritten, not passed through.
const NAMESPACE_FLAGS: &[&str] = &["namespace", "all-namespaces"];

/// Pod fields that reach outside the container's sandbox or change its identity.
const SANDBOX_FIELDS: &[&str] = &[
    "privileged",
    "allowPrivilegeEscalation",
    "capabilities",
    "procMount",
    "hostPath",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostPort",
    "hostUsers",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "seLinuxOptions",
    "seccompProfile",
    "appArmorProfile",
    "windowsOptions",
];

/// Checks one command line against the session and plans its kubectl runs.
pub fn check(command_line: &str, namespaces: &NamespaceMap) -> Result<Approved, Refusal> {
    let invocation = grammar::parse(command_line).map_err(|e| Refusal {
        message: e.message,
        exit_code: e.exit_code,
    })?;
    let plan = plan(&invocation, namespaces)?;
    Ok(Approved { invocation, plan })
}

fn plan(inv: &Invocation, map: &NamespaceMap) -> Result<Plan, Refusal> {
    if let Verb::Help { topic } = &inv.verb {
        let text = grammar::help_text(topic).unwrap_or_default();
        return Ok(Plan::Local {
            stdout: text.to_string(),
        });
    }
    let path = verb_path(&inv.verb)?;
    check_flags(inv)?;
    let kinds = target_kinds(inv)?;
    check_kinds(inv, &kinds, map)?;
    check_secret_output(inv, &kinds)?;

    let stdin = match &inv.flags.stdin_manifest {
        Some(manifest) => Some(rewrite_manifest(manifest, inv, map)?),
        None => None,
    };
    if let Some(patch) = &inv.flags.patch {
        check_json_text(patch, "the patch")?;
    }
    if let Some(overrides) = inv
        .flags
        .given
        .iter()
        .find(|(n, _)| n == "overrides")
        .map(|(_, v)| v)
    {
        check_json_text(overrides, "--overrides")?;
    }

    // Namespace targets name this session's namespaces, by their real names.
    let args = if !kinds.is_empty() && kinds.iter().all(|k| *k == Some(Kind::Namespace)) {
        namespace_args(inv, map)?
    } else {
        inv.args.iter().map(|a| map.to_real_dns(a)).collect()
    };
    let mut flags: Vec<String> = Vec::new();
    for (name, value) in &inv.flags.given {
        if NAMESPACE_FLAGS.contains(&name.as_str()) {
            continue;
        }
        flags.push(format!("--{name}={}", map.to_real_dns(value)));
    }
    let build = |namespace: &str| -> Vec<String> {
        let mut argv: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        argv.extend(flags.iter().cloned());
        argv.push(format!("--namespace={namespace}"));
        match inv.args_len_at_dash {
            Some(n) if n <= args.len() => {
                argv.extend(args[..n].iter().cloned());
                argv.push("--".to_string());
                argv.extend(args[n..].iter().cloned());
            }
            _ => argv.extend(args.iter().cloned()),
        }
        argv
    };

    if inv.flags.all_namespaces {
        let reads = matches!(
            inv.verb,
            Verb::Get | Verb::Describe | Verb::Events | Verb::Top(TopWhat::Pod)
        );
        if !reads {
            return Err(Refusal::new(format!(
                "--all-namespaces is allowed only on reads (get, describe, events, top pod) here; \
                 name one namespace with -n (this incident's: {})",
                names(map)
            )));
        }
        let runs = map
            .pairs()
            .map(|(_, real)| KubectlRun {
                args: build(real),
                stdin: stdin.clone(),
            })
            .collect();
        return Ok(Plan::Kubectl {
            runs,
            all_namespaces: true,
        });
    }
    let logical = inv.flags.namespace.as_deref().unwrap_or("default");
    let real = map.real(logical).ok_or_else(|| outside(logical, map))?;
    Ok(Plan::Kubectl {
        runs: vec![KubectlRun {
            args: build(real),
            stdin,
        }],
        all_namespaces: false,
    })
}

fn names(map: &NamespaceMap) -> String {
    map.logical_names().collect::<Vec<_>>().join(", ")
}

fn outside(namespace: &str, map: &NamespaceMap) -> Refusal {
    Refusal::new(format!(
        "namespace \"{namespace}\" is outside this incident: commands here may use only its namespaces ({})",
        names(map)
    ))
}

/// The command words of a verb, for the binary.
fn verb_path(verb: &Verb) -> Result<Vec<&'static str>, Refusal> {
    Ok(match verb {
        Verb::Get => vec!["get"],
        Verb::Describe => vec!["describe"],
        Verb::Logs => vec!["logs"],
        Verb::Events => vec!["events"],
        Verb::Top(TopWhat::Pod) => vec!["top", "pod"],
        Verb::Top(TopWhat::Node) => vec!["top", "node"],
        Verb::Set(SetWhat::Resources) => vec!["set", "resources"],
        Verb::Set(SetWhat::Image) => vec!["set", "image"],
        Verb::Set(SetWhat::Env) => vec!["set", "env"],
        Verb::Scale => vec!["scale"],
        Verb::Patch => vec!["patch"],
        Verb::Rollout(what) => vec![
            "rollout",
            match what {
                RolloutWhat::Restart => "restart",
                RolloutWhat::Status => "status",
                RolloutWhat::Undo => "undo",
                RolloutWhat::History => "history",
                RolloutWhat::Pause => "pause",
                RolloutWhat::Resume => "resume",
            },
        ],
        Verb::Delete => vec!["delete"],
        Verb::Label => vec!["label"],
        Verb::Annotate => vec!["annotate"],
        Verb::Create(CreateWhat::FromFile) => vec!["create"],
        Verb::Create(CreateWhat::Deployment) => vec!["create", "deployment"],
        Verb::Create(CreateWhat::ConfigMap) => vec!["create", "configmap"],
        Verb::Create(CreateWhat::SecretGeneric) => vec!["create", "secret", "generic"],
        Verb::Create(CreateWhat::Namespace) => {
            return Err(Refusal::new(
                "creating namespaces is a cluster-scoped write, which this environment does not allow",
            ));
        }
        Verb::Apply => vec!["apply"],
        Verb::ApiResources => vec!["api-resources"],
        Verb::ApiVersions => vec!["api-versions"],
        Verb::Explain => vec!["explain"],
        Verb::Version => vec!["version"],
        Verb::AuthCanI => vec!["auth", "can-i"],
        Verb::Run => vec!["run"],
        Verb::ClusterInfo => {
            return Err(Refusal::new(
                "cluster-info is not available here: it prints the control plane's addresses; \
                 use kubectl get and describe on this incident's namespaces",
            ));
        }
        Verb::Help { .. } => vec![],
    })
}

fn check_flags(inv: &Invocation) -> Result<(), Refusal> {
    for (name, _) in &inv.flags.given {
        if CONNECTION_FLAGS.contains(&name.as_str()) {
            return Err(Refusal::new(format!(
                "--{name} is not allowed here: the session's own kubeconfig chooses the cluster and the credentials"
            )));
        }
    }
    if inv.flags.raw.is_some() {
        return Err(Refusal::new(
            "get --raw is not allowed here: it reaches any API path, outside this incident's namespaces",
        ));
    }
    if inv.flags.resolve {
        return Err(Refusal::new(
            "set env --resolve is not allowed here: it prints the values of secrets",
        ));
    }
    if inv.flags.filename.iter().any(|f| f != "-") {
        return Err(Refusal::new(
            "only -f - (a here-document) is allowed here: there are no files to read on this side",
        ));
    }
    if inv.flags.kustomize.is_some() || inv.flags.patch_file.is_some() {
        return Err(Refusal::new(
            "-k and --patch-file read files, and there are no files on this side: give the patch with -p",
        ));
    }
    Ok(())
}

/// The kind of each target (`None` for `all`), refusing words the simulator does not serve.
fn target_kinds(inv: &Invocation) -> Result<Vec<Option<Kind>>, Refusal> {
    // These take resource words that name no objects.
    if matches!(
        inv.verb,
        Verb::Explain | Verb::ApiResources | Verb::ApiVersions | Verb::Version | Verb::AuthCanI
    ) {
        return Ok(Vec::new());
    }
    inv.targets
        .iter()
        .map(|t| {
            if t.resource.eq_ignore_ascii_case("all") {
                return Ok(None);
            }
            kubectl::get::resolve_kind(&t.resource)
                .map(Some)
                .ok_or_else(|| {
                    Refusal::new(format!(
                        "resource type \"{}\" is not available here: this environment serves the kinds of its incidents \
                         (see kubectl api-resources)",
                        t.resource
                    ))
                })
        })
        .collect()
}

fn is_read(verb: &Verb) -> bool {
    matches!(
        verb,
        Verb::Get
            | Verb::Describe
            | Verb::Logs
            | Verb::Events
            | Verb::Top(_)
            | Verb::Rollout(RolloutWhat::Status | RolloutWhat::History)
    )
}

fn check_kinds(
    inv: &Invocation,
    kinds: &[Option<Kind>],
    map: &NamespaceMap,
) -> Result<(), Refusal> {
    for kind in kinds.iter().flatten() {
        if !kind.namespaced() && !is_read(&inv.verb) {
            return Err(Refusal::new(format!(
                "{} are cluster-scoped, and this environment allows no cluster-scoped writes",
                kind.plural()
            )));
        }
    }
    let namespaces = kinds
        .iter()
        .filter(|k| **k == Some(Kind::Namespace))
        .count();
    if namespaces > 0 && namespaces < kinds.len() {
        return Err(Refusal::new(
            "list namespaces in a command of their own here (kubectl get namespaces)",
        ));
    }
    if namespaces > 0 {
        for name in inv.targets.iter().filter_map(|t| t.name.as_deref()) {
            if map.real(name).is_none() {
                return Err(outside(name, map));
            }
        }
    }
    Ok(())
}

/// `get namespaces [NAME...]`: this session's namespaces only, by real name.
fn namespace_args(inv: &Invocation, map: &NamespaceMap) -> Result<Vec<String>, Refusal> {
    let named: Vec<&str> = inv
        .targets
        .iter()
        .filter_map(|t| t.name.as_deref())
        .collect();
    let logical: Vec<&str> = if named.is_empty() {
        map.logical_names().collect()
    } else {
        named
    };
    logical
        .into_iter()
        .map(|l| {
            map.real(l)
                .map(|r| format!("namespace/{r}"))
                .ok_or_else(|| outside(l, map))
        })
        .collect()
}

fn check_secret_output(inv: &Invocation, kinds: &[Option<Kind>]) -> Result<(), Refusal> {
    if !kinds.contains(&Some(Kind::Secret)) {
        return Ok(());
    }
    let prints_values = match &inv.flags.output {
        None | Some(Output::Wide) | Some(Output::Name) => false,
        Some(_) => true,
    };
    if prints_values {
        return Err(Refusal::new(
            "secret values are not shown here: list secrets (kubectl get secrets) or describe them \
             for their keys and sizes",
        ));
    }
    Ok(())
}

/// Checks a JSON or YAML text (a patch, an override) for sandbox-escaping fields.
fn check_json_text(text: &str, what: &str) -> Result<(), Refusal> {
    let docs = cluster::manifests::parse_documents("patch", text).unwrap_or_default();
    let value: serde_json::Value = match docs.len() {
        0 => serde_json::from_str(text).unwrap_or(serde_json::Value::Null),
        1 => docs.into_iter().next().unwrap_or_default(),
        _ => serde_json::Value::Array(docs),
    };
    check_sandbox(&value, what)
}

fn check_sandbox(value: &serde_json::Value, what: &str) -> Result<(), Refusal> {
    let mut found = BTreeSet::new();
    sandbox_fields(value, &mut found);
    match found.into_iter().next() {
        None => Ok(()),
        Some(field) => Err(Refusal::new(format!(
            "{what} sets {field}, which reaches outside the container's sandbox; this environment does not allow it"
        ))),
    }
}

fn sandbox_fields(value: &serde_json::Value, found: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if SANDBOX_FIELDS.contains(&k.as_str()) {
                    found.insert(k.clone());
                }
                // JSON patch operations name the field in their path.
                if k == "path" || k == "from" {
                    for segment in v.as_str().unwrap_or("").split('/') {
                        if SANDBOX_FIELDS.contains(&segment) {
                            found.insert(segment.to_string());
                        }
                    }
                }
                sandbox_fields(v, found);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| sandbox_fields(v, found)),
        _ => {}
    }
}

/// Checks a here-document manifest and rewrites its namespaces to the session's real ones.
fn rewrite_manifest(
    manifest: &str,
    inv: &Invocation,
    map: &NamespaceMap,
) -> Result<String, Refusal> {
    let docs = cluster::manifests::parse_documents("-", manifest)
        .map_err(|e| Refusal::new(format!("the manifest is not valid YAML: {e}")))?;
    let mut out = Vec::with_capacity(docs.len());
    for mut doc in docs {
        let api_version = doc["apiVersion"].as_str().unwrap_or("").to_string();
        let kind_name = doc["kind"].as_str().unwrap_or("").to_string();
        let Some(kind) = kubectl::manifest::kind_for(&api_version, &kind_name) else {
            return Err(Refusal::new(format!(
                "the manifest holds a {kind_name} ({api_version}), which is not among the kinds this environment allows"
            )));
        };
        if !kind.namespaced() {
            return Err(Refusal::new(format!(
                "the manifest holds a {kind_name}: cluster-scoped writes are not allowed here"
            )));
        }
        if kind == Kind::Secret
            && !matches!(
                inv.flags.output,
                None | Some(Output::Name) | Some(Output::Wide)
            )
        {
            return Err(Refusal::new(
                "secret values are not shown here: apply the secret without -o",
            ));
        }
        check_sandbox(&doc, "the manifest")?;
        if let Some(ns) = doc.pointer("/metadata/namespace").and_then(|n| n.as_str()) {
            let real = map.real(ns).ok_or_else(|| outside(ns, map))?.to_string();
            doc["metadata"]["namespace"] = serde_json::Value::String(real);
        }
        let text = serde_json::to_string(&doc)
            .map_err(|e| Refusal::new(format!("the manifest cannot be re-encoded: {e}")))?;
        out.push(map.to_real_dns(&text));
    }
    // JSON is YAML: one document per object.
    Ok(out.join("\n---\n") + "\n")
}

#[cfg(test)]
mod tests;
