//! Strategic merge patch, JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
//!
//! The API server calls [`apply`] with the raw PATCH body and the stored object as JSON. The three
//! patch types behave as kube-apiserver's: strategic merge patch follows
//! `k8s.io/apimachinery/pkg/util/strategicpatch` (merge keys, `$patch`, `$setElementOrder`,
//! `$retainKeys`, `$deleteFromPrimitiveList`), and errors carry the reason, code and message the
//! real server puts in its `Status`.
//!
//! Kubernetes reads the merge strategies from Go struct tags; here they come from a small table
//! keyed by (where we are in the object, field name), so `ports` merges by `containerPort` under a
//! container and by `port` under a Service spec.

use serde_json::{Map, Value};

/// The media type of a PATCH body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/merge-patch+json` (RFC 7386)
    Merge,
    /// `application/json-patch+json` (RFC 6902)
    Json,
}

impl PatchType {
    /// The patch type for a `Content-Type` header value; parameters such as `;charset=utf-8` are
    /// ignored. `None` for anything else, which the server answers with 415.
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        let media_type = ct.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case("application/strategic-merge-patch+json") {
            Some(PatchType::Strategic)
        } else if media_type.eq_ignore_ascii_case("application/merge-patch+json") {
            Some(PatchType::Merge)
        } else if media_type.eq_ignore_ascii_case("application/json-patch+json") {
            Some(PatchType::Json)
        } else {
            None
        }
    }
}

/// Why a patch was rejected. `Display` is the `message` of the real API server's `Status`;
/// [`PatchError::reason`] and [`PatchError::code`] give its `reason` and `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// The body is not JSON, or not the JSON shape the patch type needs.
    #[error("error decoding patch: {0}")]
    Decode(String),
    /// A `$`-prefixed key that strategic merge patch does not know.
    #[error("unknown directive {directive:?} in strategic merge patch")]
    UnknownDirective {
        /// The key as sent.
        directive: String,
    },
    /// A `$patch` whose value is not `replace`, `delete` (or, on a map, `merge`).
    #[error("unknown patch type: {value} in map: {map}")]
    UnknownPatchType {
        /// The `$patch` value, Go-formatted.
        value: String,
        /// The map that carried it, Go-formatted as apimachinery prints it.
        map: String,
    },
    /// An item of a list merged by key lacks the key.
    #[error("map: {map} does not contain declared merge key: {key}")]
    MissingMergeKey {
        /// The item, Go-formatted.
        map: String,
        /// The merge key of the list.
        key: String,
    },
    /// Any other malformed patch (bad directive format, `$setElementOrder` mismatch, ...).
    #[error("{0}")]
    Malformed(String),
    /// The patch is well formed but cannot be applied: a failed JSON patch operation (`test`
    /// mismatch, `replace` or `remove` on a missing path) or a list of lists in a merged list.
    /// The real server answers 422 with a generic message and drops the cause; `detail` keeps it.
    #[error("the server rejected our request due to an error in our request")]
    Unprocessable {
        /// What actually failed, for logs.
        detail: String,
    },
    /// A JSON patch with more operations than kube-apiserver accepts.
    #[error(
        "Request entity too large: The allowed maximum operations in a JSON patch is {max}, got {got}"
    )]
    TooManyOperations {
        /// The limit, 10000.
        max: usize,
        /// Operations in the body.
        got: usize,
    },
}

impl PatchError {
    /// The `reason` of the `Status` the API server answers with.
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::Unprocessable { .. } => "Invalid",
            PatchError::TooManyOperations { .. } => "RequestEntityTooLarge",
            _ => "BadRequest",
        }
    }

    /// The HTTP status code of that answer.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::Unprocessable { .. } => 422,
            PatchError::TooManyOperations { .. } => 413,
            _ => 400,
        }
    }
}

/// kube-apiserver refuses JSON patches with more operations than this.
const MAX_JSON_PATCH_OPERATIONS: usize = 10_000;

