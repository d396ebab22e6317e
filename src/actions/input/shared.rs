//! Inputs several steps share, written once: `step_input!` declares a step's input struct, putting a
//! group of shared fields where the struct names it with `..Group,`, and implements `From<&Input>`
//! for that group, the one way a step reads them (`VerdictInputs::from(&input)`).
//!
//! ```ignore
//! step_input! {
//!     #[derive(Deserialize, JsonSchema)]
//!     #[serde(deny_unknown_fields)]
//!     pub(crate) struct LookupIpInput {
//!         /// IP address to look up
//!         #[schemars(title = "IP", example = "198.51.100.23")]
//!         ip: String,
//!         ..VerdictInputs,
//!     }
//! }
//! ```
//!
//! Each group's fields are here, with their titles, descriptions and examples, and each group's type
//! beside the code that reads it: `VerdictInputs` (`actions::verdict`), `TargetInputs`
//! (`actions::manage`), `SubmissionChoices` and `SubmissionDetail` (`actions::sandbox`), `FeedFilters`
//! and `FeedPacing` (`actions::feed::input`), `IncidentFilters` and `IncidentPacing`
//! (`actions::feed::incident_input`). A new group is one `@fields` rule and one `@from` rule.
//! A macro rather than `#[serde(flatten)]`: serde cannot refuse unknown fields of a struct with a
//! flattened part. Every field of the struct ends with a comma.

