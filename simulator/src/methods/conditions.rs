//! The network conditions and the sandbox, from Rust: builder options and
//! [`Simulator`] methods for latency, fault rules and the sandbox's
//! settings. Scripts get the same through `control/settings.rs`'s routes.

use std::time::Duration;

use crate::control::hold::{self, Hold};
use crate::faults::rule::FaultRule;
use crate::sandbox::detonations::{SandboxSubmission, SubmitResponse};
use crate::sandbox::platforms::Platforms;
use crate::{Simulator, SimulatorBuilder};

impl SimulatorBuilder {
    /// Delays every API request (not the control routes) by this much before
    /// it is answered or meets its fault. Default: none.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.tenant.latency = latency;
        self
    }

    /// How long a sandbox submission stays `processing` before it is `done`.
    /// Default: [`crate::DEFAULT_SANDBOX_PROCESSING`].
    pub fn sandbox_processing(mut self, processing: Duration) -> Self {
        self.tenant.sandbox.processing = processing;
        self
    }

    /// How `POST /api/v1/submit/new/` lays out `reports`. Default:
    /// [`SubmitResponse::ByPlatform`].
    pub fn submit_response(mut self, shape: SubmitResponse) -> Self {
        self.tenant.sandbox.response = shape;
        self
    }
}

impl Simulator {
    pub fn set_latency(&self, latency: Duration) {
        self.tenant.set_latency(latency);
    }

    #[must_use]
    pub fn latency(&self) -> Duration {
        self.tenant.latency()
    }

    /// Adds a fault for the requests whose path matches; rules are checked,
    /// oldest first, before the queue of [`Simulator::push_fault`].
    pub fn add_fault_rule(&self, rule: FaultRule) {
        self.tenant.fault_rules.add(rule);
    }

    /// Every accepted sandbox submission, oldest first, with its form.
    #[must_use]
    pub fn sandbox_submissions(&self) -> Vec<SandboxSubmission> {
        self.tenant.sandbox.submissions()
    }

    /// Applies to submissions made from now on.
    pub fn set_sandbox_processing(&self, processing: Duration) {
        let mut settings = self.tenant.sandbox.settings();
        settings.processing = processing;
        self.tenant.sandbox.set_settings(settings);
    }

    /// The platforms the standard and the premium sandbox offer from now on
    /// (`GET /api/v1/submit/parameters/`, and what a submission may name).
    pub fn set_sandbox_platforms(&self, standard: &[&str], premium: &[&str]) {
        let owned = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
        self.tenant.sandbox.set_platforms(Platforms {
            standard: owned(standard),
            premium: owned(premium),
        });
    }

    pub fn set_submit_response(&self, shape: SubmitResponse) {
        let mut settings = self.tenant.sandbox.settings();
        settings.response = shape;
        self.tenant.sandbox.set_settings(settings);
    }
}

impl Simulator {
    /// Holds every import session or sandbox submission (as `what` says)
    /// made from now on in `processing`, however short its delay, until
    /// [`Simulator::release`]: a test sees `processing` without racing a
    /// clock. Work already under way is not held.
    pub fn hold(&self, what: Hold) {
        hold::start(&self.state, &self.tenant, what);
    }

    /// Stops holding `what`; everything held finishes processing at once
    /// (an import session approved meanwhile becomes `approved`, its
    /// observables searchable). Answers how many were held.
    pub fn release(&self, what: Hold) -> usize {
        hold::stop(&self.state, &self.tenant, what)
    }
}
