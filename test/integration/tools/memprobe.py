#!/usr/bin/python3
"""memprobe.py: does a process's memory hold a private key?

Usage: memprobe.py PID KEY.pem...
Derives needles from each key with openssl: the key file's DER, its
PKCS#8 DER, and each secret number (RSA: both primes and the private
exponent; EC: the private scalar), big-endian and little-endian (how
mbedTLS keeps numbers in memory on this machine).  Then reads every
readable mapping of PID (/proc/PID/maps, /proc/PID/mem; mappings above
4 GiB, such as ASan's shadow, are reserved space, not data, and are
skipped) and prints one line per needle found.
Exit status: 0 when a needle is found, 1 when none is, 2 when the probe
could not read the process (so that neither outcome passes by accident).
"""
import base64
import re
import subprocess
import sys

MAPPING_MAX = 4 << 30
CHUNK = 16 << 20


def openssl(*args, data=None):
    return subprocess.run(("openssl",) + args, input=data, check=True,
                          capture_output=True).stdout


def numbers(text):
    """The hex blocks of `openssl pkey -text`, by label."""
    out, label = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9]+):\s*$", line)
        if m:
            label = m.group(1)
            out[label] = ""
        elif label and re.match(r"^\s+[0-9a-f:]+$", line):
            out[label] += line.strip().replace(":", "")
        else:
            label = None
    return out


def needles(path):
    pem = open(path, "rb").read()
    body = b"".join(l for l in pem.splitlines() if not l.startswith(b"-----"))
    found = [(path + " file DER", base64.b64decode(body)),
             (path + " PKCS#8 DER", openssl("pkey", "-in", path,
                                            "-outform", "DER"))]
    text = openssl("pkey", "-in", path, "-text", "-noout").decode()
    for label, hexs in numbers(text).items():
        if label not in ("prime1", "prime2", "privateExponent", "priv"):
            continue
        raw = bytes.fromhex(hexs).lstrip(b"\0")
        if len(raw) < 16:
            continue
        found.append((path + " " + label + " (big-endian)", raw))
        found.append((path + " " + label + " (little-endian)", raw[::-1]))
    return found


def scan(pid, wanted):
    hits, readable = set(), 0
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or hi - lo > MAPPING_MAX:
                continue
            tail = b""
            for at in range(lo, hi, CHUNK):
                try:
                    mem.seek(at)
                    data = mem.read(min(CHUNK, hi - at))
                except OSError:
                    break
                readable += len(data)
                buf = tail + data
                for name, n in wanted:
                    if name not in hits and buf.find(n) >= 0:
                        hits.add(name)
                tail = buf[-256:]
    return hits, readable


def main():
    pid = int(sys.argv[1])
    wanted = [n for path in sys.argv[2:] for n in needles(path)]
    try:
        hits, readable = scan(pid, wanted)
    except OSError as e:
        print("cannot read process %d: %s" % (pid, e))
        return 2
    if readable < (1 << 20):
        print("read only %d bytes of process %d" % (readable, pid))
        return 2
    for name, _ in wanted:
        if name in hits:
            print("found in %d: %s" % (pid, name))
    print("%d of %d needles found in %d MiB of process %d" %
          (len(hits), len(wanted), readable >> 20, pid))
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main())
