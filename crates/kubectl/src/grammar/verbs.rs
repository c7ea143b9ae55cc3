//! Per-command checks, in the order kubectl makes them before it contacts the API server
//! (`Complete`, `Validate`, then the resource builder), and the typed [`Flags`].

use super::builder::{self, BuilderInput};
use super::cobra::{Executed, command_path};
use super::pflag::{FlagSet, Kind, Parsed, Value};
use super::tree::Cmd;
use super::{
    CreateWhat, Flags, Invocation, Output, ParseError, RolloutWhat, SetWhat, StderrRedirect,
    Target, TopWhat, Verb, golang, gotime,
};

/// Typed access to parsed flags, falling back to the command's defaults.
struct Args<'a> {
    parsed: &'a Parsed,
    set: &'static FlagSet<'static>,
}

impl Args<'_> {
    fn has(&self, name: &str) -> bool {
        self.set.lookup(name).is_some()
    }

    fn kind(&self, name: &str) -> Option<Kind> {
        self.set.lookup(name).map(|f| f.kind)
    }

    fn changed(&self, name: &str) -> bool {
        self.parsed.changed(name)
    }

    fn bool(&self, name: &str) -> bool {
        match self.parsed.values.get(name) {
            Some(Value::Bool(b)) => *b,
            _ => self.set.true_by_default(name),
        }
    }

    /// A string flag's value when given.
    fn str(&self, name: &str) -> Option<String> {
        match self.parsed.values.get(name) {
            Some(Value::Str(s)) => Some(s.clone()),
            Some(Value::Int(i)) => Some(i.to_string()),
            _ => None,
        }
    }

    /// A string flag's value, or its default.
    fn str_or_default(&self, name: &str) -> String {
        self.str(name).unwrap_or_else(|| {
            self.set
                .lookup(name)
                .map(|f| f.default.to_string())
                .unwrap_or_default()
        })
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.parsed.values.get(name) {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        }
    }

    fn int_or_default(&self, name: &str) -> i64 {
        self.int(name).unwrap_or_else(|| {
            self.set
                .lookup(name)
                .and_then(|f| f.default.parse().ok())
                .unwrap_or(0)
        })
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.parsed.values.get(name) {
            Some(Value::List(l)) => l.clone(),
            Some(Value::Str(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}

fn err(msg: impl Into<String>) -> ParseError {
    ParseError::kubectl(msg)
}

/// `cmdutil.UsageErrorf`: the message and a pointer to the command's help.
fn usage_err(cmd_path: &str, msg: impl std::fmt::Display) -> ParseError {
    err(format!("{msg}\nSee '{cmd_path} -h' for help and examples"))
}

/// Go's `%v` of a `[]string`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

pub fn build(executed: Executed, heredoc: Option<String>) -> Result<Invocation, ParseError> {
    let (path, parsed) = match executed {
        Executed::Help { topic } => {
            return Ok(Invocation {
                verb: Verb::Help { topic },
                args: Vec::new(),
                flags: Flags::default(),
                pipeline: Vec::new(),
                targets: Vec::new(),
                operands: Vec::new(),
                stderr: StderrRedirect::Inherit,
                args_len_at_dash: None,
                warnings: Vec::new(),
                deferred_error: None,
            });
        }
        Executed::Run { path, parsed } => (path, parsed),
    };
    let cmd: &'static Cmd = path.last().copied().expect("a command");
    let verb = match &cmd.action {
        super::tree::Action::Verb(v) => v.clone(),
        _ => unreachable!("only verbs run"),
    };
    let a = Args {
        parsed: &parsed,
        set: super::cobra::run_flags(cmd),
    };
    let mut flags = fill_flags(&a, &verb);
    flags.stdin_manifest = heredoc;
    let mut inv = Invocation {
        verb,
        args: parsed.args.clone(),
        flags,
        pipeline: Vec::new(),
        targets: Vec::new(),
        operands: Vec::new(),
        stderr: StderrRedirect::Inherit,
        args_len_at_dash: parsed.args_len_at_dash,
        warnings: parsed.warnings.clone(),
        deferred_error: None,
    };
    let cmd_path = command_path(&path);
    // pflag has already printed its deprecation notices when a later check fails.
    validate(&mut inv, &a, &cmd_path).map_err(|mut e| {
        e.message = format!("{}{}", parsed.warnings.concat(), e.message);
        e
    })?;
    Ok(inv)
}

fn fill_flags(a: &Args, verb: &Verb) -> Flags {
    let opt_nonempty = |name: &str| a.str(name).filter(|s| !s.is_empty());
    let mut f = Flags {
        namespace: opt_nonempty("namespace"),
        context: a.str("context"),
        kubeconfig: a.str("kubeconfig"),
        server: a.str("server"),
        cluster: a.str("cluster"),
        user: a.str("user"),
        token: a.str("token"),
        request_timeout: a.str("request-timeout"),
        verbosity: a.int("v"),
        all_namespaces: a.bool("all-namespaces"),
        selector: if a.has("selector") {
            opt_nonempty("selector")
        } else {
            None
        },
        field_selector: opt_nonempty("field-selector"),
        all: a.bool("all"),
        filename: a.list("filename"),
        kustomize: opt_nonempty("kustomize"),
        recursive: a.bool("recursive"),
        subresource: opt_nonempty("subresource"),
        raw: opt_nonempty("raw"),
        stdin_manifest: None,
        output: None,
        template: opt_nonempty("template"),
        no_headers: a.bool("no-headers"),
        show_labels: a.bool("show-labels"),
        label_columns: a.list("label-columns"),
        show_kind: a.bool("show-kind"),
        sort_by: opt_nonempty("sort-by"),
        show_managed_fields: a.bool("show-managed-fields"),
        allow_missing_template_keys: a.bool("allow-missing-template-keys"),
        ignore_not_found: a.bool("ignore-not-found"),
        chunk_size: a.int("chunk-size"),
        watch: a.bool("watch"),
        show_events: a.bool("show-events"),
        tail: a.int("tail"),
        previous: a.bool("previous"),
        follow: a.bool("follow"),
        container: a.str("container"),
        all_containers: a.bool("all-containers"),
        timestamps: a.bool("timestamps"),
        since: a.str("since"),
        since_time: opt_nonempty("since-time"),
        limit_bytes: a.int("limit-bytes"),
        prefix: a.kind("prefix") == Some(Kind::Bool) && a.bool("prefix"),
        for_object: opt_nonempty("for"),
        types: a.list("types"),
        print_containers: a.kind("containers") == Some(Kind::Bool) && a.bool("containers"),
        sum: a.bool("sum"),
        show_capacity: a.bool("show-capacity"),
        dry_run: None,
        field_manager: a.str("field-manager"),
        replicas: a.int("replicas"),
        current_replicas: a.int("current-replicas"),
        resource_version: opt_nonempty("resource-version"),
        patch_type: None,
        patch: a.str("patch"),
        patch_file: opt_nonempty("patch-file"),
        local: a.bool("local"),
        containers: if a.kind("containers") == Some(Kind::Str) {
            a.str("containers")
        } else {
            None
        },
        limits: opt_nonempty("limits"),
        requests: opt_nonempty("requests"),
        env: a.list("env"),
        env_from: opt_nonempty("from"),
        keys: a.list("keys"),
        env_prefix: if a.kind("prefix") == Some(Kind::Str) {
            opt_nonempty("prefix")
        } else {
            None
        },
        list: a.bool("list"),
        resolve: a.bool("resolve"),
        overwrite: a.bool("overwrite"),
        to_revision: a.int("to-revision"),
        revision: a.int("revision"),
        timeout: a.str("timeout"),
        force: a.bool("force"),
        grace_period: a.int("grace-period"),
        now: a.bool("now"),
        wait: a.bool("wait"),
        cascade: a.str("cascade"),
        image: a.list("image"),
        port: a.str("port"),
        from_literal: a.list("from-literal"),
        from_file: a.list("from-file"),
        from_env_file: a.list("from-env-file"),
        secret_type: None,
        save_config: a.bool("save-config"),
        validate: a.str("validate"),
        server_side: a.bool("server-side"),
        force_conflicts: a.bool("force-conflicts"),
        prune: a.bool("prune"),
        labels: opt_nonempty("labels"),
        restart: a.str("restart"),
        command: a.bool("command"),
        api_group: a.str("api-group"),
        namespaced: a.changed("namespaced").then(|| a.bool("namespaced")),
        verbs: a.list("verbs"),
        categories: a.list("categories"),
        cached: a.bool("cached"),
        api_version: opt_nonempty("api-version"),
        explain_format: None,
        client: a.bool("client"),
        quiet: a.bool("quiet"),
        given: a.parsed.occurrences.clone(),
    };
    match verb {
        Verb::Patch => {
            f.patch_type = Some(a.str_or_default("type").to_lowercase());
        }
        Verb::Create(CreateWhat::SecretGeneric) => f.secret_type = opt_nonempty("type"),
        Verb::Explain => f.explain_format = Some(a.str_or_default("output")),
        _ => {}
    }
    f
}

/// `GetDryRunStrategy`: `client`, `server` or `none`.
fn dry_run(a: &Args) -> Result<Option<String>, ParseError> {
    if !a.has("dry-run") {
        return Ok(None);
    }
    let v = a.str_or_default("dry-run");
    let normal = match v.as_str() {
        // A bare --dry-run (and the deprecated booleans) mean client.
        "unchanged" | "client" => "client",
        "server" => "server",
        "none" => "none",
        other => match golang::parse_bool(other) {
            Ok(true) => "client",
            Ok(false) => "none",
            Err(_) => {
                return Err(err(format!(
                    "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
                )));
            }
        },
    };
    Ok(a.changed("dry-run").then(|| normal.to_string()))
}

/// `GetValidationDirective`.
fn validation(a: &Args) -> Result<(), ParseError> {
    let v = a.str_or_default("validate");
    if golang::parse_bool(&v).is_ok() || matches!(v.as_str(), "strict" | "warn" | "ignore") {
        return Ok(());
    }
    Err(err(format!(
        "invalid - validate option {}; must be one of: strict (or true), warn, ignore (or false)",
        golang::quote(&v)
    )))
}

/// Which printers a command offers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Printers {
    /// cli-runtime's `PrintFlags`: json, yaml, name and the templates.
    Generic,
    /// `get`: also wide and custom columns.
    Get,
}

const GENERIC_FORMATS: &[&str] = &[
    "go-template",
    "go-template-file",
    "json",
    "jsonpath",
    "jsonpath-as-json",
    "jsonpath-file",
    "name",
    "template",
    "templatefile",
    "yaml",
];

const GET_FORMATS: &[&str] = &[
    "custom-columns",
    "custom-columns-file",
    "go-template",
    "go-template-file",
    "json",
    "jsonpath",
    "jsonpath-as-json",
    "jsonpath-file",
    "name",
    "template",
    "templatefile",
    "wide",
    "yaml",
];

fn no_printer(format: &str, printers: Printers) -> String {
    let allowed = if printers == Printers::Get {
        GET_FORMATS
    } else {
        GENERIC_FORMATS
    };
    format!(
        "unable to match a printer suitable for the output format {}, allowed formats are: {}",
        golang::quote(format),
        allowed.join(",")
    )
}

/// A template printer (`jsonpath=...`, `go-template=...`): `Ok(None)` when the format is not
/// one of `formats`.
fn template_printer(
    format: &str,
    template: &str,
    formats: &[&str],
) -> Result<Option<(String, String)>, String> {
    if template.is_empty() && format.is_empty() {
        return Ok(None);
    }
    let (name, value) = if template.is_empty() {
        match formats.iter().find_map(|f| {
            format
                .strip_prefix(f)
                .and_then(|rest| rest.strip_prefix('='))
                .map(|v| (f.to_string(), v.to_string()))
        }) {
            Some(found) => found,
            None => (format.to_string(), String::new()),
        }
    } else {
        (format.to_string(), template.to_string())
    };
    if !formats.contains(&name.as_str()) {
        return Ok(None);
    }
    if value.is_empty() {
        return Err("template format specified but no template given".into());
    }
    Ok(Some((name, value)))
}

fn template_output(name: &str, value: String) -> Output {
    match name {
        "jsonpath" => Output::JsonPath(value),
        "jsonpath-as-json" => Output::JsonPathAsJson(value),
        "jsonpath-file" => Output::JsonPathFile(value),
        "go-template-file" | "templatefile" => Output::GoTemplateFile(value),
        _ => Output::GoTemplate(value),
    }
}

const JSONPATH_FORMATS: &[&str] = &["jsonpath", "jsonpath-as-json", "jsonpath-file"];
const GO_TEMPLATE_FORMATS: &[&str] = &[
    "go-template",
    "go-template-file",
    "template",
    "templatefile",
];

/// The printer kubectl would pick for `-o` and `--template`, or the error it would print.
fn output(a: &Args, printers: Printers) -> Result<Option<Output>, String> {
    let raw = a.str_or_default("output");
    let template = a.str_or_default("template");
    let mut format = raw.clone();
    match printers {
        Printers::Generic => {
            // Without OutputFlagSpecified, any --template selects the go-template printer.
            if !template.is_empty() {
                format = "go-template".into();
            }
        }
        Printers::Get => {
            if !template.is_empty() && format.is_empty() {
                format = "go-template".into();
            }
        }
    }
    let try_templates = |format: &str| -> Result<Option<Output>, String> {
        if let Some((n, v)) = template_printer(format, &template, JSONPATH_FORMATS)? {
            return Ok(Some(template_output(&n, v)));
        }
        if let Some((n, v)) = template_printer(format, &template, GO_TEMPLATE_FORMATS)? {
            return Ok(Some(template_output(&n, v)));
        }
        Ok(None)
    };
    let simple = |format: &str| match format {
        "json" => Some(Output::Json),
        "yaml" => Some(Output::Yaml),
        _ => None,
    };
    match printers {
        Printers::Generic => {
            if let Some(o) = simple(&format) {
                return Ok(Some(o));
            }
            match format.as_str() {
                "name" => return Ok(Some(Output::Name)),
                "" => return Ok(None),
                _ => {}
            }
            if let Some(o) = try_templates(&format)? {
                return Ok(Some(o));
            }
            Err(no_printer(&raw, printers))
        }
        Printers::Get => {
            if let Some(o) = try_templates(&format)? {
                return Ok(Some(o));
            }
            if let Some(o) = simple(&format) {
                return Ok(Some(o));
            }
            match format.as_str() {
                "" => return Ok(None),
                "wide" => return Ok(Some(Output::Wide)),
                _ => {}
            }
            if let Some(o) = custom_columns(&format, &template)? {
                return Ok(Some(o));
            }
            if format == "name" {
                return Ok(Some(Output::Name));
            }
            Err(no_printer(&format, printers))
        }
    }
}

fn custom_columns(format: &str, template: &str) -> Result<Option<Output>, String> {
    let formats = ["custom-columns", "custom-columns-file"];
    let (name, value) = if template.is_empty() {
        match formats.iter().find_map(|f| {
            format
                .strip_prefix(f)
                .and_then(|rest| rest.strip_prefix('='))
                .map(|v| (f.to_string(), v.to_string()))
        }) {
            Some(found) => found,
            None => (format.to_string(), String::new()),
        }
    } else {
        (format.to_string(), template.to_string())
    };
    if !formats.contains(&name.as_str()) {
        return Ok(None);
    }
    if value.is_empty() {
        return Err("custom-columns format specified but no custom columns given".into());
    }
    if name == "custom-columns-file" {
        return Ok(Some(Output::CustomColumnsFile(value)));
    }
    for part in value.split(',') {
        if !part.contains(':') {
            return Err(format!(
                "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
            ));
        }
    }
    Ok(Some(Output::CustomColumns(value)))
}

/// The resource builder as most commands call it.
fn resources(
    inv: &mut Invocation,
    a: &Args,
    args: &[String],
    allow_empty_selector: bool,
    select_all: bool,
    use_selectors: bool,
) -> Result<(), ParseError> {
    let selector = if use_selectors {
        a.str_or_default("selector")
    } else {
        String::new()
    };
    let field = if use_selectors && a.has("field-selector") {
        a.str_or_default("field-selector")
    } else {
        String::new()
    };
    let result = builder::check(&BuilderInput {
        args,
        filenames: &inv.flags.filename,
        kustomize: inv.flags.kustomize.as_deref().unwrap_or(""),
        recursive: inv.flags.recursive,
        label_selector: &selector,
        field_selector: &field,
        select_all,
        allow_empty_selector,
        subresource: inv.flags.subresource.as_deref().unwrap_or(""),
        uses_args: true,
    });
    if let Some(errs) = result.error {
        return Err(if errs.len() == 1 {
            err(errs[0].clone())
        } else {
            ParseError::new(errs.join("\n"), 1)
        });
    }
    inv.targets = result.targets;
    defer(inv, result.deferred.map(err));
    Ok(())
}

/// Records an error kubectl reports after contacting the server, keeping the earliest one.
fn defer(inv: &mut Invocation, e: Option<ParseError>) {
    if inv.deferred_error.is_none() {
        inv.deferred_error = e;
    }
}

/// Refusal of anything that would stream output.
fn refuse_watch(flag: &str) -> ParseError {
    err(format!(
        "{flag} is not supported here: this kubectl runs each command to completion and cannot \
         stream changes. Run the command again without it (repeat it to see what changed)."
    ))
}

fn validate(inv: &mut Invocation, a: &Args, cmd_path: &str) -> Result<(), ParseError> {
    let args = inv.args.clone();
    match inv.verb.clone() {
        Verb::Get => get(inv, a, cmd_path, &args),
        Verb::Describe => {
            if args.is_empty() && inv.flags.filename.is_empty() && inv.flags.kustomize.is_none() {
                return Err(err(
                    "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
                ));
            }
            resources(inv, a, &args, true, false, true)
        }
        Verb::Logs => logs(inv, a, cmd_path, &args),
        Verb::Events => {
            if let Some(for_object) = inv.flags.for_object.clone() {
                if !for_object.contains('/') {
                    return Err(err("--for must be in resource/name form"));
                }
                if for_object.split('/').count() != 2 {
                    return Err(err(
                        "arguments in resource/name form may not have more than one slash",
                    ));
                }
            }
            if !a.str_or_default("output").is_empty() {
                inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            }
            for t in &inv.flags.types {
                if !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning") {
                    return Err(err("valid --types are Normal or Warning"));
                }
            }
            if inv.flags.watch {
                return Err(refuse_watch("-w/--watch"));
            }
            Ok(())
        }
        Verb::Top(what) => {
            if args.len() > 1 {
                let usage = match what {
                    TopWhat::Pod => "pod [NAME | -l label]",
                    TopWhat::Node => "node [NAME | -l label]",
                };
                return Err(usage_err(cmd_path, usage));
            }
            if let Some(sort) = &inv.flags.sort_by
                && sort != "cpu"
                && sort != "memory"
            {
                return Err(err("--sort-by accepts only cpu or memory"));
            }
            if let Some(name) = args.first() {
                match what {
                    TopWhat::Pod
                        if inv.flags.selector.is_some() || inv.flags.field_selector.is_some() =>
                    {
                        return Err(err("only one of NAME or selector can be provided"));
                    }
                    TopWhat::Node if inv.flags.selector.is_some() => {
                        return Err(err("only one of NAME or --selector can be provided"));
                    }
                    _ => {}
                }
                inv.targets = vec![Target {
                    resource: match what {
                        TopWhat::Pod => "pods".into(),
                        TopWhat::Node => "nodes".into(),
                    },
                    name: Some(name.clone()),
                }];
            }
            Ok(())
        }
        Verb::Set(what) => set(inv, a, what, &args),
        Verb::Scale => {
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            if !a.changed("replicas") {
                return Err(err("required flag(s) \"replicas\" not set"));
            }
            if a.int_or_default("replicas") < 0 {
                return Err(err(
                    "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
                ));
            }
            if a.int_or_default("current-replicas") < -1 {
                return Err(err(
                    "The --current-replicas must specify an integer of -1 or greater",
                ));
            }
            let all = inv.flags.all;
            resources(inv, a, &args, all, false, true)
        }
        Verb::Patch => {
            inv.flags.dry_run = dry_run(a)?;
            let patch = a.str_or_default("patch");
            let patch_file = a.str_or_default("patch-file");
            if !patch.is_empty() && !patch_file.is_empty() {
                return Err(err("cannot specify --patch and --patch-file together"));
            }
            if patch.is_empty() && patch_file.is_empty() {
                return Err(err(
                    "must specify --patch or --patch-file containing the contents of the patch",
                ));
            }
            if inv.flags.local && !args.is_empty() {
                return Err(err("cannot specify --local and server resources"));
            }
            if inv.flags.local && inv.flags.dry_run.as_deref() == Some("server") {
                return Err(err(
                    "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
                ));
            }
            let ty = a.str_or_default("type");
            if !ty.is_empty()
                && !matches!(ty.to_lowercase().as_str(), "json" | "merge" | "strategic")
            {
                return Err(err(format!(
                    "--type must be one of [json merge strategic], not {}",
                    golang::quote(&ty)
                )));
            }
            if !inv.flags.local {
                resources(inv, a, &args, false, false, false)?;
            }
            // The printer is built when the result is printed, after the patch.
            match output(a, Printers::Generic) {
                Ok(o) => inv.flags.output = o,
                Err(e) => defer(inv, Some(err(e))),
            }
            Ok(())
        }
        Verb::Rollout(what) => rollout(inv, a, what, &args),
        Verb::Delete => delete(inv, a, &args),
        Verb::Label => label(inv, a, &args),
        Verb::Annotate => annotate(inv, a, &args),
        Verb::Create(what) => create(inv, a, what, cmd_path, &args),
        Verb::Apply => apply(inv, a, cmd_path, &args),
        Verb::ApiResources => {
            if !args.is_empty() {
                return Err(usage_err(
                    cmd_path,
                    format!("unexpected arguments: {}", go_list(&args)),
                ));
            }
            let o = a.str_or_default("output");
            inv.flags.output = match o.as_str() {
                "" => None,
                "wide" => Some(Output::Wide),
                "name" => Some(Output::Name),
                _ => return Err(err(format!("--output {o} is not available"))),
            };
            if let Some(sort) = &inv.flags.sort_by
                && sort != "name"
                && sort != "kind"
            {
                return Err(err("--sort-by accepts only name or kind"));
            }
            Ok(())
        }
        Verb::ApiVersions => {
            if !args.is_empty() {
                return Err(usage_err(
                    cmd_path,
                    format!("unexpected arguments: {}", go_list(&args)),
                ));
            }
            Ok(())
        }
        Verb::Explain => {
            if args.is_empty() {
                return Err(err(
                    "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
                ));
            }
            if args.len() > 1 {
                return Err(err("We accept only this format: explain RESOURCE\n"));
            }
            inv.targets = vec![Target {
                resource: args[0].clone(),
                name: None,
            }];
            Ok(())
        }
        Verb::Version => {
            if inv.flags.client {
                // `--client` returns before kubectl looks at the arguments.
            } else if !args.is_empty() {
                return Err(err(format!("extra arguments: {}", go_list(&args))));
            }
            let o = a.str_or_default("output");
            inv.flags.output = match o.as_str() {
                "" => None,
                "yaml" => Some(Output::Yaml),
                "json" => Some(Output::Json),
                _ => return Err(err("--output must be 'yaml' or 'json'")),
            };
            Ok(())
        }
        Verb::ClusterInfo => Ok(()),
        Verb::AuthCanI => {
            if inv.flags.list {
                if !args.is_empty() {
                    return Err(err("list option must be specified with no arguments"));
                }
                if inv.flags.quiet
                    || inv.flags.all_namespaces
                    || !a.str_or_default("subresource").is_empty()
                {
                    return Err(err(
                        "list option can't be specified with neither quiet, all-namespaces nor subresource options",
                    ));
                }
                return Ok(());
            }
            if args.len() != 2 {
                return Err(err(
                    "you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.",
                ));
            }
            inv.operands = args.clone();
            if !args[1].starts_with('/') {
                let (resource, name) = match args[1].split_once('/') {
                    Some((r, n)) => (r.to_string(), Some(n.to_string())),
                    None => (args[1].clone(), None),
                };
                inv.targets = vec![Target { resource, name }];
            } else if !a.str_or_default("subresource").is_empty() {
                return Err(err("--subresource can not be used with NonResourceURL"));
            }
            // Validate runs after the resource has been mapped on the server.
            if inv.flags.no_headers {
                defer(
                    inv,
                    Some(err("--no-headers cannot be set without --list specified")),
                );
            }
            Ok(())
        }
        Verb::Run => run(inv, a, cmd_path, &args),
        Verb::Help { .. } => Ok(()),
    }
}

fn get(inv: &mut Invocation, a: &Args, cmd_path: &str, args: &[String]) -> Result<(), ParseError> {
    if let Some(raw) = inv.flags.raw.clone() {
        if !args.is_empty() {
            return Err(err("arguments may not be passed when --raw is specified"));
        }
        if inv.flags.watch || a.bool("watch-only") || inv.flags.selector.is_some() {
            return Err(err(
                "--raw may not be specified with other flags that filter the server request or alter the output",
            ));
        }
        if !a.str_or_default("output").is_empty() {
            return Err(err("--raw and --output are mutually exclusive"));
        }
        if !raw.starts_with('/') {
            return Err(err(format!(
                "--raw must be a valid URL path: parse {}: invalid URI for request",
                golang::quote(&raw)
            )));
        }
        return Ok(());
    }
    let watching = inv.flags.watch || a.bool("watch-only");
    if !watching
        && args.is_empty()
        && inv.flags.filename.is_empty()
        && inv.flags.kustomize.is_none()
    {
        return Err(ParseError::new(
            format!(
                "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n\
                 error: Required resource not specified.\n\
                 Use \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\n\
                 See '{cmd_path} -h' for help and examples"
            ),
            1,
        ));
    }
    let raw_output = a.str_or_default("output");
    if inv.flags.show_labels && !raw_output.is_empty() && raw_output != "wide" {
        return Err(err(format!(
            "--show-labels option cannot be used with {raw_output} printer"
        )));
    }
    if a.bool("output-watch-events") && !watching {
        return Err(err(
            "--output-watch-events option can only be used with --watch or --watch-only",
        ));
    }
    resources(inv, a, args, true, false, true)?;
    if inv.flags.watch {
        return Err(refuse_watch("-w/--watch"));
    }
    if a.bool("watch-only") {
        return Err(refuse_watch("--watch-only"));
    }
    // get builds its printer after fetching the objects.
    match output(a, Printers::Get) {
        Ok(o) => inv.flags.output = o,
        Err(e) => defer(inv, Some(err(e))),
    }
    Ok(())
}

const LOGS_USAGE: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";

fn logs(inv: &mut Invocation, a: &Args, cmd_path: &str, args: &[String]) -> Result<(), ParseError> {
    let selector = inv.flags.selector.is_some();
    match args.len() {
        0 if !selector => return Err(usage_err(cmd_path, LOGS_USAGE)),
        0 => {}
        1 if selector => {
            return Err(usage_err(
                cmd_path,
                "only a selector (-l) or a POD name is allowed",
            ));
        }
        1 => {}
        2 => inv.operands = vec![args[1].clone()],
        _ => return Err(usage_err(cmd_path, LOGS_USAGE)),
    }
    let timeout = a.str_or_default("pod-running-timeout");
    if golang::parse_duration(&timeout).unwrap_or(0) <= 0 {
        return Err(err("--pod-running-timeout must be higher than zero"));
    }
    if let Some(t) = &inv.flags.since_time {
        gotime::check_rfc3339(t).map_err(err)?;
    }
    if let Some(arg) = args.first() {
        // `builder.ResourceNames("pods", arg)`.
        if arg.contains('/') {
            let seg: Vec<&str> = arg.split('/').collect();
            if seg.len() != 2 {
                return Err(err(
                    "arguments in resource/name form may not have more than one slash",
                ));
            }
            if seg[0].is_empty() || seg[1].is_empty() || seg[0].contains(',') {
                return Err(err(
                    "arguments in resource/name form must have a single resource and name",
                ));
            }
            inv.targets = vec![Target {
                resource: seg[0].to_string(),
                name: Some(seg[1].to_string()),
            }];
        } else {
            inv.targets = vec![Target {
                resource: "pods".into(),
                name: Some(arg.clone()),
            }];
        }
    } else {
        inv.targets = vec![Target {
            resource: "pods".into(),
            name: None,
        }];
    }
    // Validate runs once the pod has been found.
    let container = if args.len() == 2 {
        args[1].clone()
    } else {
        a.str_or_default("container")
    };
    let since_ns = inv
        .flags
        .since
        .as_deref()
        .and_then(|s| golang::parse_duration(s).ok())
        .unwrap_or(0);
    let deferred = if inv.flags.since_time.is_some() && since_ns != 0 {
        Some("at most one of `sinceTime` or `sinceSeconds` may be specified".to_string())
    } else if inv.flags.all_containers && !container.is_empty() {
        Some(format!(
            "--all-containers=true should not be specified with container name {container}"
        ))
    } else if a.changed("container") && args.len() == 2 {
        Some("only one of -c or an inline [CONTAINER] arg is allowed".to_string())
    } else if a.int_or_default("limit-bytes") < 0 {
        Some("--limit-bytes must be greater than 0".to_string())
    } else if since_ns < 0 {
        Some("--since must be greater than 0".to_string())
    } else if a.int_or_default("tail") < -1 {
        Some("--tail must be greater than or equal to -1".to_string())
    } else {
        None
    };
    defer(inv, deferred.map(err));
    Ok(())
}

fn set(inv: &mut Invocation, a: &Args, what: SetWhat, args: &[String]) -> Result<(), ParseError> {
    match what {
        SetWhat::Image => {
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            let (res, pairs) = resources_and_pairs(args, "image")?;
            let mut images: Vec<String> = Vec::new();
            let mut invalid: Vec<String> = Vec::new();
            for p in &pairs {
                if p.contains('=') && !p.starts_with('=') {
                    images.push(p.clone());
                } else {
                    invalid.push(p.clone());
                }
            }
            if !invalid.is_empty() {
                return Err(err(format!("invalid image format: {}", invalid.join(", "))));
            }
            inv.operands = pairs;
            if inv.flags.local {
                if !res.is_empty() {
                    return Err(local_resource_error());
                }
            } else {
                let all = inv.flags.all;
                resources(inv, a, &res, all, false, true)?;
            }
            // Validate runs after the objects are fetched.
            let mut errs: Vec<String> = Vec::new();
            if inv.flags.all && inv.flags.selector.is_some() {
                errs.push("cannot set --all and --selector at the same time".into());
            }
            if res.is_empty() && inv.flags.filename.is_empty() && inv.flags.kustomize.is_none() {
                errs.push("one or more resources must be specified as <resource> <name> or <resource>/<name>".into());
            }
            let keys: Vec<&str> = images
                .iter()
                .map(|p| p.split_once('=').map(|(k, _)| k).unwrap_or(""))
                .collect();
            if images.is_empty() {
                errs.push("at least one image update is required".into());
            } else if images.len() > 1 && keys.contains(&"*") {
                errs.push("all containers are already specified by *, but saw more than one container_name=container_image pairs".into());
            }
            if inv.flags.local && inv.flags.dry_run.as_deref() == Some("server") {
                errs.push(
                    "cannot specify --local and --dry-run=server - did you mean --dry-run=client?"
                        .into(),
                );
            }
            defer(inv, aggregate(errs));
            Ok(())
        }
        SetWhat::Resources => {
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            if inv.flags.local {
                if !args.is_empty() {
                    return Err(local_resource_error());
                }
            } else {
                let all = inv.flags.all;
                resources(inv, a, args, all, false, true)?;
            }
            let deferred = if inv.flags.local && inv.flags.dry_run.as_deref() == Some("server") {
                Some(
                    "cannot specify --local and --dry-run=server - did you mean --dry-run=client?"
                        .to_string(),
                )
            } else if inv.flags.all && inv.flags.selector.is_some() {
                Some("cannot set --all and --selector at the same time".to_string())
            } else if inv.flags.limits.is_none() && inv.flags.requests.is_none() {
                Some("you must specify an update to requests or limits (in the form of --requests/--limits)".to_string())
            } else {
                [&inv.flags.limits, &inv.flags.requests]
                    .into_iter()
                    .flatten()
                    .flat_map(|spec| spec.split(','))
                    .find(|stmt| stmt.split('=').count() != 2)
                    .map(|stmt| {
                        format!("Invalid argument syntax {stmt}, expected <resource>=<value>")
                    })
            };
            defer(inv, deferred.map(err));
            Ok(())
        }
        SetWhat::Env => {
            if inv.flags.all && inv.flags.selector.is_some() {
                return Err(err("cannot set --all and --selector at the same time"));
            }
            let mut res: Vec<String> = Vec::new();
            let mut env_args: Vec<String> = Vec::new();
            for s in args {
                let is_env = is_env_argument(s) || s.ends_with('-');
                if !env_args.is_empty() && !is_env {
                    return Err(err(format!(
                        "all resources must be specified before environment changes: {}",
                        args.join(" ")
                    )));
                }
                if is_env {
                    env_args.push(s.clone());
                } else {
                    res.push(s.clone());
                }
            }
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            if inv.flags.local && inv.flags.dry_run.as_deref() == Some("server") {
                return Err(err(
                    "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
                ));
            }
            if inv.flags.filename.is_empty() && res.is_empty() {
                return Err(err(
                    "one or more resources must be specified as <resource> <name> or <resource>/<name>",
                ));
            }
            if inv.flags.list && !a.str_or_default("output").is_empty() {
                return Err(err("--list and --output may not be specified together"));
            }
            if !inv.flags.keys.is_empty() && inv.flags.env_from.is_none() {
                return Err(err(
                    "when specifying --keys, a configmap or secret must be provided with --from",
                ));
            }
            let mut all_env = inv.flags.env.clone();
            all_env.extend(env_args.iter().cloned());
            check_env_specs(&all_env)?;
            inv.operands = env_args;
            if inv.flags.local {
                if !res.is_empty() {
                    return Err(local_resource_error());
                }
            } else {
                let all = inv.flags.all;
                resources(inv, a, &res, all, false, true)?;
            }
            Ok(())
        }
    }
}

fn local_resource_error() -> ParseError {
    ParseError::new(
        "error: you must specify resources by --filename when --local is set.\n\
         Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'",
        1,
    )
}

/// kubectl prints one error with `error: ` and several as bare lines.
fn aggregate(errs: Vec<String>) -> Option<ParseError> {
    match errs.len() {
        0 => None,
        1 => Some(err(errs[0].clone())),
        _ => Some(ParseError::new(errs.join("\n"), 1)),
    }
}

/// `envutil.IsEnvironmentArgument`: `(?ms)^(.+)=(.*)$`.
fn is_env_argument(s: &str) -> bool {
    s.char_indices().any(|(i, c)| c == '=' && i > 0)
}

const ENV_NAME_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

/// `envutil.ParseEnv`'s checks on `KEY=VALUE` and `KEY-` arguments (`-` reads standard input).
fn check_env_specs(specs: &[String]) -> Result<(), ParseError> {
    let mut set: Vec<&str> = Vec::new();
    let mut remove: Vec<&str> = Vec::new();
    for spec in specs {
        if spec == "-" {
            continue;
        }
        if let Some((name, _)) = spec.split_once('=') {
            let mut errs: Vec<&str> = Vec::new();
            let valid = name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b"-._".contains(&b))
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
            if !valid {
                errs.push(ENV_NAME_MSG);
            }
            if name == "." {
                errs.push("must not be '.'");
            } else if name == ".." {
                errs.push("must not be '..'");
            } else if name.starts_with("..") {
                errs.push("must not start with '..'");
            }
            if !errs.is_empty() {
                return Err(err(format!(
                    "{} is not a valid key name: {}",
                    golang::quote(name),
                    errs.join(";")
                )));
            }
            set.push(name);
        } else if let Some(name) = spec.strip_suffix('-') {
            remove.push(name);
        } else {
            return Err(err(format!("unknown environment variable: {spec}")));
        }
    }
    let set: std::collections::HashSet<&str> = set.into_iter().collect();
    if remove.iter().any(|r| set.contains(r)) {
        return Err(err(
            "can not both modify and remove the same environment variable in the same command",
        ));
    }
    Ok(())
}

