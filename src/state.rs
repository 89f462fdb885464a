//! Shared application state: settings, the database handle, templates, the form-token signer,
//! and three caches for the respondent pages:
//! - parsed survey definitions, checked against the stored hash on every use;
//! - waves by slug and a question's recording and pictures, each kept for
//!   [`FRESH_FOR`] at most, and dropped at once by any staff change in this instance (see
//!   [`AppState::forget_cached`]). Another instance behind the same load balancer sees a
//!   change (a wave closed, a recording added) within that time.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

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

/// How long a cached wave or question media entry is trusted.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// A small map whose entries go stale after [`FRESH_FOR`].
pub struct Fresh<K, V> {
    map: RwLock<HashMap<K, (Instant, V)>>,
}

impl<K: std::hash::Hash + Eq, V: Clone> Fresh<K, V> {
    fn new() -> Self {
        Self { map: RwLock::new(HashMap::new()) }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.read().ok()?;
        map.get(key).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if let Ok(mut map) = self.map.write() {
            if map.len() > 10_000 {
                // Bounded: stale entries go first, everything if need be.
                map.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
                if map.len() > 10_000 {
                    map.clear();
                }
            }
            map.insert(key, (Instant::now(), value));
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.write() {
            map.clear();
        }
    }
}

/// Key of a question's media: wave id, audience, language, question key, picture names.
pub type MediaKey = (String, String, String, String, Vec<String>);

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub templates: &'static Templates,
    pub forms: FormTokens,
    /// The key resume and receipt codes are hashed and sealed with.
    pub codes: crate::domain::codes::CodeKey,
    definitions: RwLock<HashMap<String, CachedDefinition>>,
    /// Waves by slug.
    pub waves: Fresh<String, crate::models::survey::WaveRow>,
    /// A question's recording and pictures.
    pub media: Fresh<MediaKey, crate::models::media::QuestionMedia>,
    pub metrics: crate::metrics::Metrics,
    pub limiter: crate::ratelimit::Limiter,
    /// The live tallies' shared pollers and open streams.
    pub tally_streams: crate::live::TallyStreams,
}

impl AppState {
    pub fn new(
        settings: Settings,
        db: Db,
        templates: &'static Templates,
        forms: FormTokens,
        codes: crate::domain::codes::CodeKey,
        metrics: crate::metrics::Metrics,
    ) -> Self {
        let limiter = crate::ratelimit::Limiter::new(settings.sign_in_per_minute, settings.public_posts_per_minute);
        Self {
            settings,
            db,
            templates,
            forms,
            codes,
            definitions: RwLock::new(HashMap::new()),
            waves: Fresh::new(),
            media: Fresh::new(),
            metrics,
            limiter,
            tally_streams: Default::default(),
        }
    }

    /// Drops the short-lived caches: called after every staff request that may change
    /// something, so this instance's respondents see the change at once.
    pub fn forget_cached(&self) {
        self.waves.clear();
        self.media.clear();
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
