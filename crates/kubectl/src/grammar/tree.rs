//! kubectl 1.32's command tree and every flag of the commands this kubectl runs, transcribed
//! from the kubectl and cli-runtime sources (including hidden and deprecated flags, which the
//! real parser accepts) so that what is valid there is valid here.

use super::pflag::{FlagSpec, Kind, boolean, flag, string};
use super::{CreateWhat, RolloutWhat, SetWhat, TopWhat, Verb};

/// What running a command does once it is found and its flags parse.
#[derive(Clone, Debug)]
pub enum Action {
    /// `kubectl` alone prints its help.
    Root,
    /// cobra's `help [command]`.
    Help,
    Verb(Verb),
    /// A command group run without a subcommand: kubectl prints its help and exits 1 (on
    /// stderr, except `rollout`, which prints it on stdout; here it is always the error
    /// message), or rejects extra words.
    Group,
    /// Needs a terminal, a local port or the local filesystem: refused with this reason.
    Refused(&'static str),
    /// A real kubectl command this environment does not implement.
    Unsupported,
}

pub struct Cmd {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub suggest_for: &'static [&'static str],
    pub flags: &'static [&'static [FlagSpec]],
    pub children: &'static [Cmd],
    pub action: Action,
}

const fn cmd(name: &'static str, action: Action) -> Cmd {
    Cmd {
        name,
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: &[],
        action,
    }
}

const fn verb(name: &'static str, v: Verb, flags: &'static [&'static [FlagSpec]]) -> Cmd {
    Cmd {
        name,
        aliases: &[],
        suggest_for: &[],
        flags,
        children: &[],
        action: Action::Verb(v),
    }
}

const fn unsupported(name: &'static str) -> Cmd {
    cmd(name, Action::Unsupported)
}

const fn with_aliases(mut c: Cmd, aliases: &'static [&'static str]) -> Cmd {
    c.aliases = aliases;
    c
}

const fn deprecated(mut f: FlagSpec, note: &'static str) -> FlagSpec {
    f.deprecated = note;
    f
}

const fn optional(mut f: FlagSpec, no_opt: &'static str) -> FlagSpec {
    f.no_opt = no_opt;
    f
}

/// The flags every command inherits from the root (`kubectl options`).
pub static GLOBAL: &[FlagSpec] = &[
    string("as", 0, ""),
    flag("as-group", 0, Kind::Array, ""),
    string("as-uid", 0, ""),
    string("cache-dir", 0, "$HOME/.kube/cache"),
    string("certificate-authority", 0, ""),
    string("client-certificate", 0, ""),
    string("client-key", 0, ""),
    string("cluster", 0, ""),
    string("context", 0, ""),
    boolean("disable-compression", 0, false),
    boolean("insecure-skip-tls-verify", 0, false),
    string("kubeconfig", 0, ""),
    flag("log-flush-frequency", 0, Kind::GoDuration, "5s"),
    boolean("match-server-version", 0, false),
    string("namespace", b'n', ""),
    string("password", 0, ""),
    string("profile", 0, "none"),
    string("profile-output", 0, "profile.pprof"),
    string("request-timeout", 0, "0"),
    string("server", b's', ""),
    string("tls-server-name", 0, ""),
    string("token", 0, ""),
    string("user", 0, ""),
    string("username", 0, ""),
    flag("v", b'v', Kind::Level, "0"),
    flag("vmodule", 0, Kind::ModuleSpec, ""),
    boolean("warnings-as-errors", 0, false),
];

/// cobra adds `-h, --help` to every command.
pub static HELP: &[FlagSpec] = &[boolean("help", b'h', false)];

/// cli-runtime's `PrintFlags` (json, yaml, name and template printers).
static PRINT: &[FlagSpec] = &[
    boolean("allow-missing-template-keys", 0, true),
    string("output", b'o', ""),
    boolean("show-managed-fields", 0, false),
    string("template", 0, ""),
];

static FILENAME: &[FlagSpec] = &[
    flag("filename", b'f', Kind::Slice, ""),
    string("kustomize", b'k', ""),
    boolean("recursive", b'R', false),
];

static SELECTOR: &[FlagSpec] = &[string("selector", b'l', "")];

