//! Sign-in through an OpenID Connect provider, against a provider these tests start in process
//! (discovery document and JWKS over loopback HTTP): RSA, EC and EdDSA keys, key rotation with
//! a rate-limited refetch, refusals (issuer, audience, expiry, not-before, unknown or mismatched
//! keys, algorithm confusion), and authorization from `role_assignments` — an unassigned
//! subject, grants in and out of scope, and several assignments.

mod common;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, routing::get};
use common::{Reply, TEST_SECRET, TestApp};
use domain::Role;
use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, PublicKeyUse},
};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use xieshang::{
    app::{AppState, RouterOptions, router},
    auth::{
        Secret, Verifier,
        oidc::{OidcConfig, Provider},
    },
};

const AUDIENCE: &str = "xieshang";
const VIEWER: &str = "{ viewer { authenticated role region { code } } }";
const PROPOSE: &str = "mutation($input: ProposeConsultationInput!) { proposeConsultation(input: $input) { consultation { id } userErrors { code } } }";

/// A signing key of the test provider: its private half signs, its public half is published.
struct Key {
    kid: &'static str,
    algorithm: Algorithm,
    private: EncodingKey,
    public: Jwk,
}

fn fixture(file: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/oidc/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn key(kid: &'static str) -> Key {
    let pem = fixture(&format!("{kid}.pem"));
    let (algorithm, private) = match kid {
        "rsa-1" | "rsa-2" => (Algorithm::RS256, EncodingKey::from_rsa_pem(&pem)),
        "ec-1" => (Algorithm::ES256, EncodingKey::from_ec_pem(&pem)),
        "ed-1" => (Algorithm::EdDSA, EncodingKey::from_ed_pem(&pem)),
        other => panic!("no fixture key {other}"),
    };
    let private = private.expect("a fixture private key");
    let mut public = Jwk::from_encoding_key(&private, algorithm).expect("a public JWK");
    public.common.key_id = Some(kid.to_owned());
    public.common.public_key_use = Some(PublicKeyUse::Signature);
    Key {
        kid,
        algorithm,
        private,
        public,
    }
}

/// The provider: a discovery document and a key set that a test may change (rotation).
#[derive(Clone)]
struct Idp {
    issuer: String,
    keys: Arc<Mutex<Vec<Jwk>>>,
    jwks_fetches: Arc<AtomicUsize>,
}

impl Idp {
    async fn start(keys: &[&Key]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("an address");
        let idp = Self {
            issuer: format!("http://{address}/realms/zhejiang"),
            keys: Arc::new(Mutex::new(
                keys.iter().map(|key| key.public.clone()).collect(),
            )),
            jwks_fetches: Arc::new(AtomicUsize::new(0)),
        };
        let routes = Router::new()
            .route(
                "/realms/zhejiang/.well-known/openid-configuration",
                get(discovery),
            )
            .route("/realms/zhejiang/certs", get(jwks))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, routes).await });
        idp
    }

    fn publish(&self, keys: &[&Key]) {
        *self.keys.lock().expect("the key set lock") =
            keys.iter().map(|key| key.public.clone()).collect();
    }

    fn fetches(&self) -> usize {
        self.jwks_fetches.load(Ordering::SeqCst)
    }

    fn config(&self, refresh_interval: Duration) -> OidcConfig {
        OidcConfig {
            issuer: self.issuer.clone(),
            audience: AUDIENCE.to_owned(),
            jwks_url: None,
            leeway: Duration::from_secs(30),
            refresh_interval,
        }
    }

    /// Claims of a token this provider would issue to `subject` for xieshang, valid now.
    fn claims(&self, subject: &str) -> Value {
        let now = xieshang::auth::now();
        json!({
            "iss": self.issuer, "aud": AUDIENCE, "sub": subject,
            "iat": now, "nbf": now, "exp": now + 300,
        })
    }
}

async fn discovery(State(idp): State<Idp>) -> Json<Value> {
    Json(json!({
        "issuer": idp.issuer,
        "jwks_uri": format!("{}/certs", idp.issuer),
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    }))
}

async fn jwks(State(idp): State<Idp>) -> Json<Value> {
    idp.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let keys = idp.keys.lock().expect("the key set lock").clone();
    Json(json!({ "keys": keys }))
}

fn sign(key: &Key, claims: &Value) -> String {
    sign_as(key, key.kid, key.algorithm, claims)
}

fn sign_as(key: &Key, kid: &str, algorithm: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key.private).expect("a signed token")
}

