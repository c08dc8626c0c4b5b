#!/usr/bin/python3
"""sushy-check.py: what an independent Redfish client sees of a service.

Usage: sushy-check.py URL CA USER PASSFILE OUT [STEP...]
Debian's python3-sushy (OpenStack Ironic's Redfish library) opens a
session the way it does for Ironic (sushy.auth.SessionAuth: a POST to the
service root's Links.Sessions, then X-Auth-Token, the session deleted at
the end), trusting only CA, with the password read from PASSFILE.  It then
carries out each STEP through sushy's own methods, in order:
  insert IMAGE   VirtualMedia.insert_media on the CD (the first medium
                 whose MediaTypes hold CD: of the System's VirtualMedia
                 where the system links one, as iDRAC 6 and later do,
                 else of the Managers')
  eject          VirtualMedia.eject_media on that CD
  reset TYPE     ComputerSystem.reset_system(TYPE); when the service
                 answers 202 with a Location, sushy's TaskMonitor follows
                 it to its end (bounded: 60 s)
  boot TARGET    ComputerSystem.set_system_boot_options(TARGET, Once),
                 which sends the system's ETag as If-Match
and then reads the service: the service root, the system (power state,
boot override and its allowable values, the reset types sushy takes as
allowed), the managers, the system's and each manager's virtual media
collection and every medium's state.  What sushy reported goes to OUT as JSON; so do the
schema-shape faults found on the way (a resource whose @odata.type is
not the schema sushy reads it as, a collection whose Members@odata.count
is not its number of members, a resource without @odata.id, Id or Name),
under "faults".  Exit 0 when every step went through, 1 (with sushy's
error on stderr, and OUT holding what was read before it) otherwise.
"""
import json
import os
import re
import sys
import time

# requests prefers these over the verify argument: only CA is trusted.
for _v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_v, None)

import sushy  # noqa: E402
from sushy import auth as sushy_auth  # noqa: E402
from sushy import utils as sushy_utils  # noqa: E402
from sushy.resources.manager import virtual_media  # noqa: E402

# The schema (the part of @odata.type after '#' and before the version)
# each sushy resource class stands for.
SCHEMAS = {
    "Sushy": "ServiceRoot",
    "SystemCollection": "ComputerSystemCollection",
    "System": "ComputerSystem",
    "ManagerCollection": "ManagerCollection",
    "Manager": "Manager",
    "VirtualMediaCollection": "VirtualMediaCollection",
    "VirtualMedia": "VirtualMedia",
}


def schema_of(odata_type):
    """The schema name in an @odata.type: a resource's is versioned
    ("#ComputerSystem.v1_5_0.ComputerSystem" gives "ComputerSystem"), a
    collection's is not ("#ManagerCollection.ManagerCollection"); None
    when malformed."""
    if not isinstance(odata_type, str) or not odata_type.startswith("#"):
        return None
    parts = odata_type[1:].split(".")
    if parts[0].endswith("Collection"):
        ok = len(parts) == 2 and parts[0] == parts[1]
    else:
        ok = len(parts) == 3 and parts[0] == parts[2] and \
            re.fullmatch(r"v\d+_\d+_\d+", parts[1]) is not None
    return parts[0] if ok else None


def shape(res, faults):
    """Append to @faults what the resource @res (as sushy read it) lacks
    of its schema's shape; return @res."""
    doc, path = res.json, res.path
    want = SCHEMAS[type(res).__name__]
    got = schema_of(doc.get("@odata.type"))
    if got != want:
        faults.append("%s: @odata.type %r is not %s" %
                      (path, doc.get("@odata.type"), want))
    for prop in ("@odata.id", "Name") + (() if want.endswith("Collection")
                                         else ("Id",)):
        if not isinstance(doc.get(prop), str) or not doc[prop]:
            faults.append("%s: no %s" % (path, prop))
    if want.endswith("Collection"):
        members = doc.get("Members")
        if doc.get("Members@odata.count") != (
                len(members) if isinstance(members, list) else None):
            faults.append("%s: Members@odata.count %r for %r members" % (
                path, doc.get("Members@odata.count"),
                len(members) if isinstance(members, list) else None))
    return res


def value(v):
    """An enumeration's value (sushy maps them to Enum members), as is
    otherwise."""
    return getattr(v, "value", v)


