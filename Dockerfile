# kube-sre-gym's OpenEnv server, for a Hugging Face Space (sdk: docker, app_port: 8000) or
# `EnvClient.from_docker_image(...)`: both expect it on port 8000 with GET /health answering.
#
#   docker build -t kube-sre-gym .
#   docker run --rm -p 8000:8000 kube-sre-gym
#
# Build stage: the release binary from the locked workspace.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY manifests ./manifests
RUN cargo build --release --locked -p kube-sre-gym \
 && install -D -m 0755 target/release/kube-sre-gym /out/kube-sre-gym

# Run stage: the binary alone (the simulated cluster needs no other files), as an unprivileged
# user (Spaces run containers as uid 1000).
FROM debian:bookworm-slim
RUN useradd --create-home --uid 1000 app
COPY --from=build /out/kube-sre-gym /usr/local/bin/kube-sre-gym
USER app
WORKDIR /home/app
ENV RUST_LOG=info
EXPOSE 8000
CMD ["kube-sre-gym", "serve", "--host", "0.0.0.0", "--port", "8000"]
