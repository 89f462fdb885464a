//! Single sign-on (OpenID Connect, authorisation code flow with PKCE, `state` and `nonce`):
//!
//! | route | who |
//! |---|---|
//! | `GET /staff/sso/{partnership}` | anyone: off to the partnership's provider |
//! | `GET /staff/sso/callback` | the provider sends the browser back here |
//! | `GET,POST /staff/sso` | admins: the partnership's settings |
//! | `POST /staff/users/approve` | admins: let in someone whose first sign-in waits |
//!
//! The `openidconnect` crate does the protocol: discovery, the code exchange (with the client
//! secret and the PKCE verifier), and the ID token's checks (signature by the provider's
//! current keys, issuer, audience, expiry with an allowance for clocks (`HEARD_SSO_CLOCK_SKEW_SECONDS`, two minutes by default), nonce).
//! The provider's metadata and keys are fetched for each sign-in, so a rotated key is used
//! at once; sign-ins are rare enough that a cache is not worth a stale key. What the checked
//! token leads to is `models::sso`'s. Every refusal shows a kind page, opens no session and
//! is audited.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use super::form::token as csrf;
use super::pages::{Link, PageMeta, render};
use super::staff::{SignedIn, partnership_for};
use crate::error::AppError;
use crate::models::account::{Role, SessionRules};
use crate::models::sso::{self, Identity, Input, Outcome};
use crate::state::AppState;

/// The cookie that ties a sign-in to the browser that started it.
const SSO_COOKIE: &str = "heard_sso";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/sso", web::get().to(settings_page))
        .route("/staff/sso", web::post().to(save_settings))
        .route("/staff/sso/callback", web::get().to(callback))
        .route("/staff/sso/{partnership}", web::get().to(start))
        .route("/staff/users/approve", web::post().to(approve));
}

fn callback_url(state: &AppState) -> String {
    format!("{}/staff/sso/callback", state.settings.public_url.trim_end_matches('/'))
}

fn http_client() -> Result<reqwest::Client, String> {
    // No redirects: a provider's endpoints answer directly (SSRF through redirects is closed).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| e.to_string())
}

async fn metadata(issuer: &str, http: &reqwest::Client) -> Result<CoreProviderMetadata, String> {
    let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|e| e.to_string())?;
    CoreProviderMetadata::discover_async(issuer, http).await.map_err(|e| format!("discovery: {e}"))
}

#[derive(Serialize)]
struct RefusedView {
    page: PageMeta,
    heading: String,
    message: String,
}

/// The kind page for a refused sign-in.
fn refused(state: &AppState, status: StatusCode, heading: &str, message: &str) -> Result<HttpResponse, AppError> {
    let view = RefusedView { page: PageMeta::new(heading), heading: heading.to_owned(), message: message.to_owned() };
    let mut res = render(state, status, "staff/sso_refused", &view)?;
    res.add_cookie(&sso_cookie(state, "", actix_web::cookie::time::Duration::ZERO)).map_err(AppError::internal)?;
    Ok(res)
}

fn sso_cookie(state: &AppState, value: &str, age: actix_web::cookie::time::Duration) -> Cookie<'static> {
    // Lax: the provider sends the browser back with a top-level GET from its own site.
    Cookie::build(SSO_COOKIE, value.to_owned())
        .path("/staff/sso")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(age)
        .finish()
}