/// `cmdutil.GetResourcesAndPairs`.
fn resources_and_pairs(
    args: &[String],
    pair_type: &str,
) -> Result<(Vec<String>, Vec<String>), ParseError> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in args {
        let non_resource =
            (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        match (pairs.is_empty(), non_resource) {
            (_, true) => pairs.push(s.clone()),
            (true, false) => resources.push(s.clone()),
            (false, false) => {
                return Err(err(format!(
                    "all resources must be specified before {pair_type} changes: {s}"
                )));
            }
        }
    }
    Ok((resources, pairs))
}

fn rollout(
    inv: &mut Invocation,
    a: &Args,
    what: RolloutWhat,
    args: &[String],
) -> Result<(), ParseError> {
    if what == RolloutWhat::Undo {
        inv.flags.dry_run = dry_run(a)?;
    }
    if args.is_empty() && inv.flags.filename.is_empty() && inv.flags.kustomize.is_none() {
        return Err(err("required resource not specified"));
    }
    if matches!(what, RolloutWhat::Status | RolloutWhat::History) {
        let rev = a.int_or_default("revision");
        if rev < 0 {
            return Err(err(format!("revision must be a positive integer: {rev}")));
        }
    }
    resources(inv, a, args, true, false, true)?;
    if what != RolloutWhat::Status {
        // These build their printer when they print, after the change.
        match output(a, Printers::Generic) {
            Ok(o) => inv.flags.output = o,
            Err(e) => defer(inv, Some(err(e))),
        }
    }
    Ok(())
}

