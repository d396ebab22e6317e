//! The image, without a container engine: the Dockerfile, .dockerignore and Makefile against the rules
//! an InsightConnect plugin image must follow (protocol reference §9, field notes on
//! DockerfileParentValidator). These read the files, so they run everywhere `cargo test` does; `make
//! image-test` builds the image with podman and runs it.

use std::path::Path;

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

/// Whether Docker leaves `relative` (a path in the build context) out, by .dockerignore: patterns apply
/// in order and the last one that matches the path or one of its parent directories decides; a `!`
/// pattern lets back in what an earlier one left out.
fn ignored(patterns: &[String], relative: &str) -> bool {
    let components: Vec<&str> = relative
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    let matches = |pattern: &str| {
        (1..=components.len()).any(|depth| glob(pattern.as_bytes(), components[..depth].join("/").as_bytes()))
    };
    patterns
        .iter()
        .fold(false, |excluded, pattern| match pattern.strip_prefix('!') {
            Some(exception) if matches(exception) => false,
            None if matches(pattern) => true,
            _ => excluded,
        })
}

fn dockerignore() -> Vec<String> {
    let patterns: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.strip_prefix('!') {
            Some(exception) => format!("!{}", exception.trim_start_matches("./").trim_end_matches('/')),
            None => line.trim_start_matches("./").trim_end_matches('/').to_owned(),
        })
        .collect();
    assert!(
        patterns.iter().all(|pattern| !pattern.contains("**")),
        "this check knows only plain, !, * and ? patterns: {patterns:?}"
    );
    patterns
}

fn spec_value(key: &str) -> String {
    let spec = read("plugin.spec.yaml");
    let line = spec
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("plugin.spec.yaml has no `{key}`"));
    line.trim().to_owned()
}

