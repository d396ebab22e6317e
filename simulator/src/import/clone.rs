//! Cloning an observable: `POST /api/v2/intelligence/<id>/clone/`.
//!
//! Cortex XSOAR's clone command (the only public client, with CrowdStrike's
//! OpenAPI description of the route) posts no body and reads a 202 with
//! `{"import_session_id": "139", "job_id": "1b0ad011-..."}`, both text. The
//! clone is an import session of the observable, owned by the caller's
//! organization and private until reviewed: XSOAR's help pairs it with
//! editing the session's classification to share it with a trusted circle,
//! then approving it, which creates the organization's own copy. XSOAR's
//! docstring says what ThreatStream refuses with a 403 `{"message": "The
//! entity <value> is not cloneable"}`: an observable of type `string`, one
//! that is `pending`, or one the caller's organization already owns. Cloning
//! creates an import session, so it needs the Import Intel permission
//! (unconfirmed: no public source names it).

use serde_json::{json, Value};

use crate::http::answer::{number, Answer, Refused};
use crate::http::response;
use crate::http::route::{with, Handler};
use crate::import::approval::job_id;
use crate::import::session::{ImportSession, PROCESSING};
use crate::intelligence::observable_record::{Draft, OWNER_ORGANIZATION_ID};
use crate::intelligence::observables::ObservableKind;
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("POST", ["api", "v2", "intelligence", id, "clone"]) => with(number(id)?, |c, id| clone(c.state, id)),
        _ => None,
    }
}

pub(crate) fn clone(state: &State, id: u64) -> Answer {
    state.denials.require(Permission::Import)?;
    let record = state
        .records()
        .get(id)
        .cloned()
        .ok_or_else(|| Refused::no_observable(id))?;
    if !cloneable(&record) {
        let value = record["value"].as_str().unwrap_or_default();
        return Err(Refused::new(403, &format!("The entity {value} is not cloneable")));
    }
    let draft = draft_of(&record).ok_or_else(|| Refused::new(403, "The entity is not cloneable"))?;
    let username = state.account.username.clone();
    let session = state.create_session(|session_id, ready_at_ms| {
        let mut draft = draft;
        draft.import_session_id = Some(session_id);
        session_of(session_id, draft, username, ready_at_ms)
    });
    let body = json!({"import_session_id": session.to_string(), "job_id": job_id(session)});
    Ok(response::json(202, &body))
}

/// XSOAR's three exceptions: a string, a pending observable, one of ours.
fn cloneable(record: &Value) -> bool {
    let owner = record["owner_organization_id"].as_u64();
    record["type"] != "string" && record["status"] != "pending" && owner != Some(OWNER_ORGANIZATION_ID)
}

/// What approving the clone creates: the observable as the caller's own,
/// from the analyst, private, with its type, itype, confidence and severity.
fn draft_of(record: &Value) -> Option<Draft> {
    let value = record["value"].as_str()?;
    let kind = match record["type"].as_str()? {
        "ip" => ObservableKind::Ip,
        "ipv6" => ObservableKind::Ipv6,
        "domain" => ObservableKind::Domain,
        "url" => ObservableKind::Url,
        "email" => ObservableKind::Email,
        "md5" => ObservableKind::Hash(algorithm(record["subtype"].as_str())),
        _ => return None,
    };
    let mut draft = Draft::new(value, kind, record["itype"].as_str().unwrap_or("mal_ip"));
    draft.confidence = record["confidence"].as_i64().unwrap_or(draft.confidence);
    draft.severity = record["meta"]["severity"]
        .as_str()
        .map(str::to_owned)
        .or(draft.severity);
    Some(draft)
}

fn algorithm(subtype: Option<&str>) -> &'static str {
    match subtype.map(str::to_ascii_uppercase).as_deref() {
        Some("SHA1") => "SHA1",
        Some("SHA256") => "SHA256",
        Some("SHA512") => "SHA512",
        _ => "MD5",
    }
}

fn session_of(id: u64, draft: Draft, created_by: String, ready_at_ms: i64) -> ImportSession {
    let now = timestamp::format_ms(timestamp::now_ms());
    ImportSession {
        id,
        job_id: job_id(id),
        status: PROCESSING.to_owned(),
        api_version: "v2".to_owned(),
        fields: vec![("classification".to_owned(), "private".to_owned())],
        file_name: None,
        file_bytes: None,
        observables: vec![draft.value.clone()],
        num_rejected: 0,
        rejects: Vec::new(),
        created_by,
        approved_by: None,
        created_ts: now.clone(),
        date_modified: now,
        processed_ts: None,
        messages: String::new(),
        drafts: vec![draft],
        ready_at_ms,
        approve_when_ready: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_other_organizations_observables_of_a_real_type_clone() {
        let theirs = json!({"value": "2001:db8::bad:c0de", "type": "ipv6", "status": "active",
            "owner_organization_id": 7, "itype": "apt_ip", "confidence": 81, "meta": {"severity": "high"}});
        assert!(cloneable(&theirs));
        let draft = draft_of(&theirs).expect("a draft");
        assert_eq!((draft.confidence, draft.severity.as_deref()), (81, Some("high")));
        assert!(!draft.is_public, "a clone is private until reclassified");
        for not in [
            json!({"type": "string", "status": "active", "owner_organization_id": 7}),
            json!({"type": "ip", "status": "pending", "owner_organization_id": 7}),
            json!({"type": "ip", "status": "active", "owner_organization_id": OWNER_ORGANIZATION_ID}),
        ] {
            assert!(!cloneable(&not), "{not}");
        }
        assert_eq!(algorithm(Some("sha256")), "SHA256");
    }
}
