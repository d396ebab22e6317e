//! The v1 endpoints beyond intelligence search and import: the sandbox,
//! threat models and enrichment. `routes.rs` asks [`V1Route::resolve`]
//! after its own routes and hands the request here once routing, method and
//! authentication have passed, so these endpoints fail in the same order as
//! the rest (404, then 405, then 401).

use crate::enrichment;
use crate::request::RecordedRequest;
use crate::response::Response;
use crate::sandbox;
use crate::tenant::Tenant;
use crate::threat_model_routes;
use crate::threat_model_search;
use crate::threat_models::ModelType;

pub(crate) enum V1Route {
    SandboxSubmit,
    SandboxParameters,
    SandboxStatus(u64),
    SandboxReport(u64),
    ThreatModelSearch,
    ModelList(ModelType),
    Associated(ModelType),
    Model(ModelType, u64),
    ModelIntelligence(ModelType, u64),
    PassiveDns { kind: &'static str, value: String },
    Whois(String),
    Insights,
    References(String),
}

impl V1Route {
    pub(crate) fn resolve(path: &str) -> Option<V1Route> {
        let rest = path.strip_prefix("/api/v1/")?;
        if let Some(rest) = rest.strip_prefix("submit/") {
            return sandbox_route(rest);
        }
        if let Some(rest) = rest.strip_prefix("pdns/") {
            return passive_dns_route(rest);
        }
        if let Some(rest) = rest.strip_prefix("inteldetails/") {
            return enrichment_route(rest);
        }
        if rest == "threat_model_search/" {
            return Some(V1Route::ThreatModelSearch);
        }
        model_route(rest)
    }

    pub(crate) fn method(&self) -> &'static str {
        match self {
            V1Route::SandboxSubmit => "POST",
            _ => "GET",
        }
    }
}

fn sandbox_route(rest: &str) -> Option<V1Route> {
    match rest {
        "new/" => Some(V1Route::SandboxSubmit),
        "parameters/" => Some(V1Route::SandboxParameters),
        _ => match segments(rest)?.as_slice() {
            [id] => Some(V1Route::SandboxStatus(number(id)?)),
            [id, "report"] => Some(V1Route::SandboxReport(number(id)?)),
            _ => None,
        },
    }
}

fn passive_dns_route(rest: &str) -> Option<V1Route> {
    let (kind, value) = rest.split_once('/')?;
    let kind = ["ip", "domain"].into_iter().find(|k| *k == kind)?;
    Some(V1Route::PassiveDns {
        kind,
        value: observable(value)?,
    })
}

fn enrichment_route(rest: &str) -> Option<V1Route> {
    if rest == "insights/" {
        return Some(V1Route::Insights);
    }
    if let Some(value) = rest.strip_prefix("whois/") {
        return observable(value).map(V1Route::Whois);
    }
    rest.strip_prefix("references/")
        .and_then(observable)
        .map(V1Route::References)
}

fn model_route(rest: &str) -> Option<V1Route> {
    let parts = segments(rest)?;
    let model_type = ModelType::parse(parts.first()?)?;
    match parts[1..] {
        [] => Some(V1Route::ModelList(model_type)),
        ["associated_with_intelligence"] => Some(V1Route::Associated(model_type)),
        [id] => Some(V1Route::Model(model_type, number(id)?)),
        [id, "intelligence"] => Some(V1Route::ModelIntelligence(model_type, number(id)?)),
        _ => None,
    }
}

/// The slash-separated parts of a path that must end in `/`, none empty.
fn segments(rest: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = rest.strip_suffix('/')?.split('/').collect();
    parts.iter().all(|part| !part.is_empty()).then_some(parts)
}

fn number(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// The observable at the end of a path, percent-decoded. Everything up to
/// the final `/` counts, so a URL sent with its slashes unescaped still
/// arrives whole.
fn observable(rest: &str) -> Option<String> {
    let raw = rest.strip_suffix('/').filter(|raw| !raw.is_empty())?;
    Some(percent_decoded(raw))
}

fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

pub(crate) fn answer(tenant: &Tenant, route: V1Route, request: &RecordedRequest) -> Response {
    match route {
        V1Route::SandboxSubmit => sandbox::submit(&tenant.sandbox, request),
        V1Route::SandboxParameters => sandbox::parameters(),
        V1Route::SandboxStatus(id) => sandbox::status(&tenant.sandbox, id),
        V1Route::SandboxReport(id) => sandbox::report(&tenant.sandbox, id),
        V1Route::ThreatModelSearch => threat_model_search::search(request),
        V1Route::ModelList(model_type) => threat_model_routes::list(model_type, request),
        V1Route::Associated(model_type) => threat_model_routes::associated(model_type, request),
        V1Route::Model(model_type, id) => threat_model_routes::detail(model_type, id, &request.path),
        V1Route::ModelIntelligence(model_type, id) => threat_model_routes::intelligence(model_type, id, request),
        V1Route::PassiveDns { kind, value } => enrichment::passive_dns(kind, &value),
        V1Route::Whois(value) => enrichment::whois(&value),
        V1Route::Insights => enrichment::insights(request),
        V1Route::References(value) => enrichment::references(&value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolves(path: &str) -> bool {
        V1Route::resolve(path).is_some()
    }

    #[test]
    fn sandbox_paths_need_their_trailing_slash_and_numeric_ids() {
        assert!(matches!(
            V1Route::resolve("/api/v1/submit/new/"),
            Some(V1Route::SandboxSubmit)
        ));
        assert!(matches!(
            V1Route::resolve("/api/v1/submit/188/"),
            Some(V1Route::SandboxStatus(188))
        ));
        assert!(matches!(
            V1Route::resolve("/api/v1/submit/101/report/"),
            Some(V1Route::SandboxReport(101))
        ));
        assert!(!resolves("/api/v1/submit/new"));
        assert!(!resolves("/api/v1/submit/abc/"));
        assert!(!resolves("/api/v1/submit/101/report"));
    }

    #[test]
    fn model_paths_know_every_type() {
        assert!(matches!(
            V1Route::resolve("/api/v1/tipreport/3801/intelligence/"),
            Some(V1Route::ModelIntelligence(ModelType::TipReport, 3801))
        ));
        assert!(matches!(
            V1Route::resolve("/api/v1/malware/associated_with_intelligence/"),
            Some(V1Route::Associated(ModelType::Malware))
        ));
        assert!(resolves("/api/v1/attackpattern/"));
        assert!(!resolves("/api/v1/dragon/1/"));
        assert!(!resolves("/api/v1/actor//"));
        assert!(
            !resolves("/api/v1/intelligence/"),
            "the intelligence routes stay routes.rs's"
        );
    }

    #[test]
    fn observable_values_are_decoded_whole() {
        let Some(V1Route::References(value)) =
            V1Route::resolve("/api/v1/inteldetails/references/http://malicious.example.net/payload.exe/")
        else {
            panic!("references resolve");
        };
        assert_eq!(value, "http://malicious.example.net/payload.exe");
        let Some(V1Route::PassiveDns { kind, value }) = V1Route::resolve("/api/v1/pdns/ip/2001%3Adb8%3A%3Abad%3Ac0de/")
        else {
            panic!("pdns resolves");
        };
        assert_eq!((kind, value.as_str()), ("ip", "2001:db8::bad:c0de"));
        assert!(!resolves("/api/v1/pdns/mx/example.com/"));
        assert!(!resolves("/api/v1/inteldetails/whois//"));
        assert_eq!(percent_decoded("100%25%zz%4"), "100%%zz%4");
    }
}
