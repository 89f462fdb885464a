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
use crate::db::{Db, WaveId};
use crate::domain::SurveyDefinition;
use crate::models::StoreError;
use crate::models::survey::{Wave, WavePartnership, WaveRow};
use crate::security::FormTokens;
use crate::templates::Templates;

/// A wave's parsed definition and partnership, valid while its hash matches the stored one.
#[derive(Clone)]
struct CachedDefinition {
    hash: String,
    definition: Arc<SurveyDefinition>,
    partnership: WavePartnership,
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
pub type MediaKey = (WaveId, String, String, String, Vec<String>);

pub struct AppState {
    pub settings: Settings,
    pub db: Db,
    pub templates: &'static Templates,
    pub forms: FormTokens,
    /// The key resume and receipt codes are hashed and sealed with.
    pub codes: crate::domain::codes::CodeKey,
    definitions: RwLock<HashMap<WaveId, CachedDefinition>>,
    /// The easy-read checker's reports, by (definition hash, audience, language): a
    /// definition never changes under its hash, so a report stays right until the wave is
    /// saved again (the builder's pages ask for them on every view).
    easy_read: RwLock<HashMap<(String, String, String), Arc<crate::domain::easyread::VersionReport>>>,
    /// Waves by slug.
    waves: Fresh<String, WaveRow>,
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
            easy_read: RwLock::new(HashMap::new()),
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

    /// The easy-read checker's report on one audience's version of a wave in one language,
    /// from the cache while the wave's definition is unchanged. The cache is emptied when it
    /// holds more than 512 reports, so it never grows with time.
    pub fn easy_read(&self, wave: &Wave, audience: &str, lang: &str) -> Arc<crate::domain::easyread::VersionReport> {
        use crate::domain::easyread::{Reader, check_version};
        let key = (wave.row.definition_hash.clone(), audience.to_owned(), lang.to_owned());
        if let Some(r) = self.easy_read.read().ok().and_then(|m| m.get(&key).cloned()) {
            return r;
        }
        let reader = if wave.definition.audience(audience).is_some_and(|a| a.easy_read) {
            Reader::YoungPeople
        } else {
            Reader::Parents
        };
        let report = Arc::new(check_version(&wave.definition, audience, lang, reader));
        if let Ok(mut m) = self.easy_read.write() {
            if m.len() >= 512 {
                m.clear();
            }
            m.insert(key, report.clone());
        }
        report
    }

    /// A wave by its slug, whole (see [`Wave`]), or `None` when there is no such wave. The
    /// row comes from the short-lived cache or a quick read; the parsed definition from the
    /// cache while its hash matches, else it is read and parsed on a blocking thread, never
    /// on the async workers (a large survey takes a second to parse), with the deployment's
    /// one text limit.
    pub async fn wave(&self, slug: &str) -> Result<Option<Wave>, StoreError> {
        if crate::domain::Slug::parse(slug, "wave").is_err() {
            return Ok(None);
        }
        let row = match self.waves.get(&slug.to_owned()) {
            Some(row) => row,
            None => {
                let owned = slug.to_owned();
                let found = self.db.read(move |c| crate::models::survey::find_wave(c, &owned)).await?;
                let Some(row) = found else { return Ok(None) };
                self.waves.put(slug.to_owned(), row.clone());
                row
            }
        };
        let cached = self
            .definitions
            .read()
            .ok()
            .and_then(|map| map.get(&row.id).filter(|c| c.hash == row.definition_hash).cloned());
        if let Some(c) = cached {
            return Ok(Some(Wave { row, partnership: c.partnership, definition: c.definition }));
        }
        let limit = self.settings.max_text_graphemes;
        let wave = self.db.run(move |c| crate::models::survey::load(c, row, limit)).await?;
        if let Ok(mut map) = self.definitions.write() {
            let entry = CachedDefinition {
                hash: wave.row.definition_hash.clone(),
                definition: wave.definition.clone(),
                partnership: wave.partnership.clone(),
            };
            map.insert(wave.row.id.clone(), entry);
        }
        Ok(Some(wave))
    }
}
