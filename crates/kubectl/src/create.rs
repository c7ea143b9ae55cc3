//! `kubectl create -f -` and the imperative `create namespace|configmap|secret generic|
//! deployment`.

use cluster::Cluster;
use serde_json::Value;

use crate::apply::{self, Failure, LAST_APPLIED};
use crate::get::kind_prefix;
use crate::grammar::{CreateWhat, Invocation, Output as OutputFlag};
use crate::manifest::{self, Info};
use crate::output::{self, Output};

pub fn create(cluster: &mut Cluster, inv: &Invocation, what: CreateWhat) -> Output {
    match what {
        CreateWhat::FromFile => from_file(cluster, inv),
        _ => crate::exec::unsupported(&format!("create {}", what_name(what))),
    }
}

fn what_name(what: CreateWhat) -> &'static str {
    match what {
        CreateWhat::FromFile => "-f",
        CreateWhat::Deployment => "deployment",
        CreateWhat::Namespace => "namespace",
        CreateWhat::ConfigMap => "configmap",
        CreateWhat::SecretGeneric => "secret generic",
    }
}

/// Prints one created object as kubectl's printers do: a line, a name, or the object (YAML
/// documents separated by `---`).
pub(crate) fn print_created(inv: &Invocation, info: &Info, object: &Value, count: usize) -> String {
    match &inv.flags.output {
        Some(OutputFlag::Name) => format!("{}/{}\n", kind_prefix(info.kind), info.name_of(object)),
        Some(OutputFlag::Json) => output::json(object),
        Some(OutputFlag::Yaml) => {
            let sep = if count > 0 { "---\n" } else { "" };
            format!("{sep}{}", output::yaml(object))
        }
        _ => format!(
            "{}/{} created{}\n",
            kind_prefix(info.kind),
            info.name_of(object),
            apply::dry_run_suffix(inv)
        ),
    }
}

fn from_file(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let (ns, enforce) = apply::namespace(inv);
    let read = manifest::read(
        inv.flags.stdin_manifest.as_deref().unwrap_or(""),
        &ns,
        enforce,
    );
    let mut failures: Vec<Failure> = read.errors.into_iter().map(Failure::Plain).collect();
    if read.infos.is_empty() && failures.is_empty() {
        return Output::error("error: no objects passed to create\n".into(), 1);
    }
    let dry = inv.flags.dry_run.as_deref();
    let mut out = Output::default();
    let mut printed = 0;
    for info in &read.infos {
        let mut info = info.clone();
        if inv.flags.save_config {
            let config = apply::configuration(&info.object);
            info.object = apply::annotated(&info.object);
            info.object["metadata"]["annotations"][LAST_APPLIED] = Value::String(config);
        }
        let result = if dry == Some("client") {
            Ok(info.object.clone())
        } else {
            apply::create(cluster, &info, dry == Some("server"))
        };
        match result {
            Ok(object) => {
                out.stdout
                    .push_str(&print_created(inv, &info, &object, printed));
                printed += 1;
            }
            Err(e) => failures.push(Failure::Api(e, Some("creating".into()))),
        }
    }
    apply::report(&failures, &mut out);
    out
}
