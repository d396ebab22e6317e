//! Get Sandbox Platforms: the platforms the tenant's standard and premium sandboxes detonate on, the
//! names Submit File and Submit URL take.
//!
//! `GET /api/v1/submit/parameters/`, read as Cortex XSOAR's supported-platforms command reads it:
//! `platform_choices` for the standard sandbox, `premium_platform_choices` for the premium one, each
//! entry `{name, label, types, platform}` (XSOAR's README samples; an older one lists the pseudo-platform
//! `ALL`). Tenants differ: platforms are retired and premium ones licensed, which is why the list is
//! asked for rather than known.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actions::connection::Connection;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::Failure;
use crate::threatstream::{self, SandboxPlatform};

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSandboxPlatformsInput {}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetSandboxPlatformsOutput {
    /// Platforms of the standard sandbox
    #[schemars(title = "Standard", example = json!([{"name": "WINDOWS7", "label": "Windows 7",
        "family": "windows", "types": ["file", "url"]}]))]
    standard: Vec<Platform>,
    /// Platforms of the premium sandbox, for Use Premium Sandbox
    #[schemars(title = "Premium", example = json!([{"name": "WINDOWS10x64", "label": "WINDOWS10x64",
        "family": "windows", "types": ["file", "url"]}]))]
    premium: Vec<Platform>,
}

/// A platform a sandbox detonates on.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "sandbox_platform", title = "sandbox_platform")]
pub(crate) struct Platform {
    /// The name Submit File and Submit URL take, such as WINDOWS7
    #[schemars(title = "Name")]
    name: String,
    /// The name ThreatStream shows, such as Windows 7
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Label")]
    label: Option<String>,
    /// The operating system family, such as windows or android
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(title = "Family")]
    family: Option<String>,
    /// What the platform detonates: `file`, `url` or both; empty when ThreatStream does not say
    #[schemars(title = "Types")]
    types: Vec<String>,
}

impl From<SandboxPlatform> for Platform {
    fn from(platform: SandboxPlatform) -> Platform {
        Platform {
            name: platform.name,
            label: platform.label,
            family: platform.family,
            types: platform.types,
        }
    }
}

pub(crate) struct GetSandboxPlatforms;

impl TypedStep for GetSandboxPlatforms {
    const ID: &'static str = "get_sandbox_platforms";
    const TITLE: &'static str = "Get Sandbox Platforms";
    const DESCRIPTION: &'static str = "List the platforms of the standard and premium sandboxes";
    type Input = GetSandboxPlatformsInput;
    type Output = GetSandboxPlatformsOutput;
}

impl TypedAction for GetSandboxPlatforms {
    async fn run(
        connection: &Connection,
        _input: GetSandboxPlatformsInput,
    ) -> Result<GetSandboxPlatformsOutput, Failure> {
        let platforms = threatstream::sandbox_platforms(&connection.client).await?;
        Ok(GetSandboxPlatformsOutput {
            standard: platforms.standard.into_iter().map(Platform::from).collect(),
            premium: platforms.premium.into_iter().map(Platform::from).collect(),
        })
    }
}