/// The production router, accepting this instance's service tokens and `idp`'s tokens.
async fn app_trusting(idp: &Idp, refresh_interval: Duration) -> TestApp {
    let provider = Provider::connect(idp.config(refresh_interval))
        .await
        .expect("the provider is reachable");
    let test_db = TestDb::new(Template::Demo).await.expect("a test database");
    let state = AppState::with_services(
        test_db.db.clone(),
        Verifier::new(Secret::new(TEST_SECRET), Some(Arc::new(provider))),
        domain::statistics::Quotas::default(),
        graphql::Services::default(),
    );
    let router = router(state, &RouterOptions::default());
    TestApp { router, test_db }
}

async fn grant(app: &TestApp, idp: &Idp, subject: &str, role: Role, region: &str) {
    domain::roles::record(
        &app.test_db.db,
        &domain::roles::Grant {
            issuer: idp.issuer.clone(),
            subject: subject.to_owned(),
            role,
            region_code: region.to_owned(),
            member_id: None,
        },
        "test",
    )
    .await
    .expect("a recorded grant");
}

fn proposal(code: &str) -> Value {
    json!({ "input": { "regionCode": code, "title": "议题", "topic": "内容", "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO" } })
}

fn assert_unauthenticated(reply: &Reply, case: &str) {
    assert_eq!(reply.status, 401, "{case}: {}", reply.body);
    let body = reply.json();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {body}"
    );
    assert!(
        body.get("data").is_none(),
        "{case}: nothing executed: {body}"
    );
}

/// Whether a proposal in `code` went through (`Ok`) or the error code that refused it.
async fn propose(app: &TestApp, token: &str, code: &str) -> Result<(), String> {
    let body = app.graphql_as(token, PROPOSE, proposal(code)).await.json();
    if body["data"]["proposeConsultation"]["consultation"]["id"].is_string() {
        Ok(())
    } else {
        Err(body["errors"][0]["extensions"]["code"]
            .as_str()
            .map_or_else(|| body.to_string(), str::to_owned))
    }
}

#[tokio::test]
async fn discovery_finds_a_key_set_of_rsa_ec_and_eddsa_keys() {
    let (rsa, ec, ed) = (key("rsa-1"), key("ec-1"), key("ed-1"));
    let idp = Idp::start(&[&rsa, &ec, &ed]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    grant(&app, &idp, "alice", Role::CountyStaff, "330212").await;

    for signer in [&rsa, &ec, &ed] {
        let token = sign(signer, &idp.claims("alice"));
        let reply = app.graphql_as(&token, VIEWER, json!({})).await;
        assert_eq!(reply.status, 200, "{}: {}", signer.kid, reply.body);
        assert_eq!(
            reply.json()["data"]["viewer"],
            json!({ "authenticated": true, "role": "COUNTY_STAFF", "region": { "code": "330212" } }),
            "{}",
            signer.kid
        );
    }
    assert_eq!(idp.fetches(), 1, "the key set is fetched once, at start");

    // Service tokens of this instance keep working beside the provider's.
    let service = common::token_for(Role::CityStaff, "330200", None);
    let reply = app.graphql_as(&service, VIEWER, json!({})).await;
    assert_eq!(reply.json()["data"]["viewer"]["role"], "CITY_STAFF");
}

#[tokio::test]
async fn a_subject_acts_within_its_assignment_and_is_forbidden_outside_it() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    grant(&app, &idp, "alice", Role::CountyStaff, "330212").await;
    let token = sign(&rsa, &idp.claims("alice"));

    assert_eq!(propose(&app, &token, "330212").await, Ok(()));
    assert_eq!(
        propose(&app, &token, "330109").await,
        Err("FORBIDDEN".to_owned())
    );

    // The same subject at another issuer is somebody else.
    let other_issuer = domain::roles::principal_for(&app.test_db.db, "https://elsewhere", "alice")
        .await
        .unwrap();
    assert!(other_issuer.is_none());
}

#[tokio::test]
async fn several_assignments_of_a_role_act_together() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    grant(&app, &idp, "bob", Role::CountyStaff, "330212").await;
    grant(&app, &idp, "bob", Role::CountyStaff, "330109").await;
    grant(&app, &idp, "bob", Role::Integrator, "330100").await;
    let token = sign(&rsa, &idp.claims("bob"));

    let viewer = app.graphql_as(&token, VIEWER, json!({})).await.json();
    assert_eq!(viewer["data"]["viewer"]["role"], "COUNTY_STAFF", "{viewer}");
    assert_eq!(propose(&app, &token, "330212").await, Ok(()));
    assert_eq!(propose(&app, &token, "330109").await, Ok(()));
    // 330106 lies in the city of the INTEGRATOR assignment, which lends no staff rights.
    assert_eq!(
        propose(&app, &token, "330106").await,
        Err("FORBIDDEN".to_owned())
    );
}

