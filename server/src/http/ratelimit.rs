//! Per-client rate limiting: who the client is (the socket peer, or what a trusted proxy says
//! it forwarded for) and a token bucket per client with bounded memory.
//!
//! Forwarded headers are believed only when the socket peer is one of the configured proxies.
//! Exactly one header is read, the one the proxies are configured to write
//! ([`ForwardedHeader`]: `X-Forwarded-For` unless told otherwise, since nginx, HAProxy, Caddy,
//! Traefik, Envoy and the cloud load balancers append it). When a request carries both, the
//! other one is ignored whole and never used as a fallback: a proxy that appends only
//! `X-Forwarded-For` passes a client's own `Forwarded` through untouched, so believing it would
//! let every client pick its own address (issue 17). The chain is walked from the right, the
//! entry the nearest proxy added, leftwards only while the entry is itself a trusted proxy:
//! whatever a client wrote before our proxies stays to the left of the first untrusted hop and
//! is never used, so a spoofed header does not buy a fresh allowance.

// std's HashMap (SipHash under a random key) on purpose, not Fx: clients choose their
// addresses, and an unkeyed hash would let them choose ones that collide.
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

/// Requests per minute per client, and how many may come at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

/// Which header trusted proxies write the client's address into; the other is never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …`: what almost every proxy appends by default.
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`, for proxies set up to write it.
    Forwarded,
}

impl ForwardedHeader {
    pub fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }
}

impl FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<ForwardedHeader, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err("expected `x-forwarded-for` or `forwarded`".into()),
        }
    }
}

/// The client of a request that arrived without a socket address (in-process tests).
pub const LOCAL_CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// How many clients the limiter remembers at most; beyond it, forgotten clients start afresh.
pub const MAX_CLIENTS: usize = 100_000;

/// An address range (`10.0.0.0/8`, `::1/128`) or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask32(u32::from(net), self.prefix) == mask32(u32::from(ip), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask128(u128::from(net), self.prefix) == mask128(u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }
}

fn mask32(bits: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        bits & (u32::MAX << (32 - u32::from(prefix)))
    }
}

fn mask128(bits: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix)))
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<IpNet, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = canonical(
            addr.parse::<IpAddr>()
                .map_err(|_| "not an IP address or CIDR range such as 10.0.0.0/8".to_string())?,
        );
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("the prefix length must be 0 to {max}"))?,
        };
        Ok(IpNet { addr, prefix })
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client a request is from: the socket peer, unless the peer is a trusted proxy, in which
/// case the nearest hop in `header` that is not a trusted proxy.
pub fn client_ip(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> IpAddr {
    let peer = canonical(peer.map_or(LOCAL_CLIENT, |p| p.ip()));
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_hops(headers, header).into_iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(ip);
                if !is_trusted(client) {
                    break;
                }
            }
            // An unreadable hop ("unknown", garbage): nothing to its left can be believed.
            None => break,
        }
    }
    client
}

/// The forwarded-for chain in `header`, nearest hop last; several header lines are one list,
/// in order.
fn forwarded_hops(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let values: Vec<&str> = headers
        .get_all(header.name())
        .iter()
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .collect();
    let joined = values.join(",");
    if values.is_empty() {
        return Vec::new();
    }
    match header {
        ForwardedHeader::Forwarded => joined
            .split(',')
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_hop(value.trim().trim_matches('"')))
                })?
            })
            .collect(),
        ForwardedHeader::XForwardedFor => {
            joined.split(',').map(|hop| parse_hop(hop.trim())).collect()
        }
    }
}

/// `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:80`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Some(rest) = hop.strip_prefix('[') {
        return rest
            .split_once(']')?
            .0
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6);
    }
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The key a client is counted under: IPv6 clients by their /64, since one subscriber
/// usually holds a whole /64 and could otherwise rotate through it.
fn key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(mask128(u128::from(v6), 64))),
        v4 => v4,
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client: `burst` tokens, refilled at `per_minute / 60` a second.
pub struct RateLimiter {
    limit: RateLimit,
    max_clients: usize,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        Self::with_capacity(limit, MAX_CLIENTS)
    }

    pub fn with_capacity(limit: RateLimit, max_clients: usize) -> RateLimiter {
        RateLimiter {
            limit,
            max_clients: max_clients.max(2),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    /// Takes a token for `client`, or says how long until one is available.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = key(client);
        let burst = f64::from(self.limit.burst);
        let rate = self.per_second();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= self.max_clients && !buckets.contains_key(&key) {
            self.evict(&mut buckets, now);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }

    /// How full a bucket is now.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second()).min(f64::from(self.limit.burst))
    }

    /// Makes room by forgetting half the clients. Forgetting a client hands it a full
    /// allowance again, so the ones forgotten are those whose buckets are fullest (clients
    /// that have refilled completely lose nothing); the clients being held back are kept.
    fn evict(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Instant) {
        let keep = self.max_clients / 2;
        let Some(excess) = buckets.len().checked_sub(keep).filter(|n| *n > 0) else {
            return;
        };
        let mut levels: Vec<(f64, IpAddr)> = buckets
            .iter()
            .map(|(key, bucket)| (self.level(bucket, now), *key))
            .collect();
        levels.select_nth_unstable_by(excess - 1, |a, b| b.0.total_cmp(&a.0));
        for (_, key) in &levels[..excess] {
            buckets.remove(key);
        }
    }

    /// How many clients are remembered.
    pub fn clients(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        let table = [
            ("10.0.0.0/8", "10.200.3.4", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("10.1.2.3", "10.1.2.3", true),
            ("10.1.2.3", "10.1.2.4", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("::1", "::1", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("127.0.0.1", "::ffff:127.0.0.1", true),
            ("::ffff:127.0.0.1", "127.0.0.1", true),
            ("10.0.0.0/8", "::1", false),
        ];
        for (net, addr, expected) in table {
            let net: IpNet = net.parse().unwrap();
            assert_eq!(net.contains(ip(addr)), expected, "{net:?} ∋ {addr}");
        }
        for bad in [
            "",
            "proxy",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/x",
            "1.2.3.4/",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad:?} parsed");
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    /// The socket peer, the request's headers, the client expected.
    type Case<'a> = (Option<SocketAddr>, &'a [(&'a str, &'a str)], &'a str);

    /// One proxy set-up of the README: what is trusted, which header the proxies write, and
    /// requests as they arrive with the client each is counted as.
    struct SetUp<'a> {
        name: &'a str,
        trusted: &'a [&'a str],
        header: ForwardedHeader,
        cases: &'a [Case<'a>],
    }

    #[test]
    fn each_proxy_set_up_counts_the_real_client() {
        let peer = |s: &str| Some(SocketAddr::new(ip(s), 4000));
        #[rustfmt::skip]
        let set_ups = [
            SetUp {
                name: "no proxy: headers are ignored, whatever they say",
                trusted: &[],
                header: ForwardedHeader::XForwardedFor,
                cases: &[
                    (peer("203.0.113.5"), &[("x-forwarded-for", "1.2.3.4")], "203.0.113.5"),
                    (peer("203.0.113.5"), &[("forwarded", "for=1.2.3.4")], "203.0.113.5"),
                    (None, &[("x-forwarded-for", "1.2.3.4")], "127.0.0.1"),
                ],
            },
            SetUp {
                name: "nginx appending X-Forwarded-For (its default)",
                trusted: &["10.0.0.1"],
                header: ForwardedHeader::XForwardedFor,
                cases: &[
                    (peer("10.0.0.1"), &[("x-forwarded-for", "198.51.100.7")], "198.51.100.7"),
                    // What the client wrote itself stays on the left.
                    (peer("10.0.0.1"), &[("x-forwarded-for", "6.6.6.6, 198.51.100.7")], "198.51.100.7"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7")], "198.51.100.7"),
                    // Issue 17: a client's own Forwarded header passes nginx untouched.
                    (peer("10.0.0.1"), &[("x-forwarded-for", "5.5.5.5"), ("forwarded", "for=10.0.0.7")], "5.5.5.5"),
                    (peer("10.0.0.1"), &[("forwarded", "for=192.0.2.60")], "10.0.0.1"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "198.51.100.7:5555")], "198.51.100.7"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "[2001:db8::7]:5555")], "2001:db8::7"),
                    (peer("::ffff:10.0.0.1"), &[("x-forwarded-for", "198.51.100.7")], "198.51.100.7"),
                    // Garbage or nothing forwarded: the proxy itself is the client.
                    (peer("10.0.0.1"), &[("x-forwarded-for", "nonsense")], "10.0.0.1"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "6.6.6.6, unknown")], "10.0.0.1"),
                    (peer("10.0.0.1"), &[], "10.0.0.1"),
                    // Anyone else sending the header gains nothing.
                    (peer("203.0.113.5"), &[("x-forwarded-for", "198.51.100.7")], "203.0.113.5"),
                ],
            },
            SetUp {
                name: "a CDN in front of nginx, both trusted",
                trusted: &["10.0.0.1", "10.9.0.0/16"],
                header: ForwardedHeader::XForwardedFor,
                cases: &[
                    (peer("10.0.0.1"), &[("x-forwarded-for", "198.51.100.7, 10.9.3.3")], "198.51.100.7"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.9.3.3")], "198.51.100.7"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "10.9.3.3")], "10.9.3.3"),
                ],
            },
            SetUp {
                name: "a proxy writing RFC 7239 Forwarded",
                trusted: &["10.0.0.1"],
                header: ForwardedHeader::Forwarded,
                cases: &[
                    (peer("10.0.0.1"), &[("forwarded", "for=192.0.2.60;proto=http;by=10.0.0.1")], "192.0.2.60"),
                    (peer("10.0.0.1"), &[("forwarded", r#"for=6.6.6.6, For="[2001:db8:cafe::17]:4711""#)], "2001:db8:cafe::17"),
                    // The client's own X-Forwarded-For is ignored whole.
                    (peer("10.0.0.1"), &[("forwarded", "for=192.0.2.60"), ("x-forwarded-for", "6.6.6.6")], "192.0.2.60"),
                    (peer("10.0.0.1"), &[("x-forwarded-for", "6.6.6.6")], "10.0.0.1"),
                    (peer("10.0.0.1"), &[("forwarded", "for=_hidden")], "10.0.0.1"),
                ],
            },
        ];
        for set_up in set_ups {
            let trusted = nets(set_up.trusted);
            for (peer, pairs, expected) in set_up.cases {
                let got = client_ip(*peer, &headers(pairs), &trusted, set_up.header);
                assert_eq!(got, ip(expected), "{}: {peer:?} {pairs:?}", set_up.name);
            }
        }
        assert_eq!("Forwarded".parse(), Ok(ForwardedHeader::Forwarded));
        assert!("via".parse::<ForwardedHeader>().is_err());
    }

    #[test]
    fn a_bucket_allows_the_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 60,
            burst: 3,
        });
        let start = Instant::now();
        let client = ip("203.0.113.5");
        for _ in 0..3 {
            assert!(limiter.check(client, start).is_ok());
        }
        let wait = limiter.check(client, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        // Another client is unaffected.
        assert!(limiter.check(ip("203.0.113.6"), start).is_ok());
        // One second later, one more request.
        let later = start + Duration::from_secs(1);
        assert!(limiter.check(client, later).is_ok());
        assert!(limiter.check(client, later).is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        let limiter = RateLimiter::new(RateLimit {
            per_minute: 1,
            burst: 1,
        });
        let now = Instant::now();
        assert!(limiter.check(ip("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.check(ip("2001:db8:1:2::ffff"), now).is_err());
        assert!(limiter.check(ip("2001:db8:1:3::1"), now).is_ok());
    }

    #[test]
    fn memory_stays_bounded_and_a_flood_of_addresses_frees_no_one() {
        let limiter = RateLimiter::with_capacity(
            RateLimit {
                per_minute: 60,
                burst: 2,
            },
            100,
        );
        let now = Instant::now();
        let busy = ip("198.51.100.1");
        assert!(limiter.check(busy, now).is_ok());
        assert!(limiter.check(busy, now).is_ok());
        for i in 0..10_000u32 {
            let _ = limiter.check(IpAddr::V4(Ipv4Addr::from(i)), now);
            assert!(limiter.clients() <= 100);
        }
        // The busy client was not forgotten, so it is still held back.
        assert!(limiter
            .check(busy, now + Duration::from_millis(10))
            .is_err());
    }
}
