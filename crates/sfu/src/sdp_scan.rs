//! A light read of an SDP's m-sections (mid, kind, direction, RIDs).
//!
//! str0m does not expose the sections of an offer before applying it; the API needs
//! them to validate `mid`s and discover new sending sections.
//!
//! Port 0 means a rejected or stopped section, except with `a=bundle-only` inside the
//! BUNDLE group: then it is a live section that rides the bundle's transport (JSEP, RFC
//! 8829 §5.2.1; RFC 9143). Firefox writes every section after the first that way under
//! max-bundle.

/// Kind of an m-section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// `m=audio`.
    Audio,
    /// `m=video`.
    Video,
    /// `m=application` (SCTP DataChannels).
    Application,
    /// Anything else.
    Other,
}

/// One m-section, seen from the side that wrote the SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `a=mid` value (empty if absent).
    pub mid: String,
    /// Media kind.
    pub kind: SectionKind,
    /// The writer sends on it (`sendonly`/`sendrecv`, the default).
    pub sends: bool,
    /// The writer receives on it (`recvonly`/`sendrecv`, the default).
    pub receives: bool,
    /// Port 0 and not a bundle-only member of the BUNDLE group: rejected or stopped.
    pub stopped: bool,
    /// `a=rid:<id> send` values (simulcast layers).
    pub send_rids: Vec<String>,
}

/// One section as read, before the BUNDLE group (a session-level line) is known.
struct Read {
    section: Section,
    port_zero: bool,
    bundle_only: bool,
}

/// The m-sections of `sdp`, in order.
pub fn sections(sdp: &str) -> Vec<Section> {
    let mut read: Vec<Read> = Vec::new();
    let mut bundle: Vec<&str> = Vec::new();
    for line in sdp.lines().map(str::trim_end) {
        if let Some(rest) = line.strip_prefix("m=") {
            let mut parts = rest.split_whitespace();
            let kind = match parts.next() {
                Some("audio") => SectionKind::Audio,
                Some("video") => SectionKind::Video,
                Some("application") => SectionKind::Application,
                _ => SectionKind::Other,
            };
            let section = Section { mid: String::new(), kind, sends: true, receives: true, stopped: false, send_rids: vec![] };
            read.push(Read { section, port_zero: parts.next() == Some("0"), bundle_only: false });
            continue;
        }
        if let Some(group) = line.strip_prefix("a=group:BUNDLE") {
            bundle.extend(group.split_whitespace());
            continue;
        }
        let Some(Read { section: s, bundle_only, .. }) = read.last_mut() else { continue };
        match line {
            "a=sendonly" => (s.sends, s.receives) = (true, false),
            "a=recvonly" => (s.sends, s.receives) = (false, true),
            "a=inactive" => (s.sends, s.receives) = (false, false),
            "a=sendrecv" => (s.sends, s.receives) = (true, true),
            "a=bundle-only" => *bundle_only = true,
            _ => {
                if let Some(mid) = line.strip_prefix("a=mid:") {
                    s.mid = mid.trim().to_owned();
                } else if let Some(rid) = line.strip_prefix("a=rid:") {
                    let mut p = rid.split_whitespace();
                    if let (Some(id), Some("send")) = (p.next(), p.next()) {
                        s.send_rids.push(id.to_owned());
                    }
                }
            }
        }
    }
    read.into_iter()
        .map(|r| {
            let in_bundle = r.bundle_only && bundle.contains(&r.section.mid.as_str());
            Section { stopped: r.port_zero && !in_bundle, ..r.section }
        })
        .collect()
}

/// Whether `sdp` carries an SCTP (DataChannel) section that is not rejected.
pub fn has_application(sdp: &str) -> bool {
    sections(sdp).iter().any(|s| s.kind == SectionKind::Application && !s.stopped)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n\
m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rid:f send\r\na=rid:h send\r\na=simulcast:send f;h\r\n\
m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n\
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:3\r\n";

    #[test]
    fn reads_sections() {
        let s = sections(OFFER);
        assert_eq!(s.len(), 4);
        assert_eq!((s[0].mid.as_str(), s[0].kind, s[0].sends, s[0].receives), ("0", SectionKind::Audio, true, false));
        assert_eq!(s[1].send_rids, vec!["f", "h"]);
        assert!(s[1].sends && s[1].receives);
        assert!(s[2].stopped && !s[2].sends);
        assert!(has_application(OFFER));
    }

    /// Firefox 153's offer under max-bundle, recorded as it was written (headless, fake media):
    /// every section after the first has port 0 and `a=bundle-only`.
    const FIREFOX_OFFER: &str = include_str!("../tests/sdp/firefox-153-offer.sdp");

    #[test]
    fn bundle_only_sections_in_the_group_are_live() {
        let s = sections(FIREFOX_OFFER);
        assert!(s.len() >= 3, "{s:?}");
        assert!(s.iter().all(|s| !s.stopped), "{s:?}");
        assert!(s.iter().any(|s| s.kind == SectionKind::Video && s.sends));
        assert!(has_application(FIREFOX_OFFER));
    }

    #[test]
    fn port_zero_outside_the_group_or_without_bundle_only_is_stopped() {
        let head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n";
        let sdp = format!(
            "{head}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n\
             m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=bundle-only\r\n\
             m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=bundle-only\r\n\
             m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=mid:3\r\n"
        );
        let stopped: Vec<bool> = sections(&sdp).iter().map(|s| s.stopped).collect();
        assert_eq!(stopped, [false, false, true, true]);
    }

    #[test]
    fn garbage_yields_nothing() {
        assert!(sections("not sdp at all\n\u{0}\u{ffff}").is_empty());
        assert!(!has_application(""));
    }
}