/// Applies `patch` (raw request body) to `original` (the object as JSON).
///
/// `kind` is the Kubernetes kind of the object ("Deployment", "Pod", ...); it only matters for
/// strategic merge patch, where it decides the merge keys.
pub fn apply(
    kind: &str,
    original: &Value,
    patch_type: PatchType,
    patch: &[u8],
) -> Result<Value, PatchError> {
    let body: Value =
        serde_json::from_slice(patch).map_err(|e| PatchError::Decode(e.to_string()))?;
    match patch_type {
        PatchType::Strategic => strategic_merge(kind, original, &body),
        PatchType::Merge => apply_merge_patch(original, &body),
        PatchType::Json => apply_json_patch(original, body),
    }
}

/// Strategic merge patch on JSON values, for an object of `kind`.
///
/// A `null` patch leaves the object unchanged, as Go's decoder turns it into an empty map.
pub fn strategic_merge(kind: &str, original: &Value, patch: &Value) -> Result<Value, PatchError> {
    let patch = match patch {
        Value::Object(map) => map,
        Value::Null => return Ok(original.clone()),
        other => return Err(not_a_map(other)),
    };
    let original = match original {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    match merge_map(original, patch, Ctx::Root(RootKind::of(kind)))? {
        Some(merged) => Ok(Value::Object(merged)),
        None => Err(PatchError::Malformed(
            "$patch: delete cannot be applied to the whole object".to_owned(),
        )),
    }
}

fn apply_merge_patch(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    match patch {
        Value::Object(_) => {
            let mut doc = original.clone();
            json_patch::merge(&mut doc, patch);
            Ok(doc)
        }
        // The server decodes the body into a map first, which accepts `null`; evanphx/json-patch
        // then refuses it with this message.
        Value::Null => Err(PatchError::Malformed("Invalid JSON Patch".to_owned())),
        other => Err(not_a_map(other)),
    }
}

fn apply_json_patch(original: &Value, body: Value) -> Result<Value, PatchError> {
    let ops = match body {
        Value::Array(ops) => ops,
        // Go decodes `null` into an empty list of operations.
        Value::Null => return Ok(original.clone()),
        other => {
            return Err(PatchError::Decode(format!(
                "json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                go_json_type(&other)
            )));
        }
    };
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(PatchError::TooManyOperations {
            max: MAX_JSON_PATCH_OPERATIONS,
            got: ops.len(),
        });
    }
    // The server decodes each operation into a struct of strings first (400 on a type mismatch);
    // what fails later, such as an unknown op or a path without a leading slash, is a 422.
    for op in &ops {
        match op {
            Value::Object(fields) => {
                for name in ["op", "path", "from"] {
                    match fields.get(name) {
                        None | Some(Value::Null) | Some(Value::String(_)) => {}
                        Some(other) => {
                            return Err(PatchError::Decode(format!(
                                "json: cannot unmarshal {} into Go struct field jsonPatchOp.{name} of type string",
                                go_json_type(other)
                            )));
                        }
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(PatchError::Decode(format!(
                    "json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                    go_json_type(other)
                )));
            }
        }
    }
    let operations: json_patch::Patch =
        serde_json::from_value(Value::Array(ops)).map_err(|e| PatchError::Unprocessable {
            detail: e.to_string(),
        })?;
    let mut doc = original.clone();
    // `json_patch::patch` rolls back a failed patch and panics when the rollback itself fails
    // (a `move` onto its own parent followed by a failing op); patching a copy needs no rollback.
    json_patch::patch_unsafe(&mut doc, &operations).map_err(|e| PatchError::Unprocessable {
        detail: e.to_string(),
    })?;
    Ok(doc)
}

/// The error Go's decoder gives for a body that is not a JSON object.
fn not_a_map(value: &Value) -> PatchError {
    PatchError::Decode(format!(
        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
        go_json_type(value)
    ))
}

fn go_json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

// ------------------------------------------------------------------------------------------------
// Merge strategies

/// Where a JSON value sits in an object, as far as merge strategies care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// No list below has a merge strategy: every list is atomic.
    Any,
    Root(RootKind),
    ObjectMeta,
    /// The spec of a Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController or Job.
    WorkloadSpec,
    CronJobSpec,
    JobTemplate,
    PodTemplate,
    PodSpec,
    Container,
    ServiceSpec,
    NodeSpec,
    PodStatus,
    NodeStatus,
    /// The status of any other kind: only `conditions` merges.
    Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RootKind {
    Pod,
    Workload,
    CronJob,
    Service,
    Node,
    PodTemplate,
    Other,
}

impl RootKind {
    fn of(kind: &str) -> RootKind {
        match kind {
            "Pod" => RootKind::Pod,
            "Deployment"
            | "ReplicaSet"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicationController"
            | "Job" => RootKind::Workload,
            "CronJob" => RootKind::CronJob,
            "Service" => RootKind::Service,
            "Node" => RootKind::Node,
            "PodTemplate" => RootKind::PodTemplate,
            _ => RootKind::Other,
        }
    }
}

/// How a list field is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStrategy {
    /// The patch list replaces the original (the default for every list).
    Atomic,
    /// Items are maps matched by this key (`patchStrategy:"merge" patchMergeKey:"..."`).
    MergeKey(&'static str),
    /// A set of scalars: the union of both lists (`patchStrategy:"merge"` without a key).
    PrimitiveSet,
}

/// What the table knows about one field: how it merges if it is a list, and the context of its
/// value (or of its items, for a list).
#[derive(Debug, Clone, Copy)]
struct Field {
    list: ListStrategy,
    child: Ctx,
}

/// The merge strategies of the built-in types, from the `patchStrategy`/`patchMergeKey` tags of
/// `k8s.io/api` (v1.33). Fields not listed are atomic lists, or maps merged recursively.
const FIELDS: &[(Ctx, &str, ListStrategy, Ctx)] = {
    use Ctx::*;
    use ListStrategy::*;
    &[
        (ObjectMeta, "ownerReferences", MergeKey("uid"), Any),
        (ObjectMeta, "finalizers", PrimitiveSet, Any),
        (WorkloadSpec, "template", Atomic, PodTemplate),
        (CronJobSpec, "jobTemplate", Atomic, JobTemplate),
        (JobTemplate, "metadata", Atomic, ObjectMeta),
        (JobTemplate, "spec", Atomic, WorkloadSpec),
        (PodTemplate, "metadata", Atomic, ObjectMeta),
        (PodTemplate, "spec", Atomic, PodSpec),
        (PodSpec, "containers", MergeKey("name"), Container),
        (PodSpec, "initContainers", MergeKey("name"), Container),
        (PodSpec, "ephemeralContainers", MergeKey("name"), Container),
        (PodSpec, "volumes", MergeKey("name"), Any),
        (PodSpec, "imagePullSecrets", MergeKey("name"), Any),
        (PodSpec, "hostAliases", MergeKey("ip"), Any),
        (
            PodSpec,
            "topologySpreadConstraints",
            MergeKey("topologyKey"),
            Any,
        ),
        (PodSpec, "resourceClaims", MergeKey("name"), Any),
        (PodSpec, "schedulingGates", MergeKey("name"), Any),
        (Container, "env", MergeKey("name"), Any),
        (Container, "ports", MergeKey("containerPort"), Any),
        (Container, "volumeMounts", MergeKey("mountPath"), Any),
        (Container, "volumeDevices", MergeKey("devicePath"), Any),
        (ServiceSpec, "ports", MergeKey("port"), Any),
        (NodeSpec, "podCIDRs", PrimitiveSet, Any),
        (PodStatus, "conditions", MergeKey("type"), Any),
        (PodStatus, "podIPs", MergeKey("ip"), Any),
        (PodStatus, "hostIPs", MergeKey("ip"), Any),
        (NodeStatus, "conditions", MergeKey("type"), Any),
        (NodeStatus, "addresses", MergeKey("type"), Any),
        (Status, "conditions", MergeKey("type"), Any),
    ]
};

fn lookup(ctx: Ctx, name: &str) -> Field {
    let child = |child| Field {
        list: ListStrategy::Atomic,
        child,
    };
    if let Ctx::Root(kind) = ctx {
        return match (kind, name) {
            (_, "metadata") => child(Ctx::ObjectMeta),
            (RootKind::Pod, "spec") => child(Ctx::PodSpec),
            (RootKind::Pod, "status") => child(Ctx::PodStatus),
            (RootKind::Workload, "spec") => child(Ctx::WorkloadSpec),
            (RootKind::CronJob, "spec") => child(Ctx::CronJobSpec),
            (RootKind::Service, "spec") => child(Ctx::ServiceSpec),
            (RootKind::Node, "spec") => child(Ctx::NodeSpec),
            (RootKind::Node, "status") => child(Ctx::NodeStatus),
            (RootKind::PodTemplate, "template") => child(Ctx::PodTemplate),
            (_, "status") => child(Ctx::Status),
            _ => child(Ctx::Any),
        };
    }
    FIELDS
        .iter()
        .find(|(at, field, _, _)| *at == ctx && *field == name)
        .map_or(child(Ctx::Any), |&(_, _, list, item)| Field {
            list,
            child: item,
        })
}

/// How a list field merges, for code that computes strategic merge patches (`apply`) or prunes
/// what a server-side apply manager dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMerge {
    Atomic,
    MergeKey(&'static str),
    PrimitiveSet,
}

/// A position in an object of some kind, as the merge strategy table sees it.
#[derive(Debug, Clone, Copy)]
pub struct Position(Ctx);

impl Position {
    /// The top of an object of `kind` (`Deployment`, `Pod`, ...).
    pub fn root(kind: &str) -> Position {
        Position(Ctx::Root(RootKind::of(kind)))
    }

    /// The strategy of field `name` if it is a list, and the position of its value (or items).
    pub fn field(self, name: &str) -> (ListMerge, Position) {
        let field = lookup(self.0, name);
        let list = match field.list {
            ListStrategy::Atomic => ListMerge::Atomic,
            ListStrategy::MergeKey(k) => ListMerge::MergeKey(k),
            ListStrategy::PrimitiveSet => ListMerge::PrimitiveSet,
        };
        (list, Position(field.child))
    }

    /// Whether field `name` here carries `patchStrategy:"retainKeys"` (a Deployment's
    /// `strategy`).
    pub(crate) fn retains_keys(self, name: &str) -> bool {
        self.0 == Ctx::WorkloadSpec && name == "strategy"
    }
}

/// Removes empty lists, as the API server's typed round trip does (every list field is
/// `omitempty`): `set env KEY-` on the last variable leaves no `env: []` behind.
pub fn drop_empty_lists(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
            map.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

// ------------------------------------------------------------------------------------------------
// Strategic merge patch

const PATCH_DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";

const ERR_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
const ERR_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";
const ERR_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";

/// Merges `patch` into `original`. `None` means the map is deleted (`$patch: delete`).
fn merge_map(
    mut original: Map<String, Value>,
    patch: &Map<String, Value>,
    ctx: Ctx,
) -> Result<Option<Map<String, Value>>, PatchError> {
    if let Some(directive) = patch.get(PATCH_DIRECTIVE) {
        return match directive.as_str() {
            Some("delete") => Ok(None),
            Some("replace") => {
                // The rest of the map becomes the whole value, with its own directives applied.
                let mut rest = patch.clone();
                rest.remove(PATCH_DIRECTIVE);
                merge_map(Map::new(), &rest, ctx)
            }
            _ => Err(unknown_patch_type(directive, patch)),
        };
    }

    if let Some(keys) = patch.get(RETAIN_KEYS) {
        let keys = keys
            .as_array()
            .filter(|keys| keys.iter().all(Value::is_string))
            .ok_or_else(|| PatchError::Malformed(ERR_RETAIN_KEYS.to_owned()))?;
        let retained = |key: &str| keys.iter().any(|k| k.as_str() == Some(key));
        // Every field the patch sets must be among the retained ones.
        let stray = patch.iter().any(|(key, value)| {
            key != RETAIN_KEYS
                && !value.is_null()
                && !key.starts_with(SET_ELEMENT_ORDER)
                && !key.starts_with(DELETE_FROM_PRIMITIVE_LIST)
                && !retained(key)
        });
        if stray {
            return Err(PatchError::Malformed(ERR_RETAIN_KEYS.to_owned()));
        }
        original.retain(|key, _| retained(key));
    }

    // Lists named by `$setElementOrder/<field>` are merged and ordered here, before the others.
    let mut ordered: Vec<&str> = Vec::new();
    for (key, order) in patch {
        if !key.starts_with(SET_ELEMENT_ORDER) {
            continue;
        }
        // A `$`-named field would let the patch store a directive-like key.
        let name = directive_field(key, SET_ELEMENT_ORDER)
            .filter(|name| !name.starts_with('$'))
            .ok_or_else(|| PatchError::Malformed(ERR_SET_ELEMENT_ORDER.to_owned()))?;
        let order = order
            .as_array()
            .ok_or_else(|| PatchError::Malformed(ERR_SET_ELEMENT_ORDER.to_owned()))?;
        let field = lookup(ctx, name);
        let merge_key = field.list.merge_key();
        let patch_list = match patch.get(name) {
            None => None,
            Some(Value::Array(list)) => Some(list),
            Some(_) => return Err(PatchError::Malformed(ERR_SET_ELEMENT_ORDER.to_owned())),
        };
        if let Some(list) = patch_list {
            validate_element_order(list, order, merge_key)?;
        }
        let original_list = match original.remove(name) {
            Some(Value::Array(list)) => Some(list),
            Some(other) => {
                // Not a list: nothing to order; a patch list below replaces it.
                if patch_list.is_none() {
                    original.insert(name.to_owned(), other);
                }
                None
            }
            None => None,
        };
        let server_order = original_list
            .as_deref()
            .map(|list| order_keys(list, merge_key))
            .unwrap_or_default();
        let merged = match (original_list, patch_list) {
            (Some(list), Some(patch_list)) => merge_list(list, patch_list, field)?,
            (Some(list), None) => list,
            (None, Some(patch_list)) => merge_list(Vec::new(), patch_list, field)?,
            (None, None) => continue,
        };
        let wanted = order_keys(order, merge_key);
        let merged = normalize_order(merged, &wanted, &server_order, merge_key);
        original.insert(name.to_owned(), Value::Array(merged));
        ordered.push(name);
    }

    let mut deletions = Vec::new();
    for (key, value) in patch {
        if key == RETAIN_KEYS || key.starts_with(SET_ELEMENT_ORDER) || ordered.contains(&&**key) {
            continue;
        }
        if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            let name = directive_field(key, DELETE_FROM_PRIMITIVE_LIST)
                .ok_or_else(|| PatchError::Malformed(ERR_PRIMITIVE_LIST.to_owned()))?;
            deletions.push((name, value));
            continue;
        }
        if key.starts_with('$') {
            return Err(PatchError::UnknownDirective {
                directive: key.clone(),
            });
        }
        if value.is_null() {
            original.remove(key);
            continue;
        }
        let field = lookup(ctx, key);
        let merged = match (original.remove(key), value) {
            (Some(Value::Object(map)), Value::Object(patch_map)) => {
                merge_map(map, patch_map, field.child)?.map(Value::Object)
            }
            (Some(Value::Array(list)), Value::Array(patch_list)) => {
                Some(Value::Array(merge_list(list, patch_list, field)?))
            }
            // Absent, or of another type: the patch value replaces it.
            (_, value) => fresh(value, field)?,
        };
        if let Some(merged) = merged {
            original.insert(key.clone(), merged);
        }
    }

    // Deletions run last, so they also see values the same patch added.
    for (name, values) in deletions {
        match values {
            // Go treats the parallel list like the field itself, so `null` deletes the field.
            Value::Null => {
                original.remove(name);
            }
            Value::Array(values) => {
                if let Some(Value::Array(list)) = original.get_mut(name) {
                    list.retain(|item| !values.contains(item));
                }
            }
            _ => return Err(PatchError::Malformed(ERR_PRIMITIVE_LIST.to_owned())),
        }
    }

    Ok(Some(original))
}

/// The field a `$prefix/<field>` directive names; `None` if the key is not of that form.
fn directive_field<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    key.strip_prefix(prefix)?.strip_prefix('/')
}

/// A patch value set where the original has nothing to merge with, with its directives applied.
/// `None` when it deletes itself.
fn fresh(value: &Value, field: Field) -> Result<Option<Value>, PatchError> {
    Ok(match value {
        Value::Object(map) => merge_map(Map::new(), map, field.child)?.map(Value::Object),
        Value::Array(list) => Some(Value::Array(merge_list(Vec::new(), list, field)?)),
        scalar => Some(scalar.clone()),
    })
}

impl ListStrategy {
    fn merge_key(self) -> Option<&'static str> {
        match self {
            ListStrategy::MergeKey(key) => Some(key),
            _ => None,
        }
    }
}

