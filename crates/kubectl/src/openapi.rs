//! The OpenAPI v3 documents the API server publishes for the kinds the simulator serves, built
//! once per process from k8s-openapi's JSON schemas (the Kubernetes API's own field
//! descriptions). The API server serves them; `explain` renders them in process, so both read the
//! same bytes.
//!
//! Shape as the real server's: an index at `/openapi/v3` naming one document per group version,
//! each with `paths` (whose operations carry `x-kubernetes-group-version-kind`) and
//! `components.schemas` keyed `io.k8s.api.core.v1.Pod`, `$ref`s with siblings wrapped in `allOf`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use cluster::Kind;
use cluster::k8s_openapi::api::{
    apps, autoscaling, batch, coordination, core, discovery, networking, storage,
};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

/// One group version's document, with the hash the index names it by.
pub struct GroupVersionDocument {
    pub group: &'static str,
    pub version: &'static str,
    pub document: Value,
    /// The document serialised, as served.
    pub bytes: Vec<u8>,
    pub hash: String,
}

/// Every document, built once.
pub struct Documents {
    /// Keyed by the index path: `api/v1`, `apis/apps/v1`.
    pub by_path: BTreeMap<String, GroupVersionDocument>,
}

impl Documents {
    /// The `/openapi/v3` index.
    pub fn index(&self) -> Value {
        let paths: Map<String, Value> = self
            .by_path
            .iter()
            .map(|(path, doc)| {
                (
                    path.clone(),
                    json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={}", doc.hash)}),
                )
            })
            .collect();
        json!({ "paths": paths })
    }

    /// The document of a group version (`""` for core).
    pub fn for_group_version(&self, group: &str, version: &str) -> Option<&GroupVersionDocument> {
        self.by_path.get(&index_path(group, version))
    }
}

/// `api/v1` or `apis/apps/v1`: where the index lists a group version.
pub fn index_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The documents, built on first use.
pub fn documents() -> &'static Documents {
    static DOCUMENTS: OnceLock<Documents> = OnceLock::new();
    DOCUMENTS.get_or_init(build)
}

fn subschema(kind: Kind, generator: &mut SchemaGenerator) {
    macro_rules! of {
        ($ty:ty) => {{
            generator.subschema_for::<$ty>();
        }};
    }
    match kind {
        Kind::Namespace => of!(core::v1::Namespace),
        Kind::Node => of!(core::v1::Node),
        Kind::Pod => of!(core::v1::Pod),
        Kind::Deployment => of!(apps::v1::Deployment),
        Kind::ReplicaSet => of!(apps::v1::ReplicaSet),
        Kind::StatefulSet => of!(apps::v1::StatefulSet),
        Kind::Service => of!(core::v1::Service),
        Kind::Endpoints => of!(core::v1::Endpoints),
        Kind::Event => of!(core::v1::Event),
        Kind::ConfigMap => of!(core::v1::ConfigMap),
        Kind::Secret => of!(core::v1::Secret),
        Kind::ServiceAccount => of!(core::v1::ServiceAccount),
        Kind::ResourceQuota => of!(core::v1::ResourceQuota),
        Kind::PersistentVolumeClaim => of!(core::v1::PersistentVolumeClaim),
        Kind::StorageClass => of!(storage::v1::StorageClass),
        Kind::NetworkPolicy => of!(networking::v1::NetworkPolicy),
        Kind::HorizontalPodAutoscaler => of!(autoscaling::v2::HorizontalPodAutoscaler),
        Kind::EndpointSlice => of!(discovery::v1::EndpointSlice),
        Kind::Lease => of!(coordination::v1::Lease),
        Kind::CronJob => of!(batch::v1::CronJob),
        Kind::Job => of!(batch::v1::Job),
    }
}

/// `io.k8s.api.core.v1.Pod`: the component name of a kind.
pub fn schema_name(kind: Kind) -> String {
    let group = match kind.group() {
        "" => "core",
        g => g.strip_suffix(".k8s.io").unwrap_or(g),
    };
    let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
    format!("io.k8s.api.{group}.{version}.{}", kind.name())
}

fn group_version(kind: Kind) -> (&'static str, &'static str) {
    match kind.api_version().split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", kind.api_version()),
    }
}

fn build() -> Documents {
    let mut grouped: BTreeMap<(&'static str, &'static str), Vec<Kind>> = BTreeMap::new();
    for &kind in Kind::ALL {
        grouped.entry(group_version(kind)).or_default().push(kind);
    }
    let by_path = grouped
        .into_iter()
        .map(|((group, version), kinds)| {
            let document = group_version_document(group, version, &kinds);
            let bytes = serde_json::to_vec(&document).unwrap_or_default();
            let hash = cluster::names::hex_digest(&String::from_utf8_lossy(&bytes)).to_uppercase();
            (
                index_path(group, version),
                GroupVersionDocument {
                    group,
                    version,
                    document,
                    bytes,
                    hash,
                },
            )
        })
        .collect();
    Documents { by_path }
}

