//! The whois parser on the layouts registries really use, and on texts meant to break it.

use std::time::{Duration, Instant};

use super::*;

const GTLD: &str = "Domain Name: EVIL-DOMAIN.EXAMPLE
Registrar WHOIS Server: whois.registrar-parking.example
Registrar URL: http://www.registrar-parking.example
Updated Date: 2024-02-28T09:14:07Z
Creation Date: 2023-11-19T22:41:53Z
Registry Expiry Date: 2024-11-19T22:41:53Z
Registrar: Registrar Parking LLC
Registrant Organization: Pebble Harvest Holdings
Name Server: NS1.BULLETPROOF-DNS.EXAMPLE
Name Server: ns2.bulletproof-dns.example.
>>> Last update of whois database: 2024-03-05T07:12:44Z <<<
";

const JPRS: &str = "[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes. For further information,     ]

Domain Information:
[Domain Name]                   EXAMPLE.JP

[Registrant]                    Example Japan K.K.

[Name Server]                   ns1.example.jp
[Name Server]                   ns2.example.jp
[Signing Key]                   

[Created on]                    2003/05/12
[Expires on]                    2025/05/31
[Status]                        Active
[Last Updated]                  2024/06/01 01:05:03 (JST)
";

const JPRS_JAPANESE: &str = "Domain Information: [ドメイン情報]
a. [ドメイン名]                 EXAMPLE.CO.JP
f. [組織名]                     例示株式会社
g. [Organization]               Example Corporation
p. [ネームサーバ]               ns1.example.co.jp
p. [ネームサーバ]               ns2.example.co.jp
[状態]                          Connected (2025/03/31)
[登録年月日]                    2001/03/02
[最終更新]                      2024/04/01 01:05:21 (JST)
";

const ARIN: &str = "#
# ARIN WHOIS data and services are subject to the Terms of Use
#
NetRange:       198.51.100.0 - 198.51.100.255
Organization:   Example Hosting B.V. (EHB-12)
RegDate:        2010-01-26
Updated:        2024-01-15

OrgName:        Example Hosting B.V.
RegDate:        2015-06-04
Updated:        2023-09-30
";

/// Splunk SOAR's documented `whois ip` example (threatstream.json, `action_result.data.*.raw`): APNIC's
/// objects with `last-modified:`, then KRNIC's mirrored ones with a dateless `changed:`.
const APNIC_KRNIC: &str = "inetnum:        61.32.0.0 - 61.39.255.255
netname:        BORANET
descr:          LG DACOM Corporation
country:        KR
status:         ALLOCATED PORTABLE
mnt-by:         MNT-KRNIC-AP
last-modified:  2017-02-03T00:55:02Z
source:         APNIC
irt:            IRT-KRNIC-KR
e-mail:         irt@nic.or.kr
remarks:        irt@nic.or.kr was validated on 2019-10-01
last-modified:  2019-10-01T08:41:39Z
source:         APNIC
person:         IP Manager
nic-hdl:        IM646-AP
last-modified:  2017-08-07T01:06:21Z
source:         APNIC
inetnum:        61.32.0.0 - 61.39.255.255
netname:        BORANET-KR
descr:          LG DACOM Corporation
changed:        hostmaster@nic.or.kr
source:         KRNIC
person:         IP Manager
changed:        hostmaster@nic.or.kr
source:         KRNIC
";

/// A RIPE record in the older layout: `changed:` lines with the date behind the e-mail.
const RIPE_CHANGED: &str = "% This is the RIPE Database query service.
inetnum:        192.0.2.0 - 192.0.2.255
netname:        EXAMPLE-NET
descr:          Example Networks GmbH
created:        2002-02-27T08:37:13Z
changed:        hostmaster@example.net 20050101
changed:        noc@example.net 20210315
last-modified:  2019-06-30T12:00:00Z
organisation:   ORG-EN1-RIPE
org-name:       Example Networks GmbH
changed:        hostmaster@example.net 20101231
";

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[test]
fn a_gtld_record_gives_every_field() {
    let fields = parse(GTLD);
    assert_eq!(
        fields,
        WhoisFields {
            registrar: some("Registrar Parking LLC"),
            created: some("2023-11-19T22:41:53Z"),
            updated: some("2024-02-28T09:14:07Z"),
            expires: some("2024-11-19T22:41:53Z"),
            name_servers: vec![
                "ns1.bulletproof-dns.example".into(),
                "ns2.bulletproof-dns.example".into()
            ],
            registrant_organization: some("Pebble Harvest Holdings"),
        }
    );
}

