//! The platforms a tenant's sandbox offers: what `GET
//! /api/v1/submit/parameters/` lists and what a submission may name.
//!
//! The shape is the one Cortex XSOAR's `get_supported_platforms` reads, and
//! the samples in its older READMEs show: `platform_choices` (the standard
//! sandbox) and `premium_platform_choices`, each a list of `{name, label,
//! types, platform}`. No public source shows a premium list; XSOAR reads it
//! by that key. Tenants differ (platforms are retired, premium ones are
//! licensed), so a test may set the lists; a submission naming a platform
//! its sandbox does not offer is a 400 (`submit.rs`).

use serde_json::{json, Value};

use crate::sandbox::submit::PLATFORMS;

/// What the premium sandbox offers unless told otherwise.
const PREMIUM: [&str; 2] = ["WINDOWS7", "WINDOWS10x64"];

/// The platforms of the standard and the premium sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Platforms {
    pub(crate) standard: Vec<String>,
    pub(crate) premium: Vec<String>,
}

impl Default for Platforms {
    /// Every named platform but the two pseudo-platforms: `ALL` (every
    /// platform at once) and `VMRAY` (the VMRay sandbox, chosen by its flag).
    fn default() -> Self {
        let standard = PLATFORMS.iter().filter(|p| !matches!(**p, "ALL" | "VMRAY"));
        Platforms {
            standard: standard.map(|p| (*p).to_owned()).collect(),
            premium: PREMIUM.iter().map(|p| (*p).to_owned()).collect(),
        }
    }
}

impl Platforms {
    /// Whether `name` may be submitted to the standard or the `premium`
    /// sandbox; `ALL` always may.
    pub(crate) fn offers(&self, name: &str, premium: bool) -> bool {
        let offered = if premium { &self.premium } else { &self.standard };
        name == "ALL" || offered.iter().any(|platform| platform == name)
    }

    /// The answer of `GET /api/v1/submit/parameters/`.
    pub(crate) fn parameters(&self) -> Value {
        let choices = |names: &[String]| -> Vec<Value> { names.iter().map(|name| choice(name)).collect() };
        json!({"platform_choices": choices(&self.standard), "premium_platform_choices": choices(&self.premium)})
    }
}

/// One platform as XSOAR's README samples show it: `{"label": "Windows 7",
/// "name": "WINDOWS7", "platform": "windows", "types": ["file", "url"]}`.
fn choice(name: &str) -> Value {
    json!({"name": name, "label": label(name), "types": ["file", "url"], "platform": family(name)})
}

/// "Windows 7" for WINDOWS7, as the samples label it; other names as they are.
pub(crate) fn label(name: &str) -> String {
    let known = [
        ("WINDOWSXP", "Windows XP"),
        ("WINDOWS7", "Windows 7"),
        ("WINDOWS10", "Windows 10"),
    ];
    known
        .iter()
        .find(|(known, _)| *known == name)
        .map_or_else(|| name.to_owned(), |(_, label)| (*label).to_owned())
}

fn family(name: &str) -> &'static str {
    match name {
        n if n.starts_with("ANDROID") => "android",
        n if n.starts_with("MACOSX") => "macosx",
        "LINUX" => "linux",
        _ => "windows",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_offers_every_named_platform_and_two_premium_ones() {
        let platforms = Platforms::default();
        assert!(platforms.offers("WINDOWSXP", false));
        assert!(!platforms.offers("WINDOWSXP", true));
        assert!(platforms.offers("ALL", true));
        assert!(!platforms.offers("VMRAY", false));
        let answer = platforms.parameters();
        assert_eq!(answer["premium_platform_choices"][0]["label"], "Windows 7");
        assert_eq!(answer["platform_choices"][0]["platform"], "android");
        assert!(answer["platform_choices"]
            .as_array()
            .is_some_and(|choices| choices.iter().all(|c| c["name"] != "ALL")));
    }
}
