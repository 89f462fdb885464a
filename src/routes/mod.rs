//! HTTP routes, one module per area. Handlers stay thin: they parse the request into domain
//! types, call models through [`crate::db::Db`], and render a view. They never build SQL.

pub mod admin;
pub mod assets;
pub mod board;
pub mod builder;
pub mod form;
pub mod health;
pub mod imports;
pub mod mail;
pub mod media;
pub mod pages;
pub mod panels;
pub mod paper;
pub mod passwords;
pub mod privacy;
pub mod reports;
pub mod respond;
pub mod review;
pub mod settings;
pub mod sso;
pub mod staff;
pub mod surveys;
pub mod updates;
pub mod upload;
pub mod voices;

use actix_web::web;

/// Wires every route. Used by `heard serve` and the tests alike.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(pages::home)))
        .configure(health::configure)
        .configure(assets::configure)
        .configure(settings::configure)
        .configure(respond::configure)
        .configure(media::configure)
        .configure(mail::configure)
        .configure(updates::configure)
        .configure(passwords::configure)
        .configure(panels::configure)
        .configure(review::configure)
        .configure(paper::configure)
        .configure(admin::configure)
        .configure(privacy::configure)
        .configure(sso::configure)
        .configure(reports::configure)
        .configure(imports::configure)
        .configure(voices::configure)
        .configure(surveys::configure)
        .configure(board::configure)
        .configure(builder::configure)
        .configure(respond::configure_preview)
        .configure(staff::configure);
}
