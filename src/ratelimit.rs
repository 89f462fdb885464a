//! Rate limits per client, kept in this process with the `governor` crate: GCRA, which behaves
//! as a bucket of tokens refilled continuously (a burst at once, then a steady rate), with one
//! state per key in a concurrent map.
//!
//! Two limits, each per client address:
//! - **sign-in**: staff sign-in (the password, and the two-factor code after it),
//!   forgotten-password and reset forms (POST), and single sign-on's start and callback (GET). Guessing passwords
//!   from one address is slowed to `HEARD_SIGN_IN_PER_MINUTE` (default 10, bursts of 10);
//!   each account also locks after repeated failures (see `models::account`).
//! - **public POST**: every other POST from the public pages (answers, joining a panel,
//!   deletion by receipt...). A whole school can answer in the same assembly from one
//!   address, so this is generous: `HEARD_PUBLIC_POSTS_PER_MINUTE` (default 3,000, bursts of
//!   600: 300 pupils pressing Continue at once pass). `0` turns a limit off.
//!
//! Invitation and unsubscribe links (`GET /i/…`, `GET /u/…`) change things, so they count as
//! public posts. An IPv6 client is counted by its /64 network, since one household or phone
//! is handed a whole /64 and can rotate through it. And codes have a throttle of their own
//! **per wave**, whatever the addresses ([`Limiter::code_failure`]): after
//! [`CODE_FAILURES_BURST`] wrong resume or receipt codes in a wave, further tries in that wave
//! wait, so guessing from many addresses at once gains nothing.
//!
//! A refusal says how long to wait: the time until the next try would be let through, rounded
//! up to whole seconds (at least 1). Memory stays bounded: clients (and waves) whose state is
//! no different from a fresh one are forgotten once the maps grow large.
//!
//! The client address is the connection's peer, or with `HEARD_TRUST_PROXY=true` the last
//! address in `X-Forwarded-For` added by the load balancer. With several instances each keeps
//! its own state, so the limit a client meets is per instance (documented in the README).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::{NoOpMiddleware, RateLimitingMiddleware, StateInformationMiddleware};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    SignIn,
    PublicPost,
}

/// Wrong codes a wave takes at once before further tries wait.
pub const CODE_FAILURES_BURST: u32 = 60;
/// Wrong codes per minute a wave takes after that.
pub const CODE_FAILURES_PER_MINUTE: u32 = 10;

/// Clients a limit keeps before it forgets the idle ones.
const MAX_CLIENTS: usize = 100_000;
/// Waves the code throttle keeps before it forgets the idle ones.
const MAX_WAVES: usize = 10_000;
/// A limit looks at its size once in this many checks (counting a concurrent map's entries
/// takes each of its locks, too dear for every request).
const SIZE_CHECK_EVERY: u32 = 1024;

/// One limit's state per counted client address.
struct PerClient<C: Clock> {
    limiter: RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    checks: AtomicU32,
}

impl<C: Clock> PerClient<C> {
    /// Forgets idle clients when there are many (looked at once in [`SIZE_CHECK_EVERY`] checks).
    fn forget_idle_if_large(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed).is_multiple_of(SIZE_CHECK_EVERY)
            && self.limiter.len() > MAX_CLIENTS
        {
            forget_idle(&self.limiter);
        }
    }
}

/// Forgets the keys whose state is no different from a fresh one (a full bucket), and gives
/// the room back.
fn forget_idle<K, C, MW>(limiter: &RateLimiter<K, DefaultKeyedStateStore<K>, C, MW>)
where
    K: Hash + Eq + Clone,
    C: Clock,
    MW: RateLimitingMiddleware<C::Instant>,
{
    limiter.retain_recent();
    limiter.shrink_to_fit();
}

/// Both limits, and the per-wave throttle on wrong codes. `C` is the clock (tests use a fake
/// one).
pub struct Limiter<C: Clock = DefaultClock> {
    sign_in: Option<PerClient<C>>,
    public: Option<PerClient<C>>,
    /// Wrong codes per wave; a positive answer says how many more the wave takes at once.
    code_failures: Option<RateLimiter<String, DefaultKeyedStateStore<String>, C, StateInformationMiddleware>>,
    /// Waves whose wrong codes used up the throttle, with when the next try may come.
    /// (governor answers "may one more pass?" only by letting it pass, and a try must not
    /// count until its code has turned out wrong, so the wait is kept here.)
    code_waits: Mutex<HashMap<String, C::Instant>>,
    clock: C,
}

