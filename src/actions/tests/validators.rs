//! The offline rules of Rapid7's validators (`make validate`, icon-validate 2.47.35), ported so that
//! `make test` enforces them without a Python environment from PyPI: AcronymValidator (words on its
//! list in capitals), TitleValidator (Title Case, no final period, at most seven words),
//! DescriptionValidator (every description present, no final period, capital first letter, at most
//! 500 characters) and ExampleInputValidator (every input has an example). EncodingValidator's rules
//! are `spec_is_ascii` and `no_spec_text_holds_both_kinds_of_quotes` beside these. Each port follows
//! the Python line by line (their quirks included: words split on whitespace, punctuation kept), so
//! a text this passes the validator passes too; `make validate` still runs the originals.

use serde_json::{Map, Value};

use super::read;

/// AcronymValidator's list, in its order.
const ACRONYMS: &[&str] = &[
    "ACL",
    "API",
    "AMI",
    "ANC",
    "ANS",
    "ARN",
    "ASCII",
    "ASN",
    "AV",
    "AWS",
    "BCC",
    "BGP",
    "BIOS",
    "CC",
    "CEF",
    "CI",
    "CIDR",
    "CIF",
    "CLI",
    "CNAME",
    "CORS",
    "CPU",
    "CRLF",
    "CRM",
    "CSV",
    "CVE",
    "CVSS",
    "DB",
    "DBMS",
    "DHCP",
    "DMARC",
    "DNS",
    "EDR",
    "EML",
    "FIFO",
    "FTP",
    "FQDN",
    "GID",
    "GUID",
    "GMT",
    "GNU",
    "GPU",
    "HIBP",
    "HIDS",
    "HTML",
    "HTTP",
    "HTTPS",
    "IAM",
    "IANA",
    "IBM",
    "ICANN",
    "ICMP",
    "ICIS",
    "IDNA",
    "IMAP",
    "IO",
    "IOC",
    "IP",
    "IP2",
    "IPA",
    "ISE",
    "ISO",
    "ISP",
    "ITIL",
    "JPEG",
    "JQL",
    "JSON",
    "JWT",
    "KML",
    "KMS",
    "LAN",
    "LDAP",
    "MAC",
    "MD5",
    "MFA",
    "MIME",
    "MISP",
    "MIT",
    "MHR",
    "MSI",
    "MSSQL",
    "MX",
    "NFS",
    "NOERROR",
    "NTLM",
    "NXDOMAIN",
    "OSSEC",
    "OSI",
    "OTRS",
    "PCI",
    "PCAP",
    "PDF",
    "PEM",
    "PHP",
    "PKI",
    "PID",
    "PNG",
    "RAR",
    "RBAC",
    "REST",
    "RFC",
    "RPC",
    "RPM",
    "RPZ",
    "RRS",
    "RSA",
    "RSS",
    "SAML",
    "SCCM",
    "SDK",
    "SHA",
    "SHA1",
    "SHASUM",
    "SHA1SUM",
    "SHA256",
    "SHA512",
    "SIEM",
    "SLA",
    "SMB",
    "SMS",
    "SMTP",
    "SPF",
    "SQL",
    "SNMP",
    "SNS",
    "SRV",
    "SQS",
    "SSH",
    "SSID",
    "STIX",
    "SSL",
    "SUID",
    "TCP",
    "TSV",
    "TLD",
    "TLP",
    "TLS",
    "TTL",
    "TTP",
    "TXT",
    "UBA",
    "UDP",
    "UI",
    "UID",
    "URI",
    "URL",
    "UTC",
    "UUID",
    "VPN",
    "VBA",
    "VM",
    "VPC",
    "VNC",
    "VT",
    "VTI",
    "XML",
    "WAF",
    "WHOIS",
    "WINDOMAIN",
    "ZIP",
];

