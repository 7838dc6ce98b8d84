//! Which addresses a webhook may be sent to. A URL is checked when it is registered and
//! again at every delivery: the sender resolves names itself and refuses a host that resolves
//! to a loopback, private, link-local or otherwise non-public address (DNS rebinding), does
//! not follow redirects, and uses no proxy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use async_trait::async_trait;
use peerbro_domain::webhooks::UrlGuard;
use peerbro_domain::{DomainError, DomainResult};
use url::{Host, Url};

/// What the guard allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Allow non-public addresses (tests, closed networks).
    pub allow_private: bool,
    /// Allow `http://`.
    pub allow_http: bool,
}

/// Whether `ip` is an address on the public internet.
#[must_use]
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b))) // benchmarking
}

fn v4_of(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

/// The IPv4 addresses an IPv6 address carries, by every standard embedding a packet to it
/// could be relayed or translated through: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
/// (`::ffff:0:a.b.c.d`, SIIT), IPv4-compatible (`::a.b.c.d`), NAT64's well-known prefix
/// (`64:ff9b::/96`), 6to4 (`2002:AABB:CCDD::/48`), Teredo (`2001:0::/32`: the server, and the
/// client with its bits inverted) and ISATAP (`…:0:5efe:a.b.c.d` in any /64).
#[must_use]
pub fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let mut found = Vec::new();
    if let Some(v4) = ip.to_ipv4_mapped() {
        found.push(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0xffff, 0] || s[..6] == [0, 0, 0, 0, 0, 0] {
        found.push(v4_of(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        found.push(v4_of(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        found.push(v4_of(s[1], s[2]));
    }
    if s[0] == 0x2001 && s[1] == 0 {
        found.push(v4_of(s[2], s[3]));
        found.push(v4_of(!s[6], !s[7]));
    }
    if s[4] & 0xfdff == 0 && s[5] == 0x5efe {
        found.push(v4_of(s[6], s[7]));
    }
    found
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let embedded = embedded_v4(ip);
    if !embedded.is_empty() {
        return embedded.into_iter().all(is_public_v4);
    }
    let segments = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || segments[..3] == [0x64, 0xff9b, 1] // NAT64 local-use (RFC 8215)
        || segments[..4] == [0x100, 0, 0, 0]) // discard-only
}

/// A literal address the policy does not allow, with the setting that would allow it.
const NON_PUBLIC: &str = "points at a non-public address (private, loopback and link-local \
                          targets are allowed only where the operator sets \
                          PEERBRO_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)";
/// The same for a name.
const RESOLVES_NON_PUBLIC: &str = "name resolves to a non-public address (allowed only where \
                                   the operator sets PEERBRO_WEBHOOK_ALLOW_PRIVATE_TARGETS=true)";

fn refused(message: &str) -> DomainError {
    DomainError::validation("url", message)
}

/// The guard, with a DNS look-up timeout.
#[derive(Clone, Copy, Debug)]
pub struct NetGuard {
    policy: AddressPolicy,
}

impl NetGuard {
    /// A guard enforcing `policy`.
    #[must_use]
    pub const fn new(policy: AddressPolicy) -> Self {
        Self { policy }
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> AddressPolicy {
        self.policy
    }

    /// Whether the policy allows sending to `ip`.
    #[must_use]
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.policy.allow_private || is_public(ip)
    }

    /// Parses `url` and checks everything but name resolution.
    ///
    /// # Errors
    /// `Validation` on `url`.
    pub fn parse(&self, url: &str) -> DomainResult<Url> {
        let parsed = Url::parse(url).map_err(|_| refused("is not an absolute URL"))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.policy.allow_http => {}
            "http" => {
                return Err(refused(
                    "must use https (plain http is allowed only where the operator sets \
                     PEERBRO_WEBHOOK_ALLOW_HTTP=true)",
                ));
            }
            _ => return Err(refused("must be an https URL")),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refused("must not carry credentials"));
        }
        if parsed.fragment().is_some() {
            return Err(refused("must not have a fragment"));
        }
        match parsed.host() {
            None => Err(refused("must name a host")),
            Some(Host::Ipv4(ip)) if !self.allows(IpAddr::V4(ip)) => Err(refused(NON_PUBLIC)),
            Some(Host::Ipv6(ip)) if !self.allows(IpAddr::V6(ip)) => Err(refused(NON_PUBLIC)),
            Some(_) => Ok(parsed),
        }
    }

    /// Resolves `host` and returns its addresses, refusing the lot if any is not allowed
    /// (a name with one private address among public ones is an attack, not a mistake).
    ///
    /// # Errors
    /// A short reason.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, &'static str> {
        let lookup = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((host.trim_matches(['[', ']']), port)),
        )
        .await
        .map_err(|_| "name resolution timed out")?
        .map_err(|_| "name does not resolve")?;
        let addrs: Vec<SocketAddr> = lookup.collect();
        if addrs.is_empty() {
            return Err("name does not resolve");
        }
        if addrs.iter().any(|a| !self.allows(a.ip())) {
            return Err(RESOLVES_NON_PUBLIC);
        }
        Ok(addrs)
    }
}