#[test]
fn jprs_brackets_are_read_in_english_and_japanese() {
    let english = parse(JPRS);
    assert_eq!(english.created, some("2003/05/12"));
    assert_eq!(english.expires, some("2025/05/31"));
    assert_eq!(english.updated, some("2024/06/01 01:05:03 (JST)"));
    assert_eq!(english.registrant_organization, some("Example Japan K.K."));
    assert_eq!(english.name_servers, ["ns1.example.jp", "ns2.example.jp"]);
    assert_eq!(english.registrar, None);
    let japanese = parse(JPRS_JAPANESE);
    assert_eq!(japanese.registrant_organization, some("Example Corporation"));
    assert_eq!(japanese.created, some("2001/03/02"));
    assert_eq!(japanese.updated, some("2024/04/01 01:05:21 (JST)"));
    assert_eq!(japanese.name_servers, ["ns1.example.co.jp", "ns2.example.co.jp"]);
    assert_eq!(japanese.expires, None, "a connection date is no expiry");
}

#[test]
fn an_address_record_takes_the_network_creation_the_newest_change_and_the_org_name() {
    let fields = parse(ARIN);
    assert_eq!(fields.created, some("2010-01-26"));
    assert_eq!(fields.updated, some("2024-01-15"));
    assert_eq!(fields.registrant_organization, some("Example Hosting B.V."));
    let organization_newer = ARIN.replace("2023-09-30", "2024-02-01");
    assert_eq!(parse(&organization_newer).updated, some("2024-02-01"));
}

/// Splunk's parser gives `2017-08-07T01:06:21` here (the last `last-modified:`, repeated for the
/// dateless `changed:`); the record last changed on 2019-10-01, and `changed:` names no date.
#[test]
fn apnic_and_krnic_records_give_the_newest_date_never_the_e_mail() {
    let fields = parse(APNIC_KRNIC);
    assert_eq!(fields.updated, some("2019-10-01T08:41:39Z"));
    assert_eq!(fields.registrant_organization, some("LG DACOM Corporation"));
    assert_eq!((fields.created, fields.registrar), (None, None));
    let dated = APNIC_KRNIC.replacen(
        "changed:        hostmaster@nic.or.kr\n",
        "changed:        hostmaster@nic.or.kr 20211103\n",
        1,
    );
    assert_eq!(parse(&dated).updated, some("20211103"));
    let only_e_mails = "changed: hostmaster@nic.or.kr\nchanged: ipadm@lguplus.co.kr\n";
    assert_eq!(parse(only_e_mails).updated, None);
}

#[test]
fn ripe_changed_lines_are_read_behind_their_e_mail() {
    let fields = parse(RIPE_CHANGED);
    assert_eq!(fields.updated, some("20210315"));
    assert_eq!(fields.created, some("2002-02-27T08:37:13Z"));
    assert_eq!(fields.registrant_organization, some("Example Networks GmbH"));
}

#[test]
fn equal_dates_keep_the_first_as_written() {
    let text = "Updated Date: 2024-02-28T09:14:07Z\nlast-modified: 2024-02-28T10:14:07+01:00\n";
    assert_eq!(parse(text).updated, some("2024-02-28T09:14:07Z"));
}

#[test]
fn a_text_without_fields_gives_none() {
    let opaque = "% Rate limit notice\n% The record is held elsewhere.\n%\nThis message is not an error.\n";
    assert_eq!(parse(opaque), WhoisFields::default());
    assert_eq!(parse(""), WhoisFields::default());
}

#[test]
fn values_lose_control_characters_and_are_capped() {
    let text = format!(
        "Registrar: \u{1b}[31mEvil\u{0}Corp\r\nRegistrant Organization: {}\n",
        "é".repeat(1000)
    );
    let fields = parse(&text);
    assert_eq!(fields.registrar, some("[31mEvilCorp"));
    let organization = fields.registrant_organization.unwrap_or_default();
    assert!(organization.len() <= MAX_VALUE_BYTES && organization.chars().all(|c| c == 'é'));
}

