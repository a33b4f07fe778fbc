//! The SSRF guard: which webhook URLs and addresses the platform may call.
//!
//! A subscriber chooses the URL, so without a guard a subscription could make
//! the platform post to its own admin ports, the cloud metadata service
//! (169.254.169.254) or the province's internal network. The guard is applied
//! twice: when a subscription is created (the host's current addresses), and
//! at every delivery to the addresses actually connected to — by a DNS
//! resolver that drops forbidden addresses, so a name re-pointed at an
//! internal address afterwards (DNS rebinding) gets nowhere. IP-literal
//! hosts never reach a resolver and are checked directly.
//! `HSP_WEBHOOK_ALLOW_PRIVATE=true` turns the address checks off (tests, and
//! closed networks whose receivers have private addresses); the URL checks
//! (scheme, no credentials) always apply.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// The longest URL accepted.
pub const MAX_URL_LENGTH: usize = 2000;

/// Why a URL or address is refused, in words safe to show the subscriber.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not an absolute URL")]
    Malformed,
    #[error("the URL must use https or http")]
    Scheme,
    #[error("the URL must not carry a user name or password")]
    Credentials,
    #[error("the URL is longer than {MAX_URL_LENGTH} characters")]
    TooLong,
    #[error("the URL has no host")]
    NoHost,
    #[error("the host does not resolve")]
    Unresolvable,
    #[error("the host resolves to a loopback, private, link-local or otherwise internal address")]
    InternalAddress,
}

/// Whether the platform must never connect to `ip`: loopback, private
/// (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10), unspecified,
/// "this network" (0/8), CGNAT shared space (100.64/10), multicast,
/// broadcast, the reserved 240/4, deprecated site-local fec0::/10, and any of
/// these written as an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or
/// 6to4 (2002::/16) IPv6 address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || a == 0
        // 100.64.0.0/10, carrier-grade NAT shared address space (RFC 6598).
        || (a == 100 && (64..128).contains(&b))
        // 240.0.0.0/4, reserved for future use.
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    // IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it).
    if segments[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback() {
        return is_internal_v4(embedded_v4(segments[6], segments[7]));
    }
    // NAT64 well-known prefix 64:ff9b::/96.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_internal_v4(embedded_v4(segments[6], segments[7]));
    }
    // 6to4 2002:a.b.c.d::/48.
    if segments[0] == 0x2002 {
        return is_internal_v4(embedded_v4(segments[1], segments[2]));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local.
        || (segments[0] & 0xfe00) == 0xfc00
        // fe80::/10 link-local.
        || (segments[0] & 0xffc0) == 0xfe80
        // fec0::/10 site-local (deprecated).
        || (segments[0] & 0xffc0) == 0xfec0
}

/// The URL checks that hold whatever the configuration: an absolute
/// `https`/`http` URL with a host and without credentials.
pub fn parse_url(text: &str) -> Result<Url, Refusal> {
    if text.len() > MAX_URL_LENGTH {
        return Err(Refusal::TooLong);
    }
    let url = Url::parse(text).map_err(|_| Refusal::Malformed)?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(Refusal::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    if url.host().is_none() {
        return Err(Refusal::NoHost);
    }
    Ok(url)
}

/// The address of an IP-literal host, `None` for a name. The URL parser
/// has already normalised `http://0x7f000001/` and `http://2130706433/` to
/// `127.0.0.1`; IPv6 literals come in brackets.
pub fn literal_address(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host).parse().ok()
}

