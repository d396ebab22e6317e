//! The one table from ThreatStream errors to the runtime's presets.
//!
//! The published plugin swapped 401 and 403 here; a test per row keeps this table honest. The texts
//! that are not presets (certificate problems, endless paging, redirects, memory budgets) say what to
//! change. A write whose outcome an error leaves unknown says so, and how to check (`unconfirmed`).

use crate::budget::{Exceeded, MIB};
use crate::protocol::{quoted, Failure, Preset};
use crate::threatstream::ApiError;

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Failure {
        match error {
            ApiError::Status { status, body, .. } => Failure::preset(status_preset(status)).with_data(body),
            ApiError::Timeout => Failure::preset(Preset::Timeout),
            ApiError::Connect { reason } | ApiError::Transport { reason } => {
                Failure::preset(Preset::ConnectionError).with_data(reason)
            }
            ApiError::Redirect => Failure::preset(Preset::RedirectError),
            ApiError::Tls { reason } => Failure::upstream(
                "The TLS certificate of the ThreatStream server could not be verified.",
                "If the server uses a private or interception CA, add that CA to the bundle named by \
                 SSL_CERT_FILE. To skip certificate verification for this connection only, set SSL Verify \
                 (ssl_verify) to false.",
            )
            .with_data(reason),
            ApiError::PlainHttp { reason } => Failure::upstream(
                "The ThreatStream server answered in plain HTTP, not HTTPS.",
                "The connection's URL starts with https://, but the server at that address and port speaks \
                 plain HTTP: use http:// in the URL, or check the port.",
            )
            .with_data(reason),
            ApiError::NotJson { excerpt } => Failure::preset(Preset::InvalidJson).with_data(excerpt),
            ApiError::Decode { path, reason, excerpt } => Failure::preset(Preset::InvalidJson)
                .with_data(format!("unexpected JSON at {path}: {reason}; body: {excerpt}")),
            ApiError::BodyTooLarge { limit } => Failure::preset(Preset::InvalidJson).with_data(format!(
                "the answer was larger than {limit} bytes and was not read further"
            )),
            ApiError::Runaway { reason } => Failure::upstream(
                "ThreatStream kept announcing more pages without end.",
                "The server or a proxy in front of it is not paging correctly; check the ThreatStream URL \
                 and try again. If the issue persists, please contact support.",
            )
            .with_data(reason),
            ApiError::Rejected { body } => Failure::preset(Preset::BadRequest).with_data(body),
            ApiError::Redirected {
                status,
                method,
                location,
                write: true,
            } => Failure::upstream(
                format!(
                    "ThreatStream, or a proxy in front of it, answered the {method} with a redirect (HTTP {status}) to \
                     {location}. Writes are never redirected, so the write was not sent there, and it was not \
                     confirmed."
                ),
                "If the instance moved, set the connection's URL to its new address.",
            ),
            ApiError::Redirected { status, location, .. } => Failure::upstream(
                format!(
                    "ThreatStream, or a proxy in front of it, redirected the request (HTTP {status}) to {location}, \
                     off the connection's URL. The request carries the API key, so it was not sent there."
                ),
                "If that is the instance's address, set the connection's URL to it; otherwise check the proxy or \
                 load balancer in front of ThreatStream.",
            ),
            ApiError::OverBudget(Exceeded::Step { limit }) => Failure::upstream(
                format!(
                    "ThreatStream's answers to this step came to more than the connection's Memory Budget of {} MiB \
                     (memory_budget), so the step stopped reading them.",
                    limit / MIB
                ),
                "Ask for less (a lower limit, fewer sections, a narrower search), or raise Memory Budget in the \
                 connection if answers this large are expected. Answers this large that are not expected come \
                 from a misbehaving server or proxy.",
            ),
            ApiError::OverBudget(Exceeded::Process { limit }) => Failure::overloaded(
                format!(
                    "ThreatStream's answers to the steps running in this plugin process came to more than its \
                     memory budget of {} MiB, so this step stopped reading them.",
                    limit / MIB
                ),
                "Try again when fewer steps run at once, or give the process a larger budget (http's \
                 --memory-budget, or ANOMALI_THREATSTREAM_MEMORY_BUDGET_MIB).",
            ),
            ApiError::AfterUnanswered { earlier, error } => {
                let failure = Failure::from(*error);
                let cause = format!(
                    "{} An earlier attempt got no answer ({earlier}) and may have been applied, which can be why \
                     ThreatStream refused the retry.",
                    failure.cause
                );
                failure.with_cause(cause)
            }
            ApiError::InvalidBaseUrl { reason } => Failure::caller(
                format!("The connection's ThreatStream URL cannot be used: {reason}."),
                "Set the ThreatStream URL to the address of the instance, for example https://ts.example.com.",
            ),
        }
    }
}