fn merge_list(
    original: Vec<Value>,
    patch: &[Value],
    field: Field,
) -> Result<Vec<Value>, PatchError> {
    match field.list {
        ListStrategy::Atomic => atomic_list(patch, field.child),
        ListStrategy::PrimitiveSet => merge_primitive_set(original, patch),
        ListStrategy::MergeKey(key) => merge_keyed_list(original, patch, key, field.child),
    }
}

/// The patch list as the new value of an atomic list. `$patch` items are list directives that
/// mean nothing here (the list is replaced anyway), so they are dropped.
fn atomic_list(patch: &[Value], ctx: Ctx) -> Result<Vec<Value>, PatchError> {
    let mut out = Vec::with_capacity(patch.len());
    for item in patch {
        match item {
            Value::Object(map) => {
                if let Some(directive) = map.get(PATCH_DIRECTIVE) {
                    match directive.as_str() {
                        Some("replace" | "delete") => continue,
                        _ => return Err(unknown_patch_type(directive, map)),
                    }
                }
                if let Some(map) = merge_map(Map::new(), map, ctx)? {
                    out.push(Value::Object(map));
                }
            }
            Value::Array(list) => out.push(Value::Array(atomic_list(list, Ctx::Any)?)),
            scalar => out.push(scalar.clone()),
        }
    }
    Ok(out)
}

