//! What a simulator holds beyond its intelligence records (those live in
//! `state.rs`): its sandbox, and the conditions a test imposes on the
//! network, namely per-request latency and faults aimed at paths.
//!
//! Kept apart from `State` so the sandbox and the test equipment can grow
//! without touching the records' lock. The builder options and
//! [`crate::Simulator`] methods for them are in `methods/conditions.rs`, the
//! control routes in `control/settings.rs`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::faults::rule::FaultRules;
use crate::http::request::RecordedRequest;
use crate::sandbox::detonations::{Sandbox, SandboxSettings};

pub(crate) struct Tenant {
    pub(crate) sandbox: Sandbox,
    /// Whether the simulator serves HTTPS: the scheme of the links it gives.
    pub(crate) tls: bool,
    pub(crate) fault_rules: FaultRules,
    /// Microseconds, so the latency can change while requests read it.
    latency_micros: AtomicU64,
}

/// The builder's options for a [`Tenant`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TenantOptions {
    pub(crate) latency: Duration,
    pub(crate) tls: bool,
    pub(crate) sandbox: SandboxSettings,
}

impl Tenant {
    pub(crate) fn new(options: TenantOptions) -> Tenant {
        let tenant = Tenant {
            sandbox: Sandbox::new(options.sandbox),
            tls: options.tls,
            fault_rules: FaultRules::default(),
            latency_micros: AtomicU64::new(0),
        };
        tenant.set_latency(options.latency);
        tenant
    }

    /// `http://127.0.0.1:<port>`: the simulator as `request` reached it, for
    /// links that must lead back to it (a report's capture).
    pub(crate) fn origin(&self, request: &RecordedRequest) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        let host = request.header("host").unwrap_or("127.0.0.1");
        format!("{scheme}://{host}")
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_micros.load(Ordering::Relaxed))
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.store(micros, Ordering::Relaxed);
    }

    /// Waits out the latency without holding a worker, so concurrent
    /// requests wait side by side rather than one after another.
    pub(crate) async fn delay(&self) {
        let latency = self.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
}
