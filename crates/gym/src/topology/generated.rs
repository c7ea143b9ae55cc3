//! Generated microservice graphs: a seeded blueprint (which services, in which namespaces, who
//! calls whom, which keep a PostgreSQL database and a worker) and the objects it becomes.
//!
//! Every choice comes from one splitmix64 stream, so a seed gives the same bytes on every
//! platform and every version of the dependencies.

use serde_json::{Value, json};

/// Fewest and most microservices a generated graph holds.
pub const MIN_SERVICES: u8 = 5;
pub const MAX_SERVICES: u8 = 30;

/// The user-facing services, in the namespace `edge`.
const ENTRY_NAMES: &[&str] = &["web-bff", "mobile-bff", "partner-api"];
const EDGE: &str = "edge";

/// Namespaces by business domain, with the services that belong in each.
const DOMAINS: &[(&str, &[&str])] = &[
    (
        "commerce",
        &[
            "cart",
            "pricing",
            "promotions",
            "tax",
            "currency",
            "quotes",
            "gift-cards",
            "loyalty",
            "order-history",
        ],
    ),
    (
        "catalogue",
        &[
            "inventory",
            "search",
            "recommendations",
            "reviews",
            "product-info",
            "media",
            "wishlist",
            "ratings",
        ],
    ),
    (
        "fulfilment",
        &[
            "shipping",
            "warehouse",
            "returns",
            "tracking",
            "labels",
            "delivery-slots",
        ],
    ),
    (
        "finance",
        &[
            "ledger",
            "fraud",
            "invoicing",
            "payouts",
            "refunds",
            "billing",
            "subscriptions",
        ],
    ),
    (
        "identity",
        &["accounts", "profile", "sessions", "permissions", "consent"],
    ),
    (
        "comms",
        &["notifications", "email", "sms", "push", "templates"],
    ),
];

/// The most upstreams one service calls.
const MAX_FAN_OUT: usize = 4;

/// splitmix64: tiny, portable and value-stable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// How a client reads its database password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// From the database's own Secret (`POSTGRES_PASSWORD`).
    DatabaseSecret,
    /// From a client Secret of its own (`<service>-db-client`, key `password`).
    ClientSecret,
}

/// One generated microservice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceBlueprint {
    pub name: String,
    pub namespace: String,
    pub port: u16,
    pub replicas: u8,
    pub memory_mb: u16,
    /// Indices of the services it calls.
    pub depends_on: Vec<usize>,
    /// `DEPENDS_ON` comes from its ConfigMap (`<name>-config`), else it is a literal.
    pub config_map: bool,
    /// It keeps a PostgreSQL StatefulSet `<name>-db`.
    pub database: Option<Credentials>,
    /// A database worker `<name>-worker` beside it (only with a database).
    pub worker: bool,
    pub user_facing: bool,
}

/// A generated graph: services in dependency order (callers before callees), so edges always
/// point forward and the graph is a DAG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blueprint {
    pub seed: u64,
    pub namespaces: Vec<String>,
    pub services: Vec<ServiceBlueprint>,
}

impl ServiceBlueprint {
    fn host(&self) -> String {
        format!("{}.{}.svc.cluster.local", self.name, self.namespace)
    }

    fn db_name(&self) -> String {
        format!("{}-db", self.name)
    }

    fn db_user(&self) -> String {
        format!("{}_user", self.name.replace('-', "_"))
    }
}

