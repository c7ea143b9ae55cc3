//! The harness shared by the end-to-end tests: an API server over a simulated cluster on a
//! loopback port, and the real kubectl pointed at it.

pub mod fidelity;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use cluster::Cluster;

pub const TOKEN: &str = "e2e-token";

pub struct Server {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub shared: Arc<Shared>,
    pub ca: String,
}

pub fn require_kubectl() {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the real kubectl must be on PATH: the machine image provides it (the gcloud dispatcher with kubectl.1.27..1.33)"
    );
}

impl Server {
    pub fn start(cluster: Cluster, minor: u32, clock: ClockMode) -> Server {
        require_kubectl();
        let shared = Shared::new(
            cluster,
            ServerConfig {
                minor_version: minor,
                token: Some(TOKEN.into()),
                clock,
            },
        );
        let (tx, rx) = std::sync::mpsc::channel();
        let serving = shared.clone();
        let cert = ServingCert::generate(&[]).unwrap();
        let ca = cert.cert_pem.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                apiserver::serve(listener, &cert, serving).await.unwrap();
            });
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("server started");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config"),
            apiserver::kubeconfig_yaml(&format!("https://{addr}"), Some(&ca), Some(TOKEN)),
        )
        .unwrap();
        Server {
            addr,
            dir,
            shared,
            ca,
        }
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Runs the real kubectl; returns (stdout, stderr, exit code).
    pub fn kubectl(&self, args: &[&str]) -> (String, String, i32) {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .expect("kubectl runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let (out, err, code) = self.kubectl(args);
        assert_eq!(
            code, 0,
            "kubectl {args:?} failed\nstdout:\n{out}\nstderr:\n{err}"
        );
        out
    }

    pub fn wait_for(&self, what: &str, limit: Duration, mut check: impl FnMut(&Server) -> bool) {
        let start = Instant::now();
        while start.elapsed() < limit {
            if check(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("timed out waiting for {what}");
    }
}

pub fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

impl Server {
    /// Runs the real kubectl with `stdin` on its standard input; returns (stdout, stderr, exit
    /// code).
    pub fn kubectl_with_stdin(&self, args: &[&str], stdin: &str) -> (String, String, i32) {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        let mut input = child.stdin.take().expect("a stdin pipe");
        // kubectl may exit before reading everything (a refused flag): ignore a broken pipe.
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
        let out = child.wait_with_output().expect("kubectl finishes");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }
}
