//! Request handling: routing of `/api/...` and `/apis/...` paths to resources, and the verbs on
//! them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use cluster::k8s_openapi::api::core::v1::Pod;
use cluster::logs::LogOptions;
use cluster::{Cluster, DeleteOptions, Kind, KindVisitor, Propagation, Schema, Stored};
use kubectl::table::{self, IncludeObject};
use serde_json::{Value, json};

use crate::discovery::{self, Served};
use crate::validation::{self, FieldValidation};
use crate::watch::{self, Snapshot};
use crate::{Shared, status};
use cluster::selectors::{FieldQuery, LabelQuery};

pub async fn version(State(shared): State<Arc<Shared>>) -> Response {
    let info = cluster::version::VersionInfo::server(shared.config.minor_version);
    status::json_response(200, &serde_json::to_value(info).unwrap_or_default())
}

pub async fn healthy() -> &'static str {
    "ok"
}

pub async fn not_found() -> Response {
    status::not_found()
}

/// Everything a handler needs from the HTTP request.
pub struct Request {
    pub method: Method,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    pub query: BTreeMap<String, String>,
    pub accept: String,
    pub content_type: String,
    pub body: Bytes,
}

impl Request {
    fn wants_table(&self) -> bool {
        self.accept.contains("as=Table")
    }

    fn dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| v == "All")
    }
}

pub(crate) fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    match &shared.config.token {
        None => true,
        Some(token) => headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| t == token),
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Every path under `/api` (the core group) and `/apis` (named groups).
pub async fn resources(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    let core = !uri.path().starts_with("/apis");
    dispatch(shared, core, method, uri, headers, query, body).await
}

async fn dispatch(
    shared: Arc<Shared>,
    core: bool,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: BTreeMap<String, String>,
    body: Bytes,
) -> Response {
    if !authorized(&shared, &headers) {
        return status::unauthorized();
    }
    let accept = header(&headers, "accept");
    let prefix = if core { "/api" } else { "/apis" };
    let path = uri.path().strip_prefix(prefix).unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let host = header(&headers, "host");

    // Discovery.
    let (group, version, rest): (&str, &str, &[&str]) = match (core, segments.as_slice()) {
        (true, []) | (false, []) => {
            if method != Method::GET {
                return status::method_not_allowed();
            }
            return match discovery::aggregated_version(&accept) {
                Some(v) => {
                    let body = discovery::aggregated(core, v).to_string();
                    (
                        [("content-type", discovery::aggregated_content_type(v))],
                        body,
                    )
                        .into_response()
                }
                None if core => status::json_response(200, &discovery::legacy_api_versions(&host)),
                None => status::json_response(200, &discovery::legacy_group_list()),
            };
        }
        (true, [v]) | (false, [_, v]) if method == Method::GET => {
            let group = if core { "" } else { segments[0] };
            return match discovery::legacy_resource_list(group, v) {
                Some(doc) => status::json_response(200, &doc),
                None => status::not_found(),
            };
        }
        (false, [g]) if method == Method::GET => {
            return match discovery::legacy_group(g) {
                Some(doc) => status::json_response(200, &doc),
                None => status::not_found(),
            };
        }
        (true, [v, rest @ ..]) => ("", *v, rest),
        (false, [g, v, rest @ ..]) => (*g, *v, rest),
        _ => return status::not_found(),
    };

    let is_resource = |plural: &str| discovery::find(group, version, plural).is_some();
    let (namespace, plural, name, sub) = match rest {
        ["namespaces", ns, res] if is_resource(res) => (Some(*ns), *res, None, None),
        ["namespaces", ns, res, name] if is_resource(res) => (Some(*ns), *res, Some(*name), None),
        ["namespaces", ns, res, name, sub] if is_resource(res) => {
            (Some(*ns), *res, Some(*name), Some(*sub))
        }
        [res] => (None, *res, None, None),
        [res, name] => (None, *res, Some(*name), None),
        [res, name, sub] => (None, *res, Some(*name), Some(*sub)),
        _ => return status::not_found(),
    };
    let Some(resource) = discovery::find(group, version, plural) else {
        return status::not_found();
    };
    if (resource.namespaced && name.is_some() && namespace.is_none())
        || (!resource.namespaced && namespace.is_some())
    {
        return status::not_found();
    }
    if let Some(sub) = sub
        && !resource.subresources.iter().any(|(s, ..)| *s == sub)
    {
        return status::not_found();
    }
    let req = Request {
        method,
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
        subresource: sub.map(str::to_string),
        query,
        accept,
        content_type: header(&headers, "content-type"),
        body,
    };
    match resource.served {
        Served::Stored(kind) => {
            let outcome = kind.visit(Handle {
                shared: &shared,
                req: &req,
            });
            match outcome {
                Outcome::Done(resp) => resp,
                Outcome::Watch(snapshot, timeout) => {
                    watch::stream(shared.clone(), snapshot, timeout)
                }
            }
        }
        Served::PodMetrics | Served::NodeMetrics => metrics(&shared, &req, resource.served),
        Served::AccessReview | Served::RulesReview => review(&req, resource.served),
    }
}