impl Blueprint {
    /// The graph for `seed` with `services` microservices (caller checks the range).
    pub fn generate(seed: u64, services: u8) -> Blueprint {
        let n = usize::from(services.clamp(MIN_SERVICES, MAX_SERVICES));
        let mut rng = Rng(seed ^ 0x6b75_6265_2d73_7265);
        let entries = 1 + usize::from(n >= 12) + usize::from(n >= 24);
        // Namespaces: the edge plus 1 to 4 domains, never more than half the services, and
        // more of them for larger graphs so that few services land outside their domain.
        let max_ns = (n / 2).clamp(2, 5);
        let min_ns = (n / 8 + 1).clamp(2, max_ns);
        let n_ns = min_ns + rng.below(max_ns - min_ns + 1);
        let mut domains: Vec<usize> = (0..DOMAINS.len()).collect();
        rng.shuffle(&mut domains);
        let chosen: Vec<usize> = domains[..n_ns - 1].to_vec();
        // Names from the chosen domains first, then from the others (placed in a chosen one).
        let mut home: Vec<(&str, usize)> = Vec::new();
        let mut away: Vec<(&str, usize)> = Vec::new();
        for (d, (_, names)) in DOMAINS.iter().enumerate() {
            let bucket = if chosen.contains(&d) {
                &mut home
            } else {
                &mut away
            };
            bucket.extend(names.iter().map(|name| (*name, d)));
        }
        rng.shuffle(&mut home);
        rng.shuffle(&mut away);
        let mut out: Vec<ServiceBlueprint> = Vec::with_capacity(n);
        for name in &ENTRY_NAMES[..entries] {
            out.push(ServiceBlueprint {
                name: (*name).into(),
                namespace: EDGE.into(),
                port: 8080,
                replicas: 2,
                memory_mb: 48,
                depends_on: Vec::new(),
                config_map: true,
                database: None,
                worker: false,
                user_facing: true,
            });
        }
        for (name, d) in home.into_iter().chain(away).take(n - entries) {
            let domain = if chosen.contains(&d) {
                d
            } else {
                chosen[rng.below(chosen.len())]
            };
            let port = match rng.below(10) {
                0 => 3000,
                1 => 5000,
                2 => 8000,
                _ => 8080,
            };
            out.push(ServiceBlueprint {
                name: name.into(),
                namespace: DOMAINS[domain].0.into(),
                port,
                replicas: 1 + u8::from(rng.chance(50)),
                memory_mb: 24 + 8 * rng.below(5) as u16,
                depends_on: Vec::new(),
                config_map: rng.chance(50),
                database: None,
                worker: false,
                user_facing: false,
            });
        }
        // Callers: every service below the entries gets one earlier caller, often in its own
        // namespace, and sometimes a second.
        for i in entries..n {
            let same_ns: Vec<usize> = (entries..i)
                .filter(|&j| out[j].namespace == out[i].namespace)
                .filter(|&j| out[j].depends_on.len() < MAX_FAN_OUT)
                .collect();
            let any: Vec<usize> = (0..i)
                .filter(|&j| out[j].depends_on.len() < MAX_FAN_OUT)
                .collect();
            let pool = if !same_ns.is_empty() && rng.chance(60) {
                &same_ns
            } else {
                &any
            };
            // Entries always have room early on; if every earlier service is full, the first
            // entry takes one more.
            let caller = pool.get(rng.below(pool.len().max(1))).copied().unwrap_or(0);
            out[caller].depends_on.push(i);
            if rng.chance(30) {
                let second = rng.below(i);
                if !out[second].depends_on.contains(&i)
                    && out[second].depends_on.len() < MAX_FAN_OUT
                {
                    out[second].depends_on.push(i);
                }
            }
        }
        // At least one call within a namespace, so that a Service has a caller beside it.
        let intra = (0..n).any(|j| {
            out[j]
                .depends_on
                .iter()
                .any(|&k| out[k].namespace == out[j].namespace)
        });
        if !intra
            && let Some((a, b)) = (entries..n)
                .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                .find(|&(a, b)| out[a].namespace == out[b].namespace)
        {
            out[a].depends_on.push(b);
        }
        // Databases: the first service below the entries always keeps one, with a worker.
        for (i, s) in out.iter_mut().enumerate().skip(entries) {
            let db = i == entries || rng.chance(35);
            if db {
                s.database = Some(if rng.chance(50) {
                    Credentials::DatabaseSecret
                } else {
                    Credentials::ClientSecret
                });
                s.worker = i == entries || rng.chance(50);
            }
        }
        for s in &mut out {
            s.depends_on.sort_unstable();
        }
        let mut namespaces = vec![EDGE.to_string()];
        namespaces.extend(chosen.iter().map(|&d| DOMAINS[d].0.to_string()));
        namespaces.retain(|ns| out.iter().any(|s| &s.namespace == ns));
        Blueprint {
            seed,
            namespaces,
            services: out,
        }
    }

    /// Every object of the graph, in apply order (namespaces, Secrets and ConfigMaps before the
    /// workloads that read them).
    pub fn objects(&self) -> Vec<Value> {
        let mut rng = Rng(self.seed ^ 0x7061_7373_776f_7264);
        let mut objects: Vec<Value> = self
            .namespaces
            .iter()
            .map(|ns| {
                json!({
                    "apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"app.kubernetes.io/part-of": PART_OF}},
                })
            })
            .collect();
        for s in &self.services {
            let password = format!("{}-{:08x}", s.name.replace('-', ""), rng.next() as u32);
            objects.extend(self.service_objects(s, &password));
        }
        objects
    }

