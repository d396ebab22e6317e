//! The first step of every back-off in the process, and the one way tests shorten them.
//!
//! Both rooms back off: the ThreatStream client between retries and while an import session
//! processes, the trigger's dispatcher between failed deliveries. A test of retries should not sleep
//! for real seconds, so one variable replaces each back-off's first step; it lives outside both rooms
//! because neither should read the other's settings.

use std::sync::OnceLock;
use std::time::Duration;

/// Replaces the first step of every back-off, in milliseconds. Production leaves it unset; attempt
/// counts, budgets, `Retry-After` and deadlines are never changed by it.
const TEST_VARIABLE: &str = "ANOMALI_THREATSTREAM_TEST_BACKOFF_MS";

/// The first step of a back-off whose production first step is `production`.
pub(crate) fn first_step(production: Duration) -> Duration {
    static TEST_STEP: OnceLock<Option<Duration>> = OnceLock::new();
    let test_step = TEST_STEP.get_or_init(|| {
        std::env::var(TEST_VARIABLE)
            .ok()
            .and_then(|millis| millis.parse().ok())
            .map(Duration::from_millis)
    });
    test_step.unwrap_or(production)
}
