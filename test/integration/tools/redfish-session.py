#!/usr/bin/python3
"""redfish-session.py: a small Redfish service for what sushy-tools lacks.

Usage: redfish-session.py PORT CERT KEY USER PASSWORD STATE [QUIRK]
QUIRK "supermicro": InsertMedia refuses Inserted and WriteProtected (400)
and EjectMedia leaves Image as it was (only Inserted goes false).
QUIRK "ilo" (HPE iLO's boot quirks): the system shows a Legacy
BootSourceOverrideMode that a PATCH may not change (400, the Base
registry's PropertyValueNotInList by MessageId and MessageArgs alone, as
iLO answers), refuses the target Pxe that it lists as allowed (400,
with RelatedProperties), and shows a UefiTargetBootSourceOverride whose
PATCH to a value outside its @Redfish.AllowableValues is refused the
same way (counted in "refused_uefi_targets"); the CD offers
Oem.Hpe.BootOnNextServerReset (PATCH of the medium), and a reset after a
one-time Cd override boots a physical drive, not the virtual medium:
what each reset booted ("virtual CD", "physical drive", "disk") is in
the state's "booted".  In front of a real machine (REDFISH_BACKEND) the
boot override is not passed on when it is PATCHed: at the reset the
backend is told to boot its CD only when the model boots the virtual
CD, else its disk (the machine has no physical drive: "physical drive"
boots what follows it, the disk).
QUIRK "ilo-locked": as "ilo", but the medium's PATCH is refused (400).
QUIRK "dell" (a Dell iDRAC of firmware 6 or later): the system is
System.Embedded.1 and the manager iDRAC.Embedded.1; the virtual media
sit under the System (members 1 and 2, each CD, DVD and USBStick; only 1
is the machine's drive, actions on 2 are counted in "other_media"),
while the Manager still lists its former VirtualMedia (CD,
RemovableDisk), whose actions are refused (400, counted in
"manager_media"); the ResetTypes are the action's own
@Redfish.AllowableValues (no PowerCycle), a reset answers 204 with no
task, and the system has no ETag: a PATCH without If-Match is taken.
Serves HTTPS on 127.0.0.1:PORT and answers only with a session: a POST to
SessionService/Sessions with USER and PASSWORD gives an X-Auth-Token, and
every other request needs it (basic authentication is refused).  Unless
"dell": shaped like an HPE iLO or a Supermicro: the system and manager
are both "1", the virtual CD sits under the Manager (after a floppy), the
allowed ResetTypes are only in the action's @Redfish.ActionInfo, a reset
answers 202 with a task monitor that is still running at the first poll,
and a PATCH of the system needs If-Match with its current ETag (428
without, 412 with a stale one).
With REDFISH_BACKEND set (a system's URL on another Redfish service,
e.g. sushy-tools: https://127.0.0.1:PORT/redfish/v1/Systems/ID, its CA in
REDFISH_BACKEND_CA, USER and PASSWORD sent to it by basic
authentication), the service is a vendor-shaped front of that real
machine: the power state, the CD's medium and the boot override are the
backend's, and a reset, an insert, an eject and a boot PATCH are made
there too (a PowerCycle of a machine that is off turns it on).
Every resource has the DMTF shape (its schema's @odata.type, @odata.id,
Id and Name; Members@odata.count on collections), with a SessionService
and a TaskService behind the root's links: tools/sushy-check.py reads it
with python3-sushy and checks that shape.
After every request it writes what it saw to STATE (JSON): sessions
opened and deleted, the power state, the ResetTypes, If-Match values, the
medium, the boot override, and any request that came without a valid
token.  Prints "listening" once it listens.
"""
import base64
import json
import os
import secrets
import ssl
import sys
import urllib.request

import redfishjson

