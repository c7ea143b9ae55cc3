//! The simulated container registry: which images exist, their digests and sizes, and the
//! errors containerd reports for the ones that do not.

use std::time::Duration;

use crate::names::fnv32a;

/// A resolved image: its full reference, digest and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub reference: String,
    pub digest: String,
    pub size_bytes: u64,
}

/// Why a pull failed, as the kubelet reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullError(pub String);

const CATALOGUE: &[(&str, &[&str], u64)] = &[
    (
        "docker.io/library/nginx",
        &[
            "1.25", "1.25.3", "1.25.4", "1.25.5", "1.26", "1.26.2", "1.27", "1.27.2", "1.27.3",
            "alpine", "stable", "latest",
        ],
        70_542_235,
    ),
    (
        "docker.io/library/python",
        &[
            "3.11-slim",
            "3.11",
            "3.12-slim",
            "3.12",
            "3.13-slim",
            "3.13",
            "latest",
        ],
        45_278_192,
    ),
    (
        "docker.io/library/busybox",
        &["1.36", "1.36.1", "1.37", "1.37.0", "stable", "latest"],
        2_167_176,
    ),
    (
        "docker.io/library/redis",
        &["7", "7.2", "7.2.5", "7.4", "7-alpine", "latest"],
        45_870_530,
    ),
    (
        "docker.io/library/postgres",
        &["15", "15.8", "16", "16.4", "17", "15-alpine", "latest"],
        151_332_864,
    ),
    (
        "registry.k8s.io/coredns/coredns",
        &["v1.11.1", "v1.11.3", "v1.12.0"],
        18_562_039,
    ),
    (
        "registry.k8s.io/metrics-server/metrics-server",
        &["v0.7.1", "v0.7.2"],
        19_496_130,
    ),
    ("registry.k8s.io/pause", &["3.9", "3.10"], 320_368),
    (
        "ghcr.io/kube-sre-gym/microservice",
        &["1.0", "1.1", "1.2", "latest"],
        24_117_248,
    ),
];

/// Splits a reference into (repository with registry, tag).
pub fn normalize(image: &str) -> (String, String) {
    let (name, tag) = match image.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (image, "latest"),
    };
    let first = name.split('/').next().unwrap_or("");
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let repo = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    (repo, tag.to_string())
}

/// Looks up an image as containerd would resolve it.
pub fn resolve(image: &str) -> Result<ImageInfo, PullError> {
    let (repo, tag) = normalize(image);
    let reference = format!("{repo}:{tag}");
    let Some((_, tags, size)) = CATALOGUE.iter().find(|(r, _, _)| *r == repo) else {
        return Err(PullError(format!(
            "failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        )));
    };
    if !tags.contains(&tag.as_str()) {
        return Err(PullError(format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found"
        )));
    }
    Ok(ImageInfo {
        digest: format!("sha256:{}", crate::names::hex_digest(&reference)),
        size_bytes: size + u64::from(fnv32a(tag.as_bytes()) % 4_000_000),
        reference,
    })
}

/// How long pulling takes: a fixed handshake plus the transfer.
pub fn pull_duration(info: &ImageInfo) -> Duration {
    Duration::from_millis(400 + info.size_bytes / 40_000)
}

/// The `imageID` the kubelet reports for a running container.
pub fn image_id(info: &ImageInfo) -> String {
    let repo = info
        .reference
        .rsplit_once(':')
        .map(|(r, _)| r)
        .unwrap_or(&info.reference);
    format!("{repo}@{}", info.digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_known_tags_and_refuses_unknown_ones() {
        let info = resolve("nginx:1.25").unwrap();
        assert_eq!(info.reference, "docker.io/library/nginx:1.25");
        assert_eq!(info.digest.len(), 71);
        assert_eq!(resolve("nginx:1.25").unwrap(), info, "digests are stable");
        let err = resolve("nginx:nonexistent-tag-99999").unwrap_err();
        assert!(err.0.contains("code = NotFound"), "{}", err.0);
        assert!(
            err.0
                .ends_with("docker.io/library/nginx:nonexistent-tag-99999: not found")
        );
        assert!(
            resolve("ngnix:1.25")
                .unwrap_err()
                .0
                .contains("pull access denied")
        );
        assert_eq!(
            normalize("registry.k8s.io/pause:3.10").0,
            "registry.k8s.io/pause"
        );
        assert_eq!(normalize("bitnami/redis").1, "latest");
    }
}
