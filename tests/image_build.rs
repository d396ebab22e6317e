//! `make image` on a host that cannot reach the registry: scripts/image-build.sh, driven with a fake
//! container engine on PATH that answers `pull`, `image inspect` and `build` as a reachable or an
//! air-gapped host would and records what it was asked. No image is built and no registry is asked.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::output_of;

const BASE: &str = "rapid7/insightconnect-python-3-slim-plugin:6.3.7";
const IMAGE: &str = "docker.io/rapid7/anomali_threatstream:9.9.9";

/// The fake engine: `pull` succeeds or fails as `FAKE_PULL` says, with podman's words for a missing
/// DNS name; `image inspect` finds the base when `FAKE_LOCAL` is set, with `FAKE_STANDIN` as its
/// stand-in label; `build` succeeds. Every call is appended to `$FAKE_CALLS`.
const ENGINE: &str = r#"#!/usr/bin/env bash
echo "$*" >> "$FAKE_CALLS"
case "$1 $2" in
  "pull "*)
    [ "$FAKE_PULL" = ok ] && exit 0
    echo "Trying to pull docker.io/$2..."
    echo "Error: initializing source docker://$2: pinging container registry registry-1.docker.io: Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host" >&2
    exit 125 ;;
  "image inspect")
    [ -n "$FAKE_LOCAL" ] || { echo "Error: $BASE: image not known" >&2; exit 125; }
    case "$*" in
      *Created*) echo "2025-06-30 10:11:12.000000000 +0000 UTC" ;;
      *standin-base*) echo "$FAKE_STANDIN" ;;
      *) echo "[{}]" ;;
    esac ;;
  "build "*) exit 0 ;;
  *) echo "fake engine: unexpected $*" >&2; exit 3 ;;
esac
"#;

struct Host {
    dir: PathBuf,
}

/// What one `make image` build step did: its exit code, its stderr, the engine calls in order.
struct Built {
    code: Option<i32>,
    stderr: String,
    calls: Vec<String>,
}

impl Host {
    fn new(name: &str) -> Host {
        let dir = std::env::temp_dir().join(format!("image-build-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let engine = dir.join("podman");
        std::fs::write(&engine, ENGINE).expect("the fake engine");
        let made_executable = std::fs::set_permissions(&engine, std::fs::Permissions::from_mode(0o755));
        assert!(made_executable.is_ok(), "{made_executable:?}");
        Host { dir }
    }

    fn engine(&self) -> PathBuf {
        self.dir.join("podman")
    }

    /// scripts/image-build.sh with `PULL` (unset when `None`) on a host whose registry answers or not.
    fn build(&self, pull: Option<&str>, registry: bool, local: Option<&str>) -> Built {
        let calls = self.dir.join("calls");
        let _ = std::fs::remove_file(&calls);
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut command = Command::new("bash");
        command
            .arg(root.join("scripts/image-build.sh"))
            .env("CONTAINER_ENGINE", self.engine())
            .env("IMAGE", IMAGE)
            .env("BASE", BASE)
            .env("FAKE_CALLS", &calls)
            .env("FAKE_PULL", if registry { "ok" } else { "unreachable" })
            .env("FAKE_LOCAL", if local.is_some() { "yes" } else { "" })
            .env("FAKE_STANDIN", local.unwrap_or_default())
            .env_remove("PULL");
        if let Some(pull) = pull {
            command.env("PULL", pull);
        }
        let output = output_of(&mut command);
        let calls = std::fs::read_to_string(&calls).unwrap_or_default();
        Built {
            code: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            calls: calls.lines().map(str::to_owned).collect(),
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn built_with(built: &Built, pull: &str) -> bool {
    built.calls.last() == Some(&format!("build {pull} -t {IMAGE} ."))
}

#[test]
fn a_reachable_registry_gives_the_newest_base_and_no_notice() {
    let host = Host::new("reachable");
    let built = host.build(None, true, Some(""));
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert_eq!(built.calls.first(), Some(&format!("pull {BASE}")));
    assert!(built_with(&built, "--pull=false"), "just pulled: {:?}", built.calls);
    assert!(built.stderr.is_empty(), "{}", built.stderr);
}

#[test]
fn an_unreachable_registry_builds_on_the_local_base_and_says_so_in_one_line() {
    let host = Host::new("air-gapped");
    let built = host.build(None, false, Some(""));
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert!(built_with(&built, "--pull=false"), "{:?}", built.calls);
    assert_eq!(built.stderr.lines().count(), 1, "{}", built.stderr);
    assert!(
        built.stderr.starts_with("image: the registry cannot be reached (")
            && built.stderr.contains("lookup registry-1.docker.io: no such host)")
            && built
                .stderr
                .contains(&format!("building on the local {BASE}, created 2025-06-30"))
            && !built.stderr.contains("stand-in"),
        "{}",
        built.stderr
    );
}

#[test]
fn the_local_stand_in_is_named_as_such() {
    let host = Host::new("stand-in");
    let built = host.build(None, false, Some("debian-bookworm-minbase, not Rapid7's image"));
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    assert!(
        built
            .stderr
            .contains("it is the stand-in base, for tests only: make export refuses the image"),
        "{}",
        built.stderr
    );
}

#[test]
fn no_registry_and_no_local_base_fails_with_the_engines_words_and_builds_nothing() {
    let host = Host::new("nothing");
    let built = host.build(None, false, None);
    assert_eq!(built.code, Some(1));
    assert!(built.stderr.contains("no such host"), "{}", built.stderr);
    assert!(
        built.stderr.ends_with(&format!(
            "image: {BASE} can neither be pulled nor found in local storage\n"
        )),
        "{}",
        built.stderr
    );
    assert!(
        !built.calls.iter().any(|call| call.starts_with("build")),
        "{:?}",
        built.calls
    );
}

#[test]
fn pull_false_never_asks_the_registry_and_pull_always_insists() {
    let host = Host::new("explicit");
    let local = host.build(Some("--pull=false"), true, Some(""));
    assert_eq!(local.calls, [format!("build --pull=false -t {IMAGE} .")]);
    let always = host.build(Some("--pull=always"), false, Some(""));
    assert_eq!(always.calls, [format!("build --pull=always -t {IMAGE} .")]);
}

/// `make image` runs the script with the Makefile's engine, base and PULL, whose default is `--pull`.
#[test]
fn make_image_builds_through_the_script() {
    let host = Host::new("make");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = output_of(
        Command::new("make")
            .args(["-n", "--no-print-directory", "-C"])
            .arg(root)
            .arg("image")
            .arg(format!("CONTAINER_ENGINE={}", host.engine().display())),
    );
    let plan = String::from_utf8_lossy(&output.stdout);
    let expected = format!(
        "CONTAINER_ENGINE={} IMAGE=docker.io/rapid7/anomali_threatstream:{} BASE={BASE} PULL=--pull bash \
         scripts/image-build.sh",
        host.engine().display(),
        env!("CARGO_PKG_VERSION")
    );
    assert!(plan.lines().any(|line| line == expected), "{plan}");
}