PORT, CERT, KEY, USER, PASSWORD, STATE = sys.argv[1:7]
QUIRK = sys.argv[7] if len(sys.argv) > 7 else ""
R = "/redfish/v1"
S = {"sessions_opened": 0, "sessions_deleted": 0, "unauthorized": 0,
     "power": "Off", "resets": [], "if_match": [], "image": "",
     "inserted": False, "boot": {}, "etag_gen": 1, "polls": 0,
     "basic_seen": 0, "patches": [], "booted": [], "boot_next": False,
     "boot_mode": "Legacy", "refused_uefi_targets": 0,
     "manager_media": 0, "other_media": 0}
ILO = QUIRK in ("ilo", "ilo-locked")
DELL = QUIRK == "dell"
# The shape's paths (under R): the system, the manager, the collection
# that holds the machine's CD and its members (id, MediaTypes); CD is
# the member that is the machine's drive.
if DELL:
    SYS = "/Systems/System.Embedded.1"
    MGR = "/Managers/iDRAC.Embedded.1"
    MEDIA = SYS + "/VirtualMedia"
    MEMBERS = [("1", ["CD", "DVD", "USBStick"]),
               ("2", ["CD", "DVD", "USBStick"])]
    CD = "1"
    # What the Manager still lists from before firmware 6.
    OLD_MEDIA = MGR + "/VirtualMedia"
    OLD_MEMBERS = [("CD", ["CD", "DVD"]), ("RemovableDisk", ["USBStick"])]
else:
    SYS, MGR = "/Systems/1", "/Managers/1"
    MEDIA = MGR + "/VirtualMedia"
    MEMBERS = [("Floppy1", ["Floppy", "USBStick"]), ("CD1", ["CD", "DVD"])]
    CD = "CD1"
    OLD_MEDIA, OLD_MEMBERS = None, []
TOKENS = {}
BACKEND = os.environ.get("REDFISH_BACKEND", "")
BACKEND_CTX = (ssl.create_default_context(
    cafile=os.environ.get("REDFISH_BACKEND_CA")) if BACKEND else None)


def backend(method, path="", body=None):
    """A request to the backend system (path under it); its JSON or {}."""
    req = urllib.request.Request(
        BACKEND + path, method=method,
        data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Basic " + base64.b64encode(
        ("%s:%s" % (USER, PASSWORD)).encode()).decode())
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, context=BACKEND_CTX, timeout=120) as r:
        data = r.read()
    return json.loads(data) if data else {}


def sync():
    """The backend's power state, medium and boot override into S (on the
    iLO shapes the override is the front's own: see backend_boot())."""
    if not BACKEND:
        return
    sysj = backend("GET")
    S["power"] = sysj.get("PowerState", "Off")
    if not ILO:
        S["boot"] = {k: v for k, v in sysj.get("Boot", {}).items()
                     if k in ("BootSourceOverrideEnabled",
                              "BootSourceOverrideTarget")}
    cd = backend("GET", "/VirtualMedia/Cd")
    S["inserted"] = bool(cd.get("Inserted"))
    # Supermicro-shaped: an eject leaves the last Image shown.
    if S["inserted"] or QUIRK != "supermicro":
        S["image"] = cd.get("Image") or ""


def backend_boot(what):
    """iLO in front of a real machine: before a reset that boots @what
    (booted()), the backend boots its CD once for "virtual CD", else its
    disk."""
    target = "Cd" if what == "virtual CD" else "Hdd"
    backend("PATCH", "", {"Boot": {"BootSourceOverrideEnabled": "Once",
                                   "BootSourceOverrideTarget": target}})


def etag():
    return 'W/"gen-%d"' % S["etag_gen"]


def res(path, schema, name, **props):
    """A resource at @path (under R) of @schema ("ComputerSystem.v1_13_0"
    gives @odata.type "#ComputerSystem.v1_13_0.ComputerSystem"), with its
    Id (the path's last part), @name and @props."""
    return dict({"@odata.id": R + path,
                 "@odata.type": "#%s.%s" % (schema, schema.split(".")[0]),
                 "Id": path.rsplit("/", 1)[-1], "Name": name}, **props)


