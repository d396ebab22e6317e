//! `PATCH /api/v1/importsession/<id>/edit_classification/`: who will see a
//! session's observables once it is approved.
//!
//! Cortex XSOAR's edit-classification command is the only public client: it
//! sends the body as given, such as `{"is_public": false, "circles":
//! [12866]}` (its README and test), and takes any answer whose `status` is
//! not `errors` as done; its test answers with a session (`{"id", "date"}`).
//! So this answers the session, changed: `is_public` sets the
//! classification, `circles` the trusted circles (replacing the ones it
//! had), and the observables the approval creates follow. A body that
//! changes nothing is a 400. A session in `errors` answers unchanged, status
//! and all; an approved or rejected one is a 409, since its observables are
//! already made or dropped. It needs the Approve Intel permission, as
//! reviewing a session does (unconfirmed: no public source names it).

use serde_json::Value;

use crate::http::answer::{json_body, number, Answer, Refused};
use crate::http::response;
use crate::http::route::{with, Handler};
use crate::import::session::{session_json, ImportSession, APPROVED, APPROVING, ERRORS, REJECTED};
use crate::permissions::Permission;
use crate::state::State;
use crate::timestamp;

/// This file's routes, tried by the router (`routes.rs`) with every other
/// file's; a new route here is one line and its handler below.
#[rustfmt::skip]
pub(crate) fn routes(method: &str, path: &[&str]) -> Option<Handler> {
    match (method, path) {
        ("PATCH", ["api", "v1", "importsession", id, "edit_classification"]) => with(number(id)?, |c, id| edit(c.state, c.request, id)),
        _ => None,
    }
}

/// What one edit asks for.
#[derive(Debug, PartialEq, Eq)]
struct Change {
    public: Option<bool>,
    circles: Option<Vec<u64>>,
}

pub(crate) fn edit(state: &State, request: &crate::http::request::RecordedRequest, id: u64) -> Answer {
    state.denials.require(Permission::ApproveIntel)?;
    let change = change_of(&json_body(request)?)?;
    let mut sessions = state.sessions();
    let session = sessions
        .get_mut(id)
        .ok_or_else(|| Refused::new(404, &format!("No import session with id {id}.")))?;
    match session.status.as_str() {
        ERRORS => {}
        APPROVED | APPROVING | REJECTED => {
            let message = format!(
                "Import session {id} is {}; its classification can no longer be edited.",
                session.status
            );
            return Err(Refused::new(409, &message));
        }
        _ => apply(session, &change),
    }
    Ok(response::json(200, &session_json(session, true)))
}

fn change_of(body: &Value) -> Result<Change, Refused> {
    let body = body
        .as_object()
        .ok_or_else(|| Refused::bad("The body must be a JSON object."))?;
    let public = match body.get("is_public") {
        None => None,
        Some(Value::Bool(public)) => Some(*public),
        Some(other) => return Err(Refused::bad(&format!("Invalid value for 'is_public': {other}."))),
    };
    let circles = match body.get("circles") {
        None => None,
        Some(Value::Array(ids)) => Some(
            ids.iter()
                .map(|id| id.as_u64().filter(|id| *id > 0))
                .collect::<Option<Vec<u64>>>()
                .ok_or_else(|| Refused::bad("Invalid value for 'circles': a list of trusted circle ids."))?,
        ),
        Some(other) => return Err(Refused::bad(&format!("Invalid value for 'circles': {other}."))),
    };
    if public.is_none() && circles.is_none() {
        return Err(Refused::bad("Nothing to change: send 'is_public', 'circles' or both."));
    }
    Ok(Change { public, circles })
}

fn apply(session: &mut ImportSession, change: &Change) {
    if let Some(public) = change.public {
        let classification = if public { "public" } else { "private" };
        set_field(session, "classification", classification.to_owned());
        session.drafts.iter_mut().for_each(|draft| draft.is_public = public);
    }
    if let Some(circles) = &change.circles {
        let list: Vec<String> = circles.iter().map(u64::to_string).collect();
        set_field(session, "trustedcircles", list.join(","));
        session
            .drafts
            .iter_mut()
            .for_each(|draft| draft.trusted_circle_ids.clone_from(circles));
    }
    session.date_modified = timestamp::format_ms(timestamp::now_ms());
}

/// Replaces form field `name` (the session shows its settings from them).
fn set_field(session: &mut ImportSession, name: &str, value: String) {
    session.fields.retain(|(field, _)| field != name);
    session.fields.push((name.to_owned(), value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_names_a_classification_circles_or_both() {
        assert_eq!(
            change_of(&json!({"is_public": false, "circles": [12866]})),
            Ok(Change {
                public: Some(false),
                circles: Some(vec![12866])
            })
        );
        assert_eq!(
            change_of(&json!({"circles": []})).map(|c| c.circles),
            Ok(Some(Vec::new()))
        );
        for bad in [
            json!({}),
            json!([]),
            json!({"is_public": "false"}),
            json!({"circles": [0]}),
        ] {
            assert_eq!(change_of(&bad).map_err(|r| r.status), Err(400), "{bad}");
        }
    }
}
