# The plugin image. Both stages start from Rapid7's plugin base image, because InsightConnect's
# validator accepts no other parent; the slim (Debian) variant runs a glibc binary. The Rust toolchain
# lives only in the builder stage. tests/image.rs checks these rules and `make image-check` runs the
# builder's build command on exactly the files it copies.

FROM --platform=linux/amd64 rapid7/insightconnect-python-3-slim-plugin:6.3.7 AS builder
ADD ./plugin.spec.yaml /plugin.spec.yaml
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
  | sh -s -- -y --profile minimal --default-toolchain 1.95.0
ENV PATH=/root/.cargo/bin:$PATH
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
# Built into the binary (include_str!): the `http` mode's spec, info and action routes answer from it.
COPY plugin.spec.yaml ./
COPY src ./src
# The workspace manifest names the simulator; cargo reads its manifest but does not build it here.
COPY simulator/Cargo.toml ./simulator/Cargo.toml
COPY simulator/src ./simulator/src
RUN cargo build --release --locked --bin icon_anomali_threatstream

FROM --platform=linux/amd64 rapid7/insightconnect-python-3-slim-plugin:6.3.7
LABEL organization=rapid7
LABEL sdk=rust
LABEL type=plugin
ADD ./plugin.spec.yaml /plugin.spec.yaml
# The CA bundle the builder installed, so ThreatStream's certificate can be verified whatever the base
# ships; the plugin's TLS roots come from SSL_CERT_FILE.
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
COPY --from=builder /build/target/release/icon_anomali_threatstream /usr/local/bin/icon_anomali_threatstream
RUN mkdir -p /workspace && cp /plugin.spec.yaml /workspace/plugin.spec.yaml
WORKDIR /workspace
# `http` mode's default port.
EXPOSE 10001
USER nobody
ENTRYPOINT ["/usr/local/bin/icon_anomali_threatstream"]