def coll(path, schema, name, members):
    """A resource collection at @path of @schema holding @members (paths
    under R)."""
    return {"@odata.id": R + path,
            "@odata.type": "#%s.%s" % (schema, schema),
            "Name": name,
            "Members": [{"@odata.id": R + m} for m in members],
            "Members@odata.count": len(members)}


def task(state):
    """The reset's task, in @state (Running or Completed)."""
    return res("/TaskService/Tasks/1", "Task.v1_4_3", "Reset task",
               TaskState=state, TaskStatus="OK",
               TaskMonitor=R + "/TaskService/TaskMonitors/1")


# A UEFI device path the iLO shape lists for UefiTargetBootSourceOverride.
UEFI_TARGET = "PciRoot(0x0)/Pci(0x1,0x1)/Ata(Secondary,Master,0x0)"


def system():
    """The system, its boot override and the reset action."""
    # No override yet: shown as disabled, as a BMC shows it.
    boot = dict({"BootSourceOverrideEnabled": "Disabled",
                 "BootSourceOverrideTarget": "None"}, **S["boot"])
    boot.update({
        "BootSourceOverrideTarget@Redfish.AllowableValues":
            ["None", "Pxe", "Cd", "Hdd", "UefiHttp"]})
    if ILO:
        boot["BootSourceOverrideMode"] = S["boot_mode"]
        boot["BootSourceOverrideMode@Redfish.AllowableValues"] = [
            "Legacy", "UEFI"]
        boot.setdefault("UefiTargetBootSourceOverride", "None")
        boot["UefiTargetBootSourceOverride@Redfish.AllowableValues"] = [
            "None", UEFI_TARGET]
    reset = {"target": R + SYS + "/Actions/ComputerSystem.Reset"}
    if DELL:
        reset["ResetType@Redfish.AllowableValues"] = [
            "On", "ForceOff", "ForceRestart", "GracefulShutdown",
            "PushPowerButton", "Nmi"]
    else:
        reset["@Redfish.ActionInfo"] = R + SYS + "/ResetActionInfo"
    props = {"PowerState": S["power"], "Boot": boot,
             "Actions": {"#ComputerSystem.Reset": reset}}
    if DELL:
        props["VirtualMedia"] = {"@odata.id": R + MEDIA}
    return res(SYS, "ComputerSystem.v1_13_0", "Computer System", **props)


def ilo_refusal(value, prop, related=False):
    """An iLO-shaped 400 body: the Base registry's MessageId and its
    arguments, no Message; RelatedProperties only when asked."""
    info = {"MessageId": "Base.1.4.PropertyValueNotInList",
            "MessageArgs": [value, prop]}
    if related:
        info["RelatedProperties"] = ["#/Boot/" + prop]
    return {"error": {"code": "iLO.0.10.ExtendedInfo",
                      "message": "See @Message.ExtendedInfo for more "
                                 "information.",
                      "@Message.ExtendedInfo": [info]}}


def booted():
    """What a reset that starts the machine boots, on the iLO model."""
    once = S["boot"].get("BootSourceOverrideEnabled") == "Once"
    if S["boot_next"] and S["inserted"]:
        S["boot_next"] = False
        return "virtual CD"
    if once and S["boot"].get("BootSourceOverrideTarget") == "Cd":
        return "physical drive"
    return "disk"


def media(coll_path, mid, types):
    """Medium @mid (MediaTypes @types) of collection @coll_path: the
    machine's CD shows the image, any other is empty."""
    ours = coll_path == MEDIA and mid == CD
    vm = media_std(coll_path, mid, types, ours)
    if ILO and ours:
        vm["Oem"] = {"Hpe": {"BootOnNextServerReset": S["boot_next"]}}
    return vm


def media_std(coll_path, mid, types, ours):
    """Medium @mid as any vendor shows it (@ours: the machine's CD)."""
    path = coll_path + "/" + mid
    return res(path, "VirtualMedia.v1_3_0",
               "Virtual " + types[0], MediaTypes=types,
               Image=S["image"] if ours else "",
               Inserted=S["inserted"] if ours else False,
               Actions={
                   "#VirtualMedia.InsertMedia": {"target": R + path +
                       "/Actions/VirtualMedia.InsertMedia"},
                   "#VirtualMedia.EjectMedia": {"target": R + path +
                       "/Actions/VirtualMedia.EjectMedia"}})


