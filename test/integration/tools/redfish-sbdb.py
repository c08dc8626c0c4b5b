#!/usr/bin/python3
"""redfish-sbdb.py: a small Redfish service with UEFI Secure Boot databases.

Usage: redfish-sbdb.py PORT CERT KEY USER PASSWORD STATE
Serves HTTPS on 127.0.0.1:PORT with basic authentication as USER and
PASSWORD (no SessionService), for what sushy-tools lacks: the SecureBoot
resource's SecureBootDatabases (Redfish SecureBoot 1.1).  Three systems:
  1  SecureBoot with an ETag; a PATCH needs If-Match with it (428 without,
     412 with a stale one) and takes only SecureBootEnable (a boolean:
     400 otherwise); SecureBootCurrentBoot changes only at a reset (POST
     of ComputerSystem.Reset).  SecureBootDatabases holds PK, KEK, db and
     dbx; db's Certificates takes a POST of {CertificateString (one PEM
     certificate, checked with openssl), CertificateType "PEM"} (400 for
     anything else, e.g. a private key) and answers 201 with a Location;
     each member shows its CertificateString.
  2  SecureBoot without SecureBootDatabases (as sushy-tools' is).
  3  no SecureBoot link at all.
  4  SecureBoot whose ETag shows only once a PATCH without If-Match has
     had its 428 (a BMC that makes its ETags late): a client must read
     the resource again and send the PATCH once more with it.
After every request it writes what it saw to STATE (JSON): PATCH bodies,
If-Match values, 428s and 412s, the certificates posted (PEM), refused
posts, requests without valid credentials.  Prints "listening" once it
listens.
"""
import base64
import json
import subprocess
import sys

import redfishjson

PORT, CERT, KEY, USER, PASSWORD, STATE = sys.argv[1:7]
R = "/redfish/v1"
S = {"enable": False, "current": "Disabled", "etag_gen": 1, "patches": [],
     "if_match": [], "wanted_if_match": 0, "stale": 0, "certs": [],
     "refused_posts": 0, "unauthorized": 0, "resets": 0,
     "enable4": False, "etag4_gen": 1, "late_428": 0, "if_match4": []}


def etag():
    """The SecureBoot resource's current ETag."""
    return 'W/"sb-%d"' % S["etag_gen"]


def etag4():
    """System 4's SecureBoot ETag, once it shows one; else None."""
    return 'W/"sb4-%d"' % S["etag4_gen"] if S["late_428"] else None


def res(path, schema, name, **props):
    """A resource with the DMTF shape."""
    body = {"@odata.id": path, "@odata.type": schema, "Id": path.rsplit("/", 1)[-1],
            "Name": name}
    body.update(props)
    return body


def coll(path, schema, name, members):
    """A collection of the paths @members."""
    return res(path, schema, name, Members=[{"@odata.id": m} for m in members],
               **{"Members@odata.count": len(members)})


def system(sid):
    """ComputerSystem @sid: 1 and 2 link their SecureBoot, 3 has none."""
    s = res(R + "/Systems/" + sid, "#ComputerSystem.v1_13_0.ComputerSystem",
            "System " + sid, PowerState="Off",
            Actions={"#ComputerSystem.Reset": {
                "target": R + "/Systems/%s/Actions/ComputerSystem.Reset" % sid}})
    if sid != "3":
        s["SecureBoot"] = {"@odata.id": R + "/Systems/%s/SecureBoot" % sid}
    return s


def secure_boot(sid):
    """The SecureBoot resource of system @sid."""
    p = R + "/Systems/%s/SecureBoot" % sid
    b = res(p, "#SecureBoot.v1_1_0.SecureBoot", "UEFI Secure Boot",
            SecureBootEnable=S["enable4" if sid == "4" else "enable"],
            SecureBootCurrentBoot=S["current"], SecureBootMode="DeployedMode")
    if sid == "4" and etag4():
        b["@odata.etag"] = etag4()
    if sid == "1":
        b["SecureBootDatabases"] = {"@odata.id": p + "/SecureBootDatabases"}
        b["@odata.etag"] = etag()
    return b


DBS = ("PK", "KEK", "db", "dbx")
SBDB = R + "/Systems/1/SecureBoot/SecureBootDatabases"


