//! The simulated Kubernetes cluster at the bottom of kube-sre-gym.
//!
//! It owns the object store (k8s-openapi types with the metadata the API server sets), admission
//! and validation, the controllers (Deployment, ReplicaSet, StatefulSet, scheduler, endpoints,
//! volumes, quota, namespaces, garbage collection), the kubelet with its application models,
//! events, logs and metrics, all on a simulated clock.
//!
//! It is pure and synchronous: no IO, no async runtime, no wall clock, no unseeded randomness,
//! and no dependency on the kubectl, apiserver or gym layers above it. The same seed and the same
//! calls give the same bytes; cloning a [`Cluster`] forks it.

mod admission;
pub mod apps;
mod cluster;
mod cronjobs;
pub mod endpointslices;
pub mod error;
mod events;
mod jobs;
pub mod kubelet;
pub mod leases;
pub mod logs;
pub mod manifests;
pub mod metrics;
pub mod names;
mod policy;
pub mod quantity;
pub mod registry;
mod scheduler;
pub mod selectors;
mod services;
pub mod store;
pub mod time;
pub mod version;
mod workloads;

pub use admission::{Schema, default_storage_class, image_tag, qos_class};
pub use cluster::{Cluster, ClusterConfig, DeleteOptions, Propagation, TypedObject, meta};
pub use error::{ApiError, FieldError, FieldErrorKind, Reason};
pub use events::{EventType, events_for};
pub use store::{Kind, KindVisitor, ObjectMap, Store, Stored};
pub use time::{SimTime, parse_duration};
pub use workloads::{pod_template_hash, scaled_value};

/// The Kubernetes API types the simulator stores, re-exported for callers.
pub use k8s_openapi;
