#!/usr/bin/python3
"""console-walk.py: a person's walk through the fleet console in headless
chromium (cdp.py), for console.test.sh.

    console-walk.py BASE SHOTS PROFILE EXPECT.json

Environment: OP_TOKEN (scopes rearm, status), VIEW_TOKEN (status only),
SPKI_PIN (the server key's pin).  EXPECT.json names what the fleet holds:
{"pod": the pod with most nodes down, "node": its down node to re-arm, "up": a node of it that pushes,
"late": a node of it assigned through the API, to unassign, "late_mac": its MAC,
"gone": a node of it that NodeDown fires for, "firing": alerts firing
before the walk (HighLoad of "up", NodeDown of "node" and "gone"),
"alerts": alerts listed (one more: LoadSustained of "up", pending),
"failed": nodes failed, "down": nodes down, "pods": pods,
"hostile_site": the pod's site, "hostile_event": an event detail of the
node: both HTML that must show as text}.
Prints one "ok   - ..." or "FAIL - ..." line per check and "# ..." lines
with the time each view took; the test counts them.  Screenshots go to
SHOTS/NAME.png.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

results = []


def check(desc, cond, detail=""):
    """Report check @desc: passed when @cond is true."""
    results.append(bool(cond))
    print("%s - %s" % ("ok  " if cond else "FAIL", desc))
    if not cond and detail:
        print("       | %s" % str(detail)[:400])
    sys.stdout.flush()


def timed(b, view, what, act):
    """Run @act, wait until @view is drawn anew; print and return the ms.
    The view drawn before is marked stale first, so that only a drawing
    that @act started counts."""
    b.eval("document.getElementById('main').dataset.state = 'stale'")
    start = time.monotonic()
    act()
    b.wait_view(view, 60)
    ms = int((time.monotonic() - start) * 1000)
    print("# %s: %d ms" % (what, ms))
    sys.stdout.flush()
    return ms


def figure(b, name):
    """The number shown in the overview's figure @name."""
    t = b.text("#count-%s .value" % name)
    return int(t.replace(",", "")) if t else None


def unassign(b, want, shot):
    """From the node page, back to its pod and on to the node assigned
    through the API; unassign it, with its confirmation, and check what
    the page then says."""
    late = want["late"]
    b.click('#main dl.facts a[href="#/pod/%s"]' % want["pod"])
    b.wait('#nodes a.node-link[href="#/node/%s"]' % late)
    b.wait_view("pod")
    timed(b, "node", "the assigned node's page",
          lambda: b.click('#nodes a.node-link[href="#/node/%s"]' % late))
    shot("6b-node-assigned")
    check("a node assigned through the API says so, and offers unassign",
          b.text("#node-origin") == "assigned through the API" and
          b.count("#unassign") == 1,
          [b.text("#node-origin"), b.count("#unassign")])
    b.click("#unassign")
    b.wait("#confirm")
    check("unassign asks for a confirmation first, naming node and pod",
          late in (b.text("#confirm") or "") and
          want["pod"] in (b.text("#confirm") or "") and
          b.text("#node-origin") == "assigned through the API",
          b.text("#confirm"))
    b.click("#confirm-unassign")
    b.wait("#notice", 60)
    b.wait_view("node")
    shot("6c-node-unassigned")
    notice = b.text("#notice") or ""
    check("after the unassign the page says it left the pod and the "
          "configuration, and its tokens no longer work",
          notice.startswith(late + " unassigned (" + want["late_mac"]) and
          "left pod " + want["pod"] in notice and
          "tokens no longer work" in notice, notice)
    check("the node is no longer in the configuration, and offers neither "
          "unassign nor re-arm",
          b.text("#node-origin") == "none: no longer in the configuration"
          and b.count("#unassign, #rearm") == 0,
          [b.text("#node-origin"), b.count("#unassign, #rearm")])
    kinds = b.eval("[...document.querySelectorAll('#events .kind')]"
                   ".map(e => e.textContent)")
    check("its timeline shows the unassign, newest first",
          kinds and kinds[0] == "unassign" and "assign" in kinds, kinds)
    check("its next network boot waits to be assigned again",
          (b.text("#stage2-verdict") or "").startswith("discover") and
          "not assigned to a pod yet" in (b.text("#stage2-script") or ""),
          [b.text("#stage2-verdict"), b.text("#stage2-script")])