/// The address a client is counted by: an IPv4 address, or an IPv6 address's /64 network
/// (an IPv4-mapped IPv6 address counts as its IPv4 address).
pub fn counted_as(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Refused: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: u64,
}

/// A rate of `per_minute` with bursts of `burst`; `None` (no limit) when either is 0.
fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    Some(Quota::per_minute(NonZeroU32::new(per_minute)?).allow_burst(NonZeroU32::new(burst)?))
}

/// A wait in whole seconds, rounded up, at least 1 (what `Retry-After` says).
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl Limiter {
    /// The limits per minute from the settings (`0` turns one off), on the real clock.
    pub fn new(sign_in_per_minute: u32, public_per_minute: u32) -> Self {
        Self::with_clock(sign_in_per_minute, public_per_minute, DefaultClock::default())
    }

    /// Which limit a request falls under, if any.
    pub fn classify(method: &str, path: &str) -> Option<Limit> {
        if method == "GET" && (path.starts_with("/i/") || path.starts_with("/u/")) {
            // Following an invitation or unsubscribe link writes.
            return Some(Limit::PublicPost);
        }
        if method == "GET" && path.starts_with("/staff/sso/") {
            // Starting a single sign-on stores a pending sign-in, and its answer is checked
            // with the provider: both count as signing in.
            return Some(Limit::SignIn);
        }
        if method != "POST" {
            return None;
        }
        if path == "/staff/sign-in"
            || path.starts_with("/staff/sign-in/")
            || path == "/staff/forgot"
            || path.starts_with("/staff/reset/")
        {
            return Some(Limit::SignIn);
        }
        (!path.starts_with("/staff")).then_some(Limit::PublicPost)
    }
}

impl<C: Clock + Clone> Limiter<C> {
    /// As [`Limiter::new`], on `clock`.
    pub fn with_clock(sign_in_per_minute: u32, public_per_minute: u32, clock: C) -> Self {
        let per_client = |quota: Option<Quota>| {
            quota.map(|q| PerClient {
                limiter: RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone()),
                checks: AtomicU32::new(1),
            })
        };
        Self {
            // Sign-in: bursts of a minute's worth. Public posts: of a fifth of a minute's.
            sign_in: per_client(quota(sign_in_per_minute, sign_in_per_minute)),
            public: per_client(quota(public_per_minute, (public_per_minute / 5).max(1))),
            code_failures: quota(CODE_FAILURES_PER_MINUTE, CODE_FAILURES_BURST)
                .map(|q| RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone())),
            code_waits: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Takes one token for this client, or says how long to wait.
    pub fn check(&self, limit: Limit, client: IpAddr) -> Result<(), Refused> {
        let per_client = match limit {
            Limit::SignIn => &self.sign_in,
            Limit::PublicPost => &self.public,
        };
        let Some(per_client) = per_client else { return Ok(()) };
        per_client.forget_idle_if_large();
        per_client
            .limiter
            .check_key(&counted_as(client))
            .map_err(|not_until| Refused { retry_after: whole_seconds(not_until.wait_time_from(self.clock.now())) })
    }

    /// Whether a code may be tried in `wave` now: refused while the wave's wrong codes are
    /// over the throttle. Call [`Limiter::code_failure`] after each wrong code.
    pub fn code_allowed(&self, wave: &str) -> Result<(), Refused> {
        let Ok(mut waits) = self.code_waits.lock() else { return Ok(()) };
        let Some(until) = waits.get(wave).copied() else { return Ok(()) };
        let now = self.clock.now();
        if until > now {
            return Err(Refused { retry_after: whole_seconds(until.duration_since(now).into()) });
        }
        waits.remove(wave);
        Ok(())
    }