enum Outcome {
    Done(Response),
    Watch(Snapshot, Option<u64>),
}

struct Handle<'a> {
    shared: &'a Arc<Shared>,
    req: &'a Request,
}

fn list_kind(kind: Kind) -> String {
    format!("{}List", kind.name())
}

fn to_json<T: Stored>(obj: &T) -> Value {
    serde_json::to_value(obj).unwrap_or(Value::Null)
}

impl KindVisitor for Handle<'_> {
    type Output = Outcome;

    fn visit<T: Stored + Schema>(self) -> Outcome {
        let req = self.req;
        let name = req.name.clone().unwrap_or_default();
        let ns = req.namespace.clone().unwrap_or_default();
        // JSON bodies, and the few protobuf objects kubectl's imperative `create` sends.
        let protobuf = req.content_type.contains("protobuf");
        let decoded = (protobuf && req.method == Method::POST && req.name.is_none())
            .then(|| crate::protobuf::decode(T::OBJECT_KIND, &req.body))
            .flatten();
        if matches!(req.method, Method::POST | Method::PUT) && protobuf && decoded.is_none() {
            return Outcome::Done(status::unsupported_media_type(
                &req.content_type,
                status::OBJECT_MEDIA_TYPES,
            ));
        }
        let result = match (&req.method, req.name.as_deref(), req.subresource.as_deref()) {
            (&Method::GET, None, None) => {
                if matches!(
                    req.query.get("watch").map(String::as_str),
                    Some("true" | "1")
                ) {
                    return self.watch::<T>();
                }
                self.list::<T>()
            }
            (&Method::GET, Some(_), None) => self.get::<T>(&ns, &name),
            (&Method::GET, Some(_), Some("log")) => self.log(&ns, &name),
            (&Method::GET | &Method::PATCH | &Method::PUT, Some(_), Some("scale")) => {
                self.scale::<T>(&ns, &name)
            }
            (&Method::GET, Some(_), Some("status")) => self.get::<T>(&ns, &name),
            (&Method::PATCH, Some(_), sub @ (None | Some("status"))) => {
                self.patch::<T>(&ns, &name, sub.is_some())
            }
            (&Method::PUT, Some(_), sub @ (None | Some("status"))) => {
                self.put::<T>(&ns, &name, sub.is_some())
            }
            (&Method::POST, None, None) => {
                let body = match &decoded {
                    Some(object) => serde_json::to_vec(object).unwrap_or_default(),
                    None => req.body.to_vec(),
                };
                self.post::<T>(&ns, &body)
            }
            (&Method::DELETE, Some(_), None) => self.delete::<T>(&ns, &name),
            (&Method::DELETE, None, None) => self.delete_collection::<T>(),
            _ => Err(status::method_not_allowed()),
        };
        Outcome::Done(result.unwrap_or_else(|r| r))
    }
}

/// Which objects a list or watch asks for: namespace, label and field selectors.
struct Selection {
    namespace: Option<String>,
    labels: LabelQuery,
    fields: FieldQuery,
}