/// TitleValidator's words that stay lower case inside a title (`title_validation_list`).
const SMALL_WORDS: &[&str] = &[
    "A", "An", "As", "Also", "And", "Of", "The", "But", "From", "When", "In", "Out", "If", "Than", "Where", "While",
    "That", "By", "With", "To", "So", "For", "Or", "Nor", "Then", "After", "Before", "Is", "On", "At",
];

/// The sections whose entries (and their inputs, outputs and state) the validators walk.
const STEP_SECTIONS: [&str; 3] = ["actions", "triggers", "tasks"];

/// Words of `text` on the acronym list but not written in capitals (`validate_acronym`).
fn lower_case_acronyms(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|word| ACRONYMS.contains(&word.to_uppercase().as_str()))
        .filter(|word| word.chars().any(|c| c.is_alphabetic() && !c.is_uppercase()))
        .map(str::to_owned)
        .collect()
}

/// `validate_subsection`: every `title` and `description` of every object below `value` (lists are
/// not walked, as the validator does not walk them).
fn acronyms_below(value: &Value, bad: &mut Vec<String>) {
    let Value::Object(fields) = value else { return };
    for key in ["description", "title"] {
        if let Some(Value::String(text)) = fields.get(key) {
            bad.extend(lower_case_acronyms(text));
        }
    }
    fields.values().for_each(|field| acronyms_below(field, bad));
}

/// help.md without its `Example output:` blocks, which hold data, not prose (`remove_example_output`).
fn without_example_outputs(help: &str) -> String {
    const START: &str = "Example output:\n\n```\n";
    const END: &str = "```\n\n";
    let mut kept = String::with_capacity(help.len());
    let mut rest = help;
    while let Some(start) = rest.find(START) {
        let Some(end) = rest[start + START.len()..].find(END) else {
            break;
        };
        kept.push_str(&rest[..start]);
        rest = &rest[start + START.len() + end + END.len()..];
    }
    kept.push_str(rest);
    kept
}

fn acronym_problems(spec: &Value, help: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for key in ["title", "description"] {
        bad.extend(lower_case_acronyms(spec[key].as_str().unwrap_or_default()));
    }
    for section in ["actions", "triggers", "tasks", "connection", "types"] {
        acronyms_below(&spec[section], &mut bad);
    }
    let mut problems = Vec::new();
    if !bad.is_empty() {
        problems.push(format!("acronyms in plugin.spec.yaml to write in capitals: {bad:?}"));
    }
    let bad_help = lower_case_acronyms(&without_example_outputs(help));
    if !bad_help.is_empty() {
        problems.push(format!("acronyms in help.md to write in capitals: {bad_help:?}"));
    }
    problems
}

/// `validate_title`, for every title but the plugin's own, which may start in lower case.
fn title_problems(title: &str, plugin_title: bool, problems: &mut Vec<String>) {
    let Some(first) = title.chars().next() else {
        problems.push("a title is blank".to_owned());
        return;
    };
    let words: Vec<&str> = title.split_whitespace().collect();
    let mut problem = |what: &str| problems.push(format!("{title:?}: {what}"));
    if title.ends_with('.') {
        problem("ends with a period");
    }
    if first.is_lowercase() && !plugin_title {
        problem("starts with a lower case letter");
    }
    if first.is_whitespace() {
        problem("starts with a space");
    }
    if words.len() > 7 {
        problem("has more than 7 words");
    }
    for word in words.iter().filter(|word| !title.starts_with(**word)) {
        if SMALL_WORDS.contains(word) {
            if !title.ends_with(word) {
                problem(&format!("{word:?} is lower case inside a title"));
            }
        } else if !word.starts_with(char::is_uppercase)
            && !SMALL_WORDS.contains(&capitalized(word).as_str())
            && word.chars().all(char::is_alphabetic)
        {
            problem(&format!("{word:?} should start with a capital"));
        }
    }
}

/// Python's `str.capitalize`: the first letter upper case, the rest lower.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
    })
}