def sessions():
    """The open sessions' paths (under R)."""
    return ["/SessionService/Sessions/%d" % n for n in sorted(
        TOKENS.values())]


def manager():
    """The manager, with its VirtualMedia (on Dell, the former one)."""
    return res(MGR, "Manager.v1_10_0", "Manager", ManagerType="BMC",
               VirtualMedia={"@odata.id": R + (OLD_MEDIA or MEDIA)})


GETS = {
    R + "/": lambda: res("/", "ServiceRoot.v1_11_0", "Root Service",
                         Id="RootService", RedfishVersion="1.15.0",
                         UUID="92384634-2938-2342-8820-489239905423",
                         Systems={"@odata.id": R + "/Systems"},
                         Managers={"@odata.id": R + "/Managers"},
                         SessionService={"@odata.id": R + "/SessionService"},
                         Tasks={"@odata.id": R + "/TaskService"},
                         Links={"Sessions": {"@odata.id": R +
                                             "/SessionService/Sessions"}}),
    R + "/SessionService": lambda: res(
        "/SessionService", "SessionService.v1_1_8", "Session Service",
        ServiceEnabled=True, SessionTimeout=1800,
        Sessions={"@odata.id": R + "/SessionService/Sessions"}),
    R + "/SessionService/Sessions": lambda: coll(
        "/SessionService/Sessions", "SessionCollection",
        "Session Collection", sessions()),
    R + "/TaskService": lambda: res(
        "/TaskService", "TaskService.v1_1_5", "Task Service",
        ServiceEnabled=True, Tasks={"@odata.id": R + "/TaskService/Tasks"}),
    R + "/TaskService/Tasks": lambda: coll(
        "/TaskService/Tasks", "TaskCollection", "Task Collection",
        ["/TaskService/Tasks/1"] if S["resets"] and not DELL else []),
    R + "/Systems": lambda: coll("/Systems", "ComputerSystemCollection",
                                 "Computer System Collection", [SYS]),
    R + SYS: system,
    R + "/Managers": lambda: coll("/Managers", "ManagerCollection",
                                  "Manager Collection", [MGR]),
    R + MGR: manager,
    R + MEDIA: lambda: coll(
        MEDIA, "VirtualMediaCollection", "Virtual Media Services",
        [MEDIA + "/" + m for m, _ in MEMBERS]),
}
if not DELL:
    GETS[R + SYS + "/ResetActionInfo"] = lambda: res(
        SYS + "/ResetActionInfo", "ActionInfo.v1_1_2",
        "Reset Action Info", Parameters=[
            {"Name": "ResetType", "Required": True, "DataType": "String",
             "AllowableValues": ["On", "ForceOff", "PowerCycle"]}])
for _c, _ms in ((MEDIA, MEMBERS), (OLD_MEDIA, OLD_MEMBERS)):
    for _m, _t in _ms:
        GETS[R + _c + "/" + _m] = (lambda c=_c, m=_m, t=_t:
                                   media(c, m, t))
if OLD_MEDIA:
    GETS[R + OLD_MEDIA] = lambda: coll(
        OLD_MEDIA, "VirtualMediaCollection", "Virtual Media Services",
        [OLD_MEDIA + "/" + m for m, _ in OLD_MEMBERS])
CD_PATH = R + MEDIA + "/" + CD