#[async_trait]
impl UrlGuard for NetGuard {
    async fn check(&self, url: &str) -> DomainResult<()> {
        let parsed = self.parse(url)?;
        if let Some(Host::Domain(name)) = parsed.host() {
            let port = parsed.port_or_known_default().unwrap_or(443);
            self.resolve(name, port).await.map_err(refused)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
            "ff02::1",
            // Every embedding of a non-public IPv4 address.
            "2002:7f00:1::",                        // 6to4 of 127.0.0.1
            "2002:a9fe:a9fe::1",                    // 6to4 of 169.254.169.254
            "2002:c0a8:101:1::1",                   // 6to4 of 192.168.1.1
            "64:ff9b::7f00:1",                      // NAT64 of 127.0.0.1
            "64:ff9b:1::a00:1",                     // NAT64 local-use
            "2001:0:7f00:1::1",                     // Teredo, server 127.0.0.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1 (inverted)
            "::ffff:0:7f00:1",                      // IPv4-translated
            "::7f00:1",                             // IPv4-compatible
            "::ffff:169.254.169.254",               // IPv4-mapped
            "2a00:1450:4001:1::5efe:a00:1",         // ISATAP of 10.0.0.1
            "100::1",                               // discard-only
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_public(ip), "{ip} is not public");
        }
        for ip in [
            "1.1.1.1",
            "80.62.117.1",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "2002:808:808::1",                      // 6to4 of 8.8.8.8
            "64:ff9b::808:808",                     // NAT64 of 8.8.8.8
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7", // Teredo, server and client public
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_public(ip), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn urls_are_refused_unless_https_public_and_without_credentials() {
        let guard = NetGuard::new(AddressPolicy {
            allow_private: false,
            allow_http: false,
        });
        for url in [
            "http://1.1.1.1/hook",
            "https://127.0.0.1/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[2002:7f00:1::]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2001:0:7f00:1::1]/",
            "https://10.0.0.5:8443/x",
            "https://user:pw@1.1.1.1/x",
            "ftp://1.1.1.1/x",
            "https://localhost/x",
            "not a url",
        ] {
            assert!(guard.check(url).await.is_err(), "{url} must be refused");
        }
        assert!(guard.check("https://1.1.1.1/hook").await.is_ok());
        // A refusal that a setting would lift names the setting.
        for (url, setting) in [
            ("http://1.1.1.1/hook", "PEERBRO_WEBHOOK_ALLOW_HTTP"),
            (
                "https://10.0.0.5/x",
                "PEERBRO_WEBHOOK_ALLOW_PRIVATE_TARGETS",
            ),
            (
                "https://localhost/x",
                "PEERBRO_WEBHOOK_ALLOW_PRIVATE_TARGETS",
            ),
        ] {
            let err = guard.check(url).await.unwrap_err().to_string();
            assert!(err.contains(setting), "{url}: {err}");
        }
        let open = NetGuard::new(AddressPolicy {
            allow_private: true,
            allow_http: true,
        });
        assert!(open.check("http://127.0.0.1:9/hook").await.is_ok());
        assert!(open.check("http://localhost:9/hook").await.is_ok());
    }
}