    fn service_objects(&self, s: &ServiceBlueprint, password: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let ns = &s.namespace;
        let depends_on = s
            .depends_on
            .iter()
            .map(|&i| format!("{}:80", self.services[i].host()))
            .collect::<Vec<_>>()
            .join(",");
        let mut env = vec![
            json!({"name": "PORT", "value": s.port.to_string()}),
            json!({"name": "MEMORY_MB", "value": s.memory_mb.to_string()}),
        ];
        let mut env_from = Vec::new();
        if s.config_map {
            let mut data = serde_json::Map::new();
            if !depends_on.is_empty() {
                data.insert("DEPENDS_ON".into(), depends_on.clone().into());
            }
            data.insert("LOG_LEVEL".into(), "info".into());
            data.insert(
                "REQUEST_TIMEOUT_MS".into(),
                (500 * (1 + s.depends_on.len())).to_string().into(),
            );
            out.push(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("{}-config", s.name), "namespace": ns,
                             "labels": labels(&s.name)},
                "data": data,
            }));
            env_from.push(json!({"configMapRef": {"name": format!("{}-config", s.name)}}));
        } else if !depends_on.is_empty() {
            env.push(json!({"name": "DEPENDS_ON", "value": depends_on}));
        }
        if let Some(credentials) = s.database {
            let db = s.db_name();
            let secret = format!("{db}-credentials");
            out.push(json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": secret, "namespace": ns, "labels": labels(&db)},
                "type": "Opaque",
                "stringData": {
                    "POSTGRES_USER": s.db_user(),
                    "POSTGRES_PASSWORD": password,
                    "POSTGRES_DB": s.name.replace('-', "_"),
                },
            }));
            out.extend(database(s, &secret));
            let (secret_name, key) = match credentials {
                Credentials::DatabaseSecret => (secret, "POSTGRES_PASSWORD".to_string()),
                Credentials::ClientSecret => {
                    let client = format!("{}-db-client", s.name);
                    out.push(json!({
                        "apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": client, "namespace": ns, "labels": labels(&s.name)},
                        "type": "Opaque",
                        "stringData": {"password": password},
                    }));
                    (client, "password".to_string())
                }
            };
            let db_env = [
                json!({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}),
                json!({"name": "DATABASE_URL", "value": format!(
                    "postgres://{}:$(DB_PASSWORD)@{db}.{ns}.svc.cluster.local:5432/{}",
                    s.db_user(), s.name.replace('-', "_"))}),
            ];
            env.extend(db_env.iter().cloned());
            if s.worker {
                out.push(worker(s, &db_env));
            }
        }
        let mut container = json!({
            "name": s.name,
            "image": "ghcr.io/kube-sre-gym/microservice:1.1",
            "env": env,
            "ports": [{"name": "http", "containerPort": s.port, "protocol": "TCP"}],
            "resources": {
                "requests": {"cpu": "20m", "memory": "48Mi"},
                "limits": {"cpu": "200m", "memory": "128Mi"},
            },
            "livenessProbe": {
                "httpGet": {"path": "/healthz", "port": s.port},
                "initialDelaySeconds": 5, "periodSeconds": 10,
            },
            "readinessProbe": {
                "httpGet": {"path": "/ready", "port": s.port},
                "initialDelaySeconds": 2, "periodSeconds": 5,
            },
        });
        if !env_from.is_empty() {
            container["envFrom"] = env_from.into();
        }
        out.push(deployment(&s.name, ns, s.replicas, container));
        out.push(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": s.name, "namespace": ns, "labels": labels(&s.name)},
            "spec": {
                "selector": {"app": s.name},
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": s.port}],
            },
        }));
        out
    }
}

const PART_OF: &str = "kube-sre-gym";

fn labels(app: &str) -> Value {
    json!({"app": app, "app.kubernetes.io/part-of": PART_OF})
}

fn deployment(name: &str, ns: &str, replicas: u8, container: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels(name)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": labels(name)},
                "spec": {"containers": [container]},
            },
        },
    })
}