/// The HTTP status a task reports beside the failure `From` makes of `error` (protocol reference
/// §3.1): ThreatStream's own when it answered with one, else the closest to that failure's preset.
pub(crate) fn upstream_status(error: &ApiError) -> u16 {
    match error {
        ApiError::Status { status, .. } => *status,
        ApiError::Timeout => 504,
        ApiError::Connect { .. }
        | ApiError::Transport { .. }
        | ApiError::Tls { .. }
        | ApiError::PlainHttp { .. }
        | ApiError::Redirect
        | ApiError::OverBudget(Exceeded::Process { .. }) => 503,
        // The request's fault: the preset is BadRequest, or the connection's URL is unusable.
        ApiError::Rejected { .. } | ApiError::InvalidBaseUrl { .. } => 400,
        ApiError::NotJson { .. }
        | ApiError::Decode { .. }
        | ApiError::BodyTooLarge { .. }
        | ApiError::Runaway { .. }
        | ApiError::Redirected { .. }
        | ApiError::OverBudget(Exceeded::Step { .. }) => 502,
        ApiError::AfterUnanswered { error, .. } => upstream_status(error),
    }
}

/// A write, as its failures speak of it when they leave its outcome unknown.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Write {
    /// What was sent: "the import".
    pub(crate) what: &'static str,
    /// How to find out whether it was applied: "List Import Sessions shows whether ...".
    pub(crate) check: &'static str,
    /// What a second copy would do ("create a second import session"); `None` when sending it twice
    /// does what sending it once does, and the client retried it.
    pub(crate) twice: Option<&'static str>,
}

/// `error` of a `write`, as `map` makes it a failure; when the error leaves the write's outcome unknown
/// (`ApiError::leaves_write_unknown`), the failure says that it may have been applied and how to check,
/// never just "try again".
pub(crate) fn unconfirmed(error: ApiError, write: &Write, map: impl FnOnce(ApiError) -> Failure) -> Failure {
    unconfirmed_as(error, write.what, write.check, write.twice, map)
}

/// `unconfirmed` for a write whose words are made at run time ("the comment on incident 7").
pub(crate) fn unconfirmed_as(
    error: ApiError,
    what: &str,
    check: &str,
    twice: Option<&str>,
    map: impl FnOnce(ApiError) -> Failure,
) -> Failure {
    if !error.leaves_write_unknown() {
        return map(error);
    }
    // A redirect's own advice (the instance may have moved) stays; a preset's generic one goes.
    let redirected = matches!(error, ApiError::Redirected { .. });
    let mut failure = map(error);
    let (may, next) = match twice {
        Some(twice) => (
            format!(
                "ThreatStream may have applied {} before the failure, so it was not sent again.",
                what
            ),
            format!("{} before running the step again: a second copy would {twice}.", check),
        ),
        None => (
            format!("ThreatStream may have applied {} before the failure.", what),
            format!("{}; sending it again does no harm.", check),
        ),
    };
    failure.cause = format!("{} {may}", failure.cause);
    failure.assistance = if redirected {
        format!("{next} {}", failure.assistance)
    } else {
        next
    };
    failure
}