/// Off to the partnership's provider, with a new state, nonce and PKCE challenge.
async fn start(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let slug = path.into_inner();
    let found = state
        .db
        .run(move |c| -> Result<_, AppError> {
            let Some(p) = crate::models::framework::find_by_slug(c, &slug)? else { return Ok(None) };
            Ok(sso::config(c, &p.id)?.map(|cfg| (p, cfg)))
        })
        .await?;
    let Some((p, cfg)) = found else {
        return Err(AppError::NotFound("This partnership does not sign in with single sign-on.".to_owned().into()));
    };
    let unavailable = |why: String| {
        tracing::warn!(partnership = %p.slug, error = %why, "single sign-on: the provider could not be reached");
        refused(
            &state,
            StatusCode::BAD_GATEWAY,
            "Single sign-on is not working just now",
            "Heard could not reach your organisation's sign-in service. Try again in a few minutes; if it keeps happening, tell an admin of the partnership.",
        )
    };
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => return unavailable(e),
    };
    let meta = match metadata(&cfg.issuer, &http).await {
        Ok(m) => m,
        Err(e) => return unavailable(e),
    };
    let redirect = match RedirectUrl::new(callback_url(&state)) {
        Ok(r) => r,
        Err(e) => return unavailable(e.to_string()),
    };
    let client =
        CoreClient::from_provider_metadata(meta, ClientId::new(cfg.client_id.clone()), None).set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf_state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = crate::domain::codes::random_token();
    let (pid, st, b, n, v) =
        (p.id.clone(), csrf_state.secret().clone(), browser.clone(), nonce.secret().clone(), verifier.secret().clone());
    state.db.run(move |c| sso::start(c, &pid, &st, &b, &n, &v).map_err(AppError::from)).await?;
    let mut res = HttpResponse::SeeOther().insert_header((LOCATION, url.to_string())).finish();
    let age = actix_web::cookie::time::Duration::minutes(sso::FLOW_MINUTES);
    res.add_cookie(&sso_cookie(&state, &browser, age)).map_err(AppError::internal)?;
    Ok(res)
}