static DRY_RUN: &[FlagSpec] = &[optional(string("dry-run", 0, "none"), "unchanged")];

static RECORD: &[FlagSpec] = &[deprecated(
    boolean("record", 0, false),
    "--record will be removed in the future",
)];

static VALIDATE: &[FlagSpec] = &[optional(string("validate", 0, "strict"), "strict")];

static CREATE_COMMON: &[FlagSpec] = &[
    boolean("save-config", 0, false),
    string("field-manager", 0, "kubectl-create"),
];

static GET: &[FlagSpec] = &[
    boolean("all-namespaces", b'A', false),
    flag("chunk-size", 0, Kind::Int64, "500"),
    string("field-selector", 0, ""),
    boolean("ignore-not-found", 0, false),
    flag("label-columns", b'L', Kind::Slice, ""),
    boolean("no-headers", 0, false),
    boolean("output-watch-events", 0, false),
    string("raw", 0, ""),
    boolean("server-print", 0, true),
    boolean("show-kind", 0, false),
    boolean("show-labels", 0, false),
    string("sort-by", 0, ""),
    string("subresource", 0, ""),
    boolean("watch", b'w', false),
    boolean("watch-only", 0, false),
];

static DESCRIBE: &[FlagSpec] = &[
    boolean("all-namespaces", b'A', false),
    flag("chunk-size", 0, Kind::Int64, "500"),
    boolean("show-events", 0, true),
];

static LOGS: &[FlagSpec] = &[
    boolean("all-containers", 0, false),
    boolean("all-pods", 0, false),
    string("container", b'c', ""),
    boolean("follow", b'f', false),
    boolean("ignore-errors", 0, false),
    boolean("insecure-skip-tls-verify-backend", 0, false),
    flag("limit-bytes", 0, Kind::Int64, "0"),
    flag("max-log-requests", 0, Kind::Int, "5"),
    flag("pod-running-timeout", 0, Kind::Duration, "20s"),
    boolean("prefix", 0, false),
    boolean("previous", b'p', false),
    string("selector", b'l', ""),
    flag("since", 0, Kind::Duration, "0s"),
    string("since-time", 0, ""),
    flag("tail", 0, Kind::Int64, "-1"),
    boolean("timestamps", 0, false),
];

static EVENTS: &[FlagSpec] = &[
    boolean("all-namespaces", b'A', false),
    flag("chunk-size", 0, Kind::Int64, "500"),
    string("for", 0, ""),
    boolean("no-headers", 0, false),
    flag("types", 0, Kind::Slice, ""),
    boolean("watch", b'w', false),
];

static TOP_POD: &[FlagSpec] = &[
    boolean("all-namespaces", b'A', false),
    boolean("containers", 0, false),
    string("field-selector", 0, ""),
    boolean("no-headers", 0, false),
    string("selector", b'l', ""),
    string("sort-by", 0, ""),
    boolean("sum", 0, false),
    boolean("use-protocol-buffers", 0, true),
];

static TOP_NODE: &[FlagSpec] = &[
    boolean("no-headers", 0, false),
    string("selector", b'l', ""),
    boolean("show-capacity", 0, false),
    string("sort-by", 0, ""),
    boolean("use-protocol-buffers", 0, true),
];

static SET_COMMON: &[FlagSpec] = &[
    boolean("all", 0, false),
    string("field-manager", 0, "kubectl-set"),
    boolean("local", 0, false),
];

static SET_RESOURCES: &[FlagSpec] = &[
    string("containers", b'c', "*"),
    string("limits", 0, ""),
    string("requests", 0, ""),
];

static SET_ENV: &[FlagSpec] = &[
    string("containers", b'c', "*"),
    flag("env", b'e', Kind::Array, ""),
    string("from", 0, ""),
    flag("keys", 0, Kind::Slice, ""),
    boolean("list", 0, false),
    boolean("overwrite", 0, true),
    string("prefix", 0, ""),
    boolean("resolve", 0, false),
];

static SCALE: &[FlagSpec] = &[
    boolean("all", 0, false),
    flag("current-replicas", 0, Kind::Int, "-1"),
    flag("replicas", 0, Kind::Int, "0"),
    string("resource-version", 0, ""),
    flag("timeout", 0, Kind::Duration, "0s"),
];

