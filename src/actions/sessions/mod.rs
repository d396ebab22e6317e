//! Import sessions: follow what an import with approval became, then approve or reject it.
//!
//! Every session is shown in one shape, `import_session` (`session.rs`), which the imports'
//! `wait_for_processing` output shares: ThreatStream's status (`done`), the name the UI gives it
//! (`Ready To Review`), the counts and what explains them (`messages`, submitter, approver, tags), under
//! the plugin's snake_case names. Approving and rejecting need ThreatStream's Approve Intel permission;
//! both are idempotent and retried like reads. An approval counts only when ThreatStream's answer names
//! the approver; a rejection is FortiSOAR's DELETE. Before approving, a session's classification can be
//! changed (`edit_import_classification`, as Cortex XSOAR does after cloning an observable), and the
//! lines an import left out listed (`get_import_session_rejects`).

mod approve_import_session;
mod edit_import_classification;
mod get_import_session;
mod get_import_session_rejects;
mod list_import_sessions;
mod reject_import_session;
mod session;

use super::failure::{absent, forbidden, unconfirmed, Missing, Permission, Write};
use super::input::TextId;
use crate::protocol::{Action, Failure};
use crate::threatstream::ApiError;

pub(crate) use session::{example_session, summary, ImportSessionSummary};

/// The import session actions, in the order the spec lists them.
pub(super) const ACTIONS: &[&dyn Action] = &[
    &get_import_session::GetImportSession,
    &list_import_sessions::ListImportSessions,
    &approve_import_session::ApproveImportSession,
    &reject_import_session::RejectImportSession,
    &edit_import_classification::EditImportClassification,
    &get_import_session_rejects::GetImportSessionRejects,
];

/// An import session ID as ThreatStream numbers sessions, from the text the imports answer with (or
/// the same number as a number).
pub(crate) fn session_id(given: &TextId, input: &str) -> Result<u64, Failure> {
    let not = "an import session ID; give the positive whole number an import answered";
    given.read(input, not)
}

/// What was being done to a session, for the words of its failures.
#[derive(Clone, Copy)]
enum SessionCall {
    Read,
    Approve,
    Reject,
    Reclassify,
}

/// A change to a session, when a failure leaves unknown whether ThreatStream applied it.
const APPROVAL: Write = Write {
    what: "the approval",
    check: "Get Import Session shows the session's status (approving or approved once it is applied)",
    twice: None,
};

const RECLASSIFICATION: Write = Write {
    what: "the new classification",
    check: "Get Import Session shows the session's classification (is_public) and trusted circles",
    twice: None,
};

const REJECTION: Write = Write {
    what: "the rejection",
    check: "Get Import Session shows the session's status (deleted, Rejected in the UI, once it is applied)",
    twice: None,
};

/// A failed call about session `id`: a 404 names the session, a 409 says its state forbids the change
/// (ThreatStream's answer, in the data, says which state), and a 403 on a change names the Approve Intel
/// permission. A change whose outcome the error leaves unknown says how to check it.
fn session_failure(error: ApiError, id: u64, call: SessionCall) -> Failure {
    match call {
        SessionCall::Read => session_refusal(error, id, call),
        SessionCall::Approve => unconfirmed(error, &APPROVAL, |error| session_refusal(error, id, call)),
        SessionCall::Reject => unconfirmed(error, &REJECTION, |error| session_refusal(error, id, call)),
        SessionCall::Reclassify => unconfirmed(error, &RECLASSIFICATION, |error| session_refusal(error, id, call)),
    }
}

fn session_refusal(error: ApiError, id: u64, call: SessionCall) -> Failure {
    let error = match absent(error, || Missing::import_session(id)) {
        Ok(missing) => return missing,
        Err(error) => error,
    };
    let conflict = matches!(error, ApiError::Status { status: 409, .. });
    let (failure, verb) = match call {
        SessionCall::Read => (Failure::from(error), "read"),
        SessionCall::Approve => (
            forbidden(error, &[Permission::Approve], "approving an import session"),
            "approved",
        ),
        SessionCall::Reject => (
            forbidden(error, &[Permission::Approve], "rejecting an import session"),
            "rejected",
        ),
        // No public source names the permission; editing is part of reviewing an import.
        SessionCall::Reclassify => (
            forbidden(
                error,
                &[Permission::Import, Permission::Approve],
                "changing an import session's classification",
            ),
            "reclassified",
        ),
    };
    if conflict {
        return failure.with_cause(format!("Import session {id} cannot be {verb} in its current state."));
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_positive_whole_numbers() {
        let id = |given: serde_json::Value| TextId::of(given);
        assert_eq!(
            session_id(&id(serde_json::json!(" 1000000344 ")), "import_session_id").unwrap(),
            1_000_000_344
        );
        assert_eq!(
            session_id(&id(serde_json::json!(1_000_000_344)), "import_session_id").unwrap(),
            1_000_000_344
        );
        for bad in ["", "abc", "0", "-1", "1.5", "+3", "1 2"] {
            let failure = session_id(&id(serde_json::json!(bad)), "import_session_id").expect_err(bad);
            assert!(
                failure.cause.starts_with("Invalid input 'import_session_id'"),
                "{}",
                failure.cause
            );
        }
    }
}