/// The PostgreSQL StatefulSet and its headless Service, as payment-db is modelled.
fn database(s: &ServiceBlueprint, secret: &str) -> Vec<Value> {
    let db = s.db_name();
    let ns = &s.namespace;
    let user = s.db_user();
    let name = s.name.replace('-', "_");
    let ready = json!(["pg_isready", "-U", user, "-d", name]);
    vec![
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": db, "namespace": ns, "labels": labels(&db)},
            "spec": {
                "serviceName": db,
                "replicas": 1,
                "selector": {"matchLabels": {"app": db}},
                "template": {
                    "metadata": {"labels": labels(&db)},
                    "spec": {"containers": [{
                        "name": "postgres",
                        "image": "postgres:15",
                        "envFrom": [{"secretRef": {"name": secret}}],
                        "env": [{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
                        "ports": [{"name": "postgres", "containerPort": 5432, "protocol": "TCP"}],
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "128Mi"},
                            "limits": {"cpu": "500m", "memory": "256Mi"},
                        },
                        "livenessProbe": {
                            "exec": {"command": ready},
                            "initialDelaySeconds": 15, "periodSeconds": 10,
                        },
                        "readinessProbe": {
                            "exec": {"command": ready},
                            "initialDelaySeconds": 5, "periodSeconds": 5,
                        },
                        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                    }]},
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "standard-rwo",
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }],
            },
        }),
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": db, "namespace": ns, "labels": labels(&db)},
            "spec": {
                "clusterIP": "None",
                "selector": {"app": db},
                "ports": [{"name": "postgres", "port": 5432, "protocol": "TCP", "targetPort": 5432}],
            },
        }),
    ]
}

/// The queue worker beside a service: waits for its database, then processes batches.
const WORKER_SCRIPT: &str = r#"if [ -z "$DATABASE_URL" ]; then
  echo "FATAL: DATABASE_URL is not set" >&2; exit 1
fi
DB_HOST=$(echo "$DATABASE_URL" | sed -e 's|^[^:]*://||' -e 's|^.*@||' -e 's|[/?].*$||' -e 's|:.*$||')
DB_PORT=$(echo "$DATABASE_URL" | sed -e 's|^[^:]*://||' -e 's|^.*@||' -e 's|[/?].*$||' -e 's|^[^:]*||' -e 's|^:||')
[ -n "$DB_PORT" ] || DB_PORT=5432
tries=0
until nc -z -w 2 "$DB_HOST" "$DB_PORT"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 15 ]; then
    echo "FATAL: database $DB_HOST:$DB_PORT unreachable after $tries attempts, giving up" >&2; exit 1
  fi
  echo "waiting for database $DB_HOST:$DB_PORT (attempt $tries/15), retrying in 2s"
  sleep 2
done
echo "connected to database $DB_HOST:$DB_PORT"
while true; do echo "$(date -u +%FT%TZ) processed batch"; sleep 30; done
"#;

fn worker(s: &ServiceBlueprint, db_env: &[Value]) -> Value {
    let name = format!("{}-worker", s.name);
    let container = json!({
        "name": name,
        "image": "busybox:1.36",
        "command": ["sh", "-c"],
        "args": [WORKER_SCRIPT],
        "env": db_env,
        "resources": {
            "requests": {"cpu": "20m", "memory": "16Mi"},
            "limits": {"cpu": "100m", "memory": "64Mi"},
        },
    });
    deployment(&name, &s.namespace, 1, container)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_are_dags_of_the_asked_size_over_two_to_five_namespaces() {
        for seed in 0..200 {
            for size in [5u8, 6, 11, 12, 17, 24, 30] {
                let b = Blueprint::generate(seed, size);
                assert_eq!(b.services.len(), usize::from(size));
                assert!((2..=5).contains(&b.namespaces.len()), "{seed}/{size}");
                let mut names: Vec<_> = b.services.iter().map(|s| &s.name).collect();
                names.sort();
                names.dedup();
                assert_eq!(names.len(), b.services.len(), "names are unique");
                for (i, s) in b.services.iter().enumerate() {
                    assert!(s.depends_on.iter().all(|&j| j > i), "edges point forward");
                    assert!(
                        s.user_facing || b.services.iter().any(|c| c.depends_on.contains(&i)),
                        "{seed}/{size}: {} has no caller",
                        s.name
                    );
                }
                assert!(b.services.iter().any(|s| s.worker));
                assert!(b.services.iter().any(|s| {
                    s.depends_on
                        .iter()
                        .any(|&k| b.services[k].namespace == s.namespace)
                }));
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_graph_and_others_differ() {
        assert_eq!(Blueprint::generate(7, 15), Blueprint::generate(7, 15));
        assert_eq!(
            Blueprint::generate(7, 15).objects(),
            Blueprint::generate(7, 15).objects()
        );
        assert_ne!(Blueprint::generate(7, 15), Blueprint::generate(8, 15));
    }
}