#[test]
fn name_servers_are_deduplicated_and_capped() {
    let text: String = (0..100)
        .map(|n| {
            format!(
                "Name Server: NS{}.EXAMPLE. 192.0.2.{n}\nnserver: ns{}.example\n",
                n % 40,
                n % 40
            )
        })
        .collect();
    let servers = parse(&text).name_servers;
    assert_eq!(servers.len(), MAX_NAME_SERVERS);
    assert_eq!(servers[0], "ns0.example");
}

#[test]
fn the_raw_head_is_cut_on_a_character_boundary() {
    let text = format!("{}é", "x".repeat(MAX_RAW_BYTES - 1));
    let (head, cut) = raw_head(&text);
    assert!(cut);
    assert_eq!(head.len(), MAX_RAW_BYTES - 1);
    assert_eq!(raw_head(GTLD), (GTLD, false));
}

/// Generous: parsing is linear and capped, so each case takes milliseconds even in a debug build on
/// a busy machine. A parser that backtracks or copies per line would take far longer.
const BOUND: Duration = Duration::from_secs(3);

fn hostile_texts() -> Vec<(&'static str, String)> {
    let two_mb = 2 * 1024 * 1024;
    let mut noise = String::with_capacity(two_mb);
    let mut state: u32 = 0x2545_f491;
    while noise.len() < two_mb {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        noise.push(char::from_u32(state % 0x3000).unwrap_or('\u{fffd}'));
    }
    let binary: Vec<u8> = (0..two_mb).map(|n| u8::try_from(n * 7919 % 251).unwrap_or(0)).collect();
    vec![
        (
            "2 MB of registry notices",
            format!("{GTLD}{}", "Registrant Notice: terms of use.\n".repeat(64_000)),
        ),
        (
            "2 MB binary, read lossily",
            String::from_utf8_lossy(&binary).into_owned(),
        ),
        ("2 MB random characters", noise),
        ("2 MB on one line", "Registrar: ".repeat(200_000)),
        ("2 MB of colons", ":".repeat(two_mb)),
        ("2 MB of open brackets", "[".repeat(two_mb)),
        ("2 MB of list markers", "a. [".repeat(two_mb / 4)),
        ("a million empty lines", "\n".repeat(1_000_000)),
        ("a million carriage returns", "\r".repeat(1_000_000)),
        ("long keys", format!("{}: x\n", "Registrar ".repeat(100)).repeat(20_000)),
        (
            "Japanese cut mid-character",
            format!("{}{}", "x".repeat(MAX_PARSED_BYTES - 1), "登録年月日".repeat(1000)),
        ),
        (
            "every key, many times",
            format!("{GTLD}{JPRS}{JPRS_JAPANESE}{ARIN}{APNIC_KRNIC}{RIPE_CHANGED}").repeat(800),
        ),
        ("NULs", "\0".repeat(two_mb)),
        (
            "dates everywhere",
            "changed: a@b 20170807 20170808 2017-08-09 31-Dec-2024 x\n".repeat(40_000),
        ),
    ]
}

#[test]
fn hostile_texts_parse_in_bounded_time_without_panicking() {
    for (name, text) in hostile_texts() {
        let started = Instant::now();
        let fields = parse(&text);
        let (head, _) = raw_head(&text);
        let took = started.elapsed();
        assert!(took < BOUND, "{name}: {took:?}");
        assert!(fields.name_servers.len() <= MAX_NAME_SERVERS, "{name}");
        assert!(head.len() <= MAX_RAW_BYTES, "{name}");
        for value in [
            fields.registrar,
            fields.created,
            fields.updated,
            fields.expires,
            fields.registrant_organization,
        ]
        .into_iter()
        .flatten()
        {
            assert!(value.len() <= MAX_VALUE_BYTES, "{name}");
        }
    }
}

#[test]
fn only_the_head_of_a_huge_text_is_read() {
    let late = format!("{}Registrar: Too Late LLC\n", "%\n".repeat(MAX_PARSED_BYTES));
    assert_eq!(parse(&late).registrar, None);
    let early = format!("Registrar: Early LLC\n{}", "%\n".repeat(MAX_PARSED_BYTES));
    assert_eq!(parse(&early).registrar, some("Early LLC"));
}