fn group_version_document(group: &str, version: &str, kinds: &[Kind]) -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    for &kind in kinds {
        subschema(kind, &mut generator);
    }
    let mut schemas: BTreeMap<String, Value> =
        generator.take_definitions(true).into_iter().collect();
    for &kind in kinds {
        let Some(Value::Object(schema)) = schemas.get_mut(&schema_name(kind)) else {
            continue;
        };
        schema.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": group, "kind": kind.name(), "version": version}]),
        );
        // k8s-openapi requires `metadata` because its type is not optional; the API does not
        // (but for core Events).
        if kind != Kind::Event
            && let Some(Value::Array(required)) = schema.get_mut("required")
        {
            required.retain(|r| r != "metadata");
            if required.is_empty() {
                schema.remove("required");
            }
        }
    }
    let mut paths = Map::new();
    for &kind in kinds {
        resource_paths(group, version, kind, &mut paths);
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": cluster::version::VersionInfo::server(33).git_version},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

/// The list and item paths of a kind, each operation naming the kind it serves.
fn resource_paths(group: &str, version: &str, kind: Kind, paths: &mut Map<String, Value>) {
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let plural = kind.plural();
    let gvk = json!({"group": group, "kind": kind.name(), "version": version});
    let reference = json!({"$ref": format!("#/components/schemas/{}", schema_name(kind))});
    let operation = |action: &str, description: String| {
        let mut op = json!({
            "description": description,
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": reference}}}},
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
        });
        // kubectl validates server-side (`fieldValidation=Strict`) only where the PATCH
        // operation lists the parameter; otherwise it falls back to client-side validation
        // over `/openapi/v2`.
        if matches!(action, "post" | "put" | "patch") {
            op["parameters"] = json!([
                {"name": "dryRun", "in": "query", "description": "When present, indicates that modifications should not be persisted.", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldManager", "in": "query", "description": "fieldManager is a name associated with the actor or entity that is making these changes.", "schema": {"type": "string", "uniqueItems": true}},
                {"name": "fieldValidation", "in": "query", "description": "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn and Strict.", "schema": {"type": "string", "uniqueItems": true}},
            ]);
        }
        op
    };
    let (list_path, item_path) = if kind.namespaced() {
        paths.insert(
            format!("{prefix}/{plural}"),
            json!({"get": operation("list", format!("list or watch objects of kind {}", kind.name()))}),
        );
        (
            format!("{prefix}/namespaces/{{namespace}}/{plural}"),
            format!("{prefix}/namespaces/{{namespace}}/{plural}/{{name}}"),
        )
    } else {
        (
            format!("{prefix}/{plural}"),
            format!("{prefix}/{plural}/{{name}}"),
        )
    };
    let name = kind.name();
    paths.insert(
        list_path,
        json!({
            "get": operation("list", format!("list or watch objects of kind {name}")),
            "post": operation("post", format!("create a {name}")),
        }),
    );
    paths.insert(
        item_path,
        json!({
            "get": operation("get", format!("read the specified {name}")),
            "put": operation("put", format!("replace the specified {name}")),
            "patch": operation("patch", format!("partially update the specified {name}")),
            "delete": operation("delete", format!("delete a {name}")),
        }),
    );
}

/// The fields of `object` that the schema of `kind` does not declare, as the API server's
/// strict decoding names them (`spec.template.spec.containers[0].foo`), in decoding order.
pub fn unknown_fields(kind: Kind, object: &Value) -> Vec<String> {
    let (group, version) = group_version(kind);
    let mut out = Vec::new();
    if let Some(doc) = documents().for_group_version(group, version) {
        let schema = json!({"$ref": format!("#/components/schemas/{}", schema_name(kind))});
        collect_unknown(&doc.document, &schema, object, "", &mut out);
    }
    out
}

/// Follows `$ref` and single-element `allOf` wrappers to the schema that describes a value.
fn describing<'a>(document: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or("");
            match document["components"]["schemas"].get(name) {
                Some(target) => schema = target,
                None => return schema,
            }
        } else if let Some(Value::Array(all_of)) = schema.get("allOf")
            && all_of.len() == 1
            && schema.get("properties").is_none()
        {
            schema = &all_of[0];
        } else {
            break;
        }
    }
    schema
}

fn collect_unknown(
    document: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    out: &mut Vec<String>,
) {
    let schema = describing(document, schema);
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(fields) => {
            let Some(Value::Object(properties)) = schema.get("properties") else {
                return;
            };
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            for key in keys {
                match properties.get(key) {
                    Some(sub) => collect_unknown(document, sub, &fields[key], &join(key), out),
                    None => out.push(join(key)),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    collect_unknown(
                        document,
                        item_schema,
                        item,
                        &format!("{path}[{index}]"),
                        out,
                    );
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_named_by_their_path() {
        let object = json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "foo": 1,
            "metadata": {"name": "x", "bar": true},
            "spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "imagePullPolice": "Always"}]}}},
        });
        assert_eq!(
            unknown_fields(Kind::Deployment, &object),
            [
                "foo",
                "metadata.bar",
                "spec.template.spec.containers[1].imagePullPolice"
            ]
        );
        let fine = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}, "data": {"k": "v"}});
        assert!(unknown_fields(Kind::ConfigMap, &fine).is_empty());
    }

    #[test]
    fn every_served_kind_has_a_schema_with_its_group_version_kind() {
        let docs = documents();
        for &kind in Kind::ALL {
            let (group, version) = group_version(kind);
            let doc = docs.for_group_version(group, version).expect("document");
            let schema = &doc.document["components"]["schemas"][schema_name(kind)];
            assert_eq!(
                schema["x-kubernetes-group-version-kind"][0]["kind"],
                kind.name(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn refs_with_descriptions_are_wrapped_in_all_of() {
        let doc = &documents().for_group_version("", "v1").unwrap().document;
        let spec = &doc["components"]["schemas"]["io.k8s.api.core.v1.Pod"]["properties"]["spec"];
        assert_eq!(
            spec["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.PodSpec"
        );
        assert!(spec["description"].is_string());
        let required = &doc["components"]["schemas"]["io.k8s.api.core.v1.Pod"]["required"];
        assert!(required.is_null(), "{required}");
    }

    #[test]
    fn the_index_names_each_document_by_hash() {
        let index = documents().index();
        let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
    }
}
