//! The image, without Docker: the Dockerfile, .dockerignore and Makefile against the rules an
//! InsightConnect plugin image must follow (protocol reference §9, field notes on
//! DockerfileParentValidator). No Docker engine runs on these machines, so this reads the files; `make
//! image-check` runs the builder stage's build command on the files the builder copies.

use std::path::{Path, PathBuf};

/// Rapid7's plugin base images: DockerfileParentValidator refuses any other `FROM`, a builder stage too.
const ACCEPTED_BASES: &[&str] = &[
    "komand/go-plugin-2",
    "komand/python-3-plugin",
    "komand/python-pypy3-plugin",
    "komand/python-3-slim-plugin",
    "komand/python-3-37-slim-plugin",
    "komand/python-3-37-plugin",
    "komand/python-pypy3-full-plugin",
    "rapid7/insightconnect-python-3-38-plugin",
    "rapid7/insightconnect-python-3-38-slim-plugin",
    "rapid7/insightconnect-python-3-plugin",
    "rapid7/insightconnect-python-3-slim-plugin",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// One Dockerfile instruction: `COPY`, and what follows it, continuation lines joined.
struct Instruction {
    keyword: String,
    arguments: String,
}

struct Stage {
    base: String,
    name: Option<String>,
    instructions: Vec<Instruction>,
}

impl Stage {
    fn all(&self, keyword: &str) -> std::vec::IntoIter<&str> {
        let arguments: Vec<&str> = self
            .instructions
            .iter()
            .filter(|instruction| instruction.keyword == keyword)
            .map(|instruction| instruction.arguments.as_str())
            .collect();
        arguments.into_iter()
    }

    fn last(&self, keyword: &str) -> Option<&str> {
        self.all(keyword).last()
    }
}

fn stages(dockerfile: &str) -> Vec<Stage> {
    let mut logical = Vec::new();
    let mut pending = String::new();
    for line in dockerfile.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with('#') || (pending.is_empty() && line.trim().is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => {
                pending.push_str(start);
                pending.push(' ');
            }
            None => {
                pending.push_str(line);
                logical.push(std::mem::take(&mut pending));
            }
        }
    }
    let mut stages: Vec<Stage> = Vec::new();
    for line in logical {
        let (keyword, arguments) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let keyword = keyword.to_ascii_uppercase();
        let arguments = arguments.trim().to_owned();
        if keyword == "FROM" {
            let words: Vec<&str> = arguments
                .split_whitespace()
                .filter(|word| !word.starts_with("--platform="))
                .collect();
            stages.push(Stage {
                base: words.first().copied().unwrap_or_default().to_owned(),
                name: match words.as_slice() {
                    [_, alias, name] if alias.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
                    _ => None,
                },
                instructions: Vec::new(),
            });
        } else {
            let stage = stages.last_mut().expect("an instruction before the first FROM");
            stage.instructions.push(Instruction { keyword, arguments });
        }
    }
    stages
}

/// `--from=…` (if any) and the sources and destination of a COPY.
fn copy_parts(arguments: &str) -> (Option<&str>, Vec<&str>, &str) {
    let mut from = None;
    let mut paths = Vec::new();
    for word in arguments.split_whitespace() {
        if let Some(stage) = word.strip_prefix("--from=") {
            from = Some(stage);
        } else if !word.starts_with("--") {
            paths.push(word);
        }
    }
    let destination = paths.pop().expect("COPY has a destination");
    (from, paths, destination)
}

/// The bin target's name in Cargo.toml.
fn binary_name() -> String {
    let manifest = read("Cargo.toml");
    let bin = manifest.split("[[bin]]").nth(1).expect("Cargo.toml has a [[bin]]");
    let line = bin
        .lines()
        .find(|line| line.trim_start().starts_with("name"))
        .expect("the [[bin]] has a name");
    line.split('"').nth(1).expect("a quoted name").to_owned()
}

/// Go's `filepath.Match`, which .dockerignore uses, for the `*` and `?` wildcards.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((&b'*', rest)), _) => {
            glob(rest, name) || name.first().is_some_and(|&c| c != b'/' && glob(pattern, &name[1..]))
        }
        (Some((&b'?', rest)), Some((&c, name_rest))) => c != b'/' && glob(rest, name_rest),
        (Some((&p, rest)), Some((&c, name_rest))) => p == c && glob(rest, name_rest),
        _ => false,
    }
}

/// Whether Docker leaves `relative` (a path in the build context) out, by .dockerignore: a pattern that
/// matches the path or one of its parent directories excludes it.
fn ignored(patterns: &[String], relative: &str) -> bool {
    let components: Vec<&str> = relative
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    (1..=components.len()).any(|depth| {
        let prefix = components[..depth].join("/");
        patterns
            .iter()
            .any(|pattern| glob(pattern.as_bytes(), prefix.as_bytes()))
    })
}

fn dockerignore() -> Vec<String> {
    let patterns: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.trim_start_matches("./").trim_end_matches('/').to_owned())
        .collect();
    assert!(
        patterns
            .iter()
            .all(|pattern| !pattern.starts_with('!') && !pattern.contains("**")),
        "this check knows only plain, * and ? patterns: {patterns:?}"
    );
    patterns
}

