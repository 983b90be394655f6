//! Tells a publishing browser where to start its video bitrate (`x-google-start-bitrate`).
//!
//! Chrome's encoder chooses its first resolution from its start bitrate (300 kbps unless
//! the remote description says otherwise) and then climbs one step every few seconds as
//! quality allows. Through this SFU a 720p camera went 640 → 960 → 1280 px over 18 s even
//! though Chrome's own estimate of the path was 3.7 Mbit/s within the first second
//! (`availableOutgoingBitrate`; TWCC feedback works from the start), so the cap was the
//! start value, not the network. Naming a start bitrate in the answer's video `a=fmtp`
//! lines starts the encoder near its target; the congestion controller still lowers it
//! within a second where the path is slower. Browsers other than Chrome ignore the
//! parameter. Audio sections and the repair formats (rtx, red, ulpfec) are left alone.

/// Where a publisher's video bitrate starts by default, in kbit/s: enough for Chrome to
/// open a 720p camera at full size (its 720p ceiling is 2.5 Mbit/s).
pub const DEFAULT_START_KBPS: u32 = 1_500;

const PARAM: &str = "x-google-start-bitrate";

/// `sdp` with `x-google-start-bitrate=kbps` on every video codec of every video section.
pub fn with_start_bitrate(sdp: &str, kbps: u32) -> String {
    let newline = if sdp.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = sdp.lines().collect();
    let mut out = String::with_capacity(sdp.len() + 256);
    let mut video = false;
    for line in &lines {
        if line.starts_with("m=") {
            video = line.starts_with("m=video");
        }
        if video {
            if let Some(pt) = fmtp_payload(line) {
                if codec_of(&lines, pt).is_some_and(is_video_codec) && !line.contains(PARAM) {
                    out.push_str(&format!("{line};{PARAM}={kbps}{newline}"));
                    continue;
                }
            }
        }
        out.push_str(line);
        out.push_str(newline);
        // A codec with no parameters has no fmtp line: give it one.
        if let Some((pt, codec)) = video.then(|| rtpmap(line)).flatten() {
            if is_video_codec(codec) && !has_fmtp(&lines, pt) {
                out.push_str(&format!("a=fmtp:{pt} {PARAM}={kbps}{newline}"));
            }
        }
    }
    if !sdp.ends_with('\n') && out.ends_with(newline) {
        out.truncate(out.len() - newline.len());
    }
    out
}

/// The payload type of an `a=fmtp:PT ...` line.
fn fmtp_payload(line: &str) -> Option<&str> {
    line.strip_prefix("a=fmtp:")?.split(' ').next()
}

/// `(PT, codec name)` of an `a=rtpmap:PT NAME/CLOCK` line.
fn rtpmap(line: &str) -> Option<(&str, &str)> {
    let (pt, rest) = line.strip_prefix("a=rtpmap:")?.split_once(' ')?;
    Some((pt, rest.split('/').next()?))
}

fn codec_of<'a>(lines: &[&'a str], pt: &str) -> Option<&'a str> {
    lines.iter().filter_map(|l| rtpmap(l)).find(|(p, _)| *p == pt).map(|(_, c)| c)
}

fn has_fmtp(lines: &[&str], pt: &str) -> bool {
    lines.iter().any(|l| fmtp_payload(l) == Some(pt))
}

fn is_video_codec(codec: &str) -> bool {
    ["VP8", "VP9", "H264", "H265", "AV1"].iter().any(|c| c.eq_ignore_ascii_case(codec))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n\
        a=rtpmap:98 H264/90000\r\na=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
        a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n";

    #[test]
    fn video_codecs_get_a_start_bitrate_and_the_rest_is_untouched() {
        let out = with_start_bitrate(ANSWER, 1500);
        assert!(out.contains("a=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=1500\r\n"), "{out}");
        assert!(out
            .contains("a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1500\r\n"));
        assert!(out.contains("a=fmtp:97 apt=96\r\n") && out.contains("a=fmtp:99 apt=98\r\n"), "rtx keeps its parameters");
        assert!(out.contains("a=fmtp:111 minptime=10;useinbandfec=1\r\n"), "audio is untouched");
        assert_eq!(out.matches(PARAM).count(), 2);
        assert_eq!(out.len(), ANSWER.len() + "a=fmtp:96 x-google-start-bitrate=1500\r\n".len() + ";x-google-start-bitrate=1500".len());
    }

    #[test]
    fn applying_twice_changes_nothing_more() {
        let once = with_start_bitrate(ANSWER, 800);
        assert_eq!(with_start_bitrate(&once, 800), once);
    }

    #[test]
    fn sections_without_video_and_odd_text_pass_through() {
        let audio_only = "v=0\nm=audio 9 RTP/AVP 0\na=rtpmap:0 PCMU/8000";
        assert_eq!(with_start_bitrate(audio_only, 1500), audio_only);
        assert_eq!(with_start_bitrate("", 1500), "");
        assert_eq!(with_start_bitrate("m=video\na=fmtp:\na=rtpmap:x", 1500), "m=video\na=fmtp:\na=rtpmap:x");
    }
}
