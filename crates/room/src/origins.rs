//! Which web origins may use the API. Pages on the API's own origin always may; so may
//! clients that send no `Origin` (bots, curl). Any other origin must be listed
//! (`ALLOWED_ORIGINS`, or `--allowed-origin`), or it is refused with 403, on every `/api`
//! route, the room WebSocket included, which CORS alone would not protect.

use crate::api_error::ApiError;

/// Methods a listed origin may use (answered to preflight requests).
pub const ALLOW_METHODS: &str = "GET, POST, PUT, OPTIONS";
/// Request headers a listed origin may send.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type";
/// Seconds a browser may cache a preflight answer.
pub const PREFLIGHT_MAX_AGE: &str = "600";

/// The configured list of allowed origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    origins: Vec<String>,
    any: bool,
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

    /// True when only the API's own origin may call it.
    pub fn is_same_origin_only(&self) -> bool {
        !self.any && self.origins.is_empty()
    }

    /// Decides on a request with `origin` (its `Origin` header) sent to `host` (its `Host`).
    pub fn check(&self, origin: Option<&str>, host: Option<&str>) -> Result<OriginVerdict, ApiError> {
        let Some(origin) = origin.map(str::trim).filter(|o| !o.is_empty()) else { return Ok(OriginVerdict::Own) };
        let normal = normalize(origin);
        let authority = normal.as_deref().and_then(|o| o.split_once("://")).map(|(_, a)| a);
        if authority.is_some() && authority == host.map(|h| h.trim().to_ascii_lowercase()).as_deref() {
            return Ok(OriginVerdict::Own);
        }
        match normal {
            Some(o) if self.any || self.origins.contains(&o) => Ok(OriginVerdict::Allowed(origin.to_owned())),
            _ => Err(ApiError::OriginRefused(origin.chars().take(200).collect())),
        }
    }
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
        assert_eq!(list.check(Some("https://meet.example.com"), Some("meet.example.com")), Ok(OriginVerdict::Own));
        assert_eq!(list.check(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080")), Ok(OriginVerdict::Own));
        assert!(matches!(list.check(Some("https://evil.example"), Some("meet.example.com")), Err(ApiError::OriginRefused(_))));
        // A foreign page on the same host but another port is another origin.
        assert!(list.check(Some("http://127.0.0.1:9000"), Some("127.0.0.1:8080")).is_err());
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