    /// Counts a wrong resume or receipt code typed in `wave`.
    pub fn code_failure(&self, wave: &str) {
        let Some(failures) = &self.code_failures else { return };
        if failures.len() > MAX_WAVES {
            forget_idle(failures);
        }
        let wave = wave.to_owned();
        let next_try = match failures.check_key(&wave) {
            Ok(state) if state.remaining_burst_capacity() > 0 => return,
            // That was the last wrong code the wave takes for now. When the next may come is
            // told only by a refusal, and a refused check changes nothing, so ask again. (Only
            // if a token came back in the instant between would it be taken: a stricter
            // throttle by one code, never a looser one.)
            Ok(_) => match failures.check_key(&wave) {
                Err(not_until) => not_until.earliest_possible(),
                Ok(_) => return,
            },
            // Tries already under way when the wave ran out.
            Err(not_until) => not_until.earliest_possible(),
        };
        let Ok(mut waits) = self.code_waits.lock() else { return };
        if waits.len() > MAX_WAVES {
            let now = self.clock.now();
            waits.retain(|_, until| *until > now);
            if waits.len() > MAX_WAVES {
                waits.clear();
            }
        }
        waits.insert(wave, next_try);
    }

    /// Forgets every client and wave whose state is no different from a fresh one, whatever
    /// the sizes.
    #[cfg(test)]
    fn forget_all_idle(&self) {
        for per_client in [&self.sign_in, &self.public].into_iter().flatten() {
            forget_idle(&per_client.limiter);
        }
        if let Some(failures) = &self.code_failures {
            forget_idle(failures);
        }
        if let Ok(mut waits) = self.code_waits.lock() {
            let now = self.clock.now();
            waits.retain(|_, until| *until > now);
        }
    }

    /// Clients and waves held in memory.
    #[cfg(test)]
    fn remembered(&self) -> usize {
        let clients: usize = [&self.sign_in, &self.public].into_iter().flatten().map(|p| p.limiter.len()).sum();
        let waves = self.code_failures.as_ref().map_or(0, |f| f.len());
        clients + waves + self.code_waits.lock().map_or(0, |w| w.len())
    }
}

