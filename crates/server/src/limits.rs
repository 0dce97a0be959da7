//! Rate limits: per client IP on every route but `/healthz` and `/metrics`, and per API key on
//! the write and admin routes. Past a limit the answer is 429 `rate_limited` with
//! `Retry-After` (whole seconds).
//!
//! The client IP is the connection's peer address, unless the peer is one of the configured
//! trusted proxies: then it is the right-most `X-Forwarded-For` address that is not itself a
//! trusted proxy. `X-Forwarded-For` from anyone else is ignored, so a client cannot pick its
//! own bucket. Limits are GCRA buckets (`governor`): a steady rate with a burst allowance;
//! idle buckets are dropped every minute so the table stays small.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use warp::http::HeaderMap;
use warp::path::FullPath;
use warp::{Filter, Rejection};

use crate::state::AppState;

/// The connection's peer address, put in each request's extensions by the accept loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// A rate limit: a steady rate per second and the burst above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests allowed at once before the rate applies.
    pub burst: u32,
}

/// The rejection of a request over its limit: how long to wait.
#[derive(Debug)]
pub struct RateLimited(pub Duration);
impl warp::reject::Reject for RateLimited {}

/// The limiters of one server.
#[derive(Debug)]
pub struct Limiters {
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_key: Option<DefaultKeyedRateLimiter<String>>,
    trusted_proxies: Vec<IpAddr>,
    clock: DefaultClock,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(
    rate: Option<Rate>,
) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = rate?;
    let per_second = NonZeroU32::new(rate.per_second)?;
    let burst = NonZeroU32::new(rate.burst.max(rate.per_second))?;
    Some(RateLimiter::keyed(
        Quota::per_second(per_second).allow_burst(burst),
    ))
}

impl Limiters {
    /// Limiters for the given rates (`None` or a zero rate: no limit).
    pub fn new(
        per_ip: Option<Rate>,
        per_key: Option<Rate>,
        trusted_proxies: Vec<IpAddr>,
    ) -> Limiters {
        Limiters {
            per_ip: limiter(per_ip),
            per_key: limiter(per_key),
            trusted_proxies,
            clock: DefaultClock::default(),
        }
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse::<IpAddr>().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !self.trusted_proxies.contains(ip))
            .unwrap_or(peer)
    }

    /// Counts a request from `ip`; `Err(wait)` when over the limit.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        match &self.per_ip {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&ip)
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Counts a request made with the key `key_id`; `Err(wait)` when over the limit.
    pub fn check_key(&self, key_id: &str) -> Result<(), Duration> {
        match &self.per_key {
            None => Ok(()),
            Some(limiter) => limiter
                .check_key(&key_id.to_string())
                .map_err(|not_until| not_until.wait_time_from(self.clock.now())),
        }
    }

    /// Drops buckets that are back to full (called every minute by the server).
    pub fn forget_idle(&self) {
        for limiter in self.per_ip.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in self.per_key.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Passes requests within the client's per-IP limit; rejects the others with
/// [`RateLimited`]. Requests without a peer address (in-process tests) and the operations
/// routes are not limited.
pub fn per_ip(state: AppState) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::ext::optional::<PeerAddr>()
        .and(warp::path::full())
        .and(warp::header::headers_cloned())
        .and_then(
            move |peer: Option<PeerAddr>, path: FullPath, headers: HeaderMap| {
                let state = state.clone();
                async move {
                    let Some(PeerAddr(peer)) = peer else {
                        return Ok(());
                    };
                    if matches!(path.as_str(), "/healthz" | "/metrics") {
                        return Ok(());
                    }
                    let limits = state.limiters();
                    let ip = limits.client_ip(peer.ip(), &headers);
                    limits
                        .check_ip(ip)
                        .map_err(|wait| warp::reject::custom(RateLimited(wait)))
                }
            },
        )
        .untuple_one()
}

/// `Retry-After` seconds for a wait: at least 1.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let limits = Limiters::new(None, None, vec![proxy]);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.7, 198.51.100.2".parse().unwrap(),
        );
        // From the proxy: the right-most address that is not a trusted proxy.
        assert_eq!(
            limits.client_ip(proxy, &headers),
            "198.51.100.2".parse::<IpAddr>().unwrap()
        );
        // From anyone else: the header is ignored.
        let other: IpAddr = "192.0.2.9".parse().unwrap();
        assert_eq!(limits.client_ip(other, &headers), other);
        // The proxy's own address in the chain is skipped; garbage is ignored.
        headers.insert(
            "x-forwarded-for",
            "203.0.113.7, 10.0.0.1, junk".parse().unwrap(),
        );
        assert_eq!(
            limits.client_ip(proxy, &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        headers.clear();
        assert_eq!(limits.client_ip(proxy, &headers), proxy);
    }

    #[test]
    fn buckets_allow_the_burst_then_ask_to_wait() {
        let limits = Limiters::new(
            Some(Rate {
                per_second: 2,
                burst: 3,
            }),
            None,
            Vec::new(),
        );
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limits.check_ip(a).is_ok());
        }
        let wait = limits.check_ip(a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert_eq!(retry_after_seconds(wait), 1);
        assert!(limits.check_ip(b).is_ok(), "buckets are per client");
        assert!(limits.check_key("k").is_ok(), "no key limit configured");
        limits.forget_idle();
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
    }
}