/// Every file under `path` (itself, if it is a file), relative to the repository root.
fn files_under(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let entries = std::fs::read_dir(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    entries
        .flat_map(|entry| files_under(&entry.expect("readable entry").path()))
        .collect()
}

fn spec_value(key: &str) -> String {
    let spec = read("plugin.spec.yaml");
    let line = spec
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("plugin.spec.yaml has no `{key}`"));
    line.trim().to_owned()
}

#[test]
fn every_stage_starts_from_an_accepted_base() {
    let stages = stages(&read("Dockerfile"));
    assert!(stages.len() >= 2, "a builder stage and the image");
    for stage in &stages {
        let image = stage.base.split(':').next().unwrap_or_default();
        assert!(
            ACCEPTED_BASES.contains(&image),
            "FROM {} is not one of Rapid7's plugin bases",
            stage.base
        );
    }
}

#[test]
fn the_image_has_the_spec_a_user_and_ca_certificates() {
    let dockerfile = read("Dockerfile");
    // DockerfileParentValidator wants this exact line; the runtime reads the spec from /plugin.spec.yaml.
    assert!(dockerfile
        .lines()
        .any(|line| line == "ADD ./plugin.spec.yaml /plugin.spec.yaml"));
    let stages = stages(&dockerfile);
    let image = stages.last().expect("stages");
    assert!(image
        .all("ADD")
        .any(|add| add == "./plugin.spec.yaml /plugin.spec.yaml"));
    assert_eq!(image.last("USER"), Some("nobody"), "the image runs as nobody");
    let vendor = spec_value("vendor");
    let labels: Vec<&str> = image.all("LABEL").collect();
    for label in [format!("organization={vendor}"), "type=plugin".to_owned()] {
        assert!(labels.contains(&label.as_str()), "LABEL {label} missing: {labels:?}");
    }
    assert!(
        labels.iter().any(|label| label.starts_with("sdk=")),
        "LABEL sdk missing"
    );
    // The plugin takes its TLS roots from SSL_CERT_FILE, so the image must name a bundle it carries.
    let bundle = image
        .all("ENV")
        .find_map(|env| env.strip_prefix("SSL_CERT_FILE="))
        .expect("ENV SSL_CERT_FILE");
    assert!(
        image
            .all("COPY")
            .any(|copy| copy_parts(copy).0.is_some() && copy_parts(copy).2 == bundle),
        "the CA bundle {bundle} is copied into the image"
    );
}

#[test]
fn the_entrypoint_is_the_binary_the_builder_builds() {
    let binary = binary_name();
    let stages = stages(&read("Dockerfile"));
    let image = stages.last().expect("stages");
    let entrypoint: Vec<String> =
        serde_json::from_str(image.last("ENTRYPOINT").expect("an ENTRYPOINT")).expect("ENTRYPOINT in exec form");
    let [program] = entrypoint.as_slice() else {
        panic!("ENTRYPOINT is the binary alone, so `docker run IMAGE run` works: {entrypoint:?}")
    };

    let (from, sources, _) = image
        .all("COPY")
        .map(copy_parts)
        .find(|(_, _, destination)| *destination == program.as_str())
        .expect("the ENTRYPOINT's program is copied into the image");
    let builder = stages
        .iter()
        .find(|stage| stage.name.as_deref() == from)
        .expect("copied from a named builder stage");
    let workdir = builder.last("WORKDIR").expect("the builder has a WORKDIR");
    assert_eq!(sources, [format!("{workdir}/target/release/{binary}")]);
    let build = format!("cargo build --release --locked --bin {binary}");
    assert!(builder.all("RUN").any(|run| run == build), "the builder runs `{build}`");
}

#[test]
fn the_builder_copies_files_that_reach_the_build_context() {
    let patterns = dockerignore();
    for required in ["target", ".git", ".venv", "tests"] {
        assert!(ignored(&patterns, required), ".dockerignore leaves out {required}");
    }
    let stages = stages(&read("Dockerfile"));
    let builder = stages.first().expect("stages");
    let mut copied = 0;
    for (from, sources, _) in builder.all("COPY").map(copy_parts) {
        assert!(from.is_none(), "the builder copies from the context only");
        for source in sources {
            let path = root().join(source);
            assert!(
                path.exists(),
                "the builder copies {source}, which is not in the repository"
            );
            for file in files_under(&path) {
                let relative = file.strip_prefix(root()).expect("inside the repository");
                let relative = relative.to_string_lossy();
                assert!(
                    !ignored(&patterns, &relative),
                    ".dockerignore drops {relative}, which the builder needs"
                );
                copied += 1;
            }
        }
    }
    assert!(copied > 0, "the builder copies the sources");
}

#[test]
fn dockerignore_patterns_match_as_docker_does() {
    let patterns = ["target".to_owned(), "*.plg".to_owned()];
    assert!(ignored(&patterns, "target/release/x"));
    assert!(ignored(&patterns, "rapid7_anomali_threatstream_2.1.0.plg"));
    assert!(!ignored(&patterns, "src/target.rs"));
    assert!(!ignored(&patterns, "dist/a.plg"), "`*` stops at a slash");
}

#[test]
fn make_export_writes_the_plg_insight_plugin_names() {
    let makefile = read("Makefile");
    assert!(
        makefile.contains("docker save $(IMAGE) | gzip > $(VENDOR)_$(NAME)_$(VERSION).plg"),
        "export is a gzipped docker save named <vendor>_<name>_<version>.plg"
    );
    assert!(makefile.contains("IMAGE   := $(VENDOR)/$(NAME):$(VERSION)"));
}
