//! Permissions taken away: each class of write answers 403 naming what is
//! missing, and changes nothing; reads stay allowed.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use threatstream_simulator::{Permission, Simulator};

use crate::support::{control, get_json, post_multipart, ready_at_once, search_path, send_json, KEY};

fn denied_by(body: &Value, permission: Permission) -> bool {
    body["message"]
        .as_str()
        .is_some_and(|m| m.contains(&format!("'{}' permission", permission.name())))
        && body.as_object().is_some_and(|fields| fields.len() == 1)
}

async fn upload(sim: &Simulator, fields: &[(&str, &str)]) -> (u16, Value) {
    let mut form = Form::new().part("file", Part::bytes(b"198.51.100.220\n".to_vec()).file_name("a.csv"));
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    post_multipart(sim, "/api/v1/intelligence/import/", form).await
}

#[tokio::test]
async fn each_denied_write_is_a_403_naming_the_permission_and_changes_nothing() {
    let sim = ready_at_once();
    let allowed = upload(&sim, &[]).await;
    let session = allowed.1["import_session_id"]
        .as_u64()
        .expect("a session before denying");
    let before = sim.last_update_id();
    sim.set_denied(&Permission::ALL);
    let (status, body) = upload(&sim, &[]).await;
    assert!(status == 403 && denied_by(&body, Permission::Import), "{status} {body}");

    let writes: [(&str, String, Value, Permission); 8] = [
        (
            "PATCH",
            format!("/api/v1/importsession/{session}/approve_all/"),
            Value::Null,
            Permission::ApproveIntel,
        ),
        (
            "DELETE",
            format!("/api/v1/importsession/{session}/"),
            Value::Null,
            Permission::ApproveIntel,
        ),
        (
            "PATCH",
            "/api/v2/intelligence/".to_owned(),
            json!({"objects": [{"srcip": "198.51.100.221", "itype": "c2_ip"}]}),
            Permission::ApproveIntel,
        ),
        (
            "POST",
            "/api/v2/intelligence/bulk_tagging/".to_owned(),
            json!({"ids": [500_000_101], "tags": [{"name": "x"}]}),
            Permission::Tag,
        ),
        (
            "PATCH",
            "/api/v2/intelligence/bulk_remove_tags/".to_owned(),
            json!({"ids": [500_000_101], "tags": [{"name": "Emotet"}]}),
            Permission::Tag,
        ),
        (
            "DELETE",
            "/api/v1/intelligence/500000101/tag/kq8/".to_owned(),
            Value::Null,
            Permission::Tag,
        ),
        (
            "PATCH",
            "/api/v2/intelligence/500000101/".to_owned(),
            json!({"status": "inactive"}),
            Permission::Update,
        ),
        (
            "POST",
            "/api/v2/intelligence/comments/?value=198.51.100.23".to_owned(),
            json!({"comment": "x"}),
            Permission::Comment,
        ),
    ];
    for (method, path, body, permission) in &writes {
        let body = (!body.is_null()).then_some(body);
        let (status, answer) = send_json(&sim, method, path, body).await;
        assert!(
            status == 403 && denied_by(&answer, *permission),
            "{method} {path}: {status} {answer}"
        );
    }
    assert_eq!(sim.last_update_id(), before, "no record changed");
    assert_eq!(sim.import_sessions().len(), 1, "no session created");
    assert_eq!(sim.import_session(session).map(|s| s.status), Some("done".to_owned()));
    assert_eq!(
        get_json(&sim, "/api/v2/intelligence/comments/?value=198.51.100.23")
            .await
            .1,
        json!({"comments": []})
    );
    assert_eq!(
        get_json(&sim, &search_path(&[("value", "198.51.100.23")])).await.0,
        200,
        "reads stay allowed"
    );
}

#[tokio::test]
async fn default_state_active_also_needs_approve_intel_and_the_control_route_sets_denials() {
    let sim = Simulator::builder().api_key(KEY).deny(Permission::ApproveIntel).start();
    let (status, body) = upload(&sim, &[("default_state", "active")]).await;
    assert!(
        status == 403 && denied_by(&body, Permission::ApproveIntel),
        "{status} {body}"
    );
    assert!(sim.import_sessions().is_empty());
    assert_eq!(upload(&sim, &[]).await.0, 202, "importing for review is still allowed");

    assert_eq!(
        control(&sim, "GET", "permissions", None).await,
        (200, json!({"denied": ["approve_intel"]}))
    );
    let (status, _) = control(&sim, "PUT", "permissions", Some(&json!({"denied": ["tag", "comment"]}))).await;
    assert_eq!(status, 200);
    assert_eq!(upload(&sim, &[("default_state", "active")]).await.0, 202);
    let tagging = json!({"ids": [500_000_101], "tags": [{"name": "x"}]});
    assert_eq!(
        send_json(&sim, "POST", "/api/v2/intelligence/bulk_tagging/", Some(&tagging))
            .await
            .0,
        403
    );
    assert_eq!(
        control(&sim, "PUT", "permissions", Some(&json!({"denied": ["everything"]})))
            .await
            .0,
        400
    );
}