class Handler(redfishjson.handler(STATE, S)):
    """One request: check the token, answer, write the state."""

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def authorized(self):
        if self.headers.get("Authorization"):
            S["basic_seen"] += 1
        if self.headers.get("X-Auth-Token") in TOKENS:
            return True
        S["unauthorized"] += 1
        self.reply(401, {"error": {"message": "no valid session"}})
        return False

    def do_GET(self):
        if self.path == R + "/":
            return self.reply(200, GETS[self.path]())
        if not self.authorized():
            return
        if self.path in (R + SYS, CD_PATH):
            sync()
        if self.path == R + "/TaskService/TaskMonitors/1" and S["resets"] \
                and not DELL:
            S["polls"] += 1
            if S["polls"] < 2:
                return self.reply(202, task("Running"),
                                  [("Retry-After", "1"),
                                   ("Location", self.path)])
            if BACKEND:
                sync()
            else:
                S["power"] = "On" if S["resets"][-1] in (
                    "On", "PowerCycle") else "Off"
            return self.reply(200, task("Completed"))
        if self.path == R + "/TaskService/Tasks/1" and S["resets"] \
                and not DELL:
            return self.reply(200, task("Running" if S["polls"] < 2
                                        else "Completed"))
        if self.path in [R + p for p in sessions()]:
            n = int(self.path.rsplit("/", 1)[-1])
            return self.reply(200, res(
                "/SessionService/Sessions/%d" % n, "Session.v1_3_0",
                "User Session", UserName=USER))
        if self.path not in GETS:
            return self.reply(404, {"error": {"message": "not found"}})
        hdrs = ([("ETag", etag())] if self.path == R + SYS and not DELL
                else [])
        self.reply(200, GETS[self.path](), hdrs)

    def reset(self, b):
        """ComputerSystem.Reset with body @b: 202 and a task monitor, on
        Dell 204 and done."""
        t = b.get("ResetType")
        S["resets"].append(t)
        S["polls"] = 0
        if BACKEND:
            sync()
        if ILO and t in ("On", "PowerCycle"):
            S["booted"].append(booted())
            if BACKEND:
                backend_boot(S["booted"][-1])
        if BACKEND:
            if t == "PowerCycle":
                t = "On" if S["power"] == "Off" else "ForceRestart"
            backend("POST", "/Actions/ComputerSystem.Reset",
                    {"ResetType": t})
        elif DELL:
            S["power"] = "Off" if t in ("ForceOff",
                                        "GracefulShutdown") else "On"
        if DELL:
            return self.reply(204)
        # No Task in the body: sushy would poll the Task's
        # @odata.id, not the monitor (TaskMonitor.from_response).
        return self.reply(202, None, [
            ("Location", R + "/TaskService/TaskMonitors/1")])

    def other_media(self):
        """An action on a medium that is not the machine's CD: refused
        under a Dell's Manager (moved to the System), else counted and
        taken."""
        if OLD_MEDIA and self.path.startswith(R + OLD_MEDIA + "/"):
            S["manager_media"] += 1
            return self.reply(400, {"error": {
                "code": "Base.1.12.GeneralError",
                "message": "A general error has occurred. See "
                           "ExtendedInfo for more information",
                "@Message.ExtendedInfo": [{
                    "MessageId": "Base.1.12.ActionNotSupported",
                    "MessageArgs": [self.path.rsplit("/", 1)[-1]],
                    "Message": "The virtual media of this manager "
                               "moved to the system's VirtualMedia."}]}})
        S["other_media"] += 1
        return self.reply(204)

    def do_POST(self):
        if self.path == R + "/SessionService/Sessions":
            b = self.body()
            if b.get("UserName") != USER or b.get("Password") != PASSWORD:
                return self.reply(401, {"error": {"message":
                                                  "bad credentials"}})
            S["sessions_opened"] += 1
            tok = secrets.token_hex(16)
            TOKENS[tok] = S["sessions_opened"]
            return self.reply(201, res(
                "/SessionService/Sessions/%d" % S["sessions_opened"],
                "Session.v1_3_0", "User Session", UserName=USER), [
                ("X-Auth-Token", tok),
                ("Location", R + "/SessionService/Sessions/%d" %
                 S["sessions_opened"])])
        if not self.authorized():
            return
        b = self.body()
        if self.path == R + SYS + "/Actions/ComputerSystem.Reset":
            return self.reset(b)
        if self.path == CD_PATH + "/Actions/VirtualMedia.InsertMedia":
            if QUIRK == "supermicro" and ("Inserted" in b or
                                          "WriteProtected" in b):
                S["refused_inserts"] = S.get("refused_inserts", 0) + 1
                return self.reply(400, {"error": {"message":
                                                  "PropertyUnknown"}})
            S["image"], S["inserted"] = b.get("Image", ""), True
            if BACKEND:
                backend("POST", "/VirtualMedia/Cd/Actions/"
                        "VirtualMedia.InsertMedia",
                        {"Image": S["image"], "Inserted": True,
                         "WriteProtected": True})
            return self.reply(204)
        if self.path == CD_PATH + "/Actions/VirtualMedia.EjectMedia":
            if BACKEND:
                backend("POST", "/VirtualMedia/Cd/Actions/"
                        "VirtualMedia.EjectMedia", {})
            if QUIRK != "supermicro":
                S["image"] = ""
            S["inserted"] = False
            return self.reply(204)
        if self.path.endswith(("/Actions/VirtualMedia.InsertMedia",
                               "/Actions/VirtualMedia.EjectMedia")) and \
                self.path.rsplit("/Actions/", 1)[0] in GETS:
            return self.other_media()
        self.reply(404, {"error": {"message": "no such action"}})

    def do_PATCH(self):
        if not self.authorized():
            return
        if ILO and self.path == CD_PATH:
            b = self.body()
            S["patches"].append(b)
            if QUIRK == "ilo-locked":
                return self.reply(400, {"error": {
                    "code": "iLO.0.10.ExtendedInfo",
                    "message": "See @Message.ExtendedInfo for more "
                               "information.",
                    "@Message.ExtendedInfo": [{
                        "MessageId": "iLO.2.15.UnsupportedOperation"}]}})
            S["boot_next"] = bool(b.get("Oem", {}).get("Hpe", {}).get(
                "BootOnNextServerReset"))
            return self.reply(204)
        if self.path != R + SYS:
            return self.reply(405, {"error": {"message": "read-only"}})
        m = self.headers.get("If-Match")
        S["if_match"].append(m or "")
        if not m and not DELL:
            return self.reply(428, {"error": {"message": "If-Match needed"}})
        if m and m != etag():
            return self.reply(412, {"error": {"message": "stale ETag"}})
        b = self.body().get("Boot", {})
        S["patches"].append(b)
        if ILO and b.get("BootSourceOverrideMode", S["boot_mode"]) != \
                S["boot_mode"]:
            return self.reply(400, ilo_refusal(b["BootSourceOverrideMode"],
                                               "BootSourceOverrideMode"))
        if ILO and b.get("BootSourceOverrideTarget") == "Pxe":
            return self.reply(400, ilo_refusal(
                "Pxe", "BootSourceOverrideTarget", related=True))
        if ILO and b.get("UefiTargetBootSourceOverride", "None") not in (
                "None", UEFI_TARGET):
            S["refused_uefi_targets"] += 1
            return self.reply(400, ilo_refusal(
                b["UefiTargetBootSourceOverride"],
                "UefiTargetBootSourceOverride", related=True))
        S["boot"] = {k: v for k, v in b.items()}
        # On the iLO shapes the backend learns the override at the reset.
        if BACKEND and not ILO:
            backend("PATCH", "", {"Boot": S["boot"]})
        S["etag_gen"] += 1
        if DELL:
            return self.reply(200, {"@Message.ExtendedInfo": [{
                "MessageId": "Base.1.12.Success",
                "Message": "Successfully Completed Request"}]})
        self.reply(204)

    def do_DELETE(self):
        if not self.authorized():
            return
        tok = self.headers.get("X-Auth-Token")
        if self.path == R + "/SessionService/Sessions/%d" % TOKENS[tok]:
            del TOKENS[tok]
            S["sessions_deleted"] += 1
            return self.reply(204)
        self.reply(404, {"error": {"message": "no such session"}})


redfishjson.serve_tls(PORT, CERT, KEY, Handler)
