//! The verdict as the actions publish it: the inputs that tune it, the connection's thresholds
//! beneath them, and the example help.md shows. Judging is `verdict`'s job; this module only
//! says how a playbook asks for a verdict and what it reads back.
//!
//! For an action that gives a verdict (the lookups, and any later action that wants one):
//! - declare its input with `step_input!` and `..VerdictInputs,` after its own fields, which adds
//!   `malicious_threshold`, `suspicious_threshold`, `include_inactive` and `severity_escalates`;
//! - turn them into `VerdictOptions` with `VerdictInputs::from(&input).options(connection)?`, which
//!   refuses bad thresholds before any request;
//! - feed each record to a `verdict::Tally` as it arrives and publish `tally.verdict()`,
//!   a `Verdict`, whose type is its schema.

use serde_json::Value;

use super::connection::{set, Connection};
use crate::protocol::Failure;
use crate::verdict::{verdict_of, VerdictOptions, DEFAULT_MALICIOUS_THRESHOLD, DEFAULT_SUSPICIOUS_THRESHOLD};

/// The verdict's inputs as an action received them: its `..VerdictInputs` (`actions::input::step_input!`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct VerdictInputs {
    pub(crate) malicious_threshold: Option<u8>,
    pub(crate) suspicious_threshold: Option<u8>,
    pub(crate) include_inactive: bool,
    pub(crate) severity_escalates: bool,
}

impl VerdictInputs {
    /// The options: each threshold from the input, else the connection, else its default. A
    /// suspicious threshold nobody set follows a malicious one lowered below it; one that was set
    /// above the malicious threshold is refused, naming the input that made the conflict.
    pub(crate) fn options(&self, connection: &Connection) -> Result<VerdictOptions, Failure> {
        let inputs = VerdictInputs {
            malicious_threshold: set(self.malicious_threshold),
            suspicious_threshold: set(self.suspicious_threshold),
            ..*self
        };
        inputs.options_as_set(connection)
    }

    fn options_as_set(&self, connection: &Connection) -> Result<VerdictOptions, Failure> {
        for (name, threshold) in [
            ("malicious_threshold", self.malicious_threshold),
            ("suspicious_threshold", self.suspicious_threshold),
        ] {
            if let Some(threshold) = threshold.filter(|threshold| *threshold > 100) {
                return Err(Failure::invalid_input(
                    name,
                    format!("it is {threshold}; give a confidence from 0 to 100"),
                ));
            }
        }
        let malicious = self
            .malicious_threshold
            .or(connection.thresholds.malicious)
            .unwrap_or(DEFAULT_MALICIOUS_THRESHOLD);
        let suspicious = match self.suspicious_threshold.or(connection.thresholds.suspicious) {
            Some(suspicious) if suspicious > malicious => {
                let connections = self.malicious_threshold.is_none() && connection.thresholds.malicious.is_some();
                return Err(self.disorder(suspicious, malicious, connections));
            }
            Some(suspicious) => suspicious,
            None => DEFAULT_SUSPICIOUS_THRESHOLD.min(malicious),
        };
        Ok(VerdictOptions {
            malicious_threshold: malicious,
            suspicious_threshold: suspicious,
            include_inactive: self.include_inactive,
            severity_escalates: self.severity_escalates,
        })
    }

    fn disorder(&self, suspicious: u8, malicious: u8, connections_malicious: bool) -> Failure {
        let (name, problem) = if self.suspicious_threshold.is_some() {
            let whose = if connections_malicious {
                "the connection's"
            } else {
                "the"
            };
            (
                "suspicious_threshold",
                format!("it is {suspicious}, above {whose} malicious threshold of {malicious}"),
            )
        } else {
            (
                "malicious_threshold",
                format!("it is {malicious}, below the connection's suspicious threshold of {suspicious}"),
            )
        };
        Failure::invalid_input(name, problem)
    }
}

