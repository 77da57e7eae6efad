# syntax=docker/dockerfile:1
#
# Accord: the `accord` binary on a small Debian runtime, as a non-root user.
#
#   docker build -t accord .
#   docker run --rm -p 127.0.0.1:6363:6363 -e ACCORD_BOOTSTRAP_TOKEN=… -v accord-data:/var/lib/accord accord
#
# compose.yaml runs it with PostgreSQL; README.md, "Running with Docker", says more.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# BuildKit cache mounts keep the crates.io downloads and the compiled dependencies between
# builds, so a source change recompiles only the workspace crates. The target directory lives
# in the cache, hence the binary is copied out in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release -p hub --locked \
    && install -D -m 0755 target/release/accord /out/accord

FROM debian:bookworm-slim
# CA certificates only: for outbound TLS (PostgreSQL with TLS, remote TAXII servers). The
# binary links glibc and libgcc_s, which the slim image has; TLS is rustls, no OpenSSL.
# Unpinned on purpose: the CA bundle should be the newest of the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 accord \
    && useradd --system --uid 10001 --gid accord --home-dir /var/lib/accord \
        --no-create-home --shell /usr/sbin/nologin accord \
    && install -d -o accord -g accord -m 0700 /var/lib/accord
COPY --from=builder /out/accord /usr/local/bin/accord

# The SQLite database (when ACCORD_DATABASE_URL is not set) and bootstrap.token live here.
ENV ACCORD_DATA_DIR=/var/lib/accord
WORKDIR /var/lib/accord
VOLUME /var/lib/accord
EXPOSE 6363
# Numeric, so that orchestrators can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001

# Ready = the process answers and its store does (`/readyz` needs no credentials). No curl in
# the image: bash opens the TCP connection itself. Valid for the default plain-HTTP CMD below;
# with [tls] configured, replace or disable this check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/6363 && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["accord"]
# `--insecure` allows plain HTTP on a non-loopback address, which is what a container needs to
# be reachable at all: the intended setup terminates TLS at a reverse proxy or load balancer in
# front of it. To serve HTTPS (and mTLS) from accord itself instead, mount the certificates and
# a config file with a [tls] section and run
# `serve --config /etc/accord/accord.toml --listen 0.0.0.0:6363` without `--insecure`.
CMD ["serve", "--listen", "0.0.0.0:6363", "--insecure"]
