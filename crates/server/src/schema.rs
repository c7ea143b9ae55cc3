//! `/schema`, `/metadata` and `/openapi.json`: written out here in the shape pydantic and
//! FastAPI give them for the original's models, so OpenEnv's validators read them alike.

use serde_json::{Value, json};

use crate::ENV_NAME;

const DESCRIPTION: &str = "An on-call SRE environment: a PagerDuty-style alert and a kubectl \
     prompt on a deterministic simulated Kubernetes cluster. Diagnose and repair the incident; \
     the reward comes from the cluster's state.";

const README: &str = "# kube-sre-gym\n\nConnect with any OpenEnv client (`/ws`). Reset with \
     optional `seed`, `episode_id`, `incident` (e.g. `warmup-900001`), `difficulty` (a tier or a \
     number in [0, 1]), `split`, `fault_types` and `max_steps`; then step with `{\"command\": \
     \"kubectl get pods -A\"}`, `{\"command\": \"diagnose: <root cause>\"}` or `{\"command\": \
     \"fix: kubectl ...\"}`.\n";

pub fn metadata() -> Value {
    json!({
        "name": ENV_NAME,
        "description": DESCRIPTION,
        "readme_content": README,
        "version": env!("CARGO_PKG_VERSION"),
        "author": "kube-sre-gym",
        "documentation_url": "https://github.com/kube-sre-gym/kube-sre-gym",
    })
}

fn metadata_field(of: &str) -> Value {
    json!({
        "additionalProperties": true,
        "description": format!("Additional metadata for the {of}"),
        "title": "Metadata",
        "type": "object"
    })
}

pub fn action_schema() -> Value {
    json!({
        "additionalProperties": false,
        "properties": {
            "metadata": metadata_field("action"),
            "command": {
                "description": "A kubectl command line, `diagnose: <root cause>`, or `fix: kubectl ...`",
                "minLength": 1,
                "title": "Command",
                "type": "string"
            }
        },
        "required": ["command"],
        "title": "KubeSreGymAction",
        "type": "object"
    })
}

pub fn observation_schema() -> Value {
    json!({
        "additionalProperties": false,
        "properties": {
            "done": {
                "default": false,
                "description": "Whether the episode has terminated",
                "title": "Done",
                "type": "boolean"
            },
            "reward": {
                "anyOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "number"}, {"type": "null"}],
                "default": null,
                "description": "Reward signal from the last action",
                "title": "Reward"
            },
            "metadata": metadata_field("observation"),
            "command_output": {"default": "", "description": "The command's output (after a reset: the alert)", "title": "Command Output", "type": "string"},
            "cluster_status_summary": {"default": "", "description": "Pods and recent events after a reset; pods after a change or at the end", "title": "Cluster Status Summary", "type": "string"},
            "active_alerts": {"default": [], "items": {"type": "string"}, "title": "Active Alerts", "type": "array"},
            "steps_taken": {"default": 0, "minimum": 0, "title": "Steps Taken", "type": "integer"},
            "max_steps": {"default": 15, "minimum": 0, "title": "Max Steps", "type": "integer"},
            "hint": {"default": "", "title": "Hint", "type": "string"}
        },
        "title": "KubeSreGymObservation",
        "type": "object"
    })
}

pub fn state_schema() -> Value {
    json!({
        "additionalProperties": true,
        "description": "The episode as a trainer may see it: no root cause, no intended fix.",
        "properties": {
            "episode_id": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": null,
                "description": "Unique identifier for the current episode",
                "title": "Episode Id"
            },
            "step_count": {
                "default": 0,
                "description": "Number of steps taken in the current episode",
                "minimum": 0,
                "title": "Step Count",
                "type": "integer"
            },
            "incident_id": {"default": "", "title": "Incident Id", "type": "string"},
            "difficulty": {"default": 0.15, "title": "Difficulty", "type": "number"},
            "tier": {"enum": ["warmup", "beginner", "intermediate", "advanced", "expert"], "title": "Tier", "type": "string"},
            "persona": {"enum": ["junior", "senior", "principal"], "title": "Persona", "type": "string"},
            "max_steps": {"default": 0, "minimum": 0, "title": "Max Steps", "type": "integer"},
            "is_resolved": {"default": false, "title": "Is Resolved", "type": "boolean"},
            "done": {"default": false, "title": "Done", "type": "boolean"},
            "cumulative_reward": {"default": 0.0, "title": "Cumulative Reward", "type": "number"},
            "curriculum_stats": {"additionalProperties": true, "title": "Curriculum Stats", "type": "object"}
        },
        "title": "KubeSreGymState",
        "type": "object"
    })
}

pub fn schemas() -> Value {
    json!({
        "action": action_schema(),
        "observation": observation_schema(),
        "state": state_schema(),
    })
}

fn json_body(schema: Value, required: bool) -> Value {
    json!({"required": required, "content": {"application/json": {"schema": schema}}})
}