/// When ThreatStream answered 404, the failure that says what it does not have and what to check
/// (`missing`): its own answer says only "Not Found". Any other error is handed back, for the caller to
/// map (`Failure::from`, or `forbidden` with the permission its call needs).
///
/// This is the one place a 404 becomes "ThreatStream has no X". The failure keeps the NOT_FOUND
/// preset (its kind, for `http` mode's status and the task's `status_code`), but not the preset's
/// words: "Verify the URLs or endpoints in your configuration" sends whoever reads it to a connection
/// that works, when what is wrong is the ID or value the step was given.
pub(crate) fn absent(error: ApiError, missing: impl FnOnce() -> Missing) -> Result<Failure, ApiError> {
    if matches!(error, ApiError::Status { status: 404, .. }) {
        let Missing { what, check } = missing();
        return Ok(Failure::from(error)
            .with_cause(format!("ThreatStream has {what}."))
            .with_assistance(check));
    }
    Err(error)
}

/// Something a step was given that ThreatStream does not have: `what` it lacks ("no observable with
/// ID 7") and what to check, which names where such an ID or value comes from.
pub(crate) struct Missing {
    what: String,
    check: &'static str,
}

impl Missing {
    /// The same words when a search, not a 404, found nothing: ThreatStream answered, with nothing.
    pub(crate) fn found_nothing(self) -> Failure {
        Failure::upstream(format!("ThreatStream has {}.", self.what), self.check)
    }

    pub(crate) fn import_session(id: u64) -> Missing {
        Missing {
            what: format!("no import session with ID {id}"),
            check: "Check the import session ID and where it came from: List Import Sessions shows the sessions \
                    this account can see, and an import names the session it created (import_session_id); an \
                    ID of another ThreatStream instance is not found.",
        }
    }

    pub(crate) fn observable_id(id: u64) -> Missing {
        Missing {
            what: format!("no observable with ID {id}"),
            check: "Check the observable ID and where it came from: a lookup (Get Observables, Lookup IP Address \
                    and the others) gives the id of each observable this account can see in this ThreatStream. \
                    An on-premises instance finds an observable of ThreatStream's cloud only with the \
                    connection's Remote API setting on.",
        }
    }

    pub(crate) fn observable_value(value: &str) -> Missing {
        Missing {
            what: format!("no observable whose value is {}", quoted(value)),
            check: "Check the value and where it came from: Get Observables shows whether this ThreatStream has \
                    an observable with it. Import the observable first to tag it or comment on it.",
        }
    }

    pub(crate) fn rule(id: u64) -> Missing {
        Missing {
            what: format!("no rule with ID {id}"),
            check: "Check the rule ID and where it came from: List Rules shows the rules of this account's \
                    organization, and Create Rule gives the ID of the rule it made; a rule of another \
                    ThreatStream instance is not found.",
        }
    }

    pub(crate) fn allowlist_entry(id: u64) -> Missing {
        Missing {
            what: format!("no allowlist entry with ID {id}"),
            check: "Check the allowlist entry ID and where it came from: List Allowlist shows the organization's \
                    entries with their IDs; an entry removed since is not found.",
        }
    }

    pub(crate) fn snapshot(id: u64) -> Missing {
        Missing {
            what: format!("no snapshot with ID {id}"),
            check: "Check the snapshot ID and where it came from: Create Snapshot gives it as snapshot.id, for \
                    this organization; a snapshot of another ThreatStream instance is not found.",
        }
    }

    pub(crate) fn threat_model(model_type: &str, id: u64) -> Missing {
        Missing {
            what: format!("no {model_type} with ID {id}"),
            check: "Check the model type and ID and where they came from: Search Threat Models finds a model by \
                    name, Create Threat Model gives the id of the model it made, and an ID of another ThreatStream \
                    instance is not found. An on-premises instance finds a model of ThreatStream's cloud only with \
                    the connection's Remote API setting on.",
        }
    }

    pub(crate) fn investigation(id: u64) -> Missing {
        Missing {
            what: format!("no investigation with ID {id}"),
            check: "Check the investigation ID and where it came from: List Investigations shows the \
                    investigations this account can see, and Create Investigation gives the id of the one it \
                    opened; an ID of another ThreatStream instance is not found.",
        }
    }

    /// `what` names the submission or its report, as the call that answered 404 looked for.
    pub(crate) fn sandbox_report(what: String) -> Missing {
        Missing {
            what,
            check: "Check the report ID and where it came from: Submit File and Submit URL give it as reports.id, \
                    for the account that submitted; a report ID of another ThreatStream instance is not found.",
        }
    }
}

