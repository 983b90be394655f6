//! How many connections one address, and everyone together, may hold at once. The host
//! asks before it serves a connection and says when it closes; a refusal is answered with
//! its status and `Retry-After`, so one client holding sockets cannot starve the others.

use std::collections::HashMap;
use std::net::IpAddr;

/// The caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCaps {
    /// Open connections per address (per /64 for IPv6, which hands a host a whole block).
    pub per_address: usize,
    /// Open connections in all.
    pub total: usize,
}

impl Default for ConnectionCaps {
    fn default() -> Self {
        // An office behind one NAT holds a room socket and a few fetches per person.
        Self { per_address: 256, total: 4_096 }
    }
}

/// Why a connection was not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRefusal {
    /// That address holds its share already (429).
    Address,
    /// The server holds all it may (503).
    Full,
}

impl ConnectionRefusal {
    /// The HTTP status of the answer.
    pub fn status(self) -> u16 {
        match self {
            Self::Address => 429,
            Self::Full => 503,
        }
    }

    /// Seconds to put in `Retry-After`.
    pub fn retry_after_secs(self) -> u32 {
        match self {
            Self::Address => 10,
            Self::Full => 5,
        }
    }

    /// The words of the answer.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Address => "too many connections from your address",
            Self::Full => "the server is full; try again shortly",
        }
    }
}

/// The open connections, counted per address.
#[derive(Debug, Default)]
pub struct Connections {
    caps: ConnectionCaps,
    open: HashMap<IpAddr, usize>,
    total: usize,
}

/// Room joins one address may start: a burst, then a steady pace (an office behind one NAT
/// joining at nine fits; sweeping room names does not).
pub const JOINS_PER_ADDRESS: JoinPace = JoinPace { burst: 20, per_second: 2 };

/// Other API requests (Realtime API proxy, TURN, room peeks) one address may make: a
/// call of 16 behind one NAT stays far below it, a script hammering the proxy does not.
pub const API_REQUESTS_PER_ADDRESS: JoinPace = JoinPace { burst: 200, per_second: 20 };

/// A pace of requests per address. The burst is ten seconds' worth, so a host that counts
/// in fixed ten-second windows (Cloudflare's rate limiting binding) allows the same:
/// [`JoinPace::per_ten_seconds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinPace {
    /// Joins at once.
    pub burst: u32,
    /// Joins per second after that.
    pub per_second: u32,
}

impl JoinPace {
    /// Requests per fixed ten-second window.
    pub const fn per_ten_seconds(self) -> u32 {
        self.per_second * 10
    }
}

/// The key an address is counted under: itself, or its /64 for IPv6.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1_u128 << 64) - 1)).into()),
        },
    }
}

impl Connections {
    /// No connection open yet, under `caps`.
    pub fn new(caps: ConnectionCaps) -> Self {
        Self { caps, ..Self::default() }
    }

    /// Counts a new connection from `ip`, or says why it may not be served.
    pub fn admit(&mut self, ip: IpAddr) -> Result<(), ConnectionRefusal> {
        if self.total >= self.caps.total {
            return Err(ConnectionRefusal::Full);
        }
        let open = self.open.entry(address_key(ip)).or_default();
        if *open >= self.caps.per_address {
            return Err(ConnectionRefusal::Address);
        }
        *open += 1;
        self.total += 1;
        Ok(())
    }

    /// A connection admitted from `ip` closed.
    pub fn release(&mut self, ip: IpAddr) {
        let key = address_key(ip);
        if let Some(open) = self.open.get_mut(&key) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                self.open.remove(&key);
            }
            self.total = self.total.saturating_sub(1);
        }
    }

    /// Connections open now.
    pub fn total(&self) -> usize {
        self.total
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_workers_windows_carry_the_same_paces() {
        for pace in [JOINS_PER_ADDRESS, API_REQUESTS_PER_ADDRESS] {
            assert_eq!(pace.burst, pace.per_ten_seconds(), "a ten-second window must allow the burst");
        }
        let wrangler = include_str!("../../worker/wrangler.toml");
        for (binding, pace) in [("JOIN_LIMIT", JOINS_PER_ADDRESS), ("API_LIMIT", API_REQUESTS_PER_ADDRESS)] {
            let at = wrangler.find(&format!("name = \"{binding}\"")).unwrap_or_else(|| panic!("{binding} in wrangler.toml"));
            let simple = format!("simple = {{ limit = {}, period = 10 }}", pace.per_ten_seconds());
            assert!(wrangler.get(at..).is_some_and(|rest| rest.lines().take(4).any(|l| l.trim() == simple)), "{binding}: {simple}");
        }
    }

    use super::*;

    #[test]
    fn one_address_gets_its_share_and_the_rest_keep_theirs() {
        let mut c = Connections::new(ConnectionCaps { per_address: 2, total: 3 });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(c.admit(a), Ok(()));
        assert_eq!(c.admit(a), Ok(()));
        assert_eq!(c.admit(a), Err(ConnectionRefusal::Address));
        assert_eq!(c.admit(b), Ok(()));
        assert_eq!(c.admit(b), Err(ConnectionRefusal::Full), "the total is reached");
        c.release(a);
        assert_eq!(c.admit(b), Ok(()));
        assert_eq!(c.total(), 3);
        // A release of something never admitted changes nothing.
        c.release("10.9.9.9".parse().unwrap());
        assert_eq!(c.total(), 3);
        assert_eq!((ConnectionRefusal::Address.status(), ConnectionRefusal::Full.status()), (429, 503));
    }

    #[test]
    fn an_ipv6_block_counts_as_one_address() {
        let mut c = Connections::new(ConnectionCaps { per_address: 1, total: 10 });
        assert_eq!(c.admit("2001:db8::1".parse().unwrap()), Ok(()));
        assert_eq!(c.admit("2001:db8::ffff:1".parse().unwrap()), Err(ConnectionRefusal::Address), "same /64");
        assert_eq!(c.admit("2001:db8:0:1::1".parse().unwrap()), Ok(()), "another /64");
        assert_eq!(c.admit("::ffff:10.0.0.1".parse().unwrap()), Ok(()));
        assert_eq!(c.admit("10.0.0.1".parse().unwrap()), Err(ConnectionRefusal::Address), "a mapped IPv4 is that address");
    }
}