def alerts_page(b, want):
    """The alerts page: firing first, NodeDown of the node gone silent
    and HighLoad of the node that pushes, each linked to its pod and
    node; the re-armed node's NodeDown (firing, or resolved since its
    re-arm); its node link opens the node, down."""
    rows = b.eval("[...document.querySelectorAll('#alerts tbody tr')]"
                  ".map(r => [...r.cells].map(c => [c.textContent, "
                  "(c.querySelector('a') || {}).hash || null]))")
    states = [r[1][0] for r in rows or []]
    firing = states.count("firing")
    check("the alerts page lists the alerts, firing first",
          len(states) == want["alerts"] and firing >= want["firing"] - 1
          and states[:firing] == ["firing"] * firing and
          "pending" in states, rows)
    pod_link = "#/pod/" + want["pod"]

    def row(name, node, state="firing"):
        """The cells of the @name alert of @node in @state, or None."""
        return next((r for r in rows or [] if r[0][0] == name and
                     r[1][0] == state and r[3][0] == node), None)
    down, load = row("NodeDown", want["gone"]), row("HighLoad", want["up"])
    check("the re-armed %s's NodeDown is listed, firing or resolved"
          % want["node"], row("NodeDown", want["node"]) or
          row("NodeDown", want["node"], "resolved"), rows)
    check("NodeDown fires for %s, linked to its pod and node" % want["gone"],
          down and down[2] == [want["pod"], pod_link] and
          down[3][1] == "#/node/" + want["gone"], down)
    check("HighLoad fires for %s (load 0.75), linked to its pod and node"
          % want["up"], load and load[2] == [want["pod"], pod_link] and
          load[3][1] == "#/node/" + want["up"] and load[4][0] == "0.75",
          load)
    check("one page holds them: 1-%d of %d, no next page" % (
          want["alerts"], want["alerts"]),
          (b.text("#alerts-range") or "") == "1–%d of %d" % (
              want["alerts"], want["alerts"]) and
          b.count("#alerts-next, #alerts-prev") == 0,
          b.text("#alerts-range"))
    timed(b, "alerts", "the alerts page, pending only",
          lambda: b.click("#f-alert-state-pending"))
    b.wait("#f-alert-state-pending.current")
    b.wait_view("alerts")
    rows = b.eval("[...document.querySelectorAll('#alerts tbody tr')]"
                  ".map(r => [r.cells[0].textContent, r.cells[1]"
                  ".textContent])")
    check("its pending filter (on the server) leaves LoadSustained only",
          rows == [["LoadSustained", "pending"]] and
          (b.text("#alerts-range") or "") == "1–1 of 1", rows)
    # A bookmark of the page from the third alert on.
    timed(b, "alerts", "the alerts page from the third on",
          lambda: b.goto(b.eval("location.href.split('#')[0]") +
                         "#/alerts?offset=2"))
    check("from offset 2: 3-%d of %d, a link to the previous page"
          % (want["alerts"], want["alerts"]),
          (b.text("#alerts-range") or "") == "3–%d of %d" % (
              want["alerts"], want["alerts"]) and
          b.count("#alerts tbody tr") == want["alerts"] - 2 and
          b.count("#alerts-prev") == 1, b.text("#alerts-range"))
    timed(b, "alerts", "the alerts page, previous",
          lambda: b.click("#alerts-prev"))
    check("previous: back to 1-%d" % want["alerts"],
          (b.text("#alerts-range") or "").startswith("1–"),
          b.text("#alerts-range"))
    timed(b, "node", "the alert's node link",
          lambda: b.click('#alerts a[href="#/node/%s"]' % want["gone"]))
    check("the NodeDown alert's node link opens %s, down" % want["gone"],
          want["gone"] in (b.text("#main h1") or "") and
          b.text("#node-health") == "down",
          [b.text("#main h1"), b.text("#node-health")])


