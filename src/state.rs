//! Shared application state: settings, the database handle, templates, the form-token signer,
//! and a cache of parsed survey definitions (checked against the stored hash on every use,
//! so an import is seen at once by every instance).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::config::Settings;
use crate::db::Db;
use crate::domain::SurveyDefinition;
use crate::security::FormTokens;
use crate::templates::Templates;

/// A wave's parsed definition, valid while its hash matches the stored one.
#[derive(Clone)]
pub struct CachedDefinition {
    pub hash: String,
    pub definition: Arc<SurveyDefinition>,
    pub partnership_name: String,
}

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub templates: &'static Templates,
    pub forms: FormTokens,
    definitions: RwLock<HashMap<String, CachedDefinition>>,
}

impl AppState {
    pub fn new(settings: Settings, db: Db, templates: &'static Templates, forms: FormTokens) -> Self {
        Self { settings, db, templates, forms, definitions: RwLock::new(HashMap::new()) }
    }

    pub fn cached_definition(&self, wave_id: &str, hash: &str) -> Option<CachedDefinition> {
        let map = self.definitions.read().ok()?;
        map.get(wave_id).filter(|c| c.hash == hash).cloned()
    }

    pub fn cache_definition(&self, wave_id: &str, entry: CachedDefinition) {
        if let Ok(mut map) = self.definitions.write() {
            map.insert(wave_id.to_owned(), entry);
        }
    }
}
