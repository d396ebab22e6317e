//! `remote_api=true`: an on-premises instance asking ThreatStream's cloud as well.
//!
//! An on-premises ThreatStream holds its own intelligence and reaches the cloud's when a request
//! carries `remote_api=true` (CrowdStrike's ThreatStream spec: "For ThreatStream OnPrem only - access
//! remote Cloud intelligence"). With the connection's Remote API option on, it is sent where the
//! public clients send it, and nowhere else:
//!
//! - on every threat model association look-up (`associated_with_intelligence`), as XSOAR's v3 does
//!   when its own Remote API option is on: `with_remote`;
//! - on a call about one observable or one threat model by ID that the instance answered 404: asked
//!   again with `remote_api=true`, as Splunk SOAR's connector does for an on-premises asset (tagging
//!   and updating an observable, reading and updating threat models): `local_then_remote`. A 404 is
//!   "not here", so nothing was applied and asking the cloud cannot act twice.
//! - on a write about an observable already read and found to be the cloud's: its record says
//!   `remote_api: true` (Splunk SOAR's example answers show it on cloud observables and their
//!   tags), so the write goes to the cloud at once, as Splunk SOAR writes for a cloud asset. A bulk
//!   call about IDs the instance lacks may well answer 200 having done nothing, where a 404 would
//!   have told us to ask the cloud.
//!
//! Searches never carry it (neither XSOAR nor Splunk sends it on one), and `remote_api=false` is never
//! sent: Elastic's feed documents that only `true` or nothing is valid. Off, nothing here sends anything.

use std::future::Future;

use super::client::Client;
use super::error::ApiError;

const REMOTE: (&str, &str) = ("remote_api", "true");

/// The query parameter that asks the cloud too, when `remote` says to.
pub(crate) fn remote_query(remote: bool) -> Vec<(&'static str, String)> {
    if remote {
        vec![(REMOTE.0, REMOTE.1.to_owned())]
    } else {
        Vec::new()
    }
}

/// `query`, and `remote_api=true` when the connection asks the cloud too.
pub(crate) fn with_remote(client: &Client, query: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut query = query.to_vec();
    query.extend(remote_query(client.remote_api()));
    query
}

/// Whether `record` is one ThreatStream's cloud holds: such records say `remote_api: true`.
pub(crate) fn is_remote(record: &super::Record) -> bool {
    record.get("remote_api") == Some(&serde_json::Value::Bool(true))
}

/// `call(false)`, the instance's own answer; when that is a 404 and the connection asks the cloud
/// too, `call(true)`, the same call with `remote_api=true` (see `remote_query`).
pub(crate) async fn local_then_remote<T, F, A>(client: &Client, call: A) -> Result<T, ApiError>
where
    A: Fn(bool) -> F,
    F: Future<Output = Result<T, ApiError>>,
{
    write_to(client, false, call).await
}

/// A write about observables known to be the cloud's (`in_cloud`) goes there at once when the
/// connection asks the cloud; any other is `local_then_remote`.
pub(crate) async fn write_to<T, F, A>(client: &Client, in_cloud: bool, call: A) -> Result<T, ApiError>
where
    A: Fn(bool) -> F,
    F: Future<Output = Result<T, ApiError>>,
{
    if in_cloud && client.remote_api() {
        return call(true).await;
    }
    match call(false).await {
        Err(ApiError::Status { status: 404, .. }) if client.remote_api() => {
            tracing::info!("Not found on the instance; asking ThreatStream's cloud (remote_api=true)");
            call(true).await
        }
        answer => answer,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use threatstream_simulator::{Fault, Simulator, USERNAME};

    use super::super::paging::tests::run;
    use super::super::{observable, update_observable, ApiVersion, ClientConfig};
    use super::*;

    fn client(sim: &Simulator, remote_api: bool) -> Client {
        Client::new(ClientConfig {
            base_url: sim.url(),
            username: USERNAME.into(),
            api_key: "k".into(),
            verify_tls: true,
            api_version: ApiVersion::V2,
            timeout: Duration::from_secs(5),
            remote_api,
        })
        .expect("valid config")
    }

    fn not_found() -> Fault {
        Fault::Status {
            status: 404,
            body: r#"{"message": "Not found"}"#.into(),
        }
    }

    fn found() -> Fault {
        Fault::Status {
            status: 202,
            body: r#"{"id": 7, "value": "cloud.example", "remote_api": true}"#.into(),
        }
    }

    fn queries(sim: &Simulator) -> Vec<Option<String>> {
        sim.requests().into_iter().map(|request| request.query).collect()
    }

    #[test]
    fn a_404_is_asked_again_in_the_cloud_only_when_the_connection_says_so() {
        let sim = Simulator::start("k");
        sim.push_fault(not_found());
        let error = run(observable(&client(&sim, false), 7)).expect_err("not found");
        assert!(matches!(error, ApiError::Status { status: 404, .. }), "{error:?}");
        assert_eq!(queries(&sim), [None]);

        let sim = Simulator::start("k");
        sim.push_fault(not_found());
        sim.push_fault(found());
        let record = run(observable(&client(&sim, true), 7)).expect("found in the cloud");
        assert_eq!(record["value"], "cloud.example");
        assert!(is_remote(&record));
        assert_eq!(queries(&sim), [None, Some("remote_api=true".to_owned())]);
    }

    #[test]
    fn a_write_goes_to_the_cloud_after_a_404_and_only_then() {
        let sim = Simulator::start("k");
        sim.push_fault(not_found());
        sim.push_fault(found());
        let changes = serde_json::json!({"confidence": 10});
        let changes = changes.as_object().expect("an object");
        run(update_observable(&client(&sim, true), 7, changes, false)).expect("updated in the cloud");
        let requests = sim.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].method, "PATCH");
        assert_eq!(requests[1].path, "/api/v2/intelligence/7/");
        assert_eq!(requests[1].query.as_deref(), Some("remote_api=true"));
        assert_eq!(requests[0].body, requests[1].body);

        let sim = Simulator::start("k");
        sim.push_fault(Fault::Status {
            status: 403,
            body: "{}".into(),
        });
        let error = run(update_observable(&client(&sim, true), 7, changes, false)).expect_err("forbidden");
        assert!(matches!(error, ApiError::Status { status: 403, .. }), "{error:?}");
        assert_eq!(sim.requests().len(), 1, "only a 404 is asked again");
    }

    #[test]
    fn a_write_about_a_cloud_observable_goes_to_the_cloud_at_once_when_allowed() {
        let changes = serde_json::json!({"confidence": 10});
        let changes = changes.as_object().expect("an object");
        for (remote_api, query) in [(true, Some("remote_api=true")), (false, None)] {
            let sim = Simulator::start("k");
            sim.push_fault(found());
            run(update_observable(&client(&sim, remote_api), 7, changes, true)).expect("updated");
            assert_eq!(queries(&sim), [query.map(str::to_owned)], "remote_api {remote_api}");
        }
    }

    #[test]
    fn the_parameter_is_true_or_absent_never_false() {
        let sim = Simulator::start("k");
        let query = [("value", "x".to_owned())];
        assert_eq!(with_remote(&client(&sim, false), &query), query);
        assert_eq!(
            with_remote(&client(&sim, true), &query),
            [("value", "x".to_owned()), ("remote_api", "true".to_owned())]
        );
        assert!(remote_query(false).is_empty());
    }
}
