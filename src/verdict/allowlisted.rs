//! What the organization's allowlist does to a verdict, when the connection's Check Allowlist asks
//! it (issue 24, item 2): a rule of the verdict, so it sits beside the others; which entry covers a
//! value is `threatstream::allowlisted`'s to say.

use super::{Judgement, Verdict};
use crate::threatstream::allowlisted::Covering;

impl Verdict {
    /// The verdict once the allowlist was asked: it says whether the value is allowlisted, and an
    /// allowlisted value is benign whatever its records say, with the reason naming the entry and
    /// what the records alone would have made it.
    pub(crate) fn allowlisted(mut self, covering: Option<&Covering>) -> Verdict {
        self.allowlisted = Some(covering.is_some());
        let Some(covering) = covering else {
            return self;
        };
        let mut entry = match covering.id {
            Some(id) => format!("entry {id}, {} {}", covering.value_type, covering.value),
            None => format!("{} {}", covering.value_type, covering.value),
        };
        if let Some(notes) = &covering.notes {
            entry.push_str(&format!(": {notes}"));
        }
        let records = match self.verdict {
            Judgement::Benign => "benign",
            Judgement::Malicious => "malicious",
            Judgement::Suspicious => "suspicious",
            Judgement::Unknown => "unknown",
        };
        self.reason = format!(
            "The organization's allowlist has this value ({entry}), so it is benign, never malicious. By its \
             records alone it would be {records}: {}",
            self.reason
        );
        self.verdict = Judgement::Benign;
        self.score = 0;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::verdict_of;
    use serde_json::json;

    #[test]
    fn an_allowlisted_verdict_is_benign_and_says_why() {
        let record = json!({"id": 7, "status": "active", "confidence": 90, "source": "Feed", "itype": "c2_ip"});
        let malicious = verdict_of([record.as_object().expect("a record")], Default::default());
        let covering = Covering {
            id: Some(2),
            value_type: "cidr".into(),
            value: "198.51.100.0/24".into(),
            notes: Some("Partner (case 4711)".into()),
        };
        let judged = malicious.clone().allowlisted(Some(&covering));
        assert_eq!(
            (judged.verdict, judged.score, judged.allowlisted),
            (Judgement::Benign, 0, Some(true))
        );
        assert!(
            judged.reason.starts_with(
                "The organization's allowlist has this value (entry 2, cidr 198.51.100.0/24: Partner (case 4711)), \
                 so it is benign, never malicious. By its records alone it would be malicious: Active record 7"
            ),
            "{}",
            judged.reason
        );
        let not_listed = malicious.clone().allowlisted(None);
        assert_eq!(not_listed.allowlisted, Some(false));
        assert_eq!(
            (not_listed.verdict, not_listed.reason),
            (malicious.verdict, malicious.reason)
        );
    }
}