/// A ThreatStream permission a write needs, as ThreatStream's user settings name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Import Intel: import with approval (older releases call the role `approver`).
    Import,
    /// Approve Intel: approve or reject import sessions, import without approval, `default_state: active`.
    Approve,
    /// Tag Intel.
    Tag,
    /// Edit Intel.
    Edit,
    /// Comment on Intel.
    Comment,
    /// Creating, changing, tagging, commenting on and linking threat models. No public client names
    /// the permission; this is a description, not ThreatStream's own word.
    ThreatModels,
    /// Org Admin: administering the organization (its users, deleting rules and threat models, per
    /// Splunk SOAR's manual and XSOAR's README).
    OrgAdmin,
    /// Creating, changing and deleting investigations and adding their elements. Unnamed by any
    /// public client, like `ThreatModels`.
    Investigations,
}

impl Permission {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Permission::Import => "Import Intel",
            Permission::Approve => "Approve Intel",
            Permission::Tag => "Tag Intel",
            Permission::Edit => "Edit Intel",
            Permission::Comment => "Comment on Intel",
            Permission::ThreatModels => "Edit Threat Models",
            Permission::OrgAdmin => "Org Admin",
            Permission::Investigations => "Edit Investigations",
        }
    }
}

/// `error` as a failure; a 403 says which permission `doing` (such as "approving an import session")
/// needs, since ThreatStream's 403 may not say. With two permissions `needed`, the account lacks one or
/// the other. The cause stays the runtime's preset, the body ThreatStream sent stays the data.
pub(crate) fn forbidden(error: ApiError, needed: &[Permission], doing: &str) -> Failure {
    let mut failure = Failure::from(error);
    if failure.preset_of() == Some(Preset::Unauthorized) {
        let labels: Vec<&str> = needed.iter().map(|permission| permission.label()).collect();
        failure.assistance = format!(
            "The account configured in the connection lacks ThreatStream's {} permission, which {doing} needs. \
             Ask a ThreatStream administrator to grant it, then try again.",
            labels.join(" or ")
        );
    }
    failure
}

