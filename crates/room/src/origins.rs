//! Which web origins may use the API. Pages on the API's own origin always may; so may
//! clients that send no `Origin` (bots, curl). Any other origin must be listed
//! (`ALLOWED_ORIGINS`, or `--allowed-origin`), or it is refused with 403, on every `/api`
//! route, the room WebSocket included, which CORS alone would not protect.
//!
//! The own origin is the configured public one (`--public-origin`, `SATSUMA_PUBLIC_ORIGIN`;
//! the Worker knows it from the request URL), compared by scheme, host and port. Without
//! one, an `Origin` that names the request's `Host` passes only when that host is an IP
//! address or `localhost`: a DNS-rebinding page (`evil.example` resolved to 127.0.0.1)
//! names its own host, which is neither.

use crate::api_error::ApiError;

/// Methods a listed origin may use (answered to preflight requests).
pub const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, PATCH, OPTIONS";
/// Request headers a listed origin may send.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type";
/// Seconds a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// The configured list of allowed origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    origins: Vec<String>,
    any: bool,
    /// The API's own origin, normalized, when configured.
    public: Option<String>,
}

/// An entry that is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin: write scheme://host[:port] (for example https://meet.example.com), or *")]
pub struct BadOrigin(pub String);

/// What a request's origin means for its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginVerdict {
    /// Same origin, or no browser origin: no CORS headers needed.
    Own,
    /// A listed foreign origin: answer with it in `Access-Control-Allow-Origin`.
    Allowed(String),
}

impl AllowedOrigins {
    /// Parses a list separated by commas or whitespace (`ALLOWED_ORIGINS`); `*` allows all.
    pub fn parse(list: &str) -> Result<Self, BadOrigin> {
        Self::from_entries(list.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()))
    }

    /// The list from separate entries (`--allowed-origin` given several times).
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, BadOrigin> {
        let mut list = AllowedOrigins::default();
        for entry in entries {
            match entry.trim() {
                "*" => list.any = true,
                e => list.origins.push(normalize(e).ok_or_else(|| BadOrigin(e.to_owned()))?),
            }
        }
        Ok(list)
    }

    /// The list with `origin` as the API's own (scheme, host and port).
    pub fn with_public(mut self, origin: &str) -> Result<Self, BadOrigin> {
        self.public = Some(normalize(origin).ok_or_else(|| BadOrigin(origin.to_owned()))?);
        Ok(self)
    }

    /// Whether the API's own origin is configured.
    pub fn has_public(&self) -> bool {
        self.public.is_some()
    }

    /// True when only the API's own origin may call it.
    pub fn is_same_origin_only(&self) -> bool {
        !self.any && self.origins.is_empty()
    }

    /// Decides on a request with `origin` (its `Origin` header) sent to `host` (its `Host`).
    pub fn check(&self, origin: Option<&str>, host: Option<&str>) -> Result<OriginVerdict, ApiError> {
        let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else { return Ok(OriginVerdict::Own) };
        let normal = normalize(origin);
        let own = match &self.public {
            Some(public) => normal.as_deref() == Some(public.as_str()),
            None => {
                let authority = normal.as_deref().and_then(|o| o.split_once("://")).map(|(_, a)| a);
                let host = host.map(|h| h.trim().to_ascii_lowercase());
                authority.is_some() && authority == host.as_deref() && host.as_deref().is_some_and(is_literal_host)
            }
        };
        if own {
            return Ok(OriginVerdict::Own);
        }
        match normal {
            Some(o) if self.any || self.origins.contains(&o) => Ok(OriginVerdict::Allowed(origin.to_owned())),
            _ => Err(ApiError::OriginRefused(origin.chars().take(200).collect())),
        }
    }
}