fn ok(schema: Value, description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn session_header() -> Value {
    json!({
        "name": crate::SESSION_HEADER,
        "in": "header",
        "required": false,
        "description": "Binds the call to a session kept between requests (created by the first /reset that names it). Without it every call runs on a fresh environment, as in OpenEnv.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255}
    })
}

/// The OpenAPI document: FastAPI's title and version, the simulation-mode routes.
pub fn openapi() -> Value {
    let envelope = json!({"$ref": "#/components/schemas/ObservationEnvelope"});
    let validation = json!({"description": "Validation Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "OpenEnv Environment HTTP API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "paths": {
            "/reset": {"post": {
                "summary": "Reset the environment",
                "parameters": [session_header()],
                "requestBody": json_body(json!({"$ref": "#/components/schemas/ResetRequest"}), false),
                "responses": {"200": ok(envelope.clone(), "The first observation"), "422": validation, "503": {"description": "Server at capacity (bound sessions only)"}}
            }},
            "/step": {"post": {
                "summary": "Run one action",
                "parameters": [session_header()],
                "requestBody": json_body(json!({"$ref": "#/components/schemas/StepRequest"}), true),
                "responses": {"200": ok(envelope, "The observation after the action"), "422": validation, "404": {"description": "Unknown session"}}
            }},
            "/state": {"get": {
                "summary": "The episode's state",
                "parameters": [session_header()],
                "responses": {"200": ok(json!({"$ref": "#/components/schemas/State"}), "The state, without ground truth")}
            }},
            "/session": {"delete": {
                "summary": "Close a bound session",
                "parameters": [session_header()],
                "responses": {"200": {"description": "Closed"}, "404": {"description": "Unknown session"}}
            }},
            "/health": {"get": {"summary": "Health", "responses": {"200": ok(json!({"type": "object", "properties": {"status": {"type": "string", "enum": ["healthy", "unhealthy", "degraded"]}}}), "Healthy")}}},
            "/metadata": {"get": {"summary": "Environment metadata", "responses": {"200": ok(json!({"type": "object"}), "Metadata")}}},
            "/schema": {"get": {"summary": "JSON Schemas of the action, observation and state", "responses": {"200": ok(json!({"type": "object"}), "Schemas")}}},
            "/mcp": {"post": {
                "summary": "MCP JSON-RPC 2.0 (initialize, tools/list, tools/call, openenv/session/create, openenv/session/close)",
                "requestBody": json_body(json!({"type": "object"}), true),
                "responses": {"200": ok(json!({"type": "object"}), "JSON-RPC response")}
            }},
            "/metrics": {"get": {"summary": "Prometheus metrics (OpenMetrics text)", "responses": {"200": {"description": "Metrics"}}}},
        },
        "components": {"schemas": {
            "ResetRequest": {
                "additionalProperties": true,
                "properties": {
                    "seed": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}], "default": null, "title": "Seed"},
                    "episode_id": {"anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}], "default": null, "title": "Episode Id"},
                    "incident": {"type": "string", "title": "Incident", "description": "e.g. warmup-900001"},
                    "difficulty": {"anyOf": [{"type": "string"}, {"type": "number", "minimum": 0, "maximum": 1}], "title": "Difficulty"},
                    "split": {"type": "string", "enum": ["train", "validation", "test"], "title": "Split"},
                    "fault_types": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}], "title": "Fault Types"},
                    "max_steps": {"type": "integer", "minimum": 1, "maximum": gym::episode::MAX_STEPS_LIMIT, "title": "Max Steps"}
                },
                "title": "ResetRequest",
                "type": "object"
            },
            "StepRequest": {
                "additionalProperties": true,
                "properties": {
                    "action": {"$ref": "#/components/schemas/KubeSreGymAction"},
                    "timeout_s": {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}], "default": null, "title": "Timeout S"},
                    "request_id": {"anyOf": [{"type": "string", "maxLength": 255}, {"type": "null"}], "default": null, "title": "Request Id"}
                },
                "required": ["action"],
                "title": "StepRequest",
                "type": "object"
            },
            "KubeSreGymAction": action_schema(),
            "KubeSreGymObservation": observation_schema(),
            "State": state_schema(),
            "ObservationEnvelope": {
                "properties": {
                    "observation": {"$ref": "#/components/schemas/KubeSreGymObservation"},
                    "reward": {"anyOf": [{"type": "number"}, {"type": "null"}], "title": "Reward"},
                    "done": {"default": false, "title": "Done", "type": "boolean"},
                    "metadata": {"type": "object", "title": "Metadata"}
                },
                "required": ["observation"],
                "title": "ResetResponse",
                "type": "object"
            },
            "HTTPValidationError": {
                "properties": {"detail": {"items": {"type": "object"}, "title": "Detail", "type": "array"}},
                "title": "HTTPValidationError",
                "type": "object"
            }
        }}
    })
}
