#!/usr/bin/python3
"""cdp.py: a small driver of Debian's headless chromium through its DevTools
protocol, for the console test (console.test.sh, console-walk.py).

    import cdp
    with cdp.Browser(profile_dir, spki_pin=B64) as b:
        b.goto(url); b.wait('#main[data-state="ready"]'); b.click('a.pod-link')

The browser runs with a fresh profile under @profile_dir, trusts the
server's TLS key by its SPKI pin only (--ignore-certificate-errors-spki-list:
no other certificate error is forgiven), resolves no host name but localhost
and 127.0.0.1, and is killed (its own PID) when the block ends.  Every
console message, JavaScript exception, CSP violation and request the page
makes is recorded for the test to check.  Waits poll for an event with a
bounded deadline (stretched by TEST_SLOWDOWN); none decides by the clock.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import websocket

SLOWDOWN = max(1, int(os.environ.get("TEST_SLOWDOWN", "1") or 1))

# Injected before any page script (DevTools scripts are not bound by the
# page's CSP): records every CSP violation the page meets.
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


class CdpError(Exception):
    """A DevTools command failed, or a wait ran out."""


class Browser:
    """One headless chromium and its one page."""

    def __init__(self, profile_dir, spki_pin=None, width=1280, height=900):
        self.profile_dir = profile_dir
        self.spki_pin = spki_pin
        self.size = (width, height)
        self.proc = None
        self.ws = None
        self.next_id = 0
        self.events = []          # every event received, in order
        self.requests = []        # URLs the page asked for
        self.console = []         # (level, text) of console and Log entries
        self.exceptions = []      # JavaScript exceptions, as text

    # ---- start and stop ------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        """Start chromium, connect to its page and enable the domains."""
        os.makedirs(self.profile_dir, exist_ok=True)
        args = [shutil.which("chromium") or "chromium", "--headless=new",
                "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps",
                "--metrics-recording-only", "--password-store=basic",
                "--host-resolver-rules=MAP * ~NOTFOUND, "
                "EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--user-data-dir=" + self.profile_dir,
                "--remote-debugging-port=0",
                "--window-size=%d,%d" % self.size, "about:blank"]
        if self.spki_pin:
            args.insert(1, "--ignore-certificate-errors-spki-list=" +
                        self.spki_pin)
        log = open(os.path.join(self.profile_dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        port_file = os.path.join(self.profile_dir, "DevToolsActivePort")
        self._until(lambda: os.path.exists(port_file) and
                    open(port_file).read().count("\n") >= 1, 20,
                    "chromium's DevTools port")
        port = int(open(port_file).read().split("\n")[0])
        url = None
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                    timeout=10) as r:
            for t in json.load(r):
                if t.get("type") == "page":
                    url = t["webSocketDebuggerUrl"]
                    break
        if not url:
            raise CdpError("chromium has no page")
        self.ws = websocket.create_connection(url, timeout=30 * SLOWDOWN,
                                              suppress_origin=True)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=CSP_WATCH)

    def stop(self):
        """Close the connection and end our chromium (its PID only)."""
        if self.ws:
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # ---- the protocol --------------------------------------------------
    def _event(self, msg):
        """Record event @msg where the test looks for it."""
        self.events.append(msg)
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
        elif m == "Runtime.consoleAPICalled":
            self.console.append((p.get("type"), " ".join(
                str(a.get("value", a.get("description", "")))
                for a in p.get("args", []))))
        elif m == "Log.entryAdded":
            e = p.get("entry", {})
            self.console.append((e.get("level"), "%s: %s %s" % (
                e.get("source"), e.get("text"), e.get("url", ""))))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.exceptions.append(d.get("exception", {}).get(
                "description") or d.get("text"))

    def _recv(self):
        msg = json.loads(self.ws.recv())
        if "id" not in msg:
            self._event(msg)
        return msg

    def call(self, method, **params):
        """Send @method with @params; its result, or CdpError."""
        self.next_id += 1
        want = self.next_id
        self.ws.send(json.dumps({"id": want, "method": method,
                                 "params": params}))
        while True:
            msg = self._recv()
            if msg.get("id") == want:
                if "error" in msg:
                    raise CdpError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def pump(self):
        """Take in the events that arrived, without blocking."""
        self.ws.settimeout(0.05)
        try:
            while True:
                self._recv()
        except (websocket.WebSocketTimeoutException, TimeoutError):
            pass
        finally:
            self.ws.settimeout(30 * SLOWDOWN)

    def _until(self, cond, seconds, what):
        """Poll @cond until true, at most @seconds (x TEST_SLOWDOWN)."""
        end = time.monotonic() + seconds * SLOWDOWN
        while True:
            v = cond()
            if v:
                return v
            if time.monotonic() > end:
                raise CdpError("waited %ds for %s" % (seconds * SLOWDOWN,
                                                       what))
            time.sleep(0.05)

    # ---- the page ------------------------------------------------------
    def eval(self, expr):
        """The value of JavaScript @expr in the page (promises awaited)."""
        r = self.call("Runtime.evaluate", expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise CdpError("%s: %s" % (expr, r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def goto(self, url):
        """Navigate to @url."""
        self.call("Page.navigate", url=url)

    def wait(self, selector, seconds=15):
        """Wait until an element matches @selector; its text."""
        q = "(function(){var e=document.querySelector(%s);" \
            "return e?[e.textContent]:null})()" % json.dumps(selector)

        def found():
            self.pump()
            return self.eval(q)
        return self._until(found, seconds, selector)[0]

    def wait_view(self, view, seconds=30):
        """Wait until the console shows @view, drawn (data-state ready)."""
        return self.wait('#main[data-view="%s"][data-state="ready"]' % view,
                         seconds)

    def text(self, selector):
        """The text of the first element matching @selector, or None."""
        return self.eval("(function(){var e=document.querySelector(%s);"
                         "return e?e.textContent:null})()"
                         % json.dumps(selector))

    def count(self, selector):
        """How many elements match @selector."""
        return self.eval("document.querySelectorAll(%s).length"
                         % json.dumps(selector))

    def click(self, selector):
        """Click the element @selector as a person would: mouse down and
        up at its centre."""
        box = self.eval("(function(){var e=document.querySelector(%s);"
                        "if(!e)return null;e.scrollIntoView({block:'center'});"
                        "var r=e.getBoundingClientRect();"
                        "return [r.x+r.width/2,r.y+r.height/2]})()"
                        % json.dumps(selector))
        if not box:
            raise CdpError("nothing to click at " + selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0],
                      y=box[1], button="left", clickCount=1)

    def type(self, selector, value):
        """Click @selector, type @value into it and press Enter."""
        self.click(selector)
        for ch in value:
            self.call("Input.dispatchKeyEvent", type="keyDown", text=ch,
                      key=ch, unmodifiedText=ch)
            self.call("Input.dispatchKeyEvent", type="keyUp", key=ch)
        self.call("Input.dispatchKeyEvent", type="rawKeyDown", key="Enter",
                  code="Enter", windowsVirtualKeyCode=13)
        self.call("Input.dispatchKeyEvent", type="char", key="Enter",
                  text="\r", windowsVirtualKeyCode=13)
        self.call("Input.dispatchKeyEvent", type="keyUp", key="Enter",
                  code="Enter", windowsVirtualKeyCode=13)

    def screenshot(self, path):
        """Save the page as PNG at @path."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def csp_violations(self):
        """The CSP violations the page recorded (CSP_WATCH)."""
        return self.eval("window.__csp || []")