/// An IP address or `localhost`, with or without a port: hosts no DNS answer can stand for.
fn is_literal_host(authority: &str) -> bool {
    if authority.starts_with('[') {
        return authority.split_once(']').is_some_and(|(ip, _)| ip[1..].parse::<std::net::Ipv6Addr>().is_ok());
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// `scheme://host[:port]` in lower case, without a trailing slash or a default port;
/// `None` for anything else (paths, queries, other schemes, `null`).
fn normalize(origin: &str) -> Option<String> {
    let lower = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, authority) = lower.split_once("://")?;
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if authority.is_empty() || !authority.chars().all(valid) {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_origin_and_no_origin_pass_without_a_list() {
        let list = AllowedOrigins::default();
        assert!(list.is_same_origin_only());
        assert_eq!(list.check(None, Some("meet.example.com")), Ok(OriginVerdict::Own));
        // A name needs the public origin configured: the Host header alone could be rebound.
        assert!(list.check(Some("https://meet.example.com"), Some("meet.example.com")).is_err());
        assert_eq!(list.check(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")), Ok(OriginVerdict::Own));
        assert!(matches!(list.check(Some("https://evil.example"), Some("meet.example.com")), Err(ApiError::OriginRefused(_))));
        // A foreign page on the same host but another port is another origin.
        assert!(list.check(Some("http://127.0.0.1:9000"), Some("127.0.0.1:8080")).is_err());
    }

    #[test]
    fn a_rebinding_host_is_not_the_own_origin() {
        let list = AllowedOrigins::default();
        // evil.example resolved to 127.0.0.1: its page names its own host in both headers.
        let rebound = list.check(Some("http://evil.example:8080"), Some("evil.example:8080"));
        assert!(matches!(rebound, Err(ApiError::OriginRefused(_))), "{rebound:?}");
        assert_eq!(list.check(Some("http://localhost:8080"), Some("localhost:8080")), Ok(OriginVerdict::Own));
        assert_eq!(list.check(Some("http://[::1]:8080"), Some("[::1]:8080")), Ok(OriginVerdict::Own));
        assert_eq!(list.check(Some("http://192.168.1.20:8080"), Some("192.168.1.20:8080")), Ok(OriginVerdict::Own));
    }

    #[test]
    fn a_public_origin_is_compared_by_scheme_host_and_port() {
        let list = AllowedOrigins::default().with_public("https://meet.example.com/").unwrap();
        assert!(list.has_public());
        assert_eq!(list.check(Some("https://meet.example.com"), Some("10.0.0.5:8080")), Ok(OriginVerdict::Own), "behind a proxy");
        assert_eq!(list.check(Some("https://meet.example.com:443"), None), Ok(OriginVerdict::Own));
        assert!(list.check(Some("http://meet.example.com"), Some("meet.example.com")).is_err(), "an http page for an https API");
        assert!(list.check(Some("https://meet.example.com:8443"), Some("meet.example.com:8443")).is_err());
        // With a public origin, even a loopback Host proves nothing.
        assert!(list.check(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")).is_err());
        assert!(AllowedOrigins::default().with_public("meet.example.com").is_err());
    }

    #[test]
    fn listed_origins_are_allowed_and_echoed() {
        let list = AllowedOrigins::parse("https://app.example.com, http://127.0.0.1:8085/").unwrap();
        assert_eq!(
            list.check(Some("https://app.example.com"), Some("api.example.com")),
            Ok(OriginVerdict::Allowed("https://app.example.com".into()))
        );
        assert!(list.check(Some("HTTPS://APP.example.com:443"), Some("api.example.com")).is_ok());
        assert!(list.check(Some("http://127.0.0.1:8085"), Some("127.0.0.1:8080")).is_ok());
        assert!(list.check(Some("https://app.example.com.evil.example"), Some("api.example.com")).is_err());
        assert!(list.check(Some("null"), Some("api.example.com")).is_err());
        let any = AllowedOrigins::parse("*").unwrap();
        assert!(any.check(Some("https://anywhere.example"), Some("api.example.com")).is_ok());
    }

    #[test]
    fn bad_entries_are_refused_with_their_text() {
        assert_eq!(AllowedOrigins::parse("https://ok.example,ftp://x"), Err(BadOrigin("ftp://x".into())));
        assert!(AllowedOrigins::parse("https://ok.example/path").is_err());
        assert!(AllowedOrigins::parse("meet.example.com").is_err());
        assert_eq!(AllowedOrigins::parse("  ").unwrap(), AllowedOrigins::default());
    }
}
