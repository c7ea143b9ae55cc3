//! The kubectl command grammar: what an agent types, parsed the way the real `kubectl` 1.32
//! (cobra 1.8 + pflag 1.0.5) parses it, or refused with the message kubectl, or the shell in
//! front of it, would print.
//!
//! The layers, in order:
//! 1. `shell`: quoting, the supported pipes (`| grep`, `| head`, `| tail`, `| wc -l`, `| sort`),
//!    a here-document feeding `-f -`, and refusal of every other shell feature;
//! 2. `cobra` + `pflag`: finding the command in kubectl's command tree, flags in any position,
//!    kubectl's exact flag errors;
//! 3. `verbs`: the checks each kubectl command makes before it talks to the API server, and
//!    typed flags for the executor.
//!
//! Nothing here touches a cluster: resource aliases, object lookups and everything the API
//! server decides are the executor's. Checks that kubectl makes only after it has fetched the
//! objects are returned in [`Invocation::deferred_error`].

mod builder;
mod cobra;
mod golang;
mod gotime;
mod help;
mod pflag;
mod pipes;
mod shell;
mod tree;
mod verbs;

pub use help::help_text;
pub use shell::StderrRedirect;

/// The longest command line accepted, in bytes.
pub const MAX_COMMAND_LEN: usize = 64 * 1024;