// As for `Handled`, the error is the ready HTTP response.
#[allow(clippy::result_large_err)]
impl Selection {
    fn from_request(req: &Request) -> Result<Selection, Response> {
        let param = |name: &str| req.query.get(name).map(String::as_str).unwrap_or("");
        Ok(Selection {
            namespace: req.namespace.clone(),
            labels: LabelQuery::parse(param("labelSelector")).map_err(status::bad_request)?,
            fields: FieldQuery::parse(param("fieldSelector")).map_err(status::bad_request)?,
        })
    }

    fn select<T: Stored>(&self, cluster: &Cluster) -> Vec<std::sync::Arc<T>> {
        let items: Vec<&std::sync::Arc<T>> = match &self.namespace {
            Some(ns) => cluster.list_in::<T>(ns).collect(),
            None => cluster.list::<T>().collect(),
        };
        items
            .into_iter()
            .filter(|o| self.labels.matches(o.metadata().labels.as_ref()))
            .filter(|o| self.fields.is_empty() || self.fields.matches(&to_json(o.as_ref())))
            .cloned()
            .collect()
    }
}

/// A handler's answer: the error side is a ready `Status` response, so `?` can return it.
type Handled = Result<Response, Response>;

// The error variant is the HTTP response itself; boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
impl Handle<'_> {
    fn selected<T: Stored>(&self, cluster: &Cluster) -> Result<Vec<std::sync::Arc<T>>, Response> {
        Ok(Selection::from_request(self.req)?.select(cluster))
    }

    fn list<T: Stored>(&self) -> Handled {
        let cluster = self.shared.cluster();
        let mut items = self.selected::<T>(&cluster)?;
        let rv = cluster.resource_version().to_string();
        // Paging: `limit` cuts the list, `continue` carries the offset of the next page.
        let offset: usize = match self.req.query.get("continue") {
            Some(token) => token.parse().map_err(|_| {
                status::bad_request(format!("continue key is not valid: {token:?}"))
            })?,
            None => 0,
        };
        let limit: usize = self
            .req
            .query
            .get("limit")
            .and_then(|l| l.parse().ok())
            .filter(|l| *l > 0)
            .unwrap_or(usize::MAX);
        let total = items.len();
        items = items.into_iter().skip(offset).take(limit).collect();
        let next = (offset.saturating_add(limit) < total).then(|| (offset + limit).to_string());
        let mut metadata = json!({"resourceVersion": rv});
        if let Some(token) = &next {
            metadata["continue"] = json!(token);
            metadata["remainingItemCount"] = json!(total - offset - limit);
        }
        if self.req.wants_table() {
            let include =
                IncludeObject::from_query(self.req.query.get("includeObject").map(String::as_str));
            let refs: Vec<&T> = items.iter().map(|o| o.as_ref()).collect();
            let mut table = table::table(&refs, cluster.now(), include, &rv);
            table["metadata"] = metadata;
            return Ok(status::json_response(200, &table));
        }
        let body = json!({
            "kind": list_kind(T::OBJECT_KIND),
            "apiVersion": T::OBJECT_KIND.api_version(),
            "metadata": metadata,
            "items": items.iter().map(|o| to_json(o.as_ref())).collect::<Vec<_>>(),
        });
        Ok(status::json_response(200, &body))
    }

    fn respond_object<T: Stored>(&self, cluster: &Cluster, obj: &T, code: u16) -> Response {
        if self.req.wants_table() {
            let include =
                IncludeObject::from_query(self.req.query.get("includeObject").map(String::as_str));
            let rv = obj.metadata().resource_version.clone().unwrap_or_default();
            return status::json_response(code, &table::table(&[obj], cluster.now(), include, &rv));
        }
        status::json_response(code, &to_json(obj))
    }

    fn get<T: Stored>(&self, ns: &str, name: &str) -> Handled {
        let cluster = self.shared.cluster();
        let obj = cluster
            .get::<T>(ns, name)
            .map_err(|e| status::error(&e, Some(T::OBJECT_KIND), name))?;
        Ok(self.respond_object(&cluster, obj.as_ref(), 200))
    }

    fn patch<T: Stored + Schema>(&self, ns: &str, name: &str, status_only: bool) -> Handled {
        let kind = T::OBJECT_KIND;
        if crate::apply::is_apply(&self.req.content_type) && !status_only {
            return self.server_side_apply::<T>(ns, name);
        }
        let patch_type = kubectl::patch::PatchType::from_content_type(&self.req.content_type)
            .ok_or_else(|| {
                status::unsupported_media_type(&self.req.content_type, status::PATCH_MEDIA_TYPES)
            })?;
        let cluster = self.shared.cluster();
        let current = cluster
            .get::<T>(ns, name)
            .map_err(|e| status::error(&e, Some(kind), name))?;
        let original = to_json(current.as_ref());
        let patched = kubectl::patch::apply(kind.name(), &original, patch_type, &self.req.body)
            .map_err(|e| {
                let err = cluster::ApiError {
                    reason: if e.code() == 422 {
                        cluster::Reason::Invalid
                    } else {
                        cluster::Reason::BadRequest
                    },
                    message: e.to_string(),
                    causes: Vec::new(),
                };
                status::error(&err, Some(kind), name)
            })?;
        let warnings = validation::unknown_field_errors(kind, &patched);
        let field_validation = self.field_validation();
        if field_validation == FieldValidation::Strict && !warnings.is_empty() {
            // The strategic merge patcher shows the patch as Go prints a map; the JSON patchers
            // show the patched object.
            let shown = match patch_type {
                kubectl::patch::PatchType::Strategic => validation::go_format(
                    &serde_json::from_slice(&self.req.body).unwrap_or_default(),
                ),
                _ => patched.to_string(),
            };
            return Err(validation::invalid_patch(&shown, &warnings));
        }
        let mut patched = patched;
        kubectl::patch::drop_empty_lists(&mut patched);
        let mut obj: T =
            serde_json::from_value(patched).map_err(|e| status::bad_request(e.to_string()))?;
        // The patch may not rename or move the object.
        obj.metadata_mut().name = Some(name.to_string());
        if kind.namespaced() {
            obj.metadata_mut().namespace = Some(ns.to_string());
        }
        obj.metadata_mut().resource_version = None;
        let result = self.replace(cluster, obj, name, status_only);
        self.warn(result, field_validation, &warnings)
    }

    /// Server-side apply (`application/apply-patch+yaml`): creates the object from the applied
    /// configuration, or merges the configuration into it and removes the fields this field
    /// manager applied before and no longer does. A subset of the real server's: ownership is
    /// remembered per manager as its last applied configuration, not field by field in
    /// `managedFields`, and no conflicts are reported (as if `force` were always given).
    fn server_side_apply<T: Stored + Schema>(&self, ns: &str, name: &str) -> Handled {
        let kind = T::OBJECT_KIND;
        let manager = self
            .req
            .query
            .get("fieldManager")
            .cloned()
            .unwrap_or_default();
        if manager.is_empty() {
            return Err(crate::apply::manager_required());
        }
        let config = crate::apply::parse_config(&self.req.body, kind, name)?;
        let mut cluster = self.shared.cluster();
        let existing = cluster.get::<T>(ns, name).ok();
        let stored = match existing {
            None => {
                let mut obj: T = serde_json::from_value(config.clone())
                    .map_err(|e| status::bad_request(format!("error decoding body: {e}")))?;
                if kind.namespaced() {
                    obj.metadata_mut().namespace = Some(ns.to_string());
                }
                cluster
                    .create_with(obj, self.req.dry_run())
                    .map_err(|e| status::error(&e, Some(kind), name))?
            }
            Some(current) => {
                let uid = current.metadata().uid.clone().unwrap_or_default();
                let previous = self.shared.applied().get(&(uid, manager.clone())).cloned();
                let mut original = to_json(current.as_ref());
                if let Some(previous) = &previous {
                    crate::apply::remove_dropped(kind.name(), &mut original, previous, &config);
                }
                let body = serde_json::to_vec(&config).unwrap_or_default();
                let mut patched = kubectl::patch::apply(
                    kind.name(),
                    &original,
                    kubectl::patch::PatchType::Strategic,
                    &body,
                )
                .map_err(|e| status::bad_request(e.to_string()))?;
                kubectl::patch::drop_empty_lists(&mut patched);
                let mut obj: T = serde_json::from_value(patched)
                    .map_err(|e| status::bad_request(e.to_string()))?;
                obj.metadata_mut().name = Some(name.to_string());
                if kind.namespaced() {
                    obj.metadata_mut().namespace = Some(ns.to_string());
                }
                obj.metadata_mut().resource_version = None;
                cluster
                    .update_with(obj, self.req.dry_run())
                    .map_err(|e| status::error(&e, Some(kind), name))?
            }
        };
        if !self.req.dry_run() {
            let uid = stored.metadata().uid.clone().unwrap_or_default();
            self.shared.applied().insert((uid, manager), config);
        }
        let rv = cluster.resource_version();
        let response = self.respond_object(&cluster, stored.as_ref(), 200);
        drop(cluster);
        self.shared.notify(rv);
        Ok(response)
    }

    fn field_validation(&self) -> FieldValidation {
        validation::from_query(self.req.query.get("fieldValidation").map(String::as_str))
    }

    /// The unknown fields of a create or update body: an error under `Strict`, else what to warn
    /// about.
    fn check_body(&self, kind: Kind) -> Result<Vec<String>, Response> {
        let body: Value = serde_json::from_slice(&self.req.body).unwrap_or_default();
        let errors = validation::unknown_field_errors(kind, &body);
        if self.field_validation() == FieldValidation::Strict && !errors.is_empty() {
            return Err(validation::undecodable(kind, &errors));
        }
        Ok(errors)
    }

    /// Under `Warn`, the unknown fields come back as warnings, with a failure as with a success.
    fn warn(
        &self,
        result: Handled,
        field_validation: FieldValidation,
        warnings: &[String],
    ) -> Handled {
        if field_validation != FieldValidation::Warn {
            return result;
        }
        match result {
            Ok(response) => Ok(validation::with_warnings(response, warnings)),
            Err(response) => Err(validation::with_warnings(response, warnings)),
        }
    }

    /// Stores a whole new version of an object (or of its status) and answers with it.
    fn replace<T: Stored + Schema>(
        &self,
        mut cluster: std::sync::MutexGuard<'_, Cluster>,
        obj: T,
        name: &str,
        status_only: bool,
    ) -> Handled {
        let result = if status_only {
            cluster.update_status(obj)
        } else {
            cluster.update_with(obj, self.req.dry_run())
        };
        let stored = result.map_err(|e| status::error(&e, Some(T::OBJECT_KIND), name))?;
        let rv = cluster.resource_version();
        let response = self.respond_object(&cluster, stored.as_ref(), 200);
        drop(cluster);
        self.shared.notify(rv);
        Ok(response)
    }

    fn put<T: Stored + Schema>(&self, ns: &str, name: &str, status_only: bool) -> Handled {
        let kind = T::OBJECT_KIND;
        let mut obj: T = serde_json::from_slice(&self.req.body)
            .map_err(|e| status::bad_request(format!("error decoding body: {e}")))?;
        let warnings = self.check_body(kind)?;
        if obj.metadata().name.as_deref() != Some(name) {
            return Err(status::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                obj.metadata().name.clone().unwrap_or_default()
            )));
        }
        if kind.namespaced() {
            obj.metadata_mut().namespace = Some(ns.to_string());
        }
        let cluster = self.shared.cluster();
        let result = self.replace(cluster, obj, name, status_only);
        self.warn(result, self.field_validation(), &warnings)
    }

    fn post<T: Stored + Schema>(&self, ns: &str, body: &[u8]) -> Handled {
        let kind = T::OBJECT_KIND;
        let mut obj: T = serde_json::from_slice(body)
            .map_err(|e| status::bad_request(format!("error decoding body: {e}")))?;
        let warnings = self.check_body(kind)?;
        if kind.namespaced() {
            match obj.metadata().namespace.as_deref() {
                Some(other) if other != ns => {
                    return Err(status::bad_request(format!(
                        "the namespace of the provided object does not match the namespace sent on the request ({other} != {ns})"
                    )));
                }
                _ => obj.metadata_mut().namespace = Some(ns.to_string()),
            }
        }
        let name = obj.metadata().name.clone().unwrap_or_default();
        let mut cluster = self.shared.cluster();
        let stored = match cluster.create_with(obj, self.req.dry_run()) {
            Ok(stored) => stored,
            Err(e) => {
                let failure = Err(status::error(&e, Some(kind), &name));
                return self.warn(failure, self.field_validation(), &warnings);
            }
        };
        let rv = cluster.resource_version();
        let response = self.respond_object(&cluster, stored.as_ref(), 201);
        drop(cluster);
        self.shared.notify(rv);
        self.warn(Ok(response), self.field_validation(), &warnings)
    }

    /// `DeleteOptions` from the body or the query, as the API server reads them.
    fn delete_options(&self) -> DeleteOptions {
        let body: Value = if self.req.body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&self.req.body).unwrap_or(json!({}))
        };
        let propagation = body
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .or(self.req.query.get("propagationPolicy").map(String::as_str));
        let propagation = match propagation {
            Some("Orphan") => Propagation::Orphan,
            Some("Foreground") => Propagation::Foreground,
            _ => Propagation::Background,
        };
        let dry_run = self.req.dry_run()
            || body
                .get("dryRun")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|v| v == "All"));
        let grace = body
            .get("gracePeriodSeconds")
            .and_then(Value::as_i64)
            .or_else(|| {
                self.req
                    .query
                    .get("gracePeriodSeconds")
                    .and_then(|g| g.parse().ok())
            });
        DeleteOptions {
            propagation,
            grace_period_seconds: grace,
            dry_run,
        }
    }

    /// `deletecollection`: every object the namespace and selectors pick, deleted as one
    /// request; the reply lists what was deleted, as the API server's does.
    fn delete_collection<T: Stored + Schema>(&self) -> Handled {
        let kind = T::OBJECT_KIND;
        let opts = self.delete_options();
        let mut cluster = self.shared.cluster();
        let chosen = self.selected::<T>(&cluster)?;
        let mut items = Vec::with_capacity(chosen.len());
        for object in chosen {
            let meta = object.metadata();
            let ns = meta.namespace.as_deref().unwrap_or_default();
            let name = meta.name.as_deref().unwrap_or_default();
            match cluster.delete::<T>(ns, name, opts) {
                Ok(deleted) => items.push(to_json(deleted.as_ref())),
                // Gone meanwhile (a cascade from an earlier item): nothing left to delete.
                Err(e) if e.reason == cluster::Reason::NotFound => {}
                Err(e) => return Err(status::error(&e, Some(kind), name)),
            }
        }
        let rv = cluster.resource_version();
        drop(cluster);
        self.shared.notify(rv);
        let body = json!({
            "kind": list_kind(kind),
            "apiVersion": kind.api_version(),
            "metadata": {"resourceVersion": rv.to_string()},
            "items": items,
        });
        Ok(status::json_response(200, &body))
    }

    fn delete<T: Stored + Schema>(&self, ns: &str, name: &str) -> Handled {
        let kind = T::OBJECT_KIND;
        let opts = self.delete_options();
        let dry_run = opts.dry_run;
        let mut cluster = self.shared.cluster();
        let deleted = cluster
            .delete::<T>(ns, name, opts)
            .map_err(|e| status::error(&e, Some(kind), name))?;
        let rv = cluster.resource_version();
        let response = match cluster.get::<T>(ns, name) {
            Ok(still_there) if !dry_run => self.respond_object(&cluster, still_there.as_ref(), 200),
            _ if dry_run => self.respond_object(&cluster, deleted.as_ref(), 200),
            _ => status::deleted(kind, name, deleted.metadata().uid.as_deref().unwrap_or("")),
        };
        drop(cluster);
        self.shared.notify(rv);
        Ok(response)
    }

    fn log(&self, ns: &str, name: &str) -> Handled {
        let q = &self.req.query;
        let opts = LogOptions {
            container: q.get("container").cloned(),
            previous: q.get("previous").is_some_and(|v| v == "true"),
            tail_lines: q.get("tailLines").and_then(|v| v.parse().ok()),
            timestamps: q.get("timestamps").is_some_and(|v| v == "true"),
            since: q
                .get("sinceSeconds")
                .and_then(|v| v.parse().ok())
                .map(std::time::Duration::from_secs),
        };
        let cluster = self.shared.cluster();
        let text = cluster::logs::read(&cluster, ns, name, &opts)
            .map_err(|e| status::error(&e, Some(Kind::Pod), name))?;
        Ok(([("content-type", "text/plain")], text).into_response())
    }

    /// The `scale` subresource: an `autoscaling/v1 Scale` view of `spec.replicas`.
    fn scale<T: Stored + Schema>(&self, ns: &str, name: &str) -> Handled {
        let kind = T::OBJECT_KIND;
        let mut cluster = self.shared.cluster();
        let current = cluster
            .get::<T>(ns, name)
            .map_err(|e| status::error(&e, Some(kind), name))?;
        let obj = to_json(current.as_ref());
        let scale_of = |obj: &Value| {
            let selector = obj
                .pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                });
            json!({
                "kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": name, "namespace": ns, "uid": obj.pointer("/metadata/uid"),
                             "resourceVersion": obj.pointer("/metadata/resourceVersion"),
                             "creationTimestamp": obj.pointer("/metadata/creationTimestamp")},
                "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
                "status": {"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)), "selector": selector.unwrap_or_default()},
            })
        };
        let scale = scale_of(&obj);
        if self.req.method == Method::GET {
            return Ok(status::json_response(200, &scale));
        }
        let wanted = if self.req.method == Method::PATCH {
            let patch_type = kubectl::patch::PatchType::from_content_type(&self.req.content_type)
                .ok_or_else(|| {
                status::unsupported_media_type(&self.req.content_type, status::PATCH_MEDIA_TYPES)
            })?;
            kubectl::patch::apply("Scale", &scale, patch_type, &self.req.body)
                .map_err(|e| status::bad_request(e.to_string()))?
        } else {
            serde_json::from_slice(&self.req.body)
                .map_err(|e| status::bad_request(format!("error decoding body: {e}")))?
        };
        let replicas = wanted
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let mut updated = obj.clone();
        updated["spec"]["replicas"] = json!(replicas);
        let typed: T =
            serde_json::from_value(updated).map_err(|e| status::bad_request(e.to_string()))?;
        let mut typed = typed;
        typed.metadata_mut().resource_version = None;
        let stored = cluster
            .update_with(typed, self.req.dry_run())
            .map_err(|e| status::error(&e, Some(kind), name))?;
        let rv = cluster.resource_version();
        let body = scale_of(&to_json(stored.as_ref()));
        drop(cluster);
        self.shared.notify(rv);
        Ok(status::json_response(200, &body))
    }

    fn watch<T: Stored>(&self) -> Outcome {
        let selection = match Selection::from_request(self.req) {
            Ok(sel) => sel,
            Err(resp) => return Outcome::Done(resp),
        };
        let table = self.req.wants_table();
        let since: Option<u64> = self
            .req
            .query
            .get("resourceVersion")
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0);
        let timeout = self
            .req
            .query
            .get("timeoutSeconds")
            .and_then(|v| v.parse().ok());
        let snapshot: watch::SnapshotFn = Box::new(move |cluster: &Cluster| {
            selection
                .select::<T>(cluster)
                .into_iter()
                .map(|o| {
                    let m = o.metadata();
                    let key = format!(
                        "{}/{}",
                        m.namespace.as_deref().unwrap_or(""),
                        m.name.as_deref().unwrap_or("")
                    );
                    let rv: u64 = m
                        .resource_version
                        .as_deref()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(0);
                    let body = if table {
                        let rvs = rv.to_string();
                        table::table(&[o.as_ref()], cluster.now(), IncludeObject::Metadata, &rvs)
                    } else {
                        to_json(o.as_ref())
                    };
                    (key, rv, body)
                })
                .collect()
        });
        Outcome::Watch(Box::new(watch::Plan { snapshot, since }), timeout)
    }
}