/// The verdict on example records under the default options, for help.md's example outputs.
pub(crate) fn example_verdict(records: &Value) -> Value {
    let records: Vec<_> = records
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    serde_json::to_value(verdict_of(records, VerdictOptions::default())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::connection::Thresholds;
    use serde_json::json;

    fn connection(malicious: Option<u8>, suspicious: Option<u8>) -> Connection {
        let settings = json!({"username": "u", "url": "https://ts.example.com", "api_key": {"secretKey": "k"}});
        let mut opened = Connection::open(&settings).expect("a valid connection");
        opened.thresholds = Thresholds { malicious, suspicious };
        opened
    }

    fn inputs(malicious: Option<u8>, suspicious: Option<u8>) -> VerdictInputs {
        VerdictInputs {
            malicious_threshold: malicious,
            suspicious_threshold: suspicious,
            ..VerdictInputs::default()
        }
    }

    fn thresholds(options: Result<VerdictOptions, Failure>) -> (u8, u8) {
        let options = options.unwrap_or_else(|failure| panic!("{}", failure.cause));
        (options.malicious_threshold, options.suspicious_threshold)
    }

    #[test]
    fn the_input_beats_the_connection_which_beats_the_default() {
        assert_eq!(
            thresholds(inputs(None, None).options(&connection(None, None))),
            (65, 25)
        );
        assert_eq!(
            thresholds(inputs(None, None).options(&connection(Some(80), Some(50)))),
            (80, 50)
        );
        assert_eq!(
            thresholds(inputs(Some(90), None).options(&connection(Some(80), Some(50)))),
            (90, 50)
        );
        assert_eq!(
            thresholds(inputs(None, Some(10)).options(&connection(Some(80), Some(50)))),
            (80, 10)
        );
        assert_eq!(
            thresholds(inputs(Some(20), None).options(&connection(None, None))),
            (20, 20)
        );
    }

    #[test]
    fn zero_is_a_threshold_left_empty() {
        assert_eq!(
            thresholds(inputs(Some(0), Some(0)).options(&connection(None, None))),
            (65, 25)
        );
        assert_eq!(
            thresholds(inputs(Some(0), Some(0)).options(&connection(Some(80), Some(50)))),
            (80, 50)
        );
        let opened = Connection::open(&json!({"username": "u", "url": "https://ts.example.com",
            "api_key": {"secretKey": "k"}, "malicious_threshold": 0, "suspicious_threshold": 0}))
        .expect("the samples' zeros are a valid connection");
        assert_eq!(thresholds(inputs(None, None).options(&opened)), (65, 25));
    }

    #[test]
    fn thresholds_out_of_order_or_range_name_the_input() {
        let cases = [
            (
                inputs(Some(40), Some(50)),
                connection(None, None),
                "'suspicious_threshold': it is 50, above the malicious threshold of 40",
            ),
            (
                inputs(None, Some(70)),
                connection(None, None),
                "it is 70, above the malicious threshold of 65",
            ),
            (
                inputs(None, Some(70)),
                connection(Some(60), None),
                "above the connection's malicious threshold of 60",
            ),
            (
                inputs(Some(40), None),
                connection(None, Some(50)),
                "'malicious_threshold': it is 40, below",
            ),
            (
                inputs(Some(101), None),
                connection(None, None),
                "'malicious_threshold': it is 101; give",
            ),
        ];
        for (inputs, connection, expected) in cases {
            let failure = inputs.options(&connection).expect_err("refused");
            assert!(failure.cause.contains(expected), "{}", failure.cause);
        }
    }

    #[test]
    fn the_example_is_the_engines_verdict() {
        let records = json!([{"id": 1, "status": "active", "confidence": 92, "source": "S", "itype": "c2_ip"}]);
        let example = example_verdict(&records);
        assert_eq!(
            (example["verdict"].as_str(), example["score"].as_u64()),
            (Some("malicious"), Some(92))
        );
    }
}