/// One kubectl invocation, parsed. Flags are kept typed where kubectl's behaviour depends on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub verb: Verb,
    /// Positional arguments after the verb path, as typed (aliases are not resolved).
    pub args: Vec<String>,
    pub flags: Flags,
    /// The filters after `|`, in order.
    pub pipeline: Vec<Filter>,
    /// The resources named by the arguments, as kubectl's resource builder reads them
    /// (`type name...`, `type/name...`, `a,b name` -> `a/name b/name`); empty for verbs that
    /// take no resource arguments.
    pub targets: Vec<Target>,
    /// Non-resource arguments: label or annotation changes, `container=image` pairs,
    /// `KEY=VALUE` environment changes, the logs container, the `can-i` verb and resource,
    /// the `create deployment` command after `--`.
    pub operands: Vec<String>,
    /// Where kubectl's standard error goes (`2>&1`, `2>/dev/null`).
    pub stderr: StderrRedirect,
    /// How many positional arguments came before `--`, as cobra's `ArgsLenAtDash`.
    pub args_len_at_dash: Option<usize>,
    /// Lines kubectl prints to stderr before its output (deprecated flags, `--force`
    /// deletion), each ending with a newline.
    pub warnings: Vec<String>,
    /// An error kubectl reports only after its first requests (an unknown `-o` format for
    /// `get`, `set image` without an image, `delete pods` without a name, ...). The executor
    /// reports its own lookup errors first (unknown resource type, not found) and this one
    /// otherwise; for `patch`, `label` and `rollout` an unusable `-o` is reported by kubectl
    /// only after the change is made.
    pub deferred_error: Option<ParseError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    Get,
    Describe,
    Logs,
    Events,
    Top(TopWhat),
    Set(SetWhat),
    Scale,
    Patch,
    Rollout(RolloutWhat),
    Delete,
    Label,
    Annotate,
    Create(CreateWhat),
    Apply,
    ApiResources,
    ApiVersions,
    Explain,
    Version,
    ClusterInfo,
    AuthCanI,
    /// `kubectl run NAME --image=...` without an interactive session.
    Run,
    /// `kubectl help [command]`, `kubectl <command> --help`, or `kubectl` alone: print
    /// [`help_text`] for this command path (empty for kubectl itself) and exit 0.
    Help {
        topic: Vec<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopWhat {
    Pod,
    Node,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetWhat {
    Resources,
    Image,
    Env,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RolloutWhat {
    Restart,
    Status,
    Undo,
    History,
    Pause,
    Resume,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateWhat {
    /// `create -f FILE` (or `-f -` with a here-document).
    FromFile,
    Deployment,
    Namespace,
    ConfigMap,
    SecretGeneric,
}

/// A resource argument: a type as typed (alias, plural, `type.group`), and a name when one
/// was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub resource: String,
    pub name: Option<String>,
}

/// kubectl's flags for this invocation. Booleans and lists hold the effective value (kubectl's
/// default when not given); options are `None` when the flag was not given (or, for
/// `namespace`, given empty, which kubectl treats the same).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    // Global flags (accepted and recorded; the executor decides what they mean here).
    pub namespace: Option<String>,
    pub context: Option<String>,
    pub kubeconfig: Option<String>,
    pub server: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub token: Option<String>,
    pub request_timeout: Option<String>,
    /// `-v`/`--v` log verbosity.
    pub verbosity: Option<i64>,

    // Which objects.
    pub all_namespaces: bool,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    /// `--all`.
    pub all: bool,
    pub filename: Vec<String>,
    pub kustomize: Option<String>,
    pub recursive: bool,
    pub subresource: Option<String>,
    /// `get --raw URI`.
    pub raw: Option<String>,
    /// A here-document body given as standard input (`apply -f - <<EOF`).
    pub stdin_manifest: Option<String>,

    // How output looks.
    pub output: Option<Output>,
    /// `--template`, as typed (also folded into `output`).
    pub template: Option<String>,
    pub no_headers: bool,
    pub show_labels: bool,
    pub label_columns: Vec<String>,
    pub show_kind: bool,
    pub sort_by: Option<String>,
    pub show_managed_fields: bool,
    pub allow_missing_template_keys: bool,
    pub ignore_not_found: bool,
    pub chunk_size: Option<i64>,
    /// `-w`: only ever true for `rollout status` (its default); `get`/`events` watches are refused.
    pub watch: bool,
    pub show_events: bool,

    // logs
    pub tail: Option<i64>,
    pub previous: bool,
    /// `logs -f`: accepted; the executor prints what there is and returns.
    pub follow: bool,
    pub container: Option<String>,
    pub all_containers: bool,
    pub timestamps: bool,
    /// `--since` as typed (a Go duration, already validated).
    pub since: Option<String>,
    pub since_time: Option<String>,
    pub limit_bytes: Option<i64>,
    pub prefix: bool,

    // events
    /// `events --for TYPE/NAME`.
    pub for_object: Option<String>,
    /// `events --types`.
    pub types: Vec<String>,

    // top
    /// `top pod --containers`.
    pub print_containers: bool,
    pub sum: bool,
    pub show_capacity: bool,

    // Mutations.
    /// `--dry-run`, normalised to `client`, `server` or `none`.
    pub dry_run: Option<String>,
    pub field_manager: Option<String>,
    pub replicas: Option<i64>,
    pub current_replicas: Option<i64>,
    pub resource_version: Option<String>,
    /// `patch --type`, lower-cased as kubectl uses it (`json`, `merge`, `strategic`).
    pub patch_type: Option<String>,
    pub patch: Option<String>,
    pub patch_file: Option<String>,
    pub local: bool,
    /// `set resources|env -c`: which containers (kubectl's default is `*`).
    pub containers: Option<String>,
    pub limits: Option<String>,
    pub requests: Option<String>,
    /// `set env -e KEY=VALUE`, `run --env`.
    pub env: Vec<String>,
    /// `set env --from`.
    pub env_from: Option<String>,
    pub keys: Vec<String>,
    /// `set env --prefix`.
    pub env_prefix: Option<String>,
    /// `--list` (`set env`, `label`, `annotate`, `auth can-i`).
    pub list: bool,
    pub resolve: bool,
    pub overwrite: bool,
    pub to_revision: Option<i64>,
    pub revision: Option<i64>,
    /// `--timeout` as typed (a Go duration, already validated).
    pub timeout: Option<String>,
    pub force: bool,
    pub grace_period: Option<i64>,
    pub now: bool,
    pub wait: bool,
    pub cascade: Option<String>,

    // create / run / apply
    /// `create deployment --image` (repeatable) or `run --image`.
    pub image: Vec<String>,
    pub port: Option<String>,
    pub from_literal: Vec<String>,
    pub from_file: Vec<String>,
    pub from_env_file: Vec<String>,
    /// `create secret generic --type`.
    pub secret_type: Option<String>,
    pub save_config: bool,
    pub validate: Option<String>,
    pub server_side: bool,
    pub force_conflicts: bool,
    pub prune: bool,
    pub labels: Option<String>,
    pub restart: Option<String>,
    pub command: bool,

    // api-resources / explain / version / auth can-i
    pub api_group: Option<String>,
    pub namespaced: Option<bool>,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
    pub cached: bool,
    pub api_version: Option<String>,
    /// `explain -o plaintext|plaintext-openapiv2`.
    pub explain_format: Option<String>,
    /// `version --client`.
    pub client: bool,
    pub quiet: bool,

    /// Every flag given, in order: (long name, value as applied; `true` for a bare boolean).
    pub given: Vec<(String, String)>,
}

/// An output format (`-o`), with its template where it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Wide,
    Yaml,
    Json,
    Name,
    JsonPath(String),
    /// `-o jsonpath-as-json=...`.
    JsonPathAsJson(String),
    CustomColumns(String),
    /// `-o go-template=...` or `-o template=...`, or `--template` alone.
    GoTemplate(String),
    /// The `*-file` formats name a file to read the template from (there are none here; the
    /// executor reports kubectl's error for the missing file).
    JsonPathFile(String),
    GoTemplateFile(String),
    CustomColumnsFile(String),
}

/// A filter after `|`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    Grep {
        pattern: String,
        ignore_case: bool,
        invert: bool,
        extended: bool,
        count: bool,
        /// `-F`: the pattern is a fixed string.
        fixed: bool,
        /// `-w`: match whole words only.
        word: bool,
        /// `-n`: prefix lines with their number.
        line_number: bool,
        /// `-o`: print only the matched parts.
        only_matching: bool,
        /// `-A N`.
        after: usize,
        /// `-B N`.
        before: usize,
    },
    Head(usize),
    Tail(usize),
    /// `tail -n +N`: from line N (1-based) to the end.
    TailFrom(usize),
    WcLines,
    Sort {
        reverse: bool,
        numeric: bool,
        /// `-u`.
        unique: bool,
    },
}