/// A list of scalars merged as a set (`finalizers`): the union of both lists.
fn merge_primitive_set(original: Vec<Value>, patch: &[Value]) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    for item in original.iter().chain(patch) {
        match item {
            Value::Array(_) => return Err(list_of_lists()),
            Value::Object(_) => {
                return Err(PatchError::Malformed(
                    "cannot merge lists without merge key for type map".to_owned(),
                ));
            }
            _ => {}
        }
    }
    let mut merged: Vec<Value> = Vec::with_capacity(original.len() + patch.len());
    for item in original.iter().chain(patch) {
        if !merged.contains(item) {
            merged.push(item.clone());
        }
    }
    Ok(normalize_order(merged, patch, &original, None))
}

/// A list of maps merged by `key` (`containers` by `name`, ...).
fn merge_keyed_list(
    mut original: Vec<Value>,
    patch: &[Value],
    key: &str,
    ctx: Ctx,
) -> Result<Vec<Value>, PatchError> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    for item in original.iter().chain(patch) {
        match item {
            Value::Object(_) => {}
            Value::Array(_) => return Err(list_of_lists()),
            other => {
                return Err(PatchError::Malformed(format!(
                    "the items of a list merged by {key:?} must be maps, got: {}",
                    go_fmt(other)
                )));
            }
        }
    }

    // `$patch` items act on the list itself.
    let mut items: Vec<&Map<String, Value>> = Vec::with_capacity(patch.len());
    let mut replace = false;
    for map in patch.iter().filter_map(Value::as_object) {
        let Some(directive) = map.get(PATCH_DIRECTIVE) else {
            items.push(map);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let value = map.get(key).ok_or_else(|| missing_merge_key(map, key))?;
                original.retain(|item| item.get(key) != Some(value));
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(PatchError::Malformed(
                    "merging lists cannot yet be specified in the patch".to_owned(),
                ));
            }
            _ => return Err(unknown_patch_type(directive, map)),
        }
    }

    if replace {
        // The other items are the whole list, in the patch's order.
        let mut replaced = Vec::with_capacity(items.len());
        for map in items {
            if !map.contains_key(key) {
                return Err(missing_merge_key(map, key));
            }
            replaced.push(Value::Object(
                merge_map(Map::new(), map, ctx)?.unwrap_or_default(),
            ));
        }
        return Ok(replaced);
    }

    let server_order = order_keys(&original, Some(key));
    let mut wanted = Vec::with_capacity(items.len());
    for map in items {
        let value = map.get(key).ok_or_else(|| missing_merge_key(map, key))?;
        wanted.push(value.clone());
        match original
            .iter()
            .position(|item| item.get(key) == Some(value))
        {
            Some(at) => {
                let merged = match std::mem::take(&mut original[at]) {
                    Value::Object(item) => merge_map(item, map, ctx)?,
                    _ => merge_map(Map::new(), map, ctx)?,
                };
                original[at] = Value::Object(merged.unwrap_or_default());
            }
            None => original.push(Value::Object(
                merge_map(Map::new(), map, ctx)?.unwrap_or_default(),
            )),
        }
    }
    Ok(normalize_order(original, &wanted, &server_order, Some(key)))
}

