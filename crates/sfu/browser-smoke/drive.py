import json, urllib.request, sys, tempfile
def req(method, path, body=None):
    r = urllib.request.Request('http://127.0.0.1:9515' + path, method=method, data=json.dumps(body).encode() if body is not None else None, headers={'Content-Type': 'application/json'})
    return json.loads(urllib.request.urlopen(r, timeout=120).read())
args = ['--headless=new','--no-sandbox','--disable-gpu','--no-first-run','--disable-dev-shm-usage','--use-fake-device-for-media-stream','--use-fake-ui-for-media-stream','--autoplay-policy=no-user-gesture-required','--user-data-dir=' + tempfile.mkdtemp()]
s = req('POST', '/session', {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {'binary': '/usr/bin/chromium', 'args': args}}}})
sid = s['value']['sessionId']
try:
    req('POST', f'/session/{sid}/timeouts', {'script': 90000})
    req('POST', f'/session/{sid}/url', {'url': 'http://127.0.0.1:8092/smoke.html'})
    r = req('POST', f'/session/{sid}/execute/async', {'script': 'const done = arguments[0]; window.run().then(r => done(r), e => done({ok:false, error: String(e)}));', 'args': []})
    print(json.dumps(r['value'], indent=1))
finally:
    req('DELETE', f'/session/{sid}')