/// How long a subscription's creation waits for the host to resolve.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Checks a subscription's URL when it is created: the URL rules, then
/// (unless `allow_private`) every address the host resolves to now.
pub async fn check_url(text: &str, allow_private: bool) -> Result<Url, Refusal> {
    let url = parse_url(text)?;
    if allow_private {
        return Ok(url);
    }
    if let Some(ip) = literal_address(&url) {
        return if is_internal(ip) { Err(Refusal::InternalAddress) } else { Ok(url) };
    }
    let host = url.host_str().ok_or(Refusal::NoHost)?.to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    // A resolver that never answers must not hold the request: bounded.
    let lookup = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host.as_str(), port)));
    let addrs: Vec<SocketAddr> =
        lookup.await.map_err(|_| Refusal::Unresolvable)?.map_err(|_| Refusal::Unresolvable)?.collect();
    if addrs.is_empty() {
        return Err(Refusal::Unresolvable);
    }
    // One internal address is enough to refuse: which one a client connects
    // to is not the subscriber's promise to make.
    if addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(Refusal::InternalAddress);
    }
    Ok(url)
}

/// The delivery client's resolver: the system's answer without internal
/// addresses; an error when none is left, so the request is never sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| !is_internal(a.ip())).collect();
            if addrs.is_empty() {
                return Err(Box::new(GuardError) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The resolver's refusal.
#[derive(Debug, thiserror::Error)]
#[error("no address of the host is allowed")]
pub struct GuardError;

/// The resolver to install, `None` when private addresses are allowed.
pub fn resolver(allow_private: bool) -> Option<Arc<GuardedResolver>> {
    (!allow_private).then(|| Arc::new(GuardedResolver))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("test address")
    }

    #[test]
    fn internal_ipv4_ranges_are_refused_at_their_edges() {
        for text in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.0",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "192.168.255.255",
            "169.254.169.254",
            "169.254.0.0",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.0",
            "100.127.255.255",
            "224.0.0.1",
            "239.255.255.255",
            "255.255.255.255",
            "240.0.0.1",
        ] {
            assert!(is_internal(ip(text)), "{text} must be refused");
        }
        for text in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "11.0.0.1",
            "223.255.255.255",
            "126.255.255.255",
            "128.0.0.1",
        ] {
            assert!(!is_internal(ip(text)), "{text} must be allowed");
        }
    }

    #[test]
    fn internal_ipv6_ranges_and_embedded_ipv4_are_refused() {
        for text in [
            "::1",
            "::",
            "fc00::1",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
        ] {
            assert!(is_internal(ip(text)), "{text} must be refused");
        }
        for text in [
            "2001:4860:4860::8888",
            "2400:3200::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "fbff::1",
            "fe7f::1",
        ] {
            assert!(!is_internal(ip(text)), "{text} must be allowed");
        }
    }

    #[test]
    fn urls_need_http_a_host_and_no_credentials() {
        assert!(parse_url("https://hooks.example.com/a?b=c").is_ok());
        assert!(parse_url("http://hooks.example.com:8080/").is_ok());
        assert_eq!(parse_url("ftp://example.com/"), Err(Refusal::Scheme));
        assert_eq!(parse_url("file:///etc/passwd"), Err(Refusal::Scheme));
        assert_eq!(parse_url("gopher://example.com/"), Err(Refusal::Scheme));
        assert_eq!(parse_url("https://user:pw@example.com/"), Err(Refusal::Credentials));
        assert_eq!(parse_url("https://user@example.com/"), Err(Refusal::Credentials));
        assert_eq!(parse_url("/relative"), Err(Refusal::Malformed));
        assert_eq!(parse_url(&format!("https://example.com/{}", "a".repeat(MAX_URL_LENGTH))), Err(Refusal::TooLong));
    }

    #[actix_web::test]
    async fn literal_and_named_internal_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://[::ffff:7f00:1]/",
            "http://10.0.0.5/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://localhost/",
        ] {
            assert_eq!(check_url(url, false).await, Err(Refusal::InternalAddress), "{url}");
            assert!(check_url(url, true).await.is_ok(), "{url} with private addresses allowed");
        }
        assert!(check_url("http://8.8.8.8/hook", false).await.is_ok());
    }

    #[actix_web::test]
    async fn the_resolver_drops_internal_answers() {
        let refused = GuardedResolver.resolve("localhost".parse().expect("name")).await;
        assert!(refused.is_err());
    }
}
