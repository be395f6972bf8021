//! Behind a reverse proxy: which peers may say, in `X-Forwarded-Proto` and `X-Forwarded-Host`,
//! what the browser asked for. Those headers are believed only from a configured proxy
//! (`http.trusted_proxies`); from anyone else they are ignored, as anyone can send them.
//!
//! What they are used for: the origin a state-changing request must come from (`kernel`), when
//! no public origin is configured. The client's own address is not used: logs hold no address,
//! and the sign-in lockout counts per account.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::extract::connect_info::Connected;
use axum::http::HeaderMap;
use axum::serve::IncomingStream;

/// The address a connection came from (the proxy's, behind one), given to every request of it
/// as `ConnectInfo<Peer>`, over plain TCP or TLS alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, crate::tls::TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, crate::tls::TlsListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

/// An address or a network (`10.0.0.0/8`, `::1`) whose requests may carry `X-Forwarded-For`
/// and `X-Forwarded-Proto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedNet {
    addr: IpAddr,
    prefix: u8,
}

impl TrustedNet {
    /// Parses `ADDRESS` or `ADDRESS/PREFIX`; the address must be the network's first (no host
    /// bits set), so that `10.1.2.3/8` (probably a mistake) is refused.
    pub fn parse(text: &str) -> Result<TrustedNet, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!("{text:?}: expected an IP address or a network like 10.0.0.0/8")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
            None => max,
        };
        let net = TrustedNet { addr, prefix };
        if !net.contains(addr) || net.network() != addr {
            return Err(format!(
                "{text:?}: host bits set; the network is {}/{prefix}",
                net.network()
            ));
        }
        Ok(net)
    }

    fn bits(addr: IpAddr) -> (u128, u8) {
        match addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        }
    }

    fn mask(&self, width: u8) -> u128 {
        let host = u32::from(width - self.prefix);
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        if host >= 128 {
            0
        } else {
            all & !((1u128 << host).wrapping_sub(1))
        }
    }

    fn network(&self) -> IpAddr {
        let (bits, width) = TrustedNet::bits(self.addr);
        let net = bits & self.mask(width);
        match self.addr {
            IpAddr::V4(_) => IpAddr::from(std::net::Ipv4Addr::from(
                u32::try_from(net).unwrap_or_default(),
            )),
            IpAddr::V6(_) => IpAddr::from(std::net::Ipv6Addr::from(net)),
        }
    }

    /// Whether `peer` is in this network.
    pub fn contains(&self, peer: IpAddr) -> bool {
        let (bits, width) = TrustedNet::bits(self.addr);
        let (peer_bits, peer_width) = TrustedNet::bits(peer);
        width == peer_width && (bits & self.mask(width)) == (peer_bits & self.mask(width))
    }
}

impl fmt::Display for TrustedNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The origin the browser used (`https://probity.example.gov`), as a trusted proxy forwards it:
/// `None` when the peer is not a trusted proxy (or not known, in tests without a socket), or the
/// proxy did not say the scheme.
pub fn forwarded_origin(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<Peer>>,
    trusted: &[TrustedNet],
) -> Option<String> {
    let peer = peer?.0.0.ip();
    if !trusted.iter().any(|net| net.contains(peer)) {
        return None;
    }
    // A chain of proxies appends: the first value is what the client asked of the first one.
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let proto = first("x-forwarded-proto").filter(|p| *p == "https" || *p == "http")?;
    let host = first("x-forwarded-host").or_else(|| first("host"))?;
    Some(format!("{proto}://{host}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn networks_hold_their_addresses_only() {
        let net = TrustedNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.200.3.4".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one = TrustedNet::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let v6 = TrustedNet::parse("fd00::/8").unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(
            TrustedNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            TrustedNet::parse("10.1.2.3/8")
                .unwrap_err()
                .contains("host bits")
        );
        assert!(TrustedNet::parse("10.0.0.0/33").is_err());
        assert!(TrustedNet::parse("proxy.local").is_err());
    }

    #[test]
    fn forwarded_headers_count_from_a_trusted_peer_only() {
        let mut h = HeaderMap::new();
        h.insert("host", "10.0.0.5:8080".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert("x-forwarded-host", "probity.example.gov".parse().unwrap());
        let trusted = [TrustedNet::parse("10.0.0.0/8").unwrap()];
        let proxy = ConnectInfo(Peer("10.0.0.1:5000".parse().unwrap()));
        let stranger = ConnectInfo(Peer("192.0.2.7:5000".parse().unwrap()));
        assert_eq!(
            forwarded_origin(&h, Some(&proxy), &trusted).as_deref(),
            Some("https://probity.example.gov")
        );
        assert_eq!(forwarded_origin(&h, Some(&stranger), &trusted), None);
        assert_eq!(forwarded_origin(&h, None, &trusted), None);
        assert_eq!(forwarded_origin(&h, Some(&proxy), &[]), None);
        h.remove("x-forwarded-host");
        assert_eq!(
            forwarded_origin(&h, Some(&proxy), &trusted).as_deref(),
            Some("https://10.0.0.5:8080")
        );
    }
}