/// Checks that the patch list is in the relative order `$setElementOrder` gives and holds no item
/// the order leaves out.
fn validate_element_order(
    patch: &[Value],
    order: &[Value],
    merge_key: Option<&str>,
) -> Result<(), PatchError> {
    let items: Vec<&Value> = patch
        .iter()
        .filter(|item| item.get(PATCH_DIRECTIVE).is_none())
        .collect();
    let (mut at_patch, mut at_order) = (0, 0);
    while at_patch < items.len() && at_order < order.len() {
        if same_key(items[at_patch], &order[at_order], merge_key)? {
            at_patch += 1;
        }
        at_order += 1;
    }
    if at_patch < items.len() {
        return Err(PatchError::Malformed(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}\n",
            go_fmt_list(patch),
            go_fmt_list(order)
        )));
    }
    Ok(())
}

fn same_key(a: &Value, b: &Value, merge_key: Option<&str>) -> Result<bool, PatchError> {
    let Some(key) = merge_key else {
        return Ok(a == b);
    };
    let value_of = |item: &Value| -> Result<Value, PatchError> {
        match item {
            Value::Object(map) => map
                .get(key)
                .cloned()
                .ok_or_else(|| missing_merge_key(map, key)),
            other => Err(PatchError::Malformed(format!(
                "the items of a list merged by {key:?} must be maps, got: {}",
                go_fmt(other)
            ))),
        }
    };
    Ok(value_of(a)? == value_of(b)?)
}

