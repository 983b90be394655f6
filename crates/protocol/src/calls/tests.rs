//! Wire-format tests of the Realtime API types.

use super::*;

#[test]
fn track_object_is_camel_case_and_skips_none() {
    let t = TrackObject {
        location: Some(Location::Remote),
        session_id: Some("abc".into()),
        track_name: Some("t".into()),
        mid: Some(String::new()),
        ..Default::default()
    };
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(json, r#"{"location":"remote","mid":"","sessionId":"abc","trackName":"t"}"#);
}

#[test]
fn unknown_fields_and_enum_values_are_tolerated() {
    let t: TrackObject = serde_json::from_str(r#"{"location":"elsewhere","mid":"1","extra":42,"status":"weird"}"#).unwrap();
    assert_eq!(t.location, Some(Location::Other("elsewhere".into())));
    assert_eq!(t.status, Some(ResourceStatus::Other("weird".into())));
}

#[test]
fn session_description_uses_type_key() {
    let sd: SessionDescription = serde_json::from_str(r#"{"type":"offer","sdp":"v=0"}"#).unwrap();
    assert_eq!(sd, SessionDescription::offer("v=0"));
    assert_eq!(serde_json::to_string(&SessionDescription::answer("x")).unwrap(), r#"{"type":"answer","sdp":"x"}"#);
}

#[test]
fn error_codes_round_trip() {
    assert_eq!(ErrorCode::parse("session_error"), ErrorCode::SessionError);
    assert_eq!(ErrorCode::parse("brand_new"), ErrorCode::Other("brand_new".into()));
    for code in [ErrorCode::InternalError, ErrorCode::SessionError, ErrorCode::Other("new_code".into())] {
        let wire = serde_json::to_string(&code).unwrap();
        assert_eq!(wire, format!("\"{}\"", code.as_str()));
        assert_eq!(serde_json::from_str::<ErrorCode>(&wire).unwrap(), code);
    }
    assert_eq!(ErrorCode::NotFoundTrackError.as_str(), "not_found_track_error");
    let body = ErrorBody::new("x", "y");
    assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"errorCode":"x","errorDescription":"y"}"#);
    let body = ErrorBody::new(ErrorCode::InvalidSessionDescription, "z").with_subcode("signaling_state_not_stable");
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"errorCode":"invalid_session_description","errorDescription":"z","errorSubcode":"signaling_state_not_stable"}"#
    );
    // A non-2xx without a body still reads as an error with empty fields.
    assert_eq!(serde_json::from_str::<ErrorBody>("{}").unwrap(), ErrorBody::default());
}

#[test]
fn simulcast_reads_2024_and_2025_names() {
    let old: Simulcast =
        serde_json::from_str(r#"{"preferredRid":"h","priorityOrdering":"asciibetical","ridNotAvailable":"none"}"#).unwrap();
    assert_eq!(old.priority_ordering, Some(SimulcastPolicy::Asciibetical));
    assert_eq!(old.rid_not_available, Some(SimulcastPolicy::None));
    let new: Simulcast = serde_json::from_str(r#"{"preferredRid":"","ridUnavailableStrategy":"nextPriority"}"#).unwrap();
    assert_eq!(new.preferred_rid.as_deref(), Some(""));
    assert_eq!(new.rid_not_available, Some(SimulcastPolicy::NextPriority));
    let draft: Simulcast = serde_json::from_str(r#"{"preferredRidNotAvailable":"asciibetical"}"#).unwrap();
    assert_eq!(draft.rid_not_available, Some(SimulcastPolicy::Asciibetical));
    assert_eq!(serde_json::to_string(&new).unwrap(), r#"{"preferredRid":"","ridNotAvailable":"nextPriority"}"#);
}

#[test]
fn establish_accepts_lowercase_datachannel_key() {
    let r: EstablishDataChannelResponse = serde_json::from_str(r#"{"datachannel":{"dataChannelName":"server-events","id":0}}"#).unwrap();
    assert_eq!(r.data_channel.and_then(|d| d.id), Some(0));
}
