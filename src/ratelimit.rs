//! Rate limits per client, as token buckets kept in this process.
//!
//! Two limits, each per client address:
//! - **sign-in**: staff sign-in, forgotten-password and reset forms (POST). Guessing passwords
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
//! The client address is the connection's peer, or with `HEARD_TRUST_PROXY=true` the last
//! address in `X-Forwarded-For` added by the load balancer. With several instances each keeps
//! its own buckets, so the limit a client meets is per instance (documented in the README).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Which limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    SignIn,
    PublicPost,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Both limits' buckets.
pub struct Limiter {
    sign_in_per_minute: u32,
    public_per_minute: u32,
    buckets: Mutex<HashMap<(Limit, IpAddr), Bucket>>,
    code_failures: Mutex<HashMap<String, Bucket>>,
}

/// Wrong codes a wave takes at once before further tries wait.
pub const CODE_FAILURES_BURST: f64 = 60.0;
/// Wrong codes per minute a wave takes after that.
pub const CODE_FAILURES_PER_MINUTE: f64 = 10.0;

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

impl Limiter {
    pub fn new(sign_in_per_minute: u32, public_per_minute: u32) -> Self {
        Self {
            sign_in_per_minute,
            public_per_minute,
            buckets: Mutex::new(HashMap::new()),
            code_failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a code may be tried in `wave` now: refused while the wave's wrong codes are
    /// over the throttle. Call [`Limiter::code_failure`] after each wrong code.
    pub fn code_allowed(&self, wave: &str) -> Result<(), Refused> {
        self.code_allowed_at(wave, Instant::now())
    }

    fn code_allowed_at(&self, wave: &str, now: Instant) -> Result<(), Refused> {
        let Ok(mut map) = self.code_failures.lock() else { return Ok(()) };
        let Some(b) = map.get_mut(wave) else { return Ok(()) };
        let per_second = CODE_FAILURES_PER_MINUTE / 60.0;
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second).min(CODE_FAILURES_BURST);
        b.at = now;
        if b.tokens >= 1.0 {
            Ok(())
        } else {
            Err(Refused { retry_after: ((1.0 - b.tokens) / per_second).ceil().max(1.0) as u64 })
        }
    }

    /// Counts a wrong resume or receipt code typed in `wave`.
    pub fn code_failure(&self, wave: &str) {
        self.code_failure_at(wave, Instant::now());
    }

    fn code_failure_at(&self, wave: &str, now: Instant) {
        let Ok(mut map) = self.code_failures.lock() else { return };
        if map.len() > 10_000 {
            map.clear();
        }
        let per_second = CODE_FAILURES_PER_MINUTE / 60.0;
        let b = map.entry(wave.to_owned()).or_insert(Bucket { tokens: CODE_FAILURES_BURST, at: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second).min(CODE_FAILURES_BURST);
        b.at = now;
        b.tokens = (b.tokens - 1.0).max(0.0);
    }

    /// Which limit a request falls under, if any.
    pub fn classify(method: &str, path: &str) -> Option<Limit> {
        if method == "GET" && (path.starts_with("/i/") || path.starts_with("/u/")) {
            // Following an invitation or unsubscribe link writes.
            return Some(Limit::PublicPost);
        }
        if method != "POST" {
            return None;
        }
        if path == "/staff/sign-in" || path == "/staff/forgot" || path.starts_with("/staff/reset/") {
            return Some(Limit::SignIn);
        }
        (!path.starts_with("/staff")).then_some(Limit::PublicPost)
    }

    fn rule(&self, limit: Limit) -> Option<(f64, f64)> {
        let (per_minute, burst) = match limit {
            Limit::SignIn => (self.sign_in_per_minute, self.sign_in_per_minute),
            Limit::PublicPost => (self.public_per_minute, (self.public_per_minute / 5).max(1)),
        };
        (per_minute > 0).then(|| (f64::from(per_minute) / 60.0, f64::from(burst)))
    }

    /// Takes one token for this client, or says how long to wait.
    pub fn check(&self, limit: Limit, client: IpAddr) -> Result<(), Refused> {
        self.check_at(limit, client, Instant::now())
    }

    fn check_at(&self, limit: Limit, client: IpAddr, now: Instant) -> Result<(), Refused> {
        let Some((per_second, burst)) = self.rule(limit) else { return Ok(()) };
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        if buckets.len() > 100_000 {
            // Forget full buckets (idle clients) so the map stays small.
            buckets.retain(|(l, _), b| {
                let full = self.rule(*l).map_or(0.0, |r| r.1);
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < full
            });
        }
        let b = buckets.entry((limit, counted_as(client))).or_insert(Bucket { tokens: burst, at: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Refused { retry_after: ((1.0 - b.tokens) / per_second).ceil().max(1.0) as u64 })
        }
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

    use super::*;

    #[test]
    fn sign_in_allows_a_burst_then_refuses_then_refills() {
        let l = Limiter::new(10, 0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let t = Instant::now();
        for _ in 0..10 {
            assert!(l.check_at(Limit::SignIn, ip, t).is_ok());
        }
        let refused = l.check_at(Limit::SignIn, ip, t);
        assert_eq!(refused, Err(Refused { retry_after: 6 }));
        // Another address is not affected; public posts are unlimited here.
        assert!(l.check_at(Limit::SignIn, [10, 0, 0, 2].into(), t).is_ok());
        assert!(l.check_at(Limit::PublicPost, ip, t).is_ok());
        assert!(l.check_at(Limit::SignIn, ip, t + Duration::from_secs(6)).is_ok());
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let l = Limiter::new(2, 0);
        let t = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.check_at(Limit::SignIn, a, t).is_ok());
        assert!(l.check_at(Limit::SignIn, b, t).is_ok());
        assert!(l.check_at(Limit::SignIn, a, t).is_err(), "another address in the same /64 shares the bucket");
        assert!(l.check_at(Limit::SignIn, other, t).is_ok());
        let mapped: IpAddr = "::ffff:10.0.0.9".parse().unwrap();
        assert_eq!(counted_as(mapped), IpAddr::from([10, 0, 0, 9]));
    }

    #[test]
    fn wrong_codes_are_throttled_per_wave() {
        let l = Limiter::new(0, 0);
        let t = Instant::now();
        assert!(l.code_allowed_at("w", t).is_ok());
        for _ in 0..CODE_FAILURES_BURST as usize {
            assert!(l.code_allowed_at("w", t).is_ok());
            l.code_failure_at("w", t);
        }
        assert!(l.code_allowed_at("w", t).is_err(), "the wave waits");
        assert!(l.code_allowed_at("other", t).is_ok(), "other waves do not");
        assert!(l.code_allowed_at("w", t + Duration::from_secs(7)).is_ok(), "refills at 10 a minute");
    }

    #[test]
    fn classifies_and_trusts_the_proxy_only_when_told() {
        assert_eq!(Limiter::classify("POST", "/staff/sign-in"), Some(Limit::SignIn));
        assert_eq!(Limiter::classify("POST", "/staff/reset/abc"), Some(Limit::SignIn));
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
