# The plugin image: Rapid7's plugin base image, because InsightConnect's validator accepts no other
# parent, plus one static binary. `make image` builds the binary outside the image (x86_64 musl,
# `cargo build --release --locked`), so it runs whatever libc the base has and the image needs no Rust
# toolchain. tests/image.rs checks these rules; `make image-test` builds the image and runs it.

FROM --platform=linux/amd64 rapid7/insightconnect-python-3-slim-plugin:6.3.7
LABEL organization=rapid7
LABEL sdk=rust
LABEL type=plugin
ADD ./plugin.spec.yaml /plugin.spec.yaml
# The plugin's TLS roots come from SSL_CERT_FILE: the base's CA bundle, which must be there (the build
# fails here otherwise). It is not taken from the build machine, whose bundle may hold a proxy's CA.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
RUN test -s "$SSL_CERT_FILE"
COPY target/x86_64-unknown-linux-musl/release/icon_anomali_threatstream /usr/local/bin/icon_anomali_threatstream
# Where the runtime's images keep the spec too (the binary has its own copy built in).
ADD ./plugin.spec.yaml /workspace/plugin.spec.yaml
WORKDIR /workspace
# A trigger keeps its state in /workspace/cache/<triggerId>.json and the runtime drops its terminate
# flag in /workspace/tmp, as the runtime's plugin images have them: both writable by the plugin's user.
RUN mkdir -p /workspace/cache /workspace/tmp && chown nobody /workspace/cache /workspace/tmp
# `http` mode's default port.
EXPOSE 10001
USER nobody
ENTRYPOINT ["/usr/local/bin/icon_anomali_threatstream"]