#[tokio::test]
async fn an_unassigned_subject_has_public_access_only() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    let token = sign(&rsa, &idp.claims("nobody-granted-me"));

    let reply = app
        .graphql_as(
            &token,
            "{ viewer { authenticated role } region(code: \"330212\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        body["data"],
        json!({ "viewer": { "authenticated": false, "role": null }, "region": { "name": "鄞州区" } }),
        "{body}"
    );
    assert_eq!(
        propose(&app, &token, "330212").await,
        Err("UNAUTHENTICATED".to_owned())
    );
}

#[tokio::test]
async fn tokens_that_do_not_verify_are_refused() {
    let (rsa, ec) = (key("rsa-1"), key("ec-1"));
    let idp = Idp::start(&[&rsa, &ec]).await;
    let app = app_trusting(&idp, Duration::from_secs(3600)).await;
    grant(&app, &idp, "alice", Role::ProvinceStaff, "330000").await;
    let now = xieshang::auth::now();
    let with = |change: Value| {
        let mut claims = idp.claims("alice");
        for (name, value) in change.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    };

    // Within the 30 s leeway an expired token still passes; beyond it, it does not.
    let late = sign(&rsa, &with(json!({ "exp": now - 10 })));
    assert_eq!(
        app.graphql_as(&late, VIEWER, json!({})).await.status,
        200,
        "within the leeway"
    );

    let public_pem = fixture("rsa-1.pub.pem");
    let confused = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".to_owned());
        jsonwebtoken::encode(
            &header,
            &idp.claims("alice"),
            &EncodingKey::from_secret(&public_pem).unwrap(),
        )
        .unwrap()
    };
    let unsigned = {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"rsa-1"}"#);
        let payload = URL_SAFE_NO_PAD.encode(idp.claims("alice").to_string());
        format!("{header}.{payload}.")
    };
    let no_kid = {
        let header = Header::new(Algorithm::RS256);
        jsonwebtoken::encode(&header, &idp.claims("alice"), &rsa.private).unwrap()
    };
    let cases = [
        (
            "another issuer",
            sign(&rsa, &with(json!({ "iss": "https://evil.example" }))),
        ),
        (
            "the issuer with a trailing slash",
            sign(&rsa, &with(json!({ "iss": format!("{}/", idp.issuer) }))),
        ),
        (
            "another audience",
            sign(&rsa, &with(json!({ "aud": "account" }))),
        ),
        ("no audience", sign(&rsa, &with(json!({ "aud": null })))),
        ("no subject", sign(&rsa, &with(json!({ "sub": null })))),
        ("no expiry", sign(&rsa, &with(json!({ "exp": null })))),
        ("expired", sign(&rsa, &with(json!({ "exp": now - 120 })))),
        (
            "not yet valid",
            sign(&rsa, &with(json!({ "nbf": now + 600 }))),
        ),
        (
            "an unknown kid",
            sign_as(&rsa, "rsa-9", Algorithm::RS256, &idp.claims("alice")),
        ),
        (
            "an RSA signature under the EC key's kid",
            sign_as(&rsa, "ec-1", Algorithm::RS256, &idp.claims("alice")),
        ),
        ("no kid", no_kid),
        ("HS256 with the public key as secret", confused),
        ("alg none", unsigned),
        ("a tampered signature", {
            let token = sign(&rsa, &idp.claims("alice"));
            let (rest, signature) = token.rsplit_once('.').unwrap();
            let flipped = if signature.starts_with('A') { "B" } else { "A" };
            format!("{rest}.{flipped}{}", &signature[1..])
        }),
    ];
    for (case, token) in cases {
        let reply = app.graphql_as(&token, VIEWER, json!({})).await;
        assert_unauthenticated(&reply, case);
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_without_a_restart() {
    let (old, new) = (key("rsa-1"), key("rsa-2"));
    let idp = Idp::start(&[&old]).await;
    let app = app_trusting(&idp, Duration::ZERO).await;
    grant(&app, &idp, "alice", Role::CityStaff, "330200").await;
    let with_old = sign(&old, &idp.claims("alice"));
    let with_new = sign(&new, &idp.claims("alice"));

    assert_eq!(
        app.graphql_as(&with_old, VIEWER, json!({})).await.status,
        200
    );
    assert_unauthenticated(
        &app.graphql_as(&with_new, VIEWER, json!({})).await,
        "not published yet",
    );
    assert_eq!(idp.fetches(), 2, "the unknown kid caused one refetch");

    idp.publish(&[&new]);
    let reply = app.graphql_as(&with_new, VIEWER, json!({})).await;
    assert_eq!(reply.json()["data"]["viewer"]["role"], "CITY_STAFF");
    assert_eq!(idp.fetches(), 3);
    // Known keys are served from the cache.
    app.graphql_as(&with_new, VIEWER, json!({})).await;
    assert_eq!(idp.fetches(), 3);
    // The retired key left the set with that fetch.
    assert_unauthenticated(
        &app.graphql_as(&with_old, VIEWER, json!({})).await,
        "retired key",
    );
}

#[tokio::test]
async fn unknown_kids_refetch_the_key_set_at_most_once_per_interval() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(3600)).await;
    for attempt in 0..20 {
        let token = sign_as(
            &rsa,
            &format!("made-up-{attempt}"),
            Algorithm::RS256,
            &idp.claims("alice"),
        );
        assert_unauthenticated(
            &app.graphql_as(&token, VIEWER, json!({})).await,
            "made-up kid",
        );
    }
    assert_eq!(idp.fetches(), 1, "only the fetch at start");
}