macro_rules! step_input {
    // The end: the struct, and how each group is read from it.
    (@fields [$($head:tt)*] $name:ident [$($fields:tt)*] [$($group:ident)*]) => {
        $($head)* { $($fields)* }
        $($crate::actions::input::step_input!(@from $name $group);)*
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..VerdictInputs, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// Lowest confidence at which the verdict is malicious; when not set (or 0), the connection's, or 65
            #[schemars(title = "Malicious Threshold", range(min = 0, max = 100), example = 65)]
            pub(crate) malicious_threshold: Option<u8>,
            /// Lowest confidence at which the verdict is suspicious; when not set (or 0), the connection's, or 25
            #[schemars(title = "Suspicious Threshold", range(min = 0, max = 100), example = 25)]
            pub(crate) suspicious_threshold: Option<u8>,
            /// Count inactive records too; by default only active records decide the verdict
            #[serde(default)]
            #[schemars(title = "Include Inactive", example = false)]
            pub(crate) include_inactive: bool,
            /// Let a severity of high or very-high raise a suspicious verdict to malicious
            #[serde(default)]
            #[schemars(title = "Severity Escalates", example = false)]
            pub(crate) severity_escalates: bool,
        ] [$($groups)* VerdictInputs] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..TargetInputs, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// ThreatStream ID of the observable (a number, or the number as text); give either this or Value
            #[schemars(title = "ID", example = 500001009, extend("alternativeTo" = "value"))]
            id: Option<$crate::actions::input::NumberId>,
            /// Value of the observable (an IP address, domain, URL, e-mail address or hash), matched exactly; give either this or ID
            #[schemars(title = "Value", example = "suspicious-login.example")]
            value: Option<String>,
            /// When Value matches more than one observable, act on all of them instead of failing
            #[serde(default)]
            #[schemars(title = "All Matches", example = false)]
            all_matches: bool,
        ] [$($groups)* TargetInputs] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..SubmissionChoices, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// Platform on which the submitted URL or file will be run
            #[schemars(title = "Platform", example = $crate::actions::sandbox::Platform::Windows7)]
            platform: $crate::actions::sandbox::Platform,
            /// Classification of the Sandbox submission, either public or private
            #[schemars(title = "Classification", example = $crate::actions::sandbox::Classification::Private, extend("default" = "private"))]
            classification: Option<$crate::actions::sandbox::Classification>,
            /// Specify whether the premium sandbox should be used for detonation
            #[schemars(title = "Use Premium Sandbox", example = false)]
            use_premium_sandbox: bool,
        ] [$($groups)* SubmissionChoices] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..SubmissionDetail, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// A comma-separated list that provides additional details for the indicator. This information is displayed in the Tag column of the ThreatStream UI
            #[schemars(title = "Detail", example = "Credential-Exposure,compromised_email")]
            detail: Option<String>,
        ] [$($groups)* SubmissionDetail] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..FeedFilters, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// Observable types to follow: `ip`, `ipv6`, `domain`, `url`, `email`, `md5` (hashes of every algorithm) or `string`; all when empty
            #[serde(default)]
            #[schemars(title = "Types", example = serde_json::json!(["ip", "domain"]))]
            pub(crate) types: Vec<$crate::threatstream::RecordType>,
            /// Indicator types to follow, such as c2_ip or mal_domain; all when empty
            #[serde(default)]
            #[schemars(title = "Itypes", example = serde_json::json!(["c2_ip", "mal_domain"]))]
            pub(crate) itypes: Vec<String>,
            /// Follow only observables with at least this confidence (1-100); empty or 0 follows all
            #[schemars(title = "Minimum Confidence", range(max = 100), example = 60)]
            pub(crate) min_confidence: Option<u8>,
            /// Severities to follow: `low`, `medium`, `high` or `very-high`; all when empty
            #[serde(default)]
            #[schemars(title = "Severities", example = serde_json::json!(["high", "very-high"]))]
            pub(crate) severities: Vec<$crate::actions::feed::input::FeedSeverity>,
            /// Statuses to follow: `active`, `inactive` or `falsepos`; add the last two to learn of retractions
            #[serde(default = "crate::actions::feed::input::active_only")]
            #[schemars(title = "Statuses", example = serde_json::json!(["active"]))]
            pub(crate) statuses: Vec<$crate::threatstream::Status>,
            /// Follow only observables with any of these tags; all when empty
            #[serde(default)]
            #[schemars(title = "Tags", example = serde_json::json!(["apt29"]))]
            pub(crate) tags: Vec<String>,
            /// Follow only observables shared in any of these trusted circles (IDs); all when empty
            #[serde(default)]
            #[schemars(title = "Trusted Circles", example = serde_json::json!([146]))]
            pub(crate) trusted_circles: Vec<std::num::NonZeroU64>,
            /// Leave out observables with any of these tags, such as the tag your own imports carry, so they do not come back as new (letter case ignored)
            #[serde(default)]
            #[schemars(title = "Exclude Tags", example = serde_json::json!(["insightconnect"]))]
            pub(crate) exclude_tags: Vec<String>,
        ] [$($groups)* FeedFilters] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..FeedPacing, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// On the first start, also deliver what changed in this many hours before it; 0 delivers only what changes from then on
            #[serde(default = "crate::actions::feed::input::default_backfill_hours")]
            #[schemars(title = "Backfill Hours", range(max = 8760), example = 24)]
            pub(crate) backfill_hours: u32,
            /// Seconds an observable must have been unchanged before it is delivered, so one still being written is not read half-done
            #[serde(default = "crate::actions::feed::input::default_stability_window")]
            #[schemars(title = "Stability Window Seconds", range(max = 3600), example = 60)]
            pub(crate) stability_window_seconds: u32,
            /// The most observables one poll takes; what is left comes with the next poll
            #[serde(default = "crate::actions::feed::input::default_max_per_poll")]
            #[schemars(title = "Maximum Per Poll", range(max = 10000), example = 1000)]
            pub(crate) max_per_poll: u32,
        ] [$($groups)* FeedPacing] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..IncidentFilters, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// Deliver only incidents whose publication status is published, as Splunk SOAR can ingest them
            #[serde(default)]
            #[schemars(title = "Published Only", example = false)]
            pub(crate) published_only: bool,
            /// Deliver only incidents with any of these tags (letter case ignored); all when empty
            #[serde(default)]
            #[schemars(title = "Tags", example = serde_json::json!(["phishing"]))]
            pub(crate) tags: Vec<String>,
            /// Deliver only incidents in any of these statuses, by the names ThreatStream gives them, such as New or Open (letter case ignored); all when empty
            #[serde(default)]
            #[schemars(title = "Statuses", example = serde_json::json!(["New", "Open"]))]
            pub(crate) statuses: Vec<String>,
            /// The most observables delivered with one incident; 0 or empty is the default, 100
            #[serde(default = "crate::actions::feed::incident_input::default_observable_limit")]
            #[schemars(title = "Observable Limit", range(max = 1000), example = 100)]
            pub(crate) observable_limit: usize,
        ] [$($groups)* IncidentFilters] $($rest)*);
    };
    (@fields $head:tt $name:ident [$($fields:tt)*] [$($groups:ident)*] ..IncidentPacing, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)*
            /// On the first start, also deliver what changed in this many hours before it; 0 delivers only what changes from then on
            #[serde(default = "crate::actions::feed::input::default_backfill_hours")]
            #[schemars(title = "Backfill Hours", range(max = 8760), example = 24)]
            pub(crate) backfill_hours: u32,
            /// Seconds an incident must have been unchanged before it is delivered, so one still being written is not read half-done
            #[serde(default = "crate::actions::feed::input::default_stability_window")]
            #[schemars(title = "Stability Window Seconds", range(max = 3600), example = 60)]
            pub(crate) stability_window_seconds: u32,
            /// The most incidents one poll takes; what is left comes with the next poll; 0 or empty is the default, 100
            #[serde(default = "crate::actions::feed::incident_input::default_max_incidents")]
            #[schemars(title = "Maximum Per Poll", range(max = 1000), example = 100)]
            pub(crate) max_per_poll: u32,
        ] [$($groups)* IncidentPacing] $($rest)*);
    };
    // A field of the step's own, as written.
    (@fields $head:tt $name:ident [$($fields:tt)*] $groups:tt
        $(#[$meta:meta])* $vis:vis $field:ident : $type:ty, $($rest:tt)*) => {
        $crate::actions::input::step_input!(@fields $head $name [$($fields)* $(#[$meta])* $vis $field: $type,] $groups $($rest)*);
    };

    (@from $name:ident VerdictInputs) => {
        impl From<&$name> for $crate::actions::verdict::VerdictInputs {
            fn from(input: &$name) -> Self {
                $crate::actions::verdict::VerdictInputs {
                    malicious_threshold: input.malicious_threshold,
                    suspicious_threshold: input.suspicious_threshold,
                    include_inactive: input.include_inactive,
                    severity_escalates: input.severity_escalates,
                }
            }
        }
    };
    (@from $name:ident TargetInputs) => {
        impl From<&$name> for $crate::actions::manage::TargetInputs {
            fn from(input: &$name) -> Self {
                $crate::actions::manage::TargetInputs {
                    id: input.id.clone(),
                    value: input.value.clone(),
                    all_matches: input.all_matches,
                }
            }
        }
    };
    (@from $name:ident SubmissionChoices) => {
        impl From<&$name> for $crate::actions::sandbox::SubmissionChoices {
            fn from(input: &$name) -> Self {
                $crate::actions::sandbox::SubmissionChoices {
                    platform: input.platform,
                    classification: input.classification,
                    premium: input.use_premium_sandbox,
                }
            }
        }
    };
    (@from $name:ident SubmissionDetail) => {
        impl From<&$name> for $crate::actions::sandbox::SubmissionDetail {
            fn from(input: &$name) -> Self {
                $crate::actions::sandbox::SubmissionDetail(input.detail.clone())
            }
        }
    };
    (@from $name:ident FeedFilters) => {
        impl From<&$name> for $crate::actions::feed::input::FeedFilters {
            fn from(input: &$name) -> Self {
                $crate::actions::feed::input::FeedFilters {
                    types: input.types.clone(),
                    itypes: input.itypes.clone(),
                    min_confidence: input.min_confidence,
                    severities: input.severities.clone(),
                    statuses: input.statuses.clone(),
                    tags: input.tags.clone(),
                    trusted_circles: input.trusted_circles.clone(),
                    exclude_tags: input.exclude_tags.clone(),
                }
            }
        }
    };
    (@from $name:ident FeedPacing) => {
        impl From<&$name> for $crate::actions::feed::input::FeedPacing {
            fn from(input: &$name) -> Self {
                $crate::actions::feed::input::FeedPacing {
                    backfill_hours: input.backfill_hours,
                    stability_window_seconds: input.stability_window_seconds,
                    max_per_poll: input.max_per_poll,
                }
            }
        }
    };

    (@from $name:ident IncidentFilters) => {
        impl From<&$name> for $crate::actions::feed::incident_input::IncidentFilters {
            fn from(input: &$name) -> Self {
                $crate::actions::feed::incident_input::IncidentFilters {
                    published_only: input.published_only,
                    tags: input.tags.clone(),
                    statuses: input.statuses.clone(),
                    observable_limit: input.observable_limit,
                }
            }
        }
    };
    (@from $name:ident IncidentPacing) => {
        impl From<&$name> for $crate::actions::feed::incident_input::IncidentPacing {
            fn from(input: &$name) -> Self {
                $crate::actions::feed::incident_input::IncidentPacing {
                    backfill_hours: input.backfill_hours,
                    stability_window_seconds: input.stability_window_seconds,
                    max_per_poll: input.max_per_poll,
                }
            }
        }
    };

    // The entry: the struct's attributes and head, then its fields one at a time.
    ($(#[$attribute:meta])* $vis:vis struct $name:ident { $($body:tt)* }) => {
        $crate::actions::input::step_input!(@fields [$(#[$attribute])* $vis struct $name] $name [] [] $($body)*);
    };
}
pub(crate) use step_input;
