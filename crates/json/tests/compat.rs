//! satsuma-json against serde_json: the same text for the same values, the same values from
//! the same text, and errors (never panics) for broken input.

use satsuma_protocol::calls::{
    Location, NewSessionResponse, SdpType, SessionDescription, Simulcast, SimulcastPolicy, TrackObject, TracksRequest,
};
use satsuma_protocol::room::{
    ChatMessage, ClientMessage, ErrorCode, ErrorFrame, MediaUpdate, Participant, PublishedTrack, ServerMessage, TrackKind,
};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;
use serde_json::Value;

fn same<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let expected = serde_json::to_string(value).unwrap();
    assert_eq!(satsuma_json::to_string(value).unwrap(), expected);
    assert_eq!(&satsuma_json::from_str::<T>(&expected).unwrap(), value, "{expected}");
    let pretty = serde_json::to_string_pretty(value).unwrap();
    assert_eq!(&satsuma_json::from_str::<T>(&pretty).unwrap(), value, "{pretty}");
}

fn track(name: &str) -> TrackObject {
    TrackObject {
        location: Some(Location::Remote),
        session_id: Some("s1".into()),
        track_name: Some(name.into()),
        simulcast: Some(Simulcast {
            preferred_rid: Some("b".into()),
            priority_ordering: Some(SimulcastPolicy::Asciibetical),
            rid_not_available: Some(SimulcastPolicy::Other("brand-new".into())),
        }),
        ..Default::default()
    }
}

