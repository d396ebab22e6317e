//! Faults aimed at one endpoint, and faults that repeat.
//!
//! Queued faults answer whichever request comes next, which is the wrong tool
//! once the plugin fans out: with whois, passive DNS and five association
//! look-ups in flight together, "the next request" is whichever won the race.
//! A [`FaultRule`] names the path it answers instead, and may keep answering,
//! so a test can make whois fail while every concurrent call succeeds.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::faults::fault::Fault;

/// Which request paths a [`FaultRule`] answers. Paths are compared as sent,
/// still percent-encoded, without the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    Any,
    /// Every path starting with this, e.g. `/api/v1/inteldetails/whois/`.
    Prefix(String),
    Exact(String),
}

impl PathMatch {
    fn accepts(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
            PathMatch::Prefix(prefix) => path.starts_with(prefix.as_str()),
            PathMatch::Exact(exact) => path == exact,
        }
    }
}

/// How many requests a [`FaultRule`] answers before it is used up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    Times(u32),
    /// Until [`crate::Simulator::clear_faults`].
    Always,
}

/// A fault for the requests whose path matches, checked before the queue of
/// plain faults. Built with [`FaultRule::new`]: by default it answers any
/// path, once.
#[derive(Clone, Debug)]
#[must_use]
pub struct FaultRule {
    pub fault: Fault,
    pub path: PathMatch,
    pub repeat: Repeat,
}

impl FaultRule {
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            path: PathMatch::Any,
            repeat: Repeat::Times(1),
        }
    }

    pub fn path_prefix(mut self, prefix: &str) -> FaultRule {
        self.path = PathMatch::Prefix(prefix.to_owned());
        self
    }

    pub fn path_exact(mut self, path: &str) -> FaultRule {
        self.path = PathMatch::Exact(path.to_owned());
        self
    }

    pub fn times(mut self, times: u32) -> FaultRule {
        self.repeat = Repeat::Times(times);
        self
    }

    pub fn always(mut self) -> FaultRule {
        self.repeat = Repeat::Always;
        self
    }
}

/// The rules in force, oldest first; the first that matches answers.
#[derive(Default)]
pub(crate) struct FaultRules {
    rules: Mutex<Vec<FaultRule>>,
}

impl FaultRules {
    /// Poisoning is ignored: a rule list cannot be left half-updated.
    fn rules(&self) -> MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, rule: FaultRule) {
        if rule.repeat != Repeat::Times(0) {
            self.rules().push(rule);
        }
    }

    pub(crate) fn clear(&self) {
        self.rules().clear();
    }

    /// The fault for a request to `path`, counting it against its rule.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.rules();
        let index = rules.iter().position(|rule| rule.path.accepts(path))?;
        match rules[index].repeat {
            Repeat::Times(left) if left <= 1 => Some(rules.remove(index).fault),
            Repeat::Times(left) => {
                rules[index].repeat = Repeat::Times(left - 1);
                Some(rules[index].fault.clone())
            }
            Repeat::Always => Some(rules[index].fault.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden() -> Fault {
        Fault::Status {
            status: 403,
            body: "{}".into(),
        }
    }

    #[test]
    fn rules_answer_their_paths_only_and_wear_out() {
        let rules = FaultRules::default();
        rules.add(
            FaultRule::new(forbidden())
                .path_prefix("/api/v1/inteldetails/whois/")
                .times(2),
        );
        assert!(rules.take("/api/v1/pdns/ip/1.2.3.4/").is_none());
        assert!(rules.take("/api/v1/inteldetails/whois/a.example/").is_some());
        assert!(rules.take("/api/v1/inteldetails/whois/b.example/").is_some());
        assert!(rules.take("/api/v1/inteldetails/whois/c.example/").is_none());
    }

    #[test]
    fn exact_rules_ignore_longer_paths_and_always_rules_stay() {
        let rules = FaultRules::default();
        rules.add(FaultRule::new(forbidden()).path_exact("/api/v1/submit/new/").always());
        assert!(rules.take("/api/v1/submit/new/x").is_none());
        for _ in 0..5 {
            assert!(rules.take("/api/v1/submit/new/").is_some());
        }
        rules.clear();
        assert!(rules.take("/api/v1/submit/new/").is_none());
    }

    #[test]
    fn the_oldest_matching_rule_wins_and_zero_times_is_no_rule() {
        let rules = FaultRules::default();
        rules.add(FaultRule::new(Fault::BrokenJson).times(0));
        rules.add(FaultRule::new(Fault::InvalidUtf8).path_prefix("/api/"));
        rules.add(FaultRule::new(forbidden()));
        assert!(matches!(rules.take("/api/v2/intelligence/"), Some(Fault::InvalidUtf8)));
        assert!(matches!(
            rules.take("/api/v2/intelligence/"),
            Some(Fault::Status { .. })
        ));
        assert!(rules.take("/api/v2/intelligence/").is_none());
    }
}