#[derive(Deserialize)]
struct Back {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The values of the role claim `name` in a checked ID token (a string or a list of them).
fn claim_values(id_token: &str, name: &str) -> Vec<String> {
    use base64::Engine;
    let Some(payload) = id_token.split('.').nth(1) else { return Vec::new() };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return Vec::new();
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return Vec::new() };
    match claims.get(name) {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// The provider sends the browser back: the state must be this browser's, once; the code is
/// exchanged with the PKCE verifier; the ID token is checked; then `models::sso` decides.
async fn callback(state: web::Data<AppState>, req: HttpRequest, q: web::Query<Back>) -> Result<HttpResponse, AppError> {
    let browser = req.cookie(SSO_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let given = q.state.clone().unwrap_or_default();
    let flow = if given.is_empty() || given.len() > 200 || browser.is_empty() {
        None
    } else {
        let (g, b) = (given.clone(), browser.clone());
        state.db.run(move |c| sso::take(c, &g, &b).map_err(AppError::from)).await?
    };
    let Some(flow) = flow else {
        state
            .db
            .run(|c| {
                sso::refuse(
                    c,
                    None,
                    "the answer from the provider did not match a sign-in started in this browser",
                    None,
                )
                .map_err(AppError::from)
            })
            .await?;
        return refused(
            &state,
            StatusCode::BAD_REQUEST,
            "Sign in again",
            "This sign-in did not start in this browser, took more than ten minutes, or was used already. Start again from the sign-in page.",
        );
    };
    let pid = flow.partnership.clone();
    let refuse = |reason: String, heading: &'static str, status: StatusCode| {
        let (st, pid) = (state.clone(), pid.clone());
        async move {
            let r = reason.clone();
            st.db.run(move |c| sso::refuse(c, Some(&pid), &r, None).map_err(AppError::from)).await?;
            refused(&st, status, heading, &reason)
        }
    };
    if let Some(error) = &q.error {
        let why = format!(
            "Your organisation's sign-in did not let you in ({}). Try again, or ask your IT team.",
            error.chars().take(60).collect::<String>()
        );
        return refuse(why, "You were not signed in", StatusCode::FORBIDDEN).await;
    }
    let Some(code) = q.code.clone().filter(|c| !c.is_empty() && c.len() <= 2000) else {
        return refuse("The provider sent no code back.".into(), "You were not signed in", StatusCode::BAD_REQUEST)
            .await;
    };
    let p2 = pid.clone();
    let Some(cfg) = state.db.run(move |c| sso::config(c, &p2).map_err(AppError::from)).await? else {
        return refuse(
            "Single sign-on was turned off for this partnership.".into(),
            "You were not signed in",
            StatusCode::FORBIDDEN,
        )
        .await;
    };
    let checked = async {
        let http = http_client()?;
        let meta = metadata(&cfg.issuer, &http).await?;
        let redirect = RedirectUrl::new(callback_url(&state)).map_err(|e| e.to_string())?;
        let client = CoreClient::from_provider_metadata(
            meta,
            ClientId::new(cfg.client_id.clone()),
            Some(ClientSecret::new(cfg.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| format!("the code was not accepted: {e}"))?;
        let id_token = tokens.id_token().ok_or("the provider sent no ID token")?;
        // Expiry is checked against a clock set back by the allowance (`sso_clock_skew_seconds`).
        let skew = state.settings.sso_clock_skew_seconds;
        let verifier =
            client.id_token_verifier().set_time_fn(move || chrono::Utc::now() - chrono::TimeDelta::seconds(skew));
        let claims = id_token
            .claims(&verifier, &Nonce::new(flow.nonce.clone()))
            .map_err(|e| format!("the ID token failed a check: {e}"))?;
        let values = cfg.role_claim.as_deref().map(|n| claim_values(&id_token.to_string(), n)).unwrap_or_default();
        let mut email = claims.email().map(|e| e.as_str().to_owned());
        let mut email_verified = claims.email_verified();
        if email.is_none() {
            // Some providers keep the email for the UserInfo endpoint: ask it, for this
            // subject only.
            let info: openidconnect::core::CoreUserInfoClaims = client
                .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| e.to_string())?
                .request_async(&http)
                .await
                .map_err(|e| format!("the provider's user information could not be read: {e}"))?;
            email = info.email().map(|e| e.as_str().to_owned());
            email_verified = info.email_verified();
        }
        Ok::<Identity, String>(Identity {
            subject: claims.subject().as_str().to_owned(),
            email,
            email_verified,
            claim_values: values,
        })
    }
    .await;
    let who = match checked {
        Ok(who) => who,
        Err(why) => {
            tracing::warn!(error = %why, "single sign-on refused");
            let reason = format!(
                "Your organisation's sign-in could not be checked ({why}). Start again from the sign-in page; if it keeps happening, tell an admin of the partnership."
            );
            return refuse(reason, "You were not signed in", StatusCode::FORBIDDEN).await;
        }
    };
    let rules = SessionRules::from_settings(&state.settings);
    let name = super::staff::browser_name(&req);
    let (p3, cfg2) = (pid.clone(), cfg.clone());
    let outcome =
        state.db.run(move |c| sso::sign_in(c, &p3, &cfg2, &who, &rules, &name).map_err(AppError::from)).await?;
    match outcome {
        Outcome::SignedIn { token, .. } => {
            let mut res = super::staff::signed_in_response(&state, &token, "/staff")?;
            res.add_cookie(&sso_cookie(&state, "", actix_web::cookie::time::Duration::ZERO))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Outcome::Waiting => refused(
            &state,
            StatusCode::FORBIDDEN,
            "An admin needs to let you in",
            "This is your first sign-in to Heard. An admin of the partnership has been asked to give you a role; sign in again once they have.",
        ),
        Outcome::Refused(reason) => refused(&state, StatusCode::FORBIDDEN, "You were not signed in", &reason),
    }
}

#[derive(Deserialize)]
struct PartnershipQuery {
    partnership: Option<String>,
}

#[derive(Serialize)]
struct SettingsView {
    page: PageMeta,
    csrf: String,
    form: sso::Shown,
    secret_set: bool,
    callback: String,
    roles: Vec<Link>,
    errors: Vec<Link>,
    problems: FieldProblems,
    saved: bool,
}

/// Each field's problem, if it has one (the form shows it beside the field).
#[derive(Serialize, Default)]
struct FieldProblems {
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    allowed_domains: Option<String>,
    role_claim: Option<String>,
    role_map: Option<String>,
    default_role: Option<String>,
}

impl FieldProblems {
    fn of(problems: &[(&'static str, String)]) -> Self {
        let get = |f: &str| problems.iter().find(|(k, _)| *k == f).map(|(_, m)| m.clone());
        Self {
            issuer: get("issuer"),
            client_id: get("client_id"),
            client_secret: get("client_secret"),
            allowed_domains: get("allowed_domains"),
            role_claim: get("role_claim"),
            role_map: get("role_map"),
            default_role: get("default_role"),
        }
    }
}

async fn settings_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    typed: Option<(sso::Shown, sso::Problems)>,
    saved: bool,
) -> Result<SettingsView, AppError> {
    let p = partnership_for(state, who, None).await?;
    let pid = p.id.clone();
    let stored = state.db.run(move |c| sso::shown(c, &pid).map_err(AppError::from)).await?;
    let secret_set = stored.is_some();
    let (form, problems) = match typed {
        Some((form, problems)) => (form, problems.0),
        None => (
            stored.unwrap_or(sso::Shown {
                issuer: String::new(),
                client_id: String::new(),
                allowed_domains: String::new(),
                role_claim: String::new(),
                role_map: String::new(),
                default_role: String::new(),
                approve_first: false,
                required: false,
            }),
            Vec::new(),
        ),
    };
    Ok(SettingsView {
        page: who.page(req, state, "Single sign-on").with_error(!problems.is_empty()),
        csrf: csrf(state, req),
        secret_set,
        callback: callback_url(state),
        roles: [
            ("", "Nobody: refuse people without a mapped role"),
            ("viewer", "Viewer"),
            ("analyst", "Analyst"),
            ("facilitator", "Facilitator"),
            ("admin", "Admin"),
        ]
        .iter()
        .map(|(v, t)| Link { href: (*v).into(), text: (*t).into() })
        .collect(),
        errors: problems.iter().map(|(f, m)| Link { href: format!("#{f}"), text: m.clone() }).collect(),
        problems: FieldProblems::of(&problems),
        form,
        saved,
    })
}

async fn settings_page(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, AppError> {
    who.require(&[Role::Admin])?;
    if who.staff.is_superadmin() {
        return Err(AppError::BadRequest("Single sign-on is set per partnership: an admin of the partnership sets it, or `heard sso set` on the server.".to_owned().into()));
    }
    let saved = req.query_string().contains("saved=1");
    render(&state, StatusCode::OK, "staff/sso", &settings_view(&state, &req, &who, None, saved).await?)
}

async fn save_settings(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin])?;
    let p = partnership_for(&state, &who, None).await?;
    let get = |k: &str| f.get(k).unwrap_or("").chars().take(4000).collect::<String>();
    let input = Input {
        issuer: get("issuer"),
        client_id: get("client_id"),
        client_secret: Some(get("client_secret")).filter(|s| !s.trim().is_empty()),
        allowed_domains: get("allowed_domains"),
        role_claim: get("role_claim"),
        role_map: get("role_map"),
        default_role: get("default_role"),
        approve_first: f.get("approve_first") == Some("yes"),
        required: f.get("required") == Some("yes"),
    };
    let (pid, actor, i2) = (p.id.clone(), who.staff.actor(), input.clone());
    let done = state.db.run(move |c| Ok::<_, AppError>(sso::set(c, &pid, &i2, &actor))).await?;
    match done {
        Ok(()) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/sso?saved=1")).finish()),
        Err(sso::SetError::Problems(problems)) => {
            // What was typed comes back (never the secret).
            let typed = sso::Shown {
                issuer: input.issuer,
                client_id: input.client_id,
                allowed_domains: input.allowed_domains,
                role_claim: input.role_claim,
                role_map: input.role_map,
                default_role: input.default_role,
                approve_first: input.approve_first,
                required: input.required,
            };
            let view = settings_view(&state, &req, &who, Some((typed, problems)), false).await?;
            render(&state, StatusCode::BAD_REQUEST, "staff/sso", &view)
        }
        Err(sso::SetError::Store(e)) => Err(e.into()),
    }
}

async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = super::form::read_checked(&state, &req, body).await?;
    who.require(&[Role::Admin])?;
    let p = partnership_for(&state, &who, q.partnership.as_deref()).await?;
    let email = f.get("email").unwrap_or("").trim().chars().take(320).collect::<String>();
    let Some(role) = f.get("role").and_then(Role::parse) else {
        return Err(AppError::BadRequest("Choose the role to give them.".to_owned().into()));
    };
    let (pid, actor) = (p.id.clone(), who.staff.actor());
    match state.db.run(move |c| sso::approve(c, &pid, &email, role, &actor)).await {
        Ok(true) => Ok(HttpResponse::SeeOther().insert_header((LOCATION, "/staff/users")).finish()),
        Ok(false) => Err(super::staff::not_found()),
        Err(crate::models::StoreError::Conflict(m)) => {
            Err(AppError::BadRequest(format!("Nobody was let in: {m}.").into()))
        }
        Err(e) => Err(e.into()),
    }
}