/// A refusal, printed to stderr exactly as kubectl (or a shell, for pipes) would, with
/// kubectl's exit code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// The exact bytes to write to stderr, ending with a newline.
    pub message: String,
    pub exit_code: i32,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, exit_code: i32) -> Self {
        let mut message = message.into();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        ParseError { message, exit_code }
    }

    /// kubectl's `CheckErr` for an ordinary error: `error: ` unless already there, exit 1.
    pub(crate) fn kubectl(message: impl Into<String>) -> Self {
        let message = message.into();
        if message.starts_with("error: ") {
            Self::new(message, 1)
        } else {
            Self::new(format!("error: {message}"), 1)
        }
    }
}

/// Parses one command line as typed at a shell prompt in front of kubectl.
pub fn parse(command_line: &str) -> Result<Invocation, ParseError> {
    if command_line.len() > MAX_COMMAND_LEN {
        return Err(ParseError::kubectl(format!(
            "the command is too long ({} bytes; at most {MAX_COMMAND_LEN} are accepted)",
            command_line.len()
        )));
    }
    let lexed = shell::lex(command_line)?;
    let mut stdin = lexed.heredoc;
    let mut segments = lexed.segments.into_iter().peekable();
    // `cat <<EOF | kubectl apply -f -` and `echo '...' | kubectl apply -f -` feed stdin.
    if let Some(first) = segments.peek()
        && let Some(feed) = stdin_feed(first, &mut stdin)?
    {
        segments.next();
        stdin = Some(feed);
        if segments.peek().is_none() {
            return Err(ParseError::kubectl(
                "only kubectl commands can run here: pipe the input into kubectl, \
                 e.g. cat <<EOF | kubectl apply -f -",
            ));
        }
    }
    let mut words = segments.next().unwrap_or_default();
    if words.is_empty() {
        return Err(ParseError::kubectl(
            "no command given: type a kubectl command, for example \"kubectl get pods\"",
        ));
    }
    if is_kubectl(&words[0]) {
        words.remove(0);
    }
    let pipeline = segments
        .map(|seg| pipes::parse_filter(&seg))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inv = verbs::build(cobra::execute(&words)?, stdin)?;
    inv.pipeline = pipeline;
    inv.stderr = lexed.stderr;
    Ok(inv)
}

/// The standard input a `cat <<EOF` or `echo TEXT` segment in front of kubectl produces.
fn stdin_feed(
    words: &[String],
    heredoc: &mut Option<String>,
) -> Result<Option<String>, ParseError> {
    let Some(program) = words.first() else {
        return Ok(None);
    };
    match program.as_str() {
        "cat" => {
            if words[1..].iter().all(|w| w == "-") && heredoc.is_some() {
                return Ok(heredoc.take());
            }
            Err(ParseError::kubectl(
                "'cat' can only pass a here-document to kubectl here (there are no files): \
                 kubectl apply -f - <<EOF",
            ))
        }
        "echo" => {
            let mut args = &words[1..];
            let mut newline = true;
            while args.first().is_some_and(|a| a == "-n") {
                newline = false;
                args = &args[1..];
            }
            let mut text = args.join(" ");
            if newline {
                text.push('\n');
            }
            Ok(Some(text))
        }
        _ => Ok(None),
    }
}

/// `kubectl`, or a path to it, as the first word.
fn is_kubectl(word: &str) -> bool {
    word == "kubectl" || word.ends_with("/kubectl")
}
