//! Live pages' shared state: the pollers and stream places behind the live tally's event
//! stream (`GET /staff/panels/{id}/events`, served by `routes::panels`), shared so a room
//! full of open projector tabs costs the database what one does. Process state held in
//! [`crate::state::AppState`], not a route.
//!
//! - **One poller per panel session**, not per stream: the first stream starts a task that
//!   reads the session's fingerprint every [`POLL`] and publishes it on a `watch` channel;
//!   every stream of that session subscribes. The task stops when its last stream goes, or
//!   when the session ends (its streams are then told `end` and closed).
//! - **A cap per signed-in session**: at most [`PER_SIGN_IN`] streams at once (a projector
//!   and a laptop, with room to spare). Opening one more ends that sign-in's oldest stream at
//!   once, so a tab closed without a goodbye never locks its owner out, and one person can
//!   never hold more than the cap, however many they open.
//! - **The sign-in is checked again** every [`RECHECK`]: a stream stops soon after its
//!   person signs out, is removed or times out.
//!
//! A stream only ever says "changed": the page then fetches the server-rendered tally, so no
//! answer is assembled by script.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use crate::db::Db;
use crate::error::AppError;

/// How often a session's poller reads the database.
pub const POLL: Duration = Duration::from_secs(2);
/// How often a stream re-checks that its person is still signed in.
pub const RECHECK: Duration = Duration::from_secs(30);
/// The most streams one sign-in may hold open at once.
pub const PER_SIGN_IN: usize = 4;
/// A stream ends after this long in any case (browsers reconnect by themselves).
pub const LONGEST: Duration = Duration::from_secs(4 * 3600);

/// What a poller publishes: the tally's fingerprint, or that the session has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beat {
    /// Not read yet.
    Unknown,
    Tally(String),
    Ended,
}

/// Each sign-in's open streams: an id and the bell that ends it.
type OpenStreams = HashMap<String, Vec<(u64, Arc<Notify>)>>;

/// The pollers and open streams of this process.
#[derive(Default)]
pub struct TallyStreams {
    pollers: Mutex<HashMap<String, watch::Receiver<Beat>>>,
    open: Arc<Mutex<OpenStreams>>,
    next: AtomicU64,
}

/// Held by a stream while it is open; gives its place back when dropped. `stop` is
/// notified when a newer stream of the same sign-in takes the place.
pub struct Slot {
    open: Arc<Mutex<OpenStreams>>,
    key: String,
    id: u64,
    pub stop: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(held) = open.get_mut(&self.key)
        {
            held.retain(|(id, _)| *id != self.id);
            if held.is_empty() {
                open.remove(&self.key);
            }
        }
    }
}

/// Reads a session's fingerprint: `None` once the session has ended or is gone.
pub type Fingerprint = Arc<dyn Fn(&mut crate::db::DbConnection) -> Result<Option<String>, AppError> + Send + Sync>;

impl TallyStreams {
    /// Takes one of the `PER_SIGN_IN` places of the sign-in keyed `who` (a hash of its
    /// session), ending its oldest stream when all are taken.
    pub fn take_slot(&self, who: &str) -> Result<Slot, AppError> {
        let mut open = self.open.lock().map_err(|e| AppError::internal(e.to_string()))?;
        let held = open.entry(who.to_owned()).or_default();
        while held.len() >= PER_SIGN_IN {
            let (_, oldest) = held.remove(0);
            oldest.notify_one();
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let stop = Arc::new(Notify::new());
        held.push((id, Arc::clone(&stop)));
        Ok(Slot { open: Arc::clone(&self.open), key: who.to_owned(), id, stop })
    }

    /// How many streams are open for the sign-in keyed `who`.
    pub fn open_for(&self, who: &str) -> usize {
        self.open.lock().map(|o| o.get(who).map_or(0, Vec::len)).unwrap_or(0)
    }

    /// Subscribes to the session's poller, starting it if none runs.
    pub fn subscribe(&self, db: &Db, session_id: &str, read: Fingerprint) -> Result<watch::Receiver<Beat>, AppError> {
        let mut pollers = self.pollers.lock().map_err(|e| AppError::internal(e.to_string()))?;
        pollers.retain(|_, rx| rx.has_changed().is_ok());
        if let Some(rx) = pollers.get(session_id) {
            return Ok(rx.clone());
        }
        let (tx, rx) = watch::channel(Beat::Unknown);
        pollers.insert(session_id.to_owned(), rx.clone());
        let db = db.clone();
        actix_web::rt::spawn(async move {
            let started = Instant::now();
            loop {
                let read = Arc::clone(&read);
                let beat = match db.run(move |c| read(c)).await {
                    Ok(Some(fingerprint)) => Beat::Tally(fingerprint),
                    Ok(None) => Beat::Ended,
                    // A passing database error: try again next time.
                    Err(_) => {
                        tokio::time::sleep(POLL).await;
                        continue;
                    }
                };
                let ended = beat == Beat::Ended;
                tx.send_if_modified(|old| {
                    let changed = *old != beat;
                    *old = beat;
                    changed
                });
                // Ended, or nobody but the registry's own receiver listens: stop. The
                // registry forgets a poller whose sender is gone.
                if ended || tx.receiver_count() <= 1 || started.elapsed() > LONGEST {
                    break;
                }
                tokio::time::sleep(POLL).await;
            }
        });
        Ok(rx)
    }

    /// How many pollers are running (for tests and metrics).
    pub fn pollers(&self) -> usize {
        self.pollers
            .lock()
            .map(|mut p| {
                p.retain(|_, rx| rx.has_changed().is_ok());
                p.len()
            })
            .unwrap_or(0)
    }
}