static PATCH: &[FlagSpec] = &[
    string("field-manager", 0, "kubectl-patch"),
    boolean("local", 0, false),
    string("patch", b'p', ""),
    string("patch-file", 0, ""),
    string("subresource", 0, ""),
    string("type", 0, "strategic"),
];

static ROLLOUT_MUTATE: &[FlagSpec] = &[string("field-manager", 0, "kubectl-rollout")];

static ROLLOUT_HISTORY: &[FlagSpec] = &[flag("revision", 0, Kind::Int64, "0")];

static ROLLOUT_STATUS: &[FlagSpec] = &[
    flag("revision", 0, Kind::Int64, "0"),
    flag("timeout", 0, Kind::Duration, "0s"),
    boolean("watch", b'w', true),
];

static ROLLOUT_UNDO: &[FlagSpec] = &[flag("to-revision", 0, Kind::Int64, "0")];

/// cli-runtime's `DeleteFlags` as `delete` uses them.
static DELETE: &[FlagSpec] = &[
    boolean("all", 0, false),
    boolean("all-namespaces", b'A', false),
    optional(string("cascade", 0, "background"), "background"),
    string("field-selector", 0, ""),
    boolean("force", 0, false),
    flag("grace-period", 0, Kind::Int, "-1"),
    boolean("ignore-not-found", 0, false),
    boolean("interactive", b'i', false),
    boolean("now", 0, false),
    string("output", b'o', ""),
    string("raw", 0, ""),
    flag("timeout", 0, Kind::Duration, "0s"),
    boolean("wait", 0, true),
];

static LABEL: &[FlagSpec] = &[
    boolean("all", 0, false),
    boolean("all-namespaces", b'A', false),
    string("field-manager", 0, "kubectl-label"),
    string("field-selector", 0, ""),
    boolean("list", 0, false),
    boolean("local", 0, false),
    boolean("overwrite", 0, false),
    string("resource-version", 0, ""),
];

static ANNOTATE: &[FlagSpec] = &[
    boolean("all", 0, false),
    boolean("all-namespaces", b'A', false),
    string("field-manager", 0, "kubectl-annotate"),
    string("field-selector", 0, ""),
    boolean("list", 0, false),
    boolean("local", 0, false),
    boolean("overwrite", 0, false),
    string("resource-version", 0, ""),
];

static CREATE: &[FlagSpec] = &[
    boolean("edit", 0, false),
    string("raw", 0, ""),
    boolean("windows-line-endings", 0, false),
];

static CREATE_DEPLOYMENT: &[FlagSpec] = &[
    flag("image", 0, Kind::Slice, ""),
    flag("port", 0, Kind::Int32, "-1"),
    flag("replicas", b'r', Kind::Int32, "1"),
];

static CREATE_FROM_SOURCES: &[FlagSpec] = &[
    boolean("append-hash", 0, false),
    flag("from-env-file", 0, Kind::Slice, ""),
    flag("from-file", 0, Kind::Slice, ""),
    flag("from-literal", 0, Kind::Array, ""),
];

static CREATE_SECRET_TYPE: &[FlagSpec] = &[string("type", 0, "")];

static APPLY: &[FlagSpec] = &[
    boolean("all", 0, false),
    optional(string("cascade", 0, "background"), "background"),
    string("field-manager", 0, "kubectl-client-side-apply"),
    boolean("force", 0, false),
    boolean("force-conflicts", 0, false),
    flag("grace-period", 0, Kind::Int, "-1"),
    boolean("openapi-patch", 0, true),
    boolean("overwrite", 0, true),
    boolean("prune", 0, false),
    flag("prune-allowlist", 0, Kind::Array, ""),
    boolean("server-side", 0, false),
    string("subresource", 0, ""),
    flag("timeout", 0, Kind::Duration, "0s"),
    boolean("wait", 0, false),
];

static API_RESOURCES: &[FlagSpec] = &[
    string("api-group", 0, ""),
    boolean("cached", 0, false),
    flag("categories", 0, Kind::Slice, ""),
    boolean("namespaced", 0, true),
    boolean("no-headers", 0, false),
    string("output", b'o', ""),
    string("sort-by", 0, ""),
    flag("verbs", 0, Kind::Slice, ""),
];

