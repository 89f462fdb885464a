//! What every request passes through on its way to a handler and back, one middleware a file,
//! assembled in one place: [`crate::startup`]'s app builder, as a list of `.wrap(...)` lines.
//!
//! actix runs the last `.wrap` first, so the builder lists them innermost first. A request
//! meets them in this order (and its answer leaves through them in the reverse order):
//!
//! 1. [`headers`], outermost: the default security headers (CSP, HSTS with TLS, …), added
//!    where a handler did not set its own, so every answer has them: refusals by a limit, the
//!    pages [`finish`] writes and a kiosk's redirect included.
//! 2. [`prefs`]: the visitor's display settings, language and kiosk mode, as a task-local for
//!    every page the request renders (a kiosk sent elsewhere is answered here). Outside
//!    everything that renders a page, so a refusal by a limit and a bare refusal
//!    [`finish`] explains are in the visitor's language too (reading two cookies is all a
//!    refused request pays for it).
//! 3. [`finish`]: the last touches to every answer, whoever made it. A bare refusal (actix's
//!    own 405, 400, 404, 408, 413…) becomes a page that says what happened, then the body is
//!    compressed in place ([`compression`]). Nothing after it changes the body.
//! 4. [`limits`]: the rate limits, before any routing or handler runs, then metrics and the
//!    access log for every answer, refusals by a limit included.
//! 5. [`caches`]: a staff change drops this instance's short-lived caches once it is answered.
//! 6. [`browser_key`]: every browser gets its form-token key, before any handler signs a form.
//! 7. [`panics`], innermost: a handler that panics answers the 500 page and keeps its worker.
//!
//! Each is an `async fn` used through actix's `middleware::from_fn` (headers is actix's own
//! `DefaultHeaders`); the ones that need the shared state read `web::Data<AppState>` from the
//! request's app data.

pub mod browser_key;
pub mod caches;
pub mod compression;
pub mod finish;
pub mod headers;
pub mod limits;
pub mod panics;
pub mod prefs;