/// `validate_description`: present, no final period, not starting in lower case or with a space, at
/// most 500 characters.
fn description_problems(description: Option<&Value>, place: &str, problems: &mut Vec<String>) {
    let text = description.and_then(Value::as_str).unwrap_or_default();
    let Some(first) = text.chars().next() else {
        problems.push(format!("{place} has no description"));
        return;
    };
    let mut problem = |what: &str| problems.push(format!("{place}: the description {what}"));
    if text.ends_with('.') {
        problem("ends with a period");
    }
    if text.chars().count() > 500 {
        problem("is longer than 500 characters");
    }
    if first.is_lowercase() {
        problem("starts with a lower case letter");
    }
    if first.is_whitespace() {
        problem("starts with a space");
    }
}

fn entries(value: &Value) -> impl Iterator<Item = (&String, &Value)> {
    value.as_object().into_iter().flat_map(Map::iter)
}

/// TitleValidator, DescriptionValidator and ExampleInputValidator over the spec's steps and
/// connection.
fn step_problems(spec: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    title_problems(spec["title"].as_str().unwrap_or_default(), true, &mut problems);
    description_problems(spec.get("description"), "the plugin", &mut problems);
    for (name, input) in entries(&spec["connection"]) {
        title_problems(input["title"].as_str().unwrap_or_default(), false, &mut problems);
        if input.get("example").is_none() {
            problems.push(format!("connection input {name} has no example"));
        }
    }
    for section in STEP_SECTIONS {
        for (id, step) in entries(&spec[section]) {
            title_problems(step["title"].as_str().unwrap_or_default(), false, &mut problems);
            description_problems(step.get("description"), &format!("{section} {id}"), &mut problems);
            for part in ["input", "output", "state"] {
                for (name, field) in entries(&step[part]) {
                    let place = format!("{section} {id}, {part} {name}");
                    if field.get("title").is_some() {
                        title_problems(field["title"].as_str().unwrap_or_default(), false, &mut problems);
                    }
                    description_problems(field.get("description"), &place, &mut problems);
                    let needs_example = part == "input" && section != "tasks";
                    if needs_example && field.get("example").is_none() {
                        problems.push(format!("{place} has no example"));
                    }
                }
            }
        }
    }
    problems
}

fn problems(spec_text: &str, help: &str) -> Vec<String> {
    let spec: Value = serde_norway::from_str(spec_text).expect("the spec is YAML");
    let mut problems = acronym_problems(&spec, help);
    problems.extend(step_problems(&spec));
    problems
}

#[test]
fn the_spec_and_help_pass_the_offline_validator_rules() {
    let problems = problems(&read("plugin.spec.yaml"), &read("help.md"));
    assert!(
        problems.is_empty(),
        "make validate would fail (fix the Rust type, then make generate):\n{}",
        problems.join("\n")
    );
}

/// A small spec with one mistake per rule, each of which the checks above must name.
#[test]
fn each_rule_catches_its_mistake() {
    let spec = r#"
title: Anomali ThreatStream
description: Look up observables by md5
actions:
  lookup_hash:
    title: Lookup The hash value.
    description: Look up a hash.
    input:
      hash:
        title: Hash
        type: string
        description: an MD5 or sha256 hash
"#;
    let help = "Looks up an Ip address.\n\nExample output:\n\n```\n{\"md5\": \"\"}\n```\n\n";
    let found = problems(spec, help).join("\n");
    for expected in [
        r#"acronyms in plugin.spec.yaml to write in capitals: ["md5", "sha256"]"#,
        r#"acronyms in help.md to write in capitals: ["Ip"]"#,
        r#""Lookup The hash value.": ends with a period"#,
        r#""Lookup The hash value.": "The" is lower case inside a title"#,
        r#""Lookup The hash value.": "hash" should start with a capital"#,
        "actions lookup_hash: the description ends with a period",
        "actions lookup_hash, input hash: the description starts with a lower case letter",
        "actions lookup_hash, input hash has no example",
    ] {
        assert!(found.contains(expected), "missing {expected:?} in:\n{found}");
    }
}