static EXPLAIN: &[FlagSpec] = &[
    string("api-version", 0, ""),
    // kubectl 1.33 registers `--output` without the `-o` shorthand for explain.
    string("output", 0, "plaintext"),
    boolean("recursive", 0, false),
];

static VERSION: &[FlagSpec] = &[boolean("client", 0, false), string("output", b'o', "")];

static CAN_I: &[FlagSpec] = &[
    boolean("all-namespaces", b'A', false),
    boolean("list", 0, false),
    boolean("no-headers", 0, false),
    boolean("quiet", b'q', false),
    string("subresource", 0, ""),
];

static RUN: &[FlagSpec] = &[
    flag("annotations", 0, Kind::Array, ""),
    boolean("attach", 0, false),
    optional(string("cascade", 0, "background"), "background"),
    boolean("command", 0, false),
    flag("env", 0, Kind::Array, ""),
    boolean("expose", 0, false),
    string("field-manager", 0, "kubectl-run"),
    boolean("force", 0, false),
    flag("grace-period", 0, Kind::Int, "-1"),
    string("image", 0, ""),
    string("image-pull-policy", 0, ""),
    string("labels", b'l', ""),
    boolean("leave-stdin-open", 0, false),
    string("override-type", 0, "merge"),
    string("overrides", 0, ""),
    flag("pod-running-timeout", 0, Kind::Duration, "1m0s"),
    string("port", 0, ""),
    boolean("privileged", 0, false),
    boolean("quiet", b'q', false),
    string("restart", 0, "Always"),
    boolean("rm", 0, false),
    boolean("save-config", 0, false),
    boolean("stdin", b'i', false),
    flag("timeout", 0, Kind::Duration, "0s"),
    boolean("tty", b't', false),
    boolean("wait", 0, false),
];

const EXEC_WHY: &str = "it runs processes inside containers, which this environment does not allow. \
                        Investigate with \"kubectl logs\", \"kubectl describe\", \"kubectl get -o yaml\" and \"kubectl events\"";
const ATTACH_WHY: &str = "it attaches a terminal to a running container, which this environment does not have. \
                          Use \"kubectl logs\" to read a container's output";
const PORT_WHY: &str = "it opens network listeners on this machine, which this environment does not allow. \
                        Inspect services and endpoints with \"kubectl get\" and \"kubectl describe\"";
const CP_WHY: &str =
    "it copies files between containers and this machine, which this environment does not allow";
const EDIT_WHY: &str = "it opens an interactive editor, which this environment does not have. \
                        Change objects with \"kubectl patch\", \"kubectl set\", \"kubectl scale\" or \"kubectl apply -f - <<EOF\"";
const DEBUG_WHY: &str = "it starts interactive debugging sessions, which this environment does not have. \
                         Investigate with \"kubectl logs\", \"kubectl describe\" and \"kubectl events\"";

static SET_CHILDREN: &[Cmd] = &[
    verb(
        "image",
        Verb::Set(SetWhat::Image),
        &[PRINT, RECORD, FILENAME, SET_COMMON, DRY_RUN, SELECTOR],
    ),
    verb(
        "resources",
        Verb::Set(SetWhat::Resources),
        &[
            PRINT,
            RECORD,
            FILENAME,
            SET_COMMON,
            SELECTOR,
            SET_RESOURCES,
            DRY_RUN,
        ],
    ),
    unsupported("selector"),
    unsupported("subject"),
    with_aliases(unsupported("serviceaccount"), &["sa"]),
    verb(
        "env",
        Verb::Set(SetWhat::Env),
        &[FILENAME, SET_ENV, SET_COMMON, SELECTOR, PRINT, DRY_RUN],
    ),
];