#[tokio::test]
async fn keys_are_only_fetched_over_https_except_on_loopback() {
    let config = OidcConfig {
        issuer: "http://idp.example/realms/zhejiang".to_owned(),
        audience: AUDIENCE.to_owned(),
        jwks_url: None,
        leeway: Duration::from_secs(30),
        refresh_interval: Duration::from_secs(30),
    };
    let error = Provider::connect(config).await.unwrap_err().to_string();
    assert!(error.contains("https"), "{error}");
}

#[tokio::test]
async fn a_configured_jwks_url_skips_discovery_and_discovery_must_name_the_issuer() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let mut direct = idp.config(Duration::from_secs(30));
    direct.issuer = "https://issuer-without-discovery.example".to_owned();
    direct.jwks_url = Some(format!("{}/certs", idp.issuer).parse().unwrap());
    let provider = Provider::connect(direct).await.expect("keys from the URL");
    let claims = json!({
        "iss": "https://issuer-without-discovery.example", "aud": AUDIENCE, "sub": "carol",
        "exp": xieshang::auth::now() + 60,
    });
    let verified = provider.verify(&sign(&rsa, &claims)).await.unwrap();
    assert_eq!(verified.sub, "carol");

    // Discovery at an issuer whose document names another issuer is refused at start.
    let mut mismatched = idp.config(Duration::from_secs(30));
    mismatched.issuer = format!("{}/", idp.issuer);
    let error = Provider::connect(mismatched).await.unwrap_err().to_string();
    assert!(error.contains("names the issuer"), "{error}");
}

#[tokio::test]
async fn granted_roles_take_effect_and_revoked_ones_stop_on_the_next_request() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    let city_staff = common::token_for(Role::CityStaff, "330200", None);
    let person = sign(&rsa, &idp.claims("dora"));
    let grant = "mutation($input: GrantRoleInput!) { grantRole(input: $input) { roleAssignment { id } userErrors { message } } }";
    let mut granted = Vec::new();
    for region in ["330212", "330203"] {
        let input = json!({ "issuer": idp.issuer, "subject": "dora", "role": "COUNTY_STAFF", "regionCode": region });
        let body = app
            .graphql_as(&city_staff, grant, json!({ "input": input }))
            .await
            .json();
        let id = body["data"]["grantRole"]["roleAssignment"]["id"].clone();
        assert!(id.is_string(), "{body}");
        granted.push(id);
    }

    let roles = "{ viewer { authenticated role roles { role region { code } grantedBy } } }";
    let viewer = app.graphql_as(&person, roles, json!({})).await.json();
    assert_eq!(
        viewer["data"]["viewer"],
        json!({
            "authenticated": true,
            "role": "COUNTY_STAFF",
            "roles": [
                { "role": "COUNTY_STAFF", "region": { "code": "330212" }, "grantedBy": "test-city_staff" },
                { "role": "COUNTY_STAFF", "region": { "code": "330203" }, "grantedBy": "test-city_staff" },
            ],
        }),
        "{viewer}"
    );
    assert_eq!(propose(&app, &person, "330203").await, Ok(()));

    let revoke = "mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { revokedRoleAssignmentId } }";
    app.graphql_as(
        &city_staff,
        revoke,
        json!({ "input": { "id": granted[1] } }),
    )
    .await;
    assert_eq!(
        propose(&app, &person, "330203").await,
        Err("FORBIDDEN".to_owned())
    );
    assert_eq!(propose(&app, &person, "330212").await, Ok(()));
    app.graphql_as(
        &city_staff,
        revoke,
        json!({ "input": { "id": granted[0] } }),
    )
    .await;
    let viewer = app.graphql_as(&person, roles, json!({})).await.json();
    assert_eq!(
        viewer["data"]["viewer"],
        json!({ "authenticated": false, "role": null, "roles": [] })
    );

    // A service token's one role is in the token: it lists no assignments.
    let service = app.graphql_as(&city_staff, roles, json!({})).await.json();
    assert_eq!(service["data"]["viewer"]["roles"], json!([]));
}

