//! Get Import Session Rejects: the lines an import left out, and why, beside the count Get Import
//! Session gives (`num_rejected`).
//!
//! `GET /api/v1/importsession/{id}/rejects/`, every page up to the limit. Unconfirmed: no public
//! client calls this route (Cortex XSOAR, Splunk SOAR, FortiSOAR, Google SecOps SOAR, Rapid7 and
//! CrowdStrike's OpenAPI description were searched); only the count `numRejected` appears in their
//! answers. The answer is read as ThreatStream's other v1 lists are (`meta.next`, `objects`), and each
//! reject passes through as ThreatStream sends it, cleaned of empty fields; the schema names the
//! fields the simulator gives (`value`, `reason`) and lets any other through.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{session_failure, session_id, SessionCall};
use crate::actions::connection::Connection;
use crate::actions::input::{or_default, TextId};
use crate::actions::lenient::NumberOrString;
use crate::actions::output::passed_through;
use crate::actions::{TypedAction, TypedStep};
use crate::protocol::{clean, Failure};
use crate::threatstream;

/// Rejects listed when the input gives no limit: a review's worth.
const DEFAULT_LIMIT: usize = 1000;
/// More than any import a person reviews line by line.
const MAX_LIMIT: usize = 10_000;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetImportSessionRejectsInput {
    /// ID of the import session, as an import or Clone Observable answered it
    #[schemars(title = "Import Session ID", example = "1000000344")]
    import_session_id: TextId,
    /// Most rejects to list; 0 or empty lists up to 1000
    #[serde(default)]
    #[schemars(title = "Limit", range(min = 0, max = MAX_LIMIT), example = DEFAULT_LIMIT)]
    limit: usize,
}

#[derive(Serialize, JsonSchema)]
pub(crate) struct GetImportSessionRejectsOutput {
    /// The lines the import left out, each with the reason, as ThreatStream lists them; empty while the session is processing
    #[schemars(title = "Rejects", with = "Vec<Reject>", example = json!([{"id": 1, "value": "not an observable",
        "reason": "No observable was found in the line."}]))]
    rejects: Vec<Value>,
    /// How many rejects are listed
    #[schemars(title = "Count", example = 1)]
    count: usize,
    /// Whether ThreatStream has more rejects than the limit
    #[schemars(title = "More", example = false)]
    more: bool,
}

passed_through! {
    /// One line an import left out, as ThreatStream sent it
    #[name = "import_reject"]
    struct Reject {
        /// ThreatStream's ID of the reject
        #[title = "ID"]
        id: Option<NumberOrString>,
        /// The line, or the value, as it was imported
        #[title = "Value"]
        value: Option<String>,
        /// Why ThreatStream left it out
        #[title = "Reason"]
        reason: Option<String>,
    }
}

pub(crate) struct GetImportSessionRejects;

impl TypedStep for GetImportSessionRejects {
    const ID: &'static str = "get_import_session_rejects";
    const TITLE: &'static str = "Get Import Session Rejects";
    const DESCRIPTION: &'static str = "List the lines an import left out of an import session, and why";
    type Input = GetImportSessionRejectsInput;
    type Output = GetImportSessionRejectsOutput;
}

impl TypedAction for GetImportSessionRejects {
    async fn run(
        connection: &Connection,
        input: GetImportSessionRejectsInput,
    ) -> Result<GetImportSessionRejectsOutput, Failure> {
        let id = session_id(&input.import_session_id, "import_session_id")?;
        let limit = or_default(input.limit, DEFAULT_LIMIT);
        let (records, more) = threatstream::import_session_rejects(&connection.client, id, limit)
            .await
            .map_err(|error| session_failure(error, id, SessionCall::Read))?;
        let rejects: Vec<Value> = records
            .into_iter()
            .map(|record| {
                let mut reject = Value::Object(record);
                clean(&mut reject);
                reject
            })
            .collect();
        Ok(GetImportSessionRejectsOutput {
            count: rejects.len(),
            rejects,
            more,
        })
    }
}
