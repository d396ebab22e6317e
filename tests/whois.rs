//! Get WHOIS against the simulator: the layouts registries write (JPRS in two languages, RIPE and
//! APNIC address records), odd, huge and missing records.

use serde_json::json;
use threatstream_simulator::{Fault, FaultRule};

use crate::harness::{simulator, Invocation};

#[test]
fn whois_reads_jprs_records_in_both_languages() {
    let sim = simulator();
    let english = Invocation::run("get_whois")
        .input(json!({"value": "example.jp"}))
        .against(&sim)
        .ok();
    assert_eq!(english["found"], true);
    let whois = &english["whois"];
    assert_eq!(
        (&whois["created"], &whois["expires"], &whois["registrant_organization"]),
        (&json!("2003/05/12"), &json!("2025/05/31"), &json!("Example Japan K.K."))
    );
    assert_eq!(whois["name_servers"], json!(["ns1.example.jp", "ns2.example.jp"]));
    let japanese = Invocation::run("get_whois")
        .input(json!({"value": "EXAMPLE.CO.JP"}))
        .against(&sim)
        .ok();
    assert_eq!(japanese["whois"]["registrant_organization"], "Example Corporation");
    assert_eq!(japanese["whois"]["created"], "2001/03/02");
}

/// Address records from RIPE and APNIC are many objects, each with its own `last-modified:`, and
/// KRNIC's mirrored ones say `changed: <e-mail> [<YYYYMMDD>]`: `updated` is the newest date of all.
#[test]
fn whois_of_apnic_and_ripe_addresses_dates_the_newest_change() {
    let sim = simulator();
    let apnic = Invocation::run("get_whois")
        .input(json!({"value": "203.0.113.9"}))
        .against(&sim)
        .ok();
    let whois = &apnic["whois"];
    assert_eq!(
        whois["updated"], "20211103",
        "the date behind the e-mail, newest of all"
    );
    assert_eq!(whois["registrant_organization"], "Example Telecom Corporation");
    assert!(whois.get("created").is_none() && whois.get("registrar").is_none());
    let ripe = Invocation::run("get_whois")
        .input(json!({"value": "2001:db8::bad:c0de"}))
        .against(&sim)
        .ok();
    let whois = &ripe["whois"];
    assert_eq!(
        (&whois["created"], &whois["updated"], &whois["registrant_organization"]),
        (
            &json!("2012-04-16T10:21:07Z"),
            &json!("2024-01-15T08:30:12Z"),
            &json!("Example Hosting B.V.")
        )
    );
}

#[test]
fn whois_of_odd_huge_and_missing_records() {
    let sim = simulator();
    let opaque = Invocation::run("get_whois")
        .input(json!({"value": "opaque-whois.example"}))
        .against(&sim)
        .ok();
    let whois = &opaque["whois"];
    assert_eq!(whois["name_servers"], json!([]));
    assert!(whois.get("registrar").is_none() && whois.get("created").is_none());
    assert!(whois["raw"]
        .as_str()
        .is_some_and(|raw| raw.contains("Rate limit notice")));
    let huge = Invocation::run("get_whois")
        .input(json!({"value": "huge-whois.example"}))
        .against(&sim)
        .ok();
    assert_eq!(huge["whois"]["truncated"], true);
    assert_eq!(huge["whois"]["registrar"], "Registrar Parking LLC");
    assert!(huge["whois"]["raw"].as_str().map_or(0, str::len) <= 64 * 1024);
    let none = Invocation::run("get_whois")
        .input(json!({"value": "nobody.example"}))
        .against(&sim)
        .ok();
    assert_eq!(none, json!({"found": false}));
    let not_found = Fault::Status {
        status: 404,
        body: json!({"message": "simulated 404"}).to_string(),
    };
    sim.add_fault_rule(
        FaultRule::new(not_found)
            .path_prefix("/api/v1/inteldetails/whois/")
            .always(),
    );
    let missing = Invocation::run("get_whois")
        .input(json!({"value": "nobody.example"}))
        .against(&sim)
        .ok();
    assert_eq!(missing, json!({"found": false}));
}