#[tokio::test]
async fn a_subject_with_several_assignments_lists_the_notification_targets_of_all_of_them() {
    use entity::{
        enums::NotificationAdapter, enums::NotificationTargetStatus, notification_target,
    };
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    grant(&app, &idp, "erin", Role::CountyStaff, "330212").await;
    grant(&app, &idp, "erin", Role::CountyStaff, "330109").await;
    for (name, code) in [("鄞州", "330212"), ("萧山", "330109"), ("西湖", "330106")] {
        let region_id = testing::region_id(&app.test_db.db, code).await.unwrap();
        notification_target::ActiveModel {
            name: Set(name.to_owned()),
            adapter: Set(NotificationAdapter::Webhook),
            url: Set("https://hooks.example.com/x".to_owned()),
            secret: Set(Some("0123456789abcdef".to_owned())),
            event_types: Set("[]".to_owned()),
            region_id: Set(region_id),
            status: Set(NotificationTargetStatus::Active),
            created_by: Set("test".to_owned()),
            last_sequence: Set(0),
            created_at: Set(chrono::Utc::now()),
            updated_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(app.test_db.db.writer())
        .await
        .unwrap();
    }
    let token = sign(&rsa, &idp.claims("erin"));
    let listed = app
        .graphql_as(
            &token,
            "{ notificationTargets(first: 10) { nodes { name } } }",
            json!({}),
        )
        .await
        .json();
    let names: Vec<&str> = listed["data"]["notificationTargets"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .filter_map(|node| node["name"].as_str())
        .collect();
    assert_eq!(names, ["鄞州", "萧山"], "{listed}");
}

/// The event log reads the union of a subject's assignments, as its other reads do: events of
/// both of its counties, none of a third.
#[tokio::test]
async fn a_subject_with_several_assignments_reads_the_events_of_all_of_them() {
    let rsa = key("rsa-1");
    let idp = Idp::start(&[&rsa]).await;
    let app = app_trusting(&idp, Duration::from_secs(30)).await;
    grant(&app, &idp, "gina", Role::CountyStaff, "330212").await;
    grant(&app, &idp, "gina", Role::CountyStaff, "330109").await;
    let province = common::token_for(Role::ProvinceStaff, "330000", None);
    let mut proposed = std::collections::BTreeMap::new();
    for code in ["330212", "330109", "330106"] {
        let body = app
            .graphql_as(&province, PROPOSE, proposal(code))
            .await
            .json();
        let id = body["data"]["proposeConsultation"]["consultation"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned();
        proposed.insert(code, id);
    }
    let token = sign(&rsa, &idp.claims("gina"));
    let listed = app
        .graphql_as(
            &token,
            "{ events(first: 100) { nodes { entityId regionCodes } } }",
            json!({}),
        )
        .await
        .json();
    let nodes = listed["data"]["events"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .clone();
    let seen: Vec<&str> = nodes
        .iter()
        .filter_map(|node| node["entityId"].as_str())
        .collect();
    assert!(seen.contains(&proposed["330212"].as_str()), "{listed}");
    assert!(seen.contains(&proposed["330109"].as_str()), "{listed}");
    assert!(!seen.contains(&proposed["330106"].as_str()), "{listed}");
    for node in &nodes {
        let codes = node["regionCodes"].to_string();
        assert!(
            codes.contains("330212") || codes.contains("330109"),
            "an event outside both counties: {node}"
        );
    }
}