class Client:
    """A sushy connection, the system and the CD it found, and what it
    saw."""

    def __init__(self, url, ca, user, password):
        """Open the session (sushy's SessionAuth) on @url, trusting @ca."""
        self.auth = sushy_auth.SessionAuth(username=user, password=password)
        self.tasks = []
        self.root = sushy.Sushy(url, auth=self.auth, verify=ca)
        # The last 202 and its Location: reset_system keeps no response,
        # so a hook on sushy's requests session (its connector's) notes it.
        self.accepted = None
        self.root._conn._session.hooks["response"].append(self.hook)
        self.faults = []
        self.out = {}

    def hook(self, resp, *args, **kwargs):
        """requests' response hook: note a 202's task monitor."""
        if resp.status_code == 202:
            self.accepted = (resp, resp.headers.get("Location"))

    def system(self):
        """The one system, through the Systems collection."""
        coll = shape(self.root.get_system_collection(), self.faults)
        members = coll.get_members()
        if len(members) != 1:
            raise RuntimeError("%d systems, not one" % len(members))
        return shape(members[0], self.faults)

    def system_media(self):
        """The system's own VirtualMedia collection, read with sushy's
        class for a manager's (sushy 4.3 has no System.virtual_media),
        or None when the system links none."""
        s = self.system()
        if "VirtualMedia" not in s.json:
            return None
        return virtual_media.VirtualMediaCollection(
            s._conn, sushy_utils.get_sub_resource_path_by(s, "VirtualMedia"),
            redfish_version=s.redfish_version, registries=s.registries,
            root=s.root)

    def managers(self):
        """Every manager."""
        coll = shape(self.root.get_manager_collection(), self.faults)
        return [shape(m, self.faults) for m in coll.get_members()]

    def media(self):
        """Every medium: the system's own first, then every manager's:
        (owner, medium) pairs."""
        pairs = []
        vmc = self.system_media()
        if vmc is not None:
            shape(vmc, self.faults)
            owner = self.system()
            for vm in vmc.get_members():
                pairs.append((owner, shape(vm, self.faults)))
        coll = shape(self.root.get_manager_collection(), self.faults)
        for mgr in coll.get_members():
            shape(mgr, self.faults)
            vmc = shape(mgr.virtual_media, self.faults)
            for vm in vmc.get_members():
                pairs.append((mgr, shape(vm, self.faults)))
        return pairs

    def cd(self):
        """The first medium whose MediaTypes hold CD."""
        for _, vm in self.media():
            if sushy.VirtualMediaType.CD in vm.media_types:
                return vm
        raise RuntimeError("no virtual CD")

    def step(self, args):
        """Carry out one STEP (its words in @args); return how many words
        it took."""
        if args[0] == "insert":
            self.cd().insert_media(args[1])
            return 2
        if args[0] == "eject":
            self.cd().eject_media()
            return 1
        if args[0] == "reset":
            self.accepted = None
            self.system().reset_system(sushy.ResetType(args[1]))
            if self.accepted and self.accepted[1]:
                mon = sushy.taskmonitor.TaskMonitor.from_response(
                    self.root._conn, self.accepted[0], self.accepted[1],
                    redfish_version=self.root.redfish_version)
                # Not mon.wait(): sushy 4.3 sleeps for Retry-After as
                # the header's string, which time.sleep() refuses.  Each
                # poll after the Retry-After the last one asked for.
                end = time.monotonic() + 60
                while mon.is_processing:
                    if time.monotonic() > end:
                        raise RuntimeError("task %s still running" %
                                           mon.task_monitor_uri)
                    time.sleep(min(float(mon.sleep_for), 5))
                    mon.refresh()
                self.tasks.append({
                    "monitor": mon.task_monitor_uri,
                    "status": mon.response.status_code,
                    "state": (mon.response.json().get("TaskState")
                              if mon.response.content else None)})
            return 2
        if args[0] == "boot":
            self.system().set_system_boot_options(
                sushy.BootSource(args[1]),
                enabled=sushy.BootSourceOverrideEnabled.ONCE)
            return 2
        raise RuntimeError("unknown step %r" % args[0])

    def read(self):
        """What sushy reports of the service, into self.out."""
        root = shape(self.root, self.faults)
        self.out["root"] = {"id": root.identity,
                            "version": root.redfish_version,
                            "sessions": root.get_sessions_path()}
        s = self.system()
        boot = s.boot
        self.out["system"] = {
            "path": s.path, "id": s.identity,
            "power": value(s.power_state),
            "enabled": value(boot.enabled), "target": value(boot.target),
            "mode": value(boot.mode),
            "targets": sorted(value(v) for v in
                              s.get_allowed_system_boot_source_values()),
            "resets": sorted(value(v) for v in
                             s.get_allowed_reset_system_values())}
        self.out["managers"] = [m.identity for m in self.managers()]
        self.out["media"] = {}
        for _, vm in self.media():
            self.out["media"][vm.path] = {
                "id": vm.identity, "name": vm.name,
                "types": [value(t) for t in vm.media_types],
                "image": vm.image, "inserted": vm.inserted,
                "write_protected": vm.write_protected}
        self.out["cd"] = self.cd().path
        self.out["tasks"] = self.tasks


def main():
    """Run the steps, read the service, write OUT; exit 1 on an error."""
    url, ca, user, passfile, out = sys.argv[1:6]
    steps = sys.argv[6:]
    with open(passfile) as f:
        password = f.read().strip()
    rc = 0
    c = None
    try:
        c = Client(url, ca, user, password)
        with c.auth:
            while steps:
                steps = steps[c.step(steps):]
            c.read()
    except Exception as e:  # sushy's errors, or a shape it cannot read
        print("sushy-check: %s: %s" % (type(e).__name__, e),
              file=sys.stderr)
        rc = 1
    # Each resource is read more than once: each fault once.
    res = dict(c.out if c else {}, ok=rc == 0,
               faults=sorted(set(c.faults)) if c else [])
    with open(out + ".tmp", "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    os.replace(out + ".tmp", out)
    return rc


if __name__ == "__main__":
    sys.exit(main())