/// The Makefile's value of `NAME := value`.
fn make_variable(name: &str) -> String {
    let makefile = read("Makefile");
    let line = makefile
        .lines()
        .find_map(|line| {
            let (left, right) = line.split_once(":=")?;
            (left.trim() == name).then(|| right.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("the Makefile sets no {name}"));
    line
}

/// The one stage of the Dockerfile.
fn image_stage() -> Stage {
    let mut stages = stages(&read("Dockerfile"));
    assert_eq!(
        stages.len(),
        1,
        "one stage: the binary is built outside the image, so no builder stage"
    );
    stages.remove(0)
}

#[test]
fn the_image_starts_from_an_accepted_base() {
    let image = image_stage();
    let base = image.base.split(':').next().unwrap_or_default();
    assert!(
        ACCEPTED_BASES.contains(&base),
        "FROM {} is not one of Rapid7's plugin bases",
        image.base
    );
    assert!(image.name.is_none(), "no stage name is needed");
}

#[test]
fn the_image_has_the_spec_a_user_and_ca_certificates() {
    let dockerfile = read("Dockerfile");
    // DockerfileParentValidator wants this exact line; the runtime reads the spec from /plugin.spec.yaml.
    assert!(dockerfile
        .lines()
        .any(|line| line == "ADD ./plugin.spec.yaml /plugin.spec.yaml"));
    let image = image_stage();
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
    // The plugin takes its TLS roots from SSL_CERT_FILE: the base's bundle, checked at build time. One
    // copied from the build context would be the build machine's, perhaps with a proxy's CA in it.
    let bundle = image
        .all("ENV")
        .find_map(|env| env.strip_prefix("SSL_CERT_FILE="))
        .expect("ENV SSL_CERT_FILE");
    assert_eq!(bundle, "/etc/ssl/certs/ca-certificates.crt");
    assert!(
        image.all("RUN").any(|run| run == r#"test -s "$SSL_CERT_FILE""#),
        "the build fails when the base has no CA bundle"
    );
    assert!(
        image
            .all("COPY")
            .chain(image.all("ADD"))
            .all(|copy| !copy.contains("ca-certificates")),
        "no CA bundle from the build machine"
    );
}

/// A plugin with triggers (`enable_cache: true`) keeps their state in /workspace/cache and reads the
/// terminate flag from /workspace/tmp: the image user must be able to write both (protocol
/// reference §9.2), or the trigger refuses to start.
#[test]
fn a_plugin_with_triggers_has_a_cache_its_user_can_write() {
    if spec_value("enable_cache") != "true" {
        return;
    }
    let image = image_stage();
    let user = image.last("USER").expect("a USER");
    assert!(
        image
            .all("RUN")
            .any(|run| run.contains("mkdir -p /workspace/cache /workspace/tmp")
                && run.contains(&format!("chown {user} /workspace/cache /workspace/tmp"))),
        "the image makes /workspace/cache and /workspace/tmp for {user}"
    );
}

#[test]
fn the_entrypoint_is_the_static_binary_make_image_builds() {
    let binary = binary_name();
    let image = image_stage();
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
    assert!(from.is_none(), "copied from the build context");

    // The Makefile's static build writes exactly that file: musl, release, the lock file as it is.
    let target = make_variable("MUSL_TARGET");
    assert_eq!(target, "x86_64-unknown-linux-musl");
    assert_eq!(sources, [format!("target/{target}/release/{binary}")]);
    assert_eq!(make_variable("STATIC_BIN"), "target/$(MUSL_TARGET)/release/$(BIN)");
    assert_eq!(make_variable("BIN"), binary);
    let makefile = read("Makefile");
    assert!(
        makefile.contains("\tcargo build --release --locked --target $(MUSL_TARGET) --bin $(BIN)\n"),
        "`make static` builds the binary the image copies"
    );
    assert!(makefile.contains("\nimage: static\n"), "`make image` builds it first");
}

#[test]
fn copied_files_reach_the_build_context() {
    let patterns = dockerignore();
    for required in ["target", ".git", ".venv", "tests"] {
        assert!(ignored(&patterns, required), ".dockerignore leaves out {required}");
    }
    let image = image_stage();
    let mut copied = 0;
    for (from, sources, _) in image.all("COPY").chain(image.all("ADD")).map(copy_parts) {
        assert!(from.is_none(), "the image copies from the context only");
        for source in sources {
            let relative = source.trim_start_matches("./");
            assert!(
                !ignored(&patterns, relative),
                ".dockerignore drops {relative}, which the Dockerfile copies"
            );
            copied += 1;
        }
    }
    assert_eq!(copied, 3, "the spec twice and the binary");
    // Nothing else of target/ goes to the engine: it holds gigabytes of build files.
    for other in [
        "target/release/icon_anomali_threatstream",
        "target/debug/icon_anomali_threatstream",
        "target/x86_64-unknown-linux-musl/release/deps/x.o",
    ] {
        assert!(ignored(&patterns, other), ".dockerignore leaves out {other}");
    }
}

#[test]
fn dockerignore_patterns_match_as_docker_does() {
    let patterns = ["target".to_owned(), "*.plg".to_owned()];
    assert!(ignored(&patterns, "target/release/x"));
    assert!(ignored(
        &patterns,
        &format!("rapid7_anomali_threatstream_{}.plg", env!("CARGO_PKG_VERSION"))
    ));
    assert!(!ignored(&patterns, "src/target.rs"));
    assert!(!ignored(&patterns, "dist/a.plg"), "`*` stops at a slash");
    let patterns = ["target".to_owned(), "!target/a/b".to_owned(), "target/a/b/c".to_owned()];
    assert!(!ignored(&patterns, "target/a/b"), "a later ! lets it back in");
    assert!(!ignored(&patterns, "target/a/b/d"), "and what is under it");
    assert!(
        ignored(&patterns, "target/a/b/c"),
        "unless a later pattern leaves it out again"
    );
    assert!(ignored(&patterns, "target/a/x"));
}

#[test]
fn make_export_writes_the_plg_insight_plugin_writes() {
    let makefile = read("Makefile");
    assert!(makefile.contains("IMAGE   := $(VENDOR)/$(NAME):$(VERSION)"));
    assert_eq!(make_variable("PLG"), "$(VENDOR)_$(NAME)_$(VERSION).plg");
    // A gzipped docker-archive, as `docker save` writes and `insight-plugin export` gzips.
    assert!(makefile.contains(
        "$(CONTAINER_ENGINE) save $(if $(filter podman,$(CONTAINER_ENGINE)),--format docker-archive) -o $(PLG).tar"
    ));
    assert!(makefile.contains("gzip -c $(PLG).tar > $(PLG).tmp"));
}