fn delete(inv: &mut Invocation, a: &Args, args: &[String]) -> Result<(), ParseError> {
    let grace = a.int_or_default("grace-period");
    if inv.flags.now && grace != -1 {
        return Err(err("--now and --grace-period cannot be specified together"));
    }
    let grace = if inv.flags.now { 1 } else { grace };
    let grace = if grace == 0 && !inv.flags.force {
        1
    } else {
        grace
    };
    let grace = if inv.flags.force && grace < 0 {
        0
    } else {
        grace
    };
    inv.flags.dry_run = dry_run(a)?;
    if inv.flags.raw.is_none() {
        let all = inv.flags.all;
        resources(inv, a, args, false, all, true)?;
    }
    // Validate runs after the builder has mapped the types on the server.
    let o = a.str_or_default("output");
    inv.flags.output = (o == "name").then_some(Output::Name);
    let deferred = if !o.is_empty() && o != "name" {
        Some(format!(
            "unexpected -o output mode: {o}. We only support '-o name'"
        ))
    } else if inv.flags.all && inv.flags.selector.is_some() {
        Some("cannot set --all and --selector at the same time".to_string())
    } else if inv.flags.all && inv.flags.field_selector.is_some() {
        Some("cannot set --all and --field-selector at the same time".to_string())
    } else if grace > 0 && inv.flags.force {
        Some("--force and --grace-period greater than 0 cannot be specified together".to_string())
    } else {
        None
    };
    if let Some(d) = deferred {
        defer(inv, Some(err(d)));
    } else if grace == 0 && inv.flags.force {
        inv.warnings.push("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n".into());
    }
    if inv.flags.raw.is_some() {
        return Err(err(
            "--raw is not supported here: delete objects by type and name",
        ));
    }
    if a.bool("interactive") {
        return Err(err(
            "--interactive is not supported here: there is no terminal to confirm deletions on. Run the command again without -i.",
        ));
    }
    // kubectl treats --all and selectors as "ignore not found" unless told otherwise.
    if (inv.flags.all || inv.flags.selector.is_some() || inv.flags.field_selector.is_some())
        && !a.changed("ignore-not-found")
    {
        inv.flags.ignore_not_found = true;
    }
    inv.flags.grace_period = a
        .changed("grace-period")
        .then_some(grace)
        .or((inv.flags.now || inv.flags.force).then_some(grace));
    Ok(())
}

