# anomali_threatstream: the InsightConnect plugin for Anomali ThreatStream, in Rust.
# `make demo` and `make test` are the two commands a newcomer needs; the rest build and package.

NAME    := $(shell sed -n 's/^name: //p' plugin.spec.yaml)
VENDOR  := $(shell sed -n 's/^vendor: //p' plugin.spec.yaml)
VERSION := $(shell sed -n 's/^version: //p' plugin.spec.yaml)
IMAGE   := $(VENDOR)/$(NAME):$(VERSION)
BIN     := icon_anomali_threatstream

.PHONY: default build release test generate validate demo lint fuzz musl-toolchain static lint-static image standin-base image-test tarball export bench soak clean

default: image tarball

build:
	cargo build --workspace

release:
	cargo build --release --bin $(BIN)

test:
	cargo test --workspace

# Writes every file generated from the Rust types: plugin.spec.yaml below its marker line, schemas/,
# tests/*.json, help.md's tables and examples, README.md's table of actions; then docs/threatstream-api.md's
# table from the `# Contract` sections in src/threatstream/. `make test` fails while any of them differs
# from its source.
generate:
	GENERATE=write cargo test --lib generated_files_are_fresh
	GENERATE=write cargo test --test integration the_table_is_written_from_the_contracts_beside_the_calls

# Rapid7's validators (icon-validate), pinned, in a local .venv this target creates. scripts/validate.py
# skips seven and runs the rest: VersionValidator, UnapprovedKeywordsValidator, RuntimeValidator and
# VersionBumpValidator need the internet (unreachable here, and they crash the whole run), while
# VersionPinValidator, RegenerationValidator and OutputValidator read requirements.txt, .CHECKSUM and
# schema.py, files only a Python (or Go) plugin has.
VALIDATORS_VERSION := 2.47.35
VENV := .venv

validate: $(VENV)/validators-$(VALIDATORS_VERSION)
	$(VENV)/bin/python scripts/validate.py .

$(VENV)/validators-$(VALIDATORS_VERSION):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check insightconnect-integrations-validators==$(VALIDATORS_VERSION)
	touch $@

demo: build
	bash scripts/demo.sh target/debug/$(BIN) target/debug/threatstream-simulator

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# The image. The binary is built outside it, static (musl), so it runs on any base and the Dockerfile is
# one stage on Rapid7's base (.dockerignore lets exactly that binary into the build context).
MUSL_TARGET := x86_64-unknown-linux-musl
STATIC_BIN  := target/$(MUSL_TARGET)/release/$(BIN)
BASE        := $(shell awk '/^FROM /{print $$NF; exit}' Dockerfile)
PLG         := $(VENDOR)_$(NAME)_$(VERSION).plg
# docker when a Docker daemon answers (a docker command alone is not enough: these machines have one
# with no daemon), podman otherwise.
CONTAINER_ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)
# podman's settings for these sandboxes (runc, ulimits) and docker.io for the short names in FROM.
export CONTAINERS_CONF ?= $(CURDIR)/scripts/containers.conf
export CONTAINERS_REGISTRIES_CONF ?= $(CURDIR)/scripts/registries.conf
# The newest base, as Rapid7's Makefiles do (`--pull`), or, when the registry cannot be reached (an
# air-gapped build host), the base already in local storage, with a one-line notice
# (scripts/image-build.sh). `PULL=--pull=always` fails instead; `PULL=--pull=false` never asks the
# registry: what image-test does, on the stand-in where the registries are out of reach.
PULL ?= --pull

# musl-tools: ring compiles C, and for this target cc-rs wants x86_64-linux-musl-gcc.
musl-toolchain:
	@bash scripts/need.sh x86_64-linux-musl-gcc:musl-tools
	@rustup target list --installed | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)

static: musl-toolchain
	cargo build --release --locked --target $(MUSL_TARGET) --bin $(BIN)

# The static build's own code (its allocator, under cfg(target_env = "musl")) is invisible to `make
# lint`; this checks it without the few minutes of a release build. In CI, in place of image-test.
lint-static: musl-toolchain
	cargo clippy --locked --target $(MUSL_TARGET) --bin $(BIN) -- -D warnings

# docker.io/ spelled out: podman would file a short name under localhost/, and that is the name the
# .plg would carry; Docker drops the prefix.
image: static
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) IMAGE=docker.io/$(IMAGE) BASE=$(BASE) PULL=$(PULL) bash scripts/image-build.sh
	$(CONTAINER_ENGINE) tag docker.io/$(IMAGE) docker.io/$(VENDOR)/$(NAME):latest

# For tests only, where Rapid7's base cannot be pulled: Debian minbase under the base's tag (README,
# "Running it in a container"). Images built on it are labelled standin-base; `make export` refuses
# them.
standin-base:
	bash scripts/standin-base.sh $(BASE)

# The image run as the orchestrator runs it, against the simulator; installs podman and builds the
# stand-in base when they are missing.
image-test:
	CONTAINER_ENGINE=$(CONTAINER_ENGINE) IMAGE=docker.io/$(IMAGE) BASE=$(BASE) PLG=$(PLG) bash scripts/image-test.sh

# Written elsewhere first: GNU tar fails ("file changed as we read it") when its output grows inside
# the directory it is reading.
tarball:
	tmp=$$(mktemp) && tar -cvzf $$tmp --exclude=./target --exclude=./.git --exclude=./.venv --exclude=./tests \
	  --exclude='*.tar.gz' --exclude='*.plg' . && chmod 644 $$tmp && mv $$tmp $(VENDOR)-$(NAME)-$(VERSION).tar.gz

# The artifact customers import into InsightConnect: the image as `insight-plugin export` saves it
# (docker-archive, gzipped). Saved to a file first, so a failing save cannot leave a .plg behind.
export: image
	@label=$$($(CONTAINER_ENGINE) image inspect --format '{{index .Config.Labels "standin-base"}}' docker.io/$(IMAGE)); \
	if [ -n "$$label" ] && [ -z "$(ALLOW_STANDIN)" ]; then \
	  echo "export: $(IMAGE) is built on the stand-in base ($$label), not Rapid7's; not exported" >&2; exit 1; fi
	$(CONTAINER_ENGINE) save $(if $(filter podman,$(CONTAINER_ENGINE)),--format docker-archive) -o $(PLG).tar docker.io/$(IMAGE)
	gzip -c $(PLG).tar > $(PLG).tmp && rm $(PLG).tar && mv $(PLG).tmp $(PLG)

clean:
	cargo clean

# Property tests over the step pipeline with many more cases than `make test` runs; a failure is
# saved under proptest-regressions/ and replayed by every later test run.
fuzz:
	PROPTEST_CASES=$${PROPTEST_CASES:-20000} cargo test --lib fuzz

# Speed and memory against baselines measured in the same run; prints the table BENCHMARKS.md holds.
bench:
	bash bench/run.sh

# The New Observables trigger for 10 minutes under a live feed and failing neighbours: nothing lost,
# memory flat, delivery delay. Not in CI; prints the row BENCHMARKS.md holds.
soak:
	bash scripts/soak.sh
