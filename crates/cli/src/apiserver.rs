//! `kube-sre-gym apiserver`: serve the simulated cluster's Kubernetes API for the real kubectl.

use std::path::PathBuf;

use anyhow::{Context, bail};
use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use rand::RngExt;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long, default_value_t = 6443)]
    port: u16,
    #[command(flatten)]
    world: crate::world::WorldArgs,
    /// The Kubernetes minor version to report (the kubectl dispatcher picks its binary by it).
    #[arg(long, default_value = "1.33", value_parser = parse_kube_version)]
    kube_version: u32,
    /// Where to write a kubeconfig for this server.
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Bearer token clients must send; a random one by default.
    #[arg(long, env = "KUBE_SRE_GYM_TOKEN")]
    token: Option<String>,
    /// Keep simulated time still (reproducible output) instead of following wall time.
    #[arg(long)]
    frozen_clock: bool,
}

fn parse_kube_version(s: &str) -> Result<u32, String> {
    let minor = s
        .trim_start_matches('v')
        .strip_prefix("1.")
        .and_then(|m| m.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) if (27..=33).contains(&m) => Ok(m),
        _ => Err(format!(
            "unsupported Kubernetes version {s:?}: expected 1.27 to 1.33"
        )),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let cluster = args.world.build()?;
    let token = args.token.clone().unwrap_or_else(|| {
        let bytes: [u8; 16] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    if token.is_empty() {
        bail!("the token must not be empty");
    }
    let config = ServerConfig {
        minor_version: args.kube_version,
        token: Some(token.clone()),
        clock: if args.frozen_clock {
            ClockMode::Frozen
        } else {
            ClockMode::Live
        },
    };
    let cert = ServingCert::generate(std::slice::from_ref(&args.host))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = std::net::TcpListener::bind((args.host.as_str(), args.port))
            .with_context(|| format!("binding {}:{}", args.host, args.port))?;
        let addr = listener.local_addr()?;
        let server = format!("https://{addr}");
        if let Some(path) = &args.kubeconfig {
            let kubeconfig =
                apiserver::kubeconfig_yaml(&server, Some(&cert.cert_pem), Some(&token));
            std::fs::write(path, kubeconfig)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "kubeconfig written to {} (export KUBECONFIG={})",
                path.display(),
                path.display()
            );
        } else {
            eprintln!("token: {token}");
        }
        eprintln!("serving the simulated cluster's Kubernetes API on {server}");
        let shared = Shared::new(cluster, config);
        tokio::select! {
            served = apiserver::serve(listener, &cert, shared) => served.context("serving"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