const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/// apimachinery's `IsValidLabelValue`.
fn label_value_errors(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    let b = v.as_bytes();
    let ok = b.is_empty()
        || (b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c)));
    if !ok {
        errs.push(LABEL_VALUE_MSG.to_string());
    }
    errs
}

fn label(inv: &mut Invocation, a: &Args, args: &[String]) -> Result<(), ParseError> {
    inv.flags.dry_run = dry_run(a)?;
    let (res, pairs) = resources_and_pairs(args, "label")?;
    let mut set: Vec<String> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    for spec in &pairs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            if parts.len() != 2 {
                return Err(err(format!("invalid label spec: {spec}")));
            }
            let errs = label_value_errors(parts[1]);
            if !errs.is_empty() {
                return Err(err(format!(
                    "invalid label value: {}: {}",
                    golang::quote(spec),
                    errs.join(";")
                )));
            }
            set.push(parts[0].to_string());
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(err(format!("unknown label spec: {spec}")));
        }
    }
    let set: std::collections::HashSet<&String> = set.iter().collect();
    if remove.iter().any(|r| set.contains(r)) {
        return Err(err(
            "can not both modify and remove a label in the same command",
        ));
    }
    let o = a.str_or_default("output");
    if inv.flags.list && !o.is_empty() {
        return Err(err("--list and --output may not be specified together"));
    }
    if inv.flags.all && inv.flags.selector.is_some() {
        return Err(err("cannot set --all and --selector at the same time"));
    }
    if inv.flags.all && inv.flags.field_selector.is_some() {
        return Err(err(
            "cannot set --all and --field-selector at the same time",
        ));
    }
    let no_files = inv.flags.filename.is_empty() && inv.flags.kustomize.is_none();
    if inv.flags.local {
        if inv.flags.dry_run.as_deref() == Some("server") {
            return Err(err(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
            ));
        }
        if !res.is_empty() {
            return Err(err(
                "can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set",
            ));
        }
        if no_files {
            return Err(err(
                "one or more files must be specified as -f pod.yaml or --filename=pod.json",
            ));
        }
    } else if res.is_empty() && no_files {
        return Err(err(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if set.is_empty() && remove.is_empty() && !inv.flags.list {
        return Err(err("at least one label update is required"));
    }
    inv.operands = pairs;
    if !inv.flags.local {
        let all = inv.flags.all;
        resources(inv, a, &res, all, false, true)?;
    }
    match output(a, Printers::Generic) {
        Ok(o) => inv.flags.output = o,
        Err(e) => defer(inv, Some(err(e))),
    }
    Ok(())
}

fn annotate(inv: &mut Invocation, a: &Args, args: &[String]) -> Result<(), ParseError> {
    inv.flags.dry_run = dry_run(a)?;
    inv.flags.output = output(a, Printers::Generic).map_err(err)?;
    let (res, pairs) = resources_and_pairs(args, "annotation")?;
    let mut set: Vec<String> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    for p in &pairs {
        if p.contains('=') && !p.starts_with('=') {
            set.push(
                p.split_once('=')
                    .map(|(k, _)| k.to_string())
                    .unwrap_or_default(),
            );
        } else if p.ends_with('-') && p != "-" {
            remove.push(p[..p.len() - 1].to_string());
        } else {
            invalid.push(p.clone());
        }
    }
    if !invalid.is_empty() {
        return Err(err(format!(
            "invalid annotation format: {}",
            invalid.join(", ")
        )));
    }
    let o = a.str_or_default("output");
    if inv.flags.list && !o.is_empty() {
        return Err(err("--list and --output may not be specified together"));
    }
    if inv.flags.all && inv.flags.selector.is_some() {
        return Err(err("cannot set --all and --selector at the same time"));
    }
    if inv.flags.all && inv.flags.field_selector.is_some() {
        return Err(err(
            "cannot set --all and --field-selector at the same time",
        ));
    }
    let no_files = inv.flags.filename.is_empty() && inv.flags.kustomize.is_none();
    if !inv.flags.local {
        if res.is_empty() && no_files {
            return Err(err(
                "one or more resources must be specified as <resource> <name> or <resource>/<name>",
            ));
        }
    } else {
        if inv.flags.dry_run.as_deref() == Some("server") {
            return Err(err(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
            ));
        }
        if !res.is_empty() {
            return Err(err(
                "can only use local files by -f rsrc.yaml or --filename=rsrc.json when --local=true is set",
            ));
        }
        if no_files {
            return Err(err(
                "one or more files must be specified as -f rsrc.yaml or --filename=rsrc.json",
            ));
        }
    }
    if set.is_empty() && remove.is_empty() && !inv.flags.list {
        return Err(err("at least one annotation update is required"));
    }
    let set_keys: std::collections::HashSet<&String> = set.iter().collect();
    let both: Vec<String> = remove
        .iter()
        .filter(|r| set_keys.contains(r))
        .cloned()
        .collect();
    if !both.is_empty() {
        return Err(err(format!(
            "can not both modify and remove the following annotation(s) in the same command: {}",
            both.join(", ")
        )));
    }
    inv.operands = pairs;
    if !inv.flags.local {
        let all = inv.flags.all;
        resources(inv, a, &res, all, false, true)?;
    }
    Ok(())
}

/// `NameFromCommandArgs`: exactly one name before any `--`.
fn one_name(inv: &Invocation, cmd_path: &str, args: &[String]) -> Result<String, ParseError> {
    let n = inv.args_len_at_dash.unwrap_or(args.len());
    if n != 1 {
        return Err(usage_err(
            cmd_path,
            format!("exactly one NAME is required, got {n}"),
        ));
    }
    Ok(args[0].clone())
}

fn create(
    inv: &mut Invocation,
    a: &Args,
    what: CreateWhat,
    cmd_path: &str,
    args: &[String],
) -> Result<(), ParseError> {
    match what {
        CreateWhat::FromFile => {
            if !args.is_empty() {
                return Err(usage_err(
                    cmd_path,
                    format!("Unexpected args: {}", go_list(args)),
                ));
            }
            inv.flags.dry_run = dry_run(a)?;
            validation(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            if inv.flags.filename.is_empty() && inv.flags.kustomize.is_none() {
                return Err(err("must specify one of -f and -k"));
            }
            if a.bool("edit") {
                return Err(err(
                    "--edit is not supported here: there is no editor. Put the manifest in a here-document: kubectl create -f - <<EOF",
                ));
            }
            if inv.flags.raw.is_some() {
                return Err(err("--raw is not supported here"));
            }
            files_only(inv)
        }
        CreateWhat::Deployment => {
            if !a.changed("image") {
                return Err(err("required flag(s) \"image\" not set"));
            }
            let name = one_name(inv, cmd_path, args)?;
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            validation(a)?;
            let command: Vec<String> = args[1..].to_vec();
            if inv.flags.image.len() > 1 && !command.is_empty() {
                return Err(err("cannot specify multiple --image options and command"));
            }
            inv.targets = vec![Target {
                resource: "deployments".into(),
                name: Some(name),
            }];
            inv.operands = command;
            Ok(())
        }
        CreateWhat::Namespace | CreateWhat::ConfigMap | CreateWhat::SecretGeneric => {
            let name = one_name(inv, cmd_path, args)?;
            inv.flags.dry_run = dry_run(a)?;
            inv.flags.output = output(a, Printers::Generic).map_err(err)?;
            validation(a)?;
            if what != CreateWhat::Namespace
                && !inv.flags.from_env_file.is_empty()
                && (!inv.flags.from_file.is_empty() || !inv.flags.from_literal.is_empty())
            {
                return Err(err(
                    "from-env-file cannot be combined with from-file or from-literal",
                ));
            }
            let resource = match what {
                CreateWhat::Namespace => "namespaces",
                CreateWhat::ConfigMap => "configmaps",
                _ => "secrets",
            };
            inv.targets = vec![Target {
                resource: resource.into(),
                name: Some(name),
            }];
            Ok(())
        }
    }
}

/// `-f` names: only standard input exists here.
fn files_only(inv: &Invocation) -> Result<(), ParseError> {
    if inv.flags.kustomize.is_some() {
        return Err(err(
            "-k is not supported here: there is no filesystem. Pass the manifest on standard input: -f - <<EOF",
        ));
    }
    let result = builder::check(&BuilderInput {
        filenames: &inv.flags.filename,
        recursive: inv.flags.recursive,
        ..BuilderInput::default()
    });
    if let Some(errs) = result.error
        && errs.iter().any(|e| e.starts_with("the path"))
    {
        return Err(if errs.len() == 1 {
            err(errs[0].clone())
        } else {
            ParseError::new(errs.join("\n"), 1)
        });
    }
    if inv
        .flags
        .filename
        .iter()
        .any(|f| f.starts_with("http://") || f.starts_with("https://"))
    {
        return Err(err(
            "reading manifests from URLs is not supported here: pass the manifest on standard input: -f - <<EOF",
        ));
    }
    Ok(())
}

fn apply(
    inv: &mut Invocation,
    a: &Args,
    cmd_path: &str,
    args: &[String],
) -> Result<(), ParseError> {
    if !args.is_empty() {
        return Err(usage_err(
            cmd_path,
            format!("Unexpected args: {}", go_list(args)),
        ));
    }
    inv.flags.dry_run = dry_run(a)?;
    if inv.flags.filename.is_empty() && inv.flags.kustomize.is_none() {
        return Err(err("must specify one of -f and -k"));
    }
    validation(a)?;
    let dry = inv.flags.dry_run.as_deref();
    let ssa = inv.flags.server_side;
    if inv.flags.force_conflicts && !ssa {
        return Err(err("--force-conflicts only works with --server-side"));
    }
    if dry == Some("client") && ssa {
        return Err(err(
            "--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)",
        ));
    }
    if ssa && inv.flags.force {
        return Err(err("--force cannot be used with --server-side"));
    }
    if dry == Some("server") && inv.flags.force {
        return Err(err("--dry-run=server cannot be used with --force"));
    }
    if inv.flags.all && inv.flags.selector.is_some() {
        return Err(err("cannot set --all and --selector at the same time"));
    }
    if inv.flags.prune {
        if inv.flags.force {
            return Err(err("--force cannot be used with --prune"));
        }
        if !inv.flags.all && inv.flags.selector.is_none() {
            return Err(err(
                "all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector",
            ));
        }
        if ssa {
            return Err(err(
                "--prune is in alpha and doesn't currently work on objects created by server-side apply",
            ));
        }
    }
    if inv.flags.subresource.is_some() && !ssa {
        return Err(err("--subresource can only be specified for --server-side"));
    }
    match output(a, Printers::Generic) {
        Ok(o) => inv.flags.output = o,
        Err(e) => defer(inv, Some(err(e))),
    }
    files_only(inv)
}

fn run(inv: &mut Invocation, a: &Args, cmd_path: &str, args: &[String]) -> Result<(), ParseError> {
    if !a.changed("image") {
        return Err(err("required flag(s) \"image\" not set"));
    }
    inv.flags.dry_run = dry_run(a)?;
    inv.flags.output = output(a, Printers::Generic).map_err(err)?;
    if a.bool("stdin") || a.bool("tty") || a.bool("attach") || a.bool("rm") {
        return Err(err(
            "\"kubectl run\" with -i/--stdin, -t/--tty, --attach or --rm is not supported here: there is no terminal to attach to. Run the pod without them and read its output with \"kubectl logs\".",
        ));
    }
    if args.is_empty() {
        return Err(usage_err(cmd_path, "NAME is required for run"));
    }
    if a.str_or_default("image").is_empty() {
        return Err(err("--image is required"));
    }
    if a.bool("expose") && a.str_or_default("port").is_empty() {
        return Err(usage_err(
            cmd_path,
            "--port must be set when exposing a service",
        ));
    }
    inv.targets = vec![Target {
        resource: "pods".into(),
        name: Some(args[0].clone()),
    }];
    inv.operands = args[1..].to_vec();
    Ok(())
}