#[test]
fn protocol_values_match_serde_json() {
    let offer = SessionDescription { kind: SdpType::Offer, sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n".into() };
    same(&TracksRequest { session_description: Some(offer.clone()), tracks: Some(vec![track("a"), track("b")]), auto_discover: None });
    same(&NewSessionResponse { session_id: Some("abc".into()), session_description: Some(offer) });
    same(&ClientMessage::Join { name: "Zoë \"Z\" \\ 日本".into(), resume_token: Some("t".into()) });
    same(&ClientMessage::Update(MediaUpdate { mic: Some(true), ..Default::default() }));
    same(&ClientMessage::Publish { tracks: vec![PublishedTrack { track: "p/mic".into(), kind: TrackKind::Mic }] });
    same(&ClientMessage::Ping);
    same(&Participant { id: "p".into(), name: "Ada".into(), mic: true, ..serde_json::from_str(r#"{"id":"p","name":"Ada"}"#).unwrap() });
    same(&ChatMessage { from: "p".into(), name: "Ada".into(), text: "<img src=x onerror=alert(1)>\u{1}".into(), at: u64::MAX });
    same(&ServerMessage::Error(ErrorFrame { code: ErrorCode::RoomFull, message: "full".into() }));
}

#[test]
fn unknown_fields_of_any_kind_are_skipped() {
    let text = r#"{"type":"answer","float":-1.5e-3,"nested":{"a":[1,2.0,{"b":null}],"c":"\u00e9"},"sdp":"x","t":true}"#;
    let desc: SessionDescription = satsuma_json::from_str(text).unwrap();
    assert_eq!(desc, SessionDescription { kind: SdpType::Answer, sdp: "x".into() });
}

#[test]
fn strings_decode_like_serde_json() {
    let cases = [
        r#""plain""#,
        r#""\"\\\/\b\f\n\r\t""#,
        r#""\u0000\u001f\u00e9\u65e5""#,
        r#""\ud83c\udf4a satsuma""#,
        r#""mixed \u00e9 and é and 🍊""#,
        "\"\u{202e}bidi\"",
    ];
    for case in cases {
        let expected: String = serde_json::from_str(case).unwrap();
        assert_eq!(satsuma_json::from_str::<String>(case).unwrap(), expected, "{case}");
    }
    for bad in [r#""\ud83c""#, r#""\udf4a""#, r#""\ud83cx""#, r#""\u12""#, r#""\x""#, "\"a\u{1}b\"", r#""open"#, r#""\"#] {
        assert!(serde_json::from_str::<String>(bad).is_err(), "{bad}");
        assert!(satsuma_json::from_str::<String>(bad).is_err(), "{bad}");
    }
}

#[test]
fn strings_encode_like_serde_json() {
    let all: String = (0u32..0x300).filter_map(char::from_u32).chain(['\u{202e}', '🍊', '\u{ffff}']).collect();
    assert_eq!(satsuma_json::to_string(&all).unwrap(), serde_json::to_string(&all).unwrap());
    assert_eq!(satsuma_json::to_string(&'\n').unwrap(), serde_json::to_string(&'\n').unwrap());
}

#[test]
fn integers_cover_i64_and_u64() {
    assert_eq!(satsuma_json::from_str::<u64>("18446744073709551615").unwrap(), u64::MAX);
    assert_eq!(satsuma_json::from_str::<i64>("-9223372036854775808").unwrap(), i64::MIN);
    assert_eq!(satsuma_json::from_str::<i32>(" -7 ").unwrap(), -7);
    assert_eq!(satsuma_json::to_string(&[i64::MIN, 0, i64::MAX]).unwrap(), serde_json::to_string(&[i64::MIN, 0, i64::MAX]).unwrap());
    assert_eq!(satsuma_json::to_string(&u64::MAX).unwrap(), u64::MAX.to_string());
    for bad in ["18446744073709551616", "-9223372036854775809", "01", "-", "1.5", "1e3", "+1", "0x10"] {
        assert!(satsuma_json::from_str::<i128>(bad).is_err(), "{bad}");
    }
    assert!(satsuma_json::from_str::<u8>("256").is_err());
    assert!(satsuma_json::to_string(&1.5f64).is_err());
}

#[test]
fn maps_tuples_and_enums() {
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    enum Shape {
        Unit,
        New(u32),
        Pair(u8, String),
        Named { a: bool },
    }
    same(&vec![Shape::Unit, Shape::Unit]);
    // Data variants are written as serde_json writes them, and refused when read.
    for shape in [Shape::New(3), Shape::Pair(1, "x".into()), Shape::Named { a: true }] {
        let text = serde_json::to_string(&shape).unwrap();
        assert_eq!(satsuma_json::to_string(&shape).unwrap(), text);
        assert!(satsuma_json::from_str::<Shape>(&text).is_err(), "{text}");
    }
    assert!(satsuma_json::from_str::<Shape>(r#""Other""#).is_err());
    let map: std::collections::BTreeMap<String, Vec<Option<bool>>> = [("1".into(), vec![Some(true), None]), ("é".into(), vec![])].into();
    same(&map);
    let by_number: std::collections::BTreeMap<u16, bool> = [(1, true)].into();
    assert_eq!(satsuma_json::to_string(&by_number).unwrap_err().message(), "object keys must be strings");
    same(&(1u8, "two".to_owned(), [3i8, -4]));
    assert!(satsuma_json::from_str::<(u8, u8)>("[1,2,3]").is_err());
    assert!(satsuma_json::from_str::<(u8, u8)>("[1]").is_err());
}

#[test]
fn the_tag_is_read_without_decoding_the_rest() {
    let text = r#" { "a" : [1, {"type": "inner"}], "type" : "state", "state": {"broken": } "#;
    assert_eq!(satsuma_json::top_level_str(text, "type").unwrap().as_deref(), Some("state"));
    assert_eq!(satsuma_json::top_level_str(r#"{"type":7}"#, "type").unwrap(), None);
    assert_eq!(satsuma_json::top_level_str(r#"{"kind":"x"}"#, "type").unwrap(), None);
    assert!(satsuma_json::top_level_str("[]", "type").is_err());
    assert!(satsuma_json::top_level_str(r#"{"a":tru"#, "type").is_err());
}

#[test]
fn broken_input_is_an_error_with_a_position() {
    let good = serde_json::to_string(&ClientMessage::Join { name: "Ada \u{e9}".into(), resume_token: Some("r".into()) }).unwrap();
    for end in 0..good.len() {
        if let Some(prefix) = good.get(..end) {
            let err = satsuma_json::from_str::<ClientMessage>(prefix).unwrap_err();
            assert!(err.offset().is_some(), "{prefix}: {err}");
        }
    }
    let err = satsuma_json::from_str::<SessionDescription>(r#"{"type":"offer","sdp":5}"#).unwrap_err();
    assert_eq!(err.to_string(), "expected a string at byte 22");
    let err = satsuma_json::from_str::<SessionDescription>(r#"{"type":"offer"}"#).unwrap_err();
    assert_eq!(err.to_string(), "missing field `sdp` at byte 16");
    let err = satsuma_json::from_str::<u8>("300").unwrap_err();
    assert!(err.to_string().starts_with("invalid value: integer `300`, expected u8"), "{err}");
    for bad in ["", " ", "nul", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "{} x", "\u{0}", "[", "]", "--1", "tru"] {
        assert!(satsuma_json::from_str::<IgnoredAny>(bad).is_err(), "{bad:?}");
        assert!(satsuma_json::from_str::<Value>(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn nesting_is_limited() {
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let limit = satsuma_json::MAX_DEPTH as usize;
    assert!(satsuma_json::from_str::<IgnoredAny>(&nested(limit)).is_ok());
    assert!(satsuma_json::from_str::<Value>(&nested(limit)).is_ok());
    let err = satsuma_json::from_str::<IgnoredAny>(&nested(limit + 1)).unwrap_err();
    assert_eq!(err.message(), "nesting too deep");
    assert!(satsuma_json::from_str::<Value>(&"{\"a\":".repeat(100_000)).is_err());
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

/// Mutated documents: wherever serde_json reads a float-free value, we read the same one,
/// and we never accept what serde_json refuses.
#[test]
fn mutations_agree_with_serde_json() {
    let seeds = [
        r#"{"type":"join","name":"Ada","resumeToken":null,"n":[1,-2,{"x":"\u00e9\n"}],"t":true,"f":false}"#,
        r#"[{"a":{"b":[[],{},""]}},"\ud83c\udf4a",18446744073709551615,-9223372036854775808]"#,
    ];
    let alphabet = b"{}[]\",:\\ u0123456789abcdefntrl-+.eE\x01\xc3\xa9";
    let mut state: u64 = 0x5eed;
    let mut next = |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize % bound
    };
    for seed in seeds {
        for _ in 0..4000 {
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..1 + next(3) {
                let at = next(bytes.len());
                match next(3) {
                    0 => bytes[at] = alphabet[next(alphabet.len())],
                    1 => bytes.insert(at, alphabet[next(alphabet.len())]),
                    _ => drop(bytes.remove(at)),
                }
            }
            let Ok(text) = String::from_utf8(bytes) else { continue };
            let ours = satsuma_json::from_str::<Value>(&text);
            match serde_json::from_str::<Value>(&text) {
                Ok(theirs) if !has_float(&theirs) => assert_eq!(ours.as_ref().ok(), Some(&theirs), "{text}"),
                Ok(_) => {}
                Err(_) => assert!(ours.is_err(), "{text}"),
            }
            // serde_json skips lone surrogates in ignored strings; we refuse them everywhere.
            let skipped = satsuma_json::from_str::<IgnoredAny>(&text).is_ok();
            assert!(!skipped || serde_json::from_str::<IgnoredAny>(&text).is_ok(), "{text}");
            assert!(skipped || serde_json::from_str::<Value>(&text).is_err(), "{text}");
        }
    }
}