/// What identifies each item for ordering: its merge key's value, or the item itself for scalars.
/// Items without the key are skipped: they can match nothing.
fn order_keys(list: &[Value], merge_key: Option<&str>) -> Vec<Value> {
    list.iter()
        .filter_map(|item| item_key(item, merge_key))
        .cloned()
        .collect()
}

fn item_key<'a>(item: &'a Value, merge_key: Option<&str>) -> Option<&'a Value> {
    match merge_key {
        Some(key) => item.as_object()?.get(key),
        None => Some(item),
    }
}

/// Orders a merged list as apimachinery does. Items named in `wanted` (the patch list, or the
/// `$setElementOrder` list) come in that order; the others ("server-only") keep their order in
/// the original list. The two runs are then interleaved: a server-only item goes first only if
/// it stood before the next wanted item in the original list. So an item new to the list lands
/// before the server-only items that follow it, which is why a patch adding a container without
/// `$setElementOrder` puts it first.
fn normalize_order(
    merged: Vec<Value>,
    wanted: &[Value],
    server: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let position = |keys: &[Value], item: &Value| -> Option<usize> {
        let key = item_key(item, merge_key)?;
        keys.iter().position(|k| k == key)
    };
    let (mut named, mut server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|item| position(wanted, item).is_some());
    named.sort_by_key(|item| position(wanted, item));
    server_only.sort_by_key(|item| position(server, item).unwrap_or(usize::MAX));

    let mut out = Vec::with_capacity(named.len() + server_only.len());
    let mut left = server_only.into_iter().peekable();
    let mut right = named.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => matches!(
                (position(server, l), position(server, r)),
                (Some(li), Some(ri)) if li < ri
            ),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

fn unknown_patch_type(directive: &Value, map: &Map<String, Value>) -> PatchError {
    PatchError::UnknownPatchType {
        value: go_fmt(directive),
        map: go_fmt_map(map),
    }
}

fn missing_merge_key(map: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::MissingMergeKey {
        map: go_fmt_map(map),
        key: key.to_owned(),
    }
}

fn list_of_lists() -> PatchError {
    PatchError::Unprocessable {
        detail: "lists of lists are not supported".to_owned(),
    }
}

// ------------------------------------------------------------------------------------------------
// Go's `%v` formatting, which apimachinery uses in its error messages.

fn go_fmt(value: &Value) -> String {
    let mut out = String::new();
    write_go(&mut out, value);
    out
}

fn go_fmt_map(map: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_go_map(&mut out, map);
    out
}

fn go_fmt_list(list: &[Value]) -> String {
    let mut out = String::new();
    write_go_list(&mut out, list);
    out
}

fn write_go(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(list) => write_go_list(out, list),
        Value::Object(map) => write_go_map(out, map),
    }
}