def walk(b, base, shots, want):
    """The walk itself; raises on a wait that runs out."""
    op, view = os.environ["OP_TOKEN"], os.environ["VIEW_TOKEN"]
    shot = lambda name: b.screenshot(os.path.join(shots, name + ".png"))
    times = {}

    b.goto(base + "/ui/")
    b.wait_view("signin")
    shot("1-signin")
    check("the console opens on its sign-in form",
          b.count("form#signin input[type=password]#token") == 1)

    timed(b, "overview", "sign in (typing the token), overview drawn",
          lambda: b.type("#token", op))
    shot("2-overview")
    check("signed in as the operator, a sign-out button shown",
          "signed in as operator" in (b.text("#who") or "") and
          b.eval("!document.getElementById('signout').hidden"))
    check("the token is in sessionStorage, not in localStorage or the URL",
          b.eval("sessionStorage.getItem('podboot.token')") == op and
          b.eval("localStorage.length") == 0 and
          op not in b.eval("location.href"))
    check("the overview counts %d failed nodes" % want["failed"],
          figure(b, "failed") == want["failed"], figure(b, "failed"))
    check("the overview counts %d nodes down" % want["down"],
          figure(b, "down") == want["down"], figure(b, "down"))
    check("the overview counts %d alerts firing" % want["firing"],
          figure(b, "firing") == want["firing"] and
          "bad" in (b.eval("document.getElementById('count-firing')"
                           ".className") or ""), figure(b, "firing"))
    check("the overview counts %d pods" % want["pods"],
          figure(b, "pods") == want["pods"], figure(b, "pods"))
    check("the pods table shows one page of 50, 1-50 of the fleet",
          b.count("#pods tbody tr") == 50 and
          (b.text("#pods-range") or "").startswith("1–50 of"),
          b.text("#pods-range"))
    first = b.text("#pods tbody tr:first-child a.pod-link")
    check("pods are sorted by nodes down: %s first" % want["pod"],
          first == want["pod"], first)
    timed(b, "overview", "the overview's next page of pods",
          lambda: b.click("#pods-next"))
    b.wait("#pods-prev")
    b.wait_view("overview")
    check("the next page is 51-100",
          (b.text("#pods-range") or "").startswith("51–100 of"),
          b.text("#pods-range"))
    times["overview"] = timed(b, "overview", "the overview (Fleet)",
                              lambda: b.click('#nav a[href="#/"]'))
    b.wait("#pods-next")
    b.wait_view("overview")

    # Click 1: the pod with most nodes down.
    times["pod"] = timed(b, "pod", "click 1, the pod page",
                         lambda: b.click("#pods tbody tr:first-child "
                                         "a.pod-link"))
    shot("3-pod")
    check("the pod page names its pod",
          want["pod"] in (b.text("#main h1") or ""))
    check("a site holding HTML shows as text, and makes no element",
          want["hostile_site"] in (b.text("#main dl.facts") or "") and
          b.count("#main img, #main b") == 0,
          b.text("#main dl.facts"))
    check("its nodes are listed with state, health and last push",
          b.count("#nodes tbody tr") > 1 and
          b.count("#nodes td.health-down") >= 1)
    row = b.eval("[...document.querySelectorAll('#nodes tbody tr')]"
                 ".map(r => [...r.cells].map(c => c.textContent))"
                 ".find(r => r[0] === %s)" % json.dumps(want["up"]))
    check("the node that pushes shows up, its last push, load and memory",
          row and row[2] == "up" and row[3] != "never" and
          row[4] == "0.75" and row[5] == "4.0 GiB", row)

    # Click 2: only the nodes down.
    timed(b, "pod", "click 2, the pod's nodes down",
          lambda: b.click("#f-node-health-down"))
    b.wait("#f-node-health-down.current")
    b.wait_view("pod")
    healths = b.eval("[...document.querySelectorAll('#nodes tbody tr "
                     "td:nth-child(3)')].map(e => e.textContent)")
    check("the health filter leaves only nodes down",
          healths and set(healths) == {"down"}, healths)
    shot("4-pod-down")
    first = b.text("#nodes tbody tr:first-child a.node-link")
    check("the down node %s is listed first" % want["node"],
          first == want["node"], first)

    # Click 3: the down node.
    times["node"] = timed(b, "node", "click 3, the node page",
                          lambda: b.click("#nodes tbody tr:first-child "
                                          "a.node-link"))
    shot("5-node")
    check("the node page shows it installed and down",
          b.text("#node-state") == "installed" and
          b.text("#node-health") == "down",
          [b.text("#node-state"), b.text("#node-health")])
    details = b.eval("[...document.querySelectorAll('#events .detail')]"
                     ".map(e => e.textContent)")
    check("an event detail holding HTML shows as text, and makes no element",
          want["hostile_event"] in (details or []) and
          b.count("#events img, #events b") == 0, details)
    check("its stage2 and the current artifacts are shown",
          "/boot/stage2.ipxe?mac=" in (b.text("#stage2") or "") and
          b.count("#node-artifacts tbody tr") >= 2)
    check("installed, its next stage2 is the local-boot script",
          (b.text("#stage2-verdict") or "").startswith("local") and
          "sanboot" in (b.text("#stage2-script") or ""),
          [b.text("#stage2-verdict"), b.text("#stage2-script")])
    arts = b.eval("[...document.querySelectorAll('#node-artifacts tbody "
                  "tr')].map(r => [...r.cells].map(c => c.textContent))")
    check("its profile's kernel and initrd only, with digest and serial",
          arts and len(arts) == 2 and arts[0][0] == "demo-vmlinuz" and
          all(len(a[1]) == 64 and a[3] not in ("", "—") for a in arts),
          arts)

    check("a node of the configuration file says so, and offers no "
          "unassign", b.text("#node-origin") == "the configuration file" and
          b.count("#rearm") == 1 and b.count("#unassign") == 0,
          [b.text("#node-origin"), b.count("#unassign")])

    # Re-arm, with its confirmation.
    b.click("#rearm")
    b.wait("#confirm")
    check("re-arm asks for a confirmation first, and nothing changed yet",
          b.text("#node-state") == "installed")
    b.click("#confirm-rearm")
    b.wait("#notice")
    b.wait_view("node")
    shot("6-node-rearmed")
    check("after the re-arm the node shows armed, install 1",
          b.text("#node-state") == "armed" and
          "armed (install 1)" in (b.text("#notice") or ""),
          [b.text("#node-state"), b.text("#notice")])
    script = b.text("#stage2-script") or ""
    check("re-armed, its stage2 shows the installer, the token redacted",
          (b.text("#stage2-verdict") or "").startswith("install") and
          "kernel --name kernel" in script and "/ks/REDACTED" in script,
          [b.text("#stage2-verdict"), script])
    # console.test.sh checks that the node's real token is not in it.
    with open(os.path.join(shots, "node-stage2.txt"), "w") as f:
        f.write(script)

    unassign(b, want, shot)

    times["artifacts"] = timed(b, "artifacts", "the artifacts page",
                               lambda: b.click('#nav a[href="#/artifacts"]'))
    shot("7-artifacts")
    rows = b.eval("[...document.querySelectorAll('#artifacts tbody tr')]"
                  ".map(r => [...r.cells].map(c => c.textContent))")
    check("artifacts: versions with digest, signer serial and uploader",
          rows and any(r[0] == "demo-vmlinuz" and len(r[2]) == 64 and
                       r[6] not in ("", "—") and r[8] != "—"
                       for r in rows), rows)
    times["alerts"] = timed(b, "alerts", "the alerts page",
                            lambda: b.click('#nav a[href="#/alerts"]'))
    shot("8-alerts")
    alerts_page(b, want)

    b.pump()
    check("no CSP violation while the console was used",
          b.csp_violations() == [], b.csp_violations())
    check("no JavaScript error",
          not b.exceptions and
          not [c for c in b.console if c[0] == "error"],
          (b.exceptions, b.console))
    foreign = [u for u in b.requests if not u.startswith(base + "/")]
    check("nothing was requested from another host (%d requests)"
          % len(b.requests), b.requests and not foreign, foreign)

    b.click("#signout")
    b.wait_view("signin")
    check("sign-out forgets the token",
          b.eval("sessionStorage.length") == 0 and
          b.eval("document.getElementById('signout').hidden"))

    b.type("#token", view)
    b.wait_view("overview")
    b.goto(base + "/ui/#/node/" + want["node"])
    b.wait_view("node")
    shot("9-node-status-token")
    check("a token with status only sees no re-arm or unassign button",
          "signed in as viewer" in (b.text("#who") or "") and
          b.count("#rearm, #unassign, #actions") == 0)

    # The policy itself: an inline handler and an inline script put into
    # the page (by DevTools, which the page cannot stop) must not run.
    b.eval("document.getElementById('main').insertAdjacentHTML('beforeend',"
           "'<img id=\"inj\" src=\"inj.png\" onerror=\"window.__inl=1\">');"
           "var s=document.createElement('script');"
           "s.textContent='window.__inl2=1';document.head.appendChild(s);1")
    b._until(lambda: len(b.csp_violations()) >= 2, 15,
             "the CSP's report of the injected script")
    check("injected inline script and handler are refused by the CSP",
          b.eval("window.__inl === undefined && "
                 "window.__inl2 === undefined"), b.csp_violations())
    # A generous bound (TEST_SLOWDOWN stretches it): a view costs pages
    # of the API, not the fleet.
    bound = 5000 * cdp.SLOWDOWN
    check("each view of the 5,000-pod fleet was drawn in under %d ms (%s)"
          % (bound, ", ".join("%s %d" % kv for kv in times.items())),
          times and max(times.values()) < bound, times)
    return times


def main():
    base, shots, profile, expect = sys.argv[1:5]
    with open(expect) as f:
        want = json.load(f)
    with cdp.Browser(profile, spki_pin=os.environ.get("SPKI_PIN")) as b:
        try:
            walk(b, base, shots, want)
        except cdp.CdpError as e:
            check("the walk went to its end", False, e)
            try:
                b.screenshot(os.path.join(shots, "failed.png"))
                print("       | view %s: %s" % (
                    b.eval("document.getElementById('main').dataset.view"
                           " + ' ' + document.getElementById('main')"
                           ".dataset.state"), b.text("#main")[:300]))
            except Exception:
                pass
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
