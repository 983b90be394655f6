//! What `/api/turn` hands the browser from Cloudflare's TURN credential API: its
//! `iceServers`, minus URLs the browser would only waste time on.

use serde_json::Value;

/// The ICE servers of a `generate-ice-servers` (or legacy `generate`) response, without
/// port-53 URLs; an error names what was missing.
pub fn ice_servers(body: &Value) -> Result<Value, &'static str> {
    let servers = match body.get("iceServers") {
        Some(Value::Array(list)) => list.clone(),
        // The legacy `generate` endpoint answers with a single object.
        Some(obj @ Value::Object(_)) => vec![obj.clone()],
        _ => return Err("no iceServers in the response"),
    };
    Ok(Value::Array(servers.into_iter().filter_map(without_port_53).collect()))
}

/// Browsers block port 53; without trickle ICE those URLs only slow gathering down.
fn without_port_53(mut server: Value) -> Option<Value> {
    let keep = |u: &str| {
        let hostport = u.split('?').next().unwrap_or(u);
        !hostport.ends_with(":53")
    };
    match server.get_mut("urls") {
        Some(Value::Array(urls)) => {
            urls.retain(|u| u.as_str().is_some_and(keep));
            (!urls.is_empty()).then_some(server)
        }
        Some(Value::String(u)) => keep(u).then_some(server),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn port_53_is_dropped() {
        let s = json!({"urls": ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53", "turn:t:53?transport=udp"]});
        assert_eq!(without_port_53(s), Some(json!({"urls": ["stun:stun.cloudflare.com:3478"]})));
        assert_eq!(without_port_53(json!({"urls": "turn:x:53"})), None);
        assert_eq!(without_port_53(json!({"nourls": 1})), None);
    }

    #[test]
    fn both_response_shapes() {
        let list = json!({"iceServers": [{"urls": ["stun:a:3478"]}]});
        assert_eq!(ice_servers(&list), Ok(json!([{"urls": ["stun:a:3478"]}])));
        let legacy = json!({"iceServers": {"urls": "turn:b:3478", "username": "u"}});
        assert_eq!(ice_servers(&legacy), Ok(json!([{"urls": "turn:b:3478", "username": "u"}])));
        assert!(ice_servers(&json!({})).is_err());
    }
}