fn write_go_list(out: &mut String, list: &[Value]) {
    out.push('[');
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_go(out, item);
    }
    out.push(']');
}

fn write_go_map(out: &mut String, map: &Map<String, Value>) {
    // Go prints map keys sorted.
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(key, _)| *key);
    out.push_str("map[");
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(key);
        out.push(':');
        write_go(out, value);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_types_ignore_parameters_and_case() {
        assert_eq!(
            PatchType::from_content_type("application/strategic-merge-patch+json; charset=utf-8"),
            Some(PatchType::Strategic)
        );
        assert_eq!(
            PatchType::from_content_type("Application/Merge-Patch+JSON"),
            Some(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/json-patch+json"),
            Some(PatchType::Json)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml"),
            None
        );
        assert_eq!(PatchType::from_content_type("application/json"), None);
    }

    #[test]
    fn ports_merge_by_container_port_under_a_container_and_by_port_under_a_service() {
        assert_eq!(
            lookup(Ctx::Container, "ports").list,
            ListStrategy::MergeKey("containerPort")
        );
        assert_eq!(
            lookup(Ctx::ServiceSpec, "ports").list,
            ListStrategy::MergeKey("port")
        );
        assert_eq!(lookup(Ctx::PodSpec, "ports").list, ListStrategy::Atomic);
        assert_eq!(lookup(Ctx::Any, "containers").list, ListStrategy::Atomic);
    }

    #[test]
    fn kinds_reach_the_pod_spec_through_their_own_paths() {
        let spec_of = |kind: &str| lookup(Ctx::Root(RootKind::of(kind)), "spec").child;
        assert_eq!(spec_of("Pod"), Ctx::PodSpec);
        assert_eq!(spec_of("Deployment"), Ctx::WorkloadSpec);
        assert_eq!(spec_of("StatefulSet"), Ctx::WorkloadSpec);
        assert_eq!(spec_of("Service"), Ctx::ServiceSpec);
        assert_eq!(spec_of("ConfigMap"), Ctx::Any);
        assert_eq!(
            lookup(Ctx::WorkloadSpec, "template").child,
            Ctx::PodTemplate
        );
        assert_eq!(lookup(Ctx::PodTemplate, "spec").child, Ctx::PodSpec);
    }

    #[test]
    fn go_formatting_matches_apimachinery_messages() {
        let value = json!({"b": [1, "x", null], "a": {"c": true}});
        assert_eq!(go_fmt(&value), "map[a:map[c:true] b:[1 x <nil>]]");
    }

    #[test]
    fn new_items_without_order_go_before_later_server_items() {
        // Kubernetes' own example: live [B, C, A], patch [A', B', D] gives [C, A', B', D].
        let merged = merge_keyed_list(
            vec![json!({"n": "B"}), json!({"n": "C"}), json!({"n": "A"})],
            &[
                json!({"n": "A", "v": 1}),
                json!({"n": "B", "v": 1}),
                json!({"n": "D"}),
            ],
            "n",
            Ctx::Any,
        )
        .unwrap();
        assert_eq!(
            merged,
            vec![
                json!({"n": "C"}),
                json!({"n": "A", "v": 1}),
                json!({"n": "B", "v": 1}),
                json!({"n": "D"}),
            ]
        );
    }

    #[test]
    fn json_patch_move_onto_parent_then_failure_does_not_panic() {
        // json_patch::patch panics on this (its rollback fails); we must answer 422 instead.
        let original = json!({"a": {"b": 1}});
        let body =
            br#"[{"op":"move","from":"/a/b","path":"/a"},{"op":"test","path":"/x","value":1}]"#;
        let err = apply("Pod", &original, PatchType::Json, body).unwrap_err();
        assert_eq!(err.code(), 422);
    }
}