def resource(path):
    """The resource at @path, or None."""
    if path in (R, R + "/"):
        return res(R, "#ServiceRoot.v1_5_0.ServiceRoot", "Root Service",
                   Systems={"@odata.id": R + "/Systems"})
    if path == R + "/Systems":
        return coll(path, "#ComputerSystemCollection.ComputerSystemCollection",
                    "Systems", [R + "/Systems/" + i for i in "1234"])
    for sid in "1234":
        if path == R + "/Systems/" + sid:
            return system(sid)
    for sid in "124":
        if path == R + "/Systems/%s/SecureBoot" % sid:
            return secure_boot(sid)
    if path == SBDB:
        return coll(path, "#SecureBootDatabaseCollection.SecureBootDatabaseCollection",
                    "UEFI Secure Boot Databases", [SBDB + "/" + d for d in DBS])
    for d in DBS:
        if path == SBDB + "/" + d:
            return res(path, "#SecureBootDatabase.v1_0_0.SecureBootDatabase", d,
                       DatabaseId=d,
                       Certificates={"@odata.id": path + "/Certificates"})
    if path == SBDB + "/db/Certificates":
        return coll(path, "#CertificateCollection.CertificateCollection",
                    "db certificates",
                    [path + "/%d" % (i + 1) for i in range(len(S["certs"]))])
    for i, pem in enumerate(S["certs"]):
        if path == SBDB + "/db/Certificates/%d" % (i + 1):
            return res(path, "#Certificate.v1_5_0.Certificate",
                       "db certificate %d" % (i + 1), CertificateString=pem,
                       CertificateType="PEM")
    return None


def one_pem_cert(text):
    """True if @text is exactly one PEM certificate that openssl reads."""
    if not isinstance(text, str) or text.count("-----BEGIN ") != 1 or \
            "-----BEGIN CERTIFICATE-----" not in text:
        return False
    p = subprocess.run(["openssl", "x509", "-noout"], input=text.encode(),
                       capture_output=True, check=False)
    return p.returncode == 0


class Handler(redfishjson.handler(STATE, S)):
    """One request."""

    def body(self):
        """The request's JSON body, or None."""
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n)) if n else None
        except ValueError:
            return None

    def authorized(self):
        """Basic authentication as USER with PASSWORD, else a 401 sent."""
        want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        if self.headers.get("Authorization") == want:
            return True
        S["unauthorized"] += 1
        self.reply(401, {"error": {"message": "authentication required"}})
        return False

    def do_GET(self):
        """A resource (the root without credentials, as Redfish allows)."""
        path = self.path.rstrip("/") or "/"
        if path not in (R, R + "/") and not self.authorized():
            return
        body = resource(path)
        if body is None:
            return self.reply(404, {"error": {"message": "no " + path}})
        hdrs = [("ETag", etag())] if path == R + "/Systems/1/SecureBoot" else []
        if path == R + "/Systems/4/SecureBoot" and etag4():
            hdrs = [("ETag", etag4())]
        self.reply(200, body, hdrs)

    def do_PATCH(self):
        """SecureBootEnable of system 1 or 4 (If-Match) or 2."""
        if not self.authorized():
            return None
        path = self.path.rstrip("/")
        b = self.body()
        # system: (If-Match log, 428 count, ETag, enable key, ETag counter)
        sysd = {"1": ("if_match", "wanted_if_match", etag, "enable", "etag_gen"),
                "4": ("if_match4", "late_428", etag4, "enable4", "etag4_gen"),
                "2": (None, None, None, "enable", "etag_gen")}
        sid = next((k for k in sysd if path == R + "/Systems/%s/SecureBoot" % k), None)
        if sid is None:
            return self.reply(405, {"error": {"message": "not patchable"}})
        log, wanted, tag, key, gen = sysd[sid]
        if log:
            m = self.headers.get("If-Match")
            S[log].append(m)
            if not m:
                S[wanted] += 1
                return self.reply(428, {"error": {"message": "If-Match needed"}})
            if m != tag():
                S["stale"] += 1
                return self.reply(412, {"error": {"message": "stale ETag"}})
        if not isinstance(b, dict) or set(b) != {"SecureBootEnable"} or \
                not isinstance(b["SecureBootEnable"], bool):
            return self.reply(400, {"error": {"message": "SecureBootEnable only"}})
        if sid != "4":
            S["patches"].append(b)
        S[key] = b["SecureBootEnable"]
        S[gen] += 1
        return self.reply(204)

    def do_POST(self):
        """A db certificate, or a reset (SecureBootCurrentBoot follows)."""
        if not self.authorized():
            return
        path = self.path.rstrip("/")
        b = self.body()
        if path.endswith("/Actions/ComputerSystem.Reset"):
            S["resets"] += 1
            S["current"] = "Enabled" if S["enable"] else "Disabled"
            return self.reply(204)
        if path != SBDB + "/db/Certificates":
            return self.reply(405, {"error": {"message": "no POST here"}})
        if not isinstance(b, dict) or b.get("CertificateType") != "PEM" or \
                not one_pem_cert(b.get("CertificateString")) or \
                set(b) - {"CertificateString", "CertificateType", "UefiSignatureOwner"}:
            S["refused_posts"] += 1
            return self.reply(400, {"error": {"message": "one PEM certificate"}})
        S["certs"].append(b["CertificateString"])
        loc = path + "/%d" % len(S["certs"])
        self.reply(201, res(loc, "#Certificate.v1_3_0.Certificate", "db certificate",
                            CertificateString=b["CertificateString"],
                            CertificateType="PEM"), [("Location", loc)])


def main():
    """Serve until killed."""
    redfishjson.serve_tls(PORT, CERT, KEY, Handler)


if __name__ == "__main__":
    main()
