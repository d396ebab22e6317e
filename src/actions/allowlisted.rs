//! The connection's Check Allowlist setting, as the lookups apply it to their verdicts.
//!
//! Off by default, so a 4.0.0 connection costs and answers what it did: asking the allowlist costs a
//! read of it (kept for the process, `threatstream::allowlisted`). When it is on, a lookup reads the
//! allowlist before its records, and a failure to read it fails the lookup: a verdict that skipped
//! the allowlist it was asked to honour could call an allowlisted value malicious, and a playbook
//! would block it.

use std::sync::Arc;

use super::connection::Connection;
use crate::protocol::Failure;
use crate::threatstream::allowlisted::{allowlist, Allowlist};
use crate::threatstream::Observable;
use crate::verdict::Verdict;

/// The allowlist, when the connection asks for it.
pub(crate) async fn wanted(connection: &Connection) -> Result<Option<Arc<Allowlist>>, Failure> {
    if !connection.check_allowlist {
        return Ok(None);
    }
    match allowlist(&connection.client).await {
        Ok(allowlist) => Ok(Some(allowlist)),
        Err(error) => {
            let failure = Failure::from(error);
            let cause = format!(
                "The connection's Check Allowlist setting asks for the organization's allowlist, which could not \
                 be read: {}",
                failure.cause
            );
            let assistance = format!(
                "{} Or turn Check Allowlist off on the connection to judge lookups by their records alone.",
                failure.assistance
            );
            Err(failure.with_cause(cause).with_assistance(assistance))
        }
    }
}

/// `verdict` on `observable`, told whether `allowlist` has it when the connection asked.
pub(crate) fn judged(verdict: Verdict, allowlist: Option<&Allowlist>, observable: &Observable) -> Verdict {
    match allowlist {
        Some(allowlist) => verdict.allowlisted(allowlist.covering(observable)),
        None => verdict,
    }
}