fn status_preset(status: u16) -> Preset {
    match status {
        400 => Preset::BadRequest,
        401 => Preset::InvalidCredentials,
        403 => Preset::Unauthorized,
        404 => Preset::NotFound,
        405 => Preset::MethodNotAllowed,
        408 => Preset::Timeout,
        409 => Preset::Conflict,
        429 => Preset::RateLimit,
        500 | 502 | 504 => Preset::ServerError,
        503 => Preset::ServiceUnavailable,
        _ => Preset::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_row_maps_to_its_preset() {
        let table = [
            (400, Preset::BadRequest),
            (401, Preset::InvalidCredentials),
            (403, Preset::Unauthorized),
            (404, Preset::NotFound),
            (405, Preset::MethodNotAllowed),
            (408, Preset::Timeout),
            (409, Preset::Conflict),
            (429, Preset::RateLimit),
            (500, Preset::ServerError),
            (502, Preset::ServerError),
            (503, Preset::ServiceUnavailable),
            (504, Preset::ServerError),
            (418, Preset::Unknown),
            (302, Preset::Unknown),
        ];
        for (status, preset) in table {
            let failure = Failure::from(ApiError::Status {
                status,
                body: "b".into(),
                retry_after: None,
            });
            assert_eq!(failure.preset_of(), Some(preset), "HTTP {status}");
            assert_eq!(failure.data, "b");
        }
    }

    #[test]
    fn a_403_names_the_permission_and_other_errors_stay_as_they_are() {
        let status = |status| ApiError::Status {
            status,
            body: "{\"message\": \"denied\"}".into(),
            retry_after: None,
        };
        let failure = forbidden(status(403), &[Permission::Approve], "approving an import session");
        assert_eq!(failure.preset_of(), Some(Preset::Unauthorized));
        assert!(
            failure
                .assistance
                .starts_with("The account configured in the connection lacks ThreatStream's Approve Intel permission, which approving an import session needs."),
            "{}",
            failure.assistance
        );
        assert_eq!(failure.data, "{\"message\": \"denied\"}");
        assert_eq!(
            forbidden(status(500), &[Permission::Tag], "tagging"),
            Failure::from(status(500))
        );
    }

    use crate::protocol::FailureKind;

    const COMMENT: Write = Write {
        what: "the comment",
        check: "Get Comments shows whether it was added",
        twice: Some("add the comment twice"),
    };

    #[test]
    fn a_write_left_unknown_says_it_may_have_been_applied_and_how_to_check() {
        let status = |status| ApiError::Status {
            status,
            body: "{}".into(),
            retry_after: None,
        };
        let unknown = unconfirmed(status(503), &COMMENT, Failure::from);
        assert_eq!(
            unknown.cause,
            "The service is currently unavailable. ThreatStream may have applied the comment before the failure, \
             so it was not sent again."
        );
        assert_eq!(
            unknown.assistance,
            "Get Comments shows whether it was added before running the step again: a second copy would add the \
             comment twice."
        );
        assert_eq!(unknown.preset_of(), Some(Preset::ServiceUnavailable));
        let reset = unconfirmed(ApiError::Transport { reason: "reset".into() }, &COMMENT, Failure::from);
        assert!(!reset.assistance.contains("try again"), "{}", reset.assistance);
        for refused in [
            status(400),
            status(409),
            ApiError::Connect {
                reason: "refused".into(),
            },
        ] {
            let told = unconfirmed(refused, &COMMENT, Failure::from);
            assert!(!told.cause.contains("may have applied"), "{told:?}");
        }
    }

    #[test]
    fn budgets_name_their_setting_and_the_process_one_is_a_503() {
        let step = Failure::from(ApiError::OverBudget(Exceeded::Step { limit: 256 * MIB }));
        assert!(
            step.cause.contains("Memory Budget of 256 MiB (memory_budget)"),
            "{}",
            step.cause
        );
        assert_eq!(step.kind, FailureKind::Upstream(None));
        let process = ApiError::OverBudget(Exceeded::Process { limit: 1024 * MIB });
        assert_eq!(upstream_status(&process), 503);
        let process = Failure::from(process);
        assert_eq!(process.kind, FailureKind::Overloaded);
        assert!(process.assistance.contains("--memory-budget"), "{}", process.assistance);
    }

    #[test]
    fn a_404_says_what_is_missing_and_what_to_check_keeping_its_preset() {
        let not_found = || ApiError::Status {
            status: 404,
            body: "{\"detail\": \"Not found.\"}".into(),
            retry_after: None,
        };
        let failure = absent(not_found(), || Missing::import_session(999)).expect("a 404 is absent");
        assert_eq!(failure.cause, "ThreatStream has no import session with ID 999.");
        assert!(
            failure.assistance.contains("List Import Sessions"),
            "{}",
            failure.assistance
        );
        assert_eq!(failure.preset_of(), Some(Preset::NotFound));
        assert_eq!(failure.data, "{\"detail\": \"Not found.\"}");
        for missing in [
            Missing::import_session(1),
            Missing::observable_id(7),
            Missing::observable_value("a.example"),
            Missing::sandbox_report("no sandbox report for report ID 3".into()),
            Missing::rule(4),
            Missing::allowlist_entry(5),
            Missing::snapshot(6),
        ] {
            let failure = absent(not_found(), || missing).expect("a 404 is absent");
            assert_ne!(failure.assistance, Preset::NotFound.assistance());
            assert!(failure.assistance.starts_with("Check the "), "{}", failure.assistance);
        }
        let other = absent(ApiError::Timeout, || Missing::observable_id(7));
        assert!(matches!(other, Err(ApiError::Timeout)));
    }

    #[test]
    fn transport_errors_map_to_presets() {
        assert_eq!(Failure::from(ApiError::Timeout).preset_of(), Some(Preset::Timeout));
        assert_eq!(
            Failure::from(ApiError::Connect {
                reason: "refused".into()
            })
            .preset_of(),
            Some(Preset::ConnectionError)
        );
        assert_eq!(
            Failure::from(ApiError::NotJson {
                excerpt: "<html>".into()
            })
            .preset_of(),
            Some(Preset::InvalidJson)
        );
        let tls = Failure::from(ApiError::Tls {
            reason: "UnknownIssuer".into(),
        });
        assert!(tls.cause.contains("certificate") && tls.assistance.contains("ssl_verify"));
    }
}
