//! What every request passes through on its way to a handler and back, one middleware a file,
//! assembled in one place: [`crate::startup`]'s app builder, as a list of `.wrap(...)` lines.
//!
//! actix runs the last `.wrap` first, so the builder lists them innermost first. A request
//! meets them in this order (and its answer leaves through them in the reverse order):
//!
//! 1. [`finish`], outermost: the last touches to every answer, whoever made it. A bare refusal
//!    (actix's own 405, 400, 404, 408, 413…) becomes a page that says what happened, then the
//!    body is compressed in place ([`compression`]). Outermost so that nothing changes the body
//!    after it is compressed, and so that rate-limit refusals get the same treatment.
//! 2. [`limits`]: the rate limits, before anything else runs (a refused request costs no
//!    routing, cookies or rendering), then metrics and the access log for every answer,
//!    refusals by a limit included. Only [`finish`] sits outside it.
//! 3. [`headers`]: the default security headers, added where a handler did not set its own.
//! 4. [`caches`]: a staff change drops this instance's short-lived caches once it is answered.
//! 5. [`browser_key`]: every browser gets its form-token key, before any handler signs a form.
//! 6. [`prefs`]: the visitor's display settings, language and kiosk mode, as a task-local for
//!    every page the request renders (a kiosk sent elsewhere is answered here).
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
