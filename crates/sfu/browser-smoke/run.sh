#!/usr/bin/env bash
# Manual Chromium smoke test of the SFU (not part of `cargo test`): four headless-Chromium
# peer connections in one page publish, pull each other (3-way call), close a track with a
# negotiated close, time a late joiner's first frame, and relay a DataChannel message
# between two more sessions. Prints the page's JSON verdict.
# Needs /usr/bin/chromium, chromedriver and python3. Usage: crates/sfu/browser-smoke/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
cargo build -q -p satsuma-server --manifest-path "$root/Cargo.toml"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
"$root/target/debug/satsuma" sfu --listen 127.0.0.1:8091 --app-id app --app-secret s >"$work/sfu.log" 2>&1 &
pids+=($!)
(cd "$here" && exec python3 -m http.server 8092 --bind 127.0.0.1 >"$work/http.log" 2>&1) &
pids+=($!)
chromedriver --port=9515 >"$work/chromedriver.log" 2>&1 &
pids+=($!)
sleep 2
python3 "$here/drive.py" | tee "$work/result.json"
grep -q '"ok": true' "$work/result.json"
