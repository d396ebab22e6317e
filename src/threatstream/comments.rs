//! Comments on observables: `GET` and `POST /api/v2/intelligence/comments/?value=` (reference §1.8).
//!
//! ThreatStream keys comments by the observable's value, not its record, so every record of one value
//! shares them. Reading is retried; adding is not, since a second copy would be a second comment.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use tracing::info;

use super::client::{Client, Replay};
use super::error::ApiError;

const PATH: &str = "api/v2/intelligence/comments/";

#[derive(Deserialize)]
struct Comments {
    #[serde(default)]
    comments: Vec<Value>,
}

/// The comments on `value`, oldest first as ThreatStream lists them.
///
/// # Contract: GET `/api/v2/intelligence/comments/`
///
/// - Capability: Observables (`get_comments`)
/// - Parameters and body: `value=<observable>`
/// - Answer and paging: `{comments: [{comment, tlp, date, user: {email, organization: {name}}}]}`, oldest first,
///   passed through. 404: no observable with that value. No paging
/// - Confirmed by: POL `anomali.js` `getComments` and its template
/// - Fixtures: `intelligence/polarity_comments`
/// - Choice: Our earlier reading (`id`, `created_ts`) → POL's shape. 404 handling is our inference (unconfirmed)
pub(crate) async fn comments(client: &Client, value: &str) -> Result<Vec<Value>, ApiError> {
    let answer: Comments = client.get_json(PATH, &[("value", value.to_owned())]).await?;
    Ok(answer.comments)
}

/// Adds `comment` to `value`, with `tlp` when given. Sent once.
///
/// # Contract: POST `/api/v2/intelligence/comments/`
///
/// - Capability: Observables (`add_comment`)
/// - Parameters and body: `value=<observable>`; JSON `{"comment": "...", "tlp": "..."}`, `tlp` only when given.
///   Sent once
/// - Answer and paging: 201 `{"message": "Comment successfully added", "success": true}`. No paging
/// - Confirmed by: POL `anomali.js` `createComment` (requires 201); an XS3 fork exported from an XSOAR instance
///   (repository not identified) sends the same body
/// - Fixtures: `intelligence/polarity_comment_added`
/// - Choice: POL always sends a TLP → sent only when given, leaving ThreatStream's default
pub(crate) async fn add_comment(
    client: &Client,
    value: &str,
    comment: &str,
    tlp: Option<&str>,
) -> Result<Value, ApiError> {
    let mut body = json!({"comment": comment});
    if let Some(tlp) = tlp {
        body["tlp"] = json!(tlp);
    }
    let query = [("value", value.to_owned())];
    let answer = client
        .send_json(Method::POST, PATH, &query, Some(body.to_string()), Replay::Never)
        .await?;
    info!("Commented on {value}");
    Ok(answer)
}