static ROLLOUT_CHILDREN: &[Cmd] = &[
    verb(
        "history",
        Verb::Rollout(RolloutWhat::History),
        &[ROLLOUT_HISTORY, SELECTOR, FILENAME, PRINT],
    ),
    verb(
        "pause",
        Verb::Rollout(RolloutWhat::Pause),
        &[PRINT, FILENAME, ROLLOUT_MUTATE, SELECTOR],
    ),
    verb(
        "resume",
        Verb::Rollout(RolloutWhat::Resume),
        &[FILENAME, ROLLOUT_MUTATE, SELECTOR, PRINT],
    ),
    verb(
        "undo",
        Verb::Rollout(RolloutWhat::Undo),
        &[ROLLOUT_UNDO, FILENAME, DRY_RUN, SELECTOR, PRINT],
    ),
    verb(
        "status",
        Verb::Rollout(RolloutWhat::Status),
        &[FILENAME, ROLLOUT_STATUS, SELECTOR],
    ),
    verb(
        "restart",
        Verb::Rollout(RolloutWhat::Restart),
        &[FILENAME, ROLLOUT_MUTATE, SELECTOR, PRINT],
    ),
];

static TOP_CHILDREN: &[Cmd] = &[
    with_aliases(
        verb("node", Verb::Top(TopWhat::Node), &[TOP_NODE]),
        &["nodes", "no"],
    ),
    with_aliases(
        verb("pod", Verb::Top(TopWhat::Pod), &[TOP_POD]),
        &["pods", "po"],
    ),
];

static AUTH_CHILDREN: &[Cmd] = &[
    verb("can-i", Verb::AuthCanI, &[CAN_I]),
    unsupported("reconcile"),
    unsupported("whoami"),
];

static CREATE_SECRET_CHILDREN: &[Cmd] = &[
    unsupported("docker-registry"),
    unsupported("tls"),
    verb(
        "generic",
        Verb::Create(CreateWhat::SecretGeneric),
        &[
            PRINT,
            CREATE_COMMON,
            VALIDATE,
            DRY_RUN,
            CREATE_FROM_SOURCES,
            CREATE_SECRET_TYPE,
        ],
    ),
];

static CREATE_CHILDREN: &[Cmd] = &[
    unsupported("clusterrole"),
    unsupported("clusterrolebinding"),
    with_aliases(
        verb(
            "configmap",
            Verb::Create(CreateWhat::ConfigMap),
            &[PRINT, CREATE_COMMON, VALIDATE, DRY_RUN, CREATE_FROM_SOURCES],
        ),
        &["cm"],
    ),
    with_aliases(unsupported("cronjob"), &["cj"]),
    with_aliases(
        verb(
            "deployment",
            Verb::Create(CreateWhat::Deployment),
            &[PRINT, CREATE_COMMON, VALIDATE, DRY_RUN, CREATE_DEPLOYMENT],
        ),
        &["deploy"],
    ),
    with_aliases(unsupported("ingress"), &["ing"]),
    unsupported("job"),
    with_aliases(
        verb(
            "namespace",
            Verb::Create(CreateWhat::Namespace),
            &[PRINT, CREATE_COMMON, VALIDATE, DRY_RUN],
        ),
        &["ns"],
    ),
    with_aliases(unsupported("poddisruptionbudget"), &["pdb"]),
    with_aliases(unsupported("priorityclass"), &["pc"]),
    with_aliases(unsupported("quota"), &["resourcequota"]),
    unsupported("role"),
    unsupported("rolebinding"),
    Cmd {
        name: "secret",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: CREATE_SECRET_CHILDREN,
        action: Action::Group,
    },
    with_aliases(unsupported("service"), &["svc"]),
    with_aliases(unsupported("serviceaccount"), &["sa"]),
    unsupported("token"),
];

static APPLY_CHILDREN: &[Cmd] = &[
    unsupported("view-last-applied"),
    unsupported("set-last-applied"),
    unsupported("edit-last-applied"),
];

static CLUSTER_INFO_CHILDREN: &[Cmd] = &[unsupported("dump")];