/// The client's address: the peer, or the load balancer's last `X-Forwarded-For` entry when
/// Heard is told to trust it.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trust_proxy: bool) -> Option<IpAddr> {
    if trust_proxy
        && let Some(ip) = forwarded_for.and_then(|v| v.rsplit(',').next()).and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    peer
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    use super::*;

    /// A limiter on a clock the test moves.
    fn at_rest(sign_in: u32, public: u32) -> (Limiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (Limiter::with_clock(sign_in, public, clock.clone()), clock)
    }

    #[test]
    fn sign_in_allows_a_burst_then_refuses_then_refills() {
        let (l, clock) = at_rest(10, 0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..10 {
            assert!(l.check(Limit::SignIn, ip).is_ok());
        }
        let refused = l.check(Limit::SignIn, ip);
        assert_eq!(refused, Err(Refused { retry_after: 6 }));
        // Another address is not affected; public posts are unlimited here.
        assert!(l.check(Limit::SignIn, [10, 0, 0, 2].into()).is_ok());
        assert!(l.check(Limit::PublicPost, ip).is_ok());
        clock.advance(Duration::from_secs(6));
        assert!(l.check(Limit::SignIn, ip).is_ok());
    }

    #[test]
    fn public_posts_burst_a_fifth_of_a_minute_and_waits_round_up() {
        let (l, clock) = at_rest(0, 35);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..7 {
            assert!(l.check(Limit::PublicPost, ip).is_ok());
        }
        // 35 a minute: one every 1.714… seconds, told as 2.
        assert_eq!(l.check(Limit::PublicPost, ip), Err(Refused { retry_after: 2 }));
        clock.advance(Duration::from_millis(1700));
        assert_eq!(l.check(Limit::PublicPost, ip), Err(Refused { retry_after: 1 }), "never 0");
        clock.advance(Duration::from_millis(15));
        assert!(l.check(Limit::PublicPost, ip).is_ok());
        assert!(l.check(Limit::SignIn, ip).is_ok(), "sign-in is unlimited here");
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let (l, _clock) = at_rest(2, 0);
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.check(Limit::SignIn, a).is_ok());
        assert!(l.check(Limit::SignIn, b).is_ok());
        assert!(l.check(Limit::SignIn, a).is_err(), "another address in the same /64 shares the bucket");
        assert!(l.check(Limit::SignIn, other).is_ok());
        let mapped: IpAddr = "::ffff:10.0.0.9".parse().unwrap();
        assert_eq!(counted_as(mapped), IpAddr::from([10, 0, 0, 9]));
    }

    #[test]
    fn wrong_codes_are_throttled_per_wave() {
        let (l, clock) = at_rest(0, 0);
        assert!(l.code_allowed("w").is_ok());
        for _ in 0..CODE_FAILURES_BURST as usize {
            assert!(l.code_allowed("w").is_ok());
            l.code_failure("w");
        }
        assert!(l.code_allowed("w").is_err(), "the wave waits");
        assert!(l.code_allowed("other").is_ok(), "other waves do not");
        clock.advance(Duration::from_secs(7));
        assert!(l.code_allowed("w").is_ok(), "refills at 10 a minute");
    }

    #[test]
    fn after_the_burst_a_wave_takes_one_wrong_code_per_refill() {
        let (l, clock) = at_rest(0, 0);
        for _ in 0..CODE_FAILURES_BURST {
            l.code_failure("w");
        }
        assert_eq!(l.code_allowed("w"), Err(Refused { retry_after: 6 }));
        clock.advance(Duration::from_secs(6));
        assert!(l.code_allowed("w").is_ok());
        l.code_failure("w");
        assert_eq!(l.code_allowed("w"), Err(Refused { retry_after: 6 }), "one token came back, one was taken");
        clock.advance(Duration::from_millis(2500));
        assert_eq!(l.code_allowed("w"), Err(Refused { retry_after: 4 }), "the wait counts down, rounded up");
        // Tries alone (right codes) take nothing.
        clock.advance(Duration::from_millis(3500));
        for _ in 0..100 {
            assert!(l.code_allowed("w").is_ok());
        }
    }

    #[test]
    fn idle_clients_and_waves_are_forgotten() {
        let (l, clock) = at_rest(10, 100);
        for i in 0..50u8 {
            assert!(l.check(Limit::PublicPost, [10, 0, 0, i].into()).is_ok());
        }
        assert!(l.check(Limit::SignIn, [10, 0, 1, 1].into()).is_ok());
        for _ in 0..CODE_FAILURES_BURST {
            l.code_failure("w");
        }
        // 50 + 1 clients, the wave's wrong codes and its wait.
        assert_eq!(l.remembered(), 53);
        l.forget_all_idle();
        assert_eq!(l.remembered(), 53, "nothing is forgotten while it still counts");
        clock.advance(Duration::from_secs(3600));
        l.forget_all_idle();
        assert_eq!(l.remembered(), 0);
    }

    #[test]
    fn classifies_and_trusts_the_proxy_only_when_told() {
        assert_eq!(Limiter::classify("POST", "/staff/sign-in"), Some(Limit::SignIn));
        assert_eq!(Limiter::classify("POST", "/staff/reset/abc"), Some(Limit::SignIn));
        assert_eq!(Limiter::classify("POST", "/staff/sign-in/code"), Some(Limit::SignIn));
        assert_eq!(Limiter::classify("GET", "/staff/sso/torbay"), Some(Limit::SignIn));
        assert_eq!(Limiter::classify("GET", "/staff/sso"), None, "the settings page is not signing in");
        assert_eq!(Limiter::classify("POST", "/staff/waves/x/close"), None);
        assert_eq!(Limiter::classify("POST", "/s/w/q/k"), Some(Limit::PublicPost));
        assert_eq!(Limiter::classify("GET", "/s/w/q/k"), None);
        assert_eq!(Limiter::classify("GET", "/i/token"), Some(Limit::PublicPost));
        assert_eq!(Limiter::classify("GET", "/u/token"), Some(Limit::PublicPost));
        let peer: IpAddr = [127, 0, 0, 1].into();
        assert_eq!(client_address(Some(peer), Some("1.2.3.4, 5.6.7.8"), false), Some(peer));
        assert_eq!(client_address(Some(peer), Some("1.2.3.4, 5.6.7.8"), true), Some([5, 6, 7, 8].into()));
        assert_eq!(client_address(Some(peer), Some("nonsense"), true), Some(peer));
    }
}
