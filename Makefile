# anomali_threatstream: the InsightConnect plugin for Anomali ThreatStream, in Rust.
# `make demo` and `make test` are the two commands a newcomer needs; the rest build and package.

NAME    := $(shell sed -n 's/^name: //p' plugin.spec.yaml)
VENDOR  := $(shell sed -n 's/^vendor: //p' plugin.spec.yaml)
VERSION := $(shell sed -n 's/^version: //p' plugin.spec.yaml)
IMAGE   := $(VENDOR)/$(NAME):$(VERSION)
BIN     := icon_anomali_threatstream

.PHONY: default build release test generate validate demo lint fuzz image image-check tarball export bench soak clean

default: image tarball

build:
	cargo build --workspace

release:
	cargo build --release --bin $(BIN)

test:
	cargo test --workspace

# Writes every file generated from the Rust types: plugin.spec.yaml below its marker line, schemas/,
# tests/*.json, help.md's tables and examples, README.md's table of actions. `make test` fails while
# any of them differs from what the types say.
generate:
	GENERATE=write cargo test --lib generated_files_are_fresh

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

image:
	docker build --pull -t $(IMAGE) .
	docker tag $(IMAGE) $(VENDOR)/$(NAME):latest

# No Docker engine needed: the builder stage's build command on exactly the files the builder copies.
image-check:
	bash scripts/image-check.sh

# Written elsewhere first: GNU tar fails ("file changed as we read it") when its output grows inside
# the directory it is reading.
tarball:
	tmp=$$(mktemp) && tar -cvzf $$tmp --exclude=./target --exclude=./.git --exclude=./.venv --exclude=./tests \
	  --exclude='*.tar.gz' --exclude='*.plg' . && chmod 644 $$tmp && mv $$tmp $(VENDOR)-$(NAME)-$(VERSION).tar.gz

# The artifact customers import into InsightConnect.
export: image
	docker save $(IMAGE) | gzip > $(VENDOR)_$(NAME)_$(VERSION).plg

clean:
	cargo clean

# Property tests over the step pipeline with many more cases than `make test` runs; a failure is
# saved under proptest-regressions/ and replayed by every later test run.
fuzz:
	PROPTEST_CASES=$${PROPTEST_CASES:-20000} cargo test --lib fuzz 2>/dev/null

# Speed and memory against baselines measured in the same run; prints the table BENCHMARKS.md holds.
bench:
	bash bench/run.sh

# The New Observables trigger for 10 minutes under a live feed and failing neighbours: nothing lost,
# memory flat, delivery delay. Not in CI; prints the row BENCHMARKS.md holds.
soak:
	bash scripts/soak.sh