/// Root commands in the order kubectl adds them, which is the order of its suggestions.
static ROOT_CHILDREN: &[Cmd] = &[
    Cmd {
        name: "create",
        aliases: &[],
        suggest_for: &[],
        flags: &[
            PRINT,
            RECORD,
            FILENAME,
            VALIDATE,
            CREATE,
            CREATE_COMMON,
            DRY_RUN,
            SELECTOR,
        ],
        children: CREATE_CHILDREN,
        action: Action::Verb(Verb::Create(CreateWhat::FromFile)),
    },
    unsupported("expose"),
    verb("run", Verb::Run, &[RUN, DRY_RUN, PRINT, RECORD, FILENAME]),
    Cmd {
        name: "set",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: SET_CHILDREN,
        action: Action::Group,
    },
    verb("explain", Verb::Explain, &[EXPLAIN]),
    Cmd {
        name: "get",
        aliases: &[],
        suggest_for: &["list", "ps"],
        flags: &[PRINT, GET, FILENAME, SELECTOR],
        children: &[],
        action: Action::Verb(Verb::Get),
    },
    cmd("edit", Action::Refused(EDIT_WHY)),
    Cmd {
        name: "delete",
        aliases: &[],
        suggest_for: &["rm"],
        flags: &[FILENAME, SELECTOR, DELETE, DRY_RUN],
        children: &[],
        action: Action::Verb(Verb::Delete),
    },
    Cmd {
        name: "rollout",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: ROLLOUT_CHILDREN,
        action: Action::Group,
    },
    verb(
        "scale",
        Verb::Scale,
        &[RECORD, PRINT, SCALE, FILENAME, DRY_RUN, SELECTOR],
    ),
    unsupported("autoscale"),
    unsupported("certificate"),
    Cmd {
        name: "cluster-info",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: CLUSTER_INFO_CHILDREN,
        action: Action::Verb(Verb::ClusterInfo),
    },
    Cmd {
        name: "top",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: TOP_CHILDREN,
        action: Action::Group,
    },
    unsupported("cordon"),
    unsupported("uncordon"),
    unsupported("drain"),
    unsupported("taint"),
    verb("describe", Verb::Describe, &[FILENAME, SELECTOR, DESCRIBE]),
    verb("logs", Verb::Logs, &[LOGS]),
    cmd("attach", Action::Refused(ATTACH_WHY)),
    cmd("exec", Action::Refused(EXEC_WHY)),
    cmd("port-forward", Action::Refused(PORT_WHY)),
    cmd("proxy", Action::Refused(PORT_WHY)),
    cmd("cp", Action::Refused(CP_WHY)),
    Cmd {
        name: "auth",
        aliases: &[],
        suggest_for: &[],
        flags: &[],
        children: AUTH_CHILDREN,
        action: Action::Group,
    },
    cmd("debug", Action::Refused(DEBUG_WHY)),
    verb("events", Verb::Events, &[EVENTS, PRINT]),
    unsupported("diff"),
    Cmd {
        name: "apply",
        aliases: &[],
        suggest_for: &[],
        flags: &[APPLY, RECORD, PRINT, VALIDATE, DRY_RUN, SELECTOR, FILENAME],
        children: APPLY_CHILDREN,
        action: Action::Verb(Verb::Apply),
    },
    verb(
        "patch",
        Verb::Patch,
        &[RECORD, PRINT, PATCH, DRY_RUN, FILENAME],
    ),
    unsupported("replace"),
    Cmd {
        name: "wait",
        aliases: &[],
        suggest_for: &["list", "ps"],
        flags: &[],
        children: &[],
        action: Action::Unsupported,
    },
    unsupported("kustomize"),
    verb(
        "label",
        Verb::Label,
        &[RECORD, PRINT, LABEL, FILENAME, DRY_RUN, SELECTOR],
    ),
    verb(
        "annotate",
        Verb::Annotate,
        &[PRINT, RECORD, DRY_RUN, FILENAME, SELECTOR, ANNOTATE],
    ),
    unsupported("completion"),
    unsupported("alpha"),
    unsupported("config"),
    unsupported("plugin"),
    verb("version", Verb::Version, &[VERSION]),
    verb("api-versions", Verb::ApiVersions, &[]),
    verb("api-resources", Verb::ApiResources, &[API_RESOURCES]),
    unsupported("options"),
];

pub static ROOT: Cmd = Cmd {
    name: "kubectl",
    aliases: &[],
    suggest_for: &[],
    flags: &[],
    children: ROOT_CHILDREN,
    action: Action::Root,
};

/// cobra's help command, which kubectl gains only when it executes (so kubectl's plugin lookup,
/// which runs before, does not know it).
pub static HELP_CMD: Cmd = cmd("help", Action::Help);

impl Cmd {
    pub fn has_alias(&self, s: &str) -> bool {
        self.aliases.contains(&s)
    }
}