/// `SelfSubjectAccessReview` and `SelfSubjectRulesReview`: the one identity the server knows
/// may do everything, so every review is allowed and the rules are all wildcards.
fn review(req: &Request, served: Served) -> Response {
    if req.method != Method::POST || req.name.is_some() {
        return status::method_not_allowed();
    }
    // kubectl's typed client sends reviews as protobuf and accepts JSON back. The answer does
    // not depend on what is asked, so a protobuf body is answered without being decoded.
    let (kind, mut body) = match served {
        Served::RulesReview => ("SelfSubjectRulesReview", json!({})),
        _ => ("SelfSubjectAccessReview", json!({})),
    };
    if !req.content_type.contains("protobuf") {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(sent @ Value::Object(_)) => body = sent,
            _ => return status::bad_request("error decoding body: not a JSON object"),
        }
    }
    body["kind"] = json!(kind);
    body["apiVersion"] = json!("authorization.k8s.io/v1");
    body["metadata"] = json!({"creationTimestamp": null});
    body["status"] = match served {
        Served::RulesReview => json!({
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        }),
        _ => {
            json!({"allowed": true, "reason": "the simulated cluster has a single identity with full access"})
        }
    };
    status::json_response(201, &body)
}

fn metrics(shared: &Shared, req: &Request, served: Served) -> Response {
    if req.method != Method::GET {
        return status::method_not_allowed();
    }
    let cluster = shared.cluster();
    let now = cluster.now();
    let stamp = serde_json::to_value(now.time()).unwrap_or(Value::Null);
    match served {
        Served::NodeMetrics => {
            let items: Vec<Value> = cluster::metrics::node_usage(&cluster)
                .into_iter()
                .filter(|n| req.name.as_deref().is_none_or(|want| want == n.name))
                .map(|n| {
                    json!({
                        "metadata": {"name": n.name, "creationTimestamp": stamp},
                        "timestamp": stamp, "window": "15.041s",
                        "usage": {"cpu": format!("{}n", n.cpu_millis * 1_000_000), "memory": format!("{}Ki", n.memory_bytes / 1024)},
                    })
                })
                .collect();
            metrics_response(req, "NodeMetrics", items)
        }
        _ => {
            let pods: Vec<std::sync::Arc<Pod>> = match &req.namespace {
                Some(ns) => cluster.list_in::<Pod>(ns).cloned().collect(),
                None => cluster.list::<Pod>().cloned().collect(),
            };
            let labels = LabelQuery::parse(
                req.query
                    .get("labelSelector")
                    .map(String::as_str)
                    .unwrap_or(""),
            )
            .unwrap_or_default();
            let items: Vec<Value> = pods
                .iter()
                .filter(|p| req.name.as_deref().is_none_or(|want| Some(want) == p.metadata.name.as_deref()))
                .filter(|p| labels.matches(p.metadata.labels.as_ref()))
                .filter_map(|p| {
                    let ns = p.metadata.namespace.as_deref().unwrap_or("");
                    let name = p.metadata.name.as_deref().unwrap_or("");
                    let usage = cluster::metrics::pod_usage(&cluster, ns, name)?;
                    Some(json!({
                        "metadata": {"name": name, "namespace": ns, "creationTimestamp": stamp, "labels": p.metadata.labels},
                        "timestamp": stamp, "window": "15.041s",
                        "containers": usage.iter().map(|c| json!({"name": c.name, "usage": {"cpu": format!("{}n", c.cpu_millis * 1_000_000), "memory": format!("{}Ki", c.memory_bytes / 1024)}})).collect::<Vec<_>>(),
                    }))
                })
                .collect();
            if let (Some(name), true) = (&req.name, items.is_empty()) {
                let err = cluster::ApiError {
                    reason: cluster::Reason::NotFound,
                    message: format!(
                        "podmetrics.metrics.k8s.io \"{}/{name}\" not found",
                        req.namespace.clone().unwrap_or_default()
                    ),
                    causes: Vec::new(),
                };
                return status::error(&err, None, name);
            }
            metrics_response(req, "PodMetrics", items)
        }
    }
}

fn metrics_response(req: &Request, kind: &str, mut items: Vec<Value>) -> Response {
    if req.name.is_some() {
        return match items.pop() {
            Some(mut item) => {
                item["kind"] = json!(kind);
                item["apiVersion"] = json!("metrics.k8s.io/v1beta1");
                status::json_response(200, &item)
            }
            None => status::not_found(),
        };
    }
    status::json_response(
        200,
        &json!({"kind": format!("{kind}List"), "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}),
    )
}
