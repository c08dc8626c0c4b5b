#!/usr/bin/env python3
"""man-check.py WHAT TOP TMP: checks a man page of TOP/man against the code.

WHAT is podboot (podboot.8 against TMP/podboot.tables), agent
(podboot-agent.8 against TMP/agent.tables and TOP/agent/options.c) or conf
(podboot.conf.5 against TOP/server/config/config_tables.c).  The tables
files are what "scripts/completion --tables" prints.  One line per table:
"ok   - ..." or "FAIL - ..." with what is missing or stale.  Exit 0 even
when a check fails (the lines say so); 2 on a usage error.
"""
import re
import sys


def sections(path, macro):
    """The page's lines grouped by the title of each MACRO (.Sh or .Ss)."""
    out, title = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith(".Sh ") or line.startswith(".Ss "):
            if line.startswith(macro + " "):
                title = line[len(macro) + 1:].strip()
                out[title] = []
            elif macro == ".Ss":
                title = None
            continue
        if title is not None:
            out[title].append(line)
    return out


def report(name, problems):
    if problems:
        print("FAIL - %s: %s" % (name, "; ".join(problems)))
    else:
        print("ok   - %s" % name)


def read_tables(path):
    """{KEY: [(letter, name, arg)]} from a --tables file."""
    tabs = {}
    for line in open(path, encoding="utf-8"):
        key, letter, name, arg = line.rstrip("\n").split(";", 3)
        if key in ("CMDS", "SUBS"):
            continue
        tabs.setdefault(key, []).append((letter, name, arg))
    return tabs


def option_items(lines):
    """{long name: .It line} of the option items in LINES."""
    items = {}
    for line in lines:
        if line.startswith(".It "):
            for name in re.findall(r"\bFl -([a-z0-9][a-z0-9-]*)", line):
                items.setdefault(name, line)
    return items


def check_options(label, rows, lines, skip=()):
    """Every row in an .It line of LINES with its letter and argument;
    no .It line names an option the rows lack."""
    problems = []
    items = option_items(lines)
    names = {name for _, name, _ in rows}
    for letter, name, arg in rows:
        if name in skip:
            continue
        line = items.get(name)
        if line is None:
            problems.append("--%s is not documented" % name)
            continue
        if letter and not re.search(r"\bFl %s\b" % re.escape(letter), line):
            problems.append("--%s lacks its letter -%s" % (name, letter))
        if arg and not re.search(r"\bAr %s(\s|$)" % re.escape(arg), line):
            problems.append("--%s lacks its argument %s" % (name, arg))
    for name in items:
        if name not in names:
            problems.append("--%s is documented but no option" % name)
    report(label, problems)


def check_podboot(top, tmp):
    tabs = read_tables(tmp + "/podboot.tables")
    secs = sections(top + "/man/podboot.8", ".Ss")
    for key, rows in tabs.items():
        if key not in secs:
            report("podboot(8): %s" % key,
                   ["no subsection .Ss %s" % key])
            continue
        check_options("podboot(8): %s" % key, rows, secs[key],
                      skip=("help",))
    stale = [t for t in secs if t not in tabs]
    report("podboot(8): every subsection is a command's",
           ["subsection %s has no table" % t for t in stale])


def agent_file_rows(top):
    """Names of the agent's rows a file may set (not CMDOPT_CLI)."""
    text = open(top + "/agent/options.c", encoding="utf-8").read()
    body = text[text.index("options_defs[] = {"):]
    body = body[:body.index("\n};")]
    names = []
    for row in re.split(r"\{ \.name = ", body)[1:]:
        name = re.match(r'"([a-z0-9-]+)"', row).group(1)
        where = re.search(r"\.where = (CMDOPT_\w+)", row)
        if not where or where.group(1) != "CMDOPT_CLI":
            names.append(name)
    return names


def check_agent(top, tmp):
    rows = read_tables(tmp + "/agent.tables")[""]
    page = top + "/man/podboot-agent.8"
    secs = sections(page, ".Sh")
    check_options("podboot-agent(8): OPTIONS", rows, secs.get("OPTIONS", []))
    want = [n.replace("-", "_") for n in agent_file_rows(top)]
    items = [m.group(1) for line in secs.get("CONFIGURATION FILE", [])
             for m in [re.match(r"\.It Cm ([a-z0-9_]+)", line)] if m]
    problems = ["%s is not documented" % n for n in want if n not in items]
    problems += ["%s is documented but no setting" % n
                 for n in items if n not in want]
    report("podboot-agent(8): CONFIGURATION FILE", problems)


def conf_schema(top):
    """The schema: key tables, groups and lists of server/config/*.c."""
    import glob
    text = "".join(open(f, encoding="utf-8").read() for f in
                   sorted(glob.glob(top + "/server/config/config*.c")))
    keys = {}
    for m in re.finditer(r"static const struct config_key (\w+)\[\] = \{"
                         r"(.*?)\n\};", text, re.S):
        rows = []
        for row in re.split(r"\{ \.name = ", m.group(2))[1:]:
            r = {"name": re.match(r'"([a-z0-9_]+)"', row).group(1)}
            for field in ("group", "list"):
                f = re.search(r"\.%s = &(\w+)" % field, row)
                r[field] = f.group(1) if f else None
            d = re.search(r"\.def = (\d+)", row)
            ds = re.search(r'\.def_str = "([^"]*)"', row)
            r["default"] = (ds.group(1) if ds else
                            ("true" if d.group(1) != "0" else "false")
                            if d and "config_key_bool" in row else
                            d.group(1) if d else None)
            r["required"] = ".required = 1" in row
            rows.append(r)
        keys[m.group(1)] = rows
    groups = dict(re.findall(r"const struct config_group (\w+) = \{\s*"
                             r'"[^"]*",\s*(\w+),', text))
    lists = dict(re.findall(r"(?:static )?const struct config_list (\w+) = "
                            r"\{\s*&(\w+),", text))
    return keys, groups, lists


def conf_anchors(keys, groups, lists):
    """{key table: its first path} walking from config_root."""
    anchors, todo = {}, [("top level", groups["config_root"])]
    while todo:
        path, table = todo.pop(0)
        if table in anchors:
            continue
        anchors[table] = path
        for r in keys[table]:
            base = "" if path == "top level" else path + "."
            if r["group"]:
                todo.append((base + r["name"], groups[r["group"]]))
            elif r["list"]:
                todo.append((base + r["name"], groups[lists[r["list"]]]))
    return anchors


def check_conf(top, tmp):
    keys, groups, lists = conf_schema(top)
    anchors = conf_anchors(keys, groups, lists)
    secs = sections(top + "/man/podboot.conf.5", ".Ss")
    used = set()
    for table, path in anchors.items():
        title = next((t for t in secs if path in re.split(r"[ ,]+", t)
                      or t == path), None)
        label = "podboot.conf(5): %s" % path
        if title is None:
            report(label, ["no subsection .Ss naming %s" % path])
            continue
        used.add(title)
        items = {}
        for line in secs[title]:
            m = re.match(r"\.It Cm ([a-z0-9_]+)(.*)", line)
            if m:
                items[m.group(1)] = m.group(2)
        problems, names = [], [r["name"] for r in keys[table]]
        for r in keys[table]:
            rest = items.get(r["name"])
            if rest is None:
                problems.append("%s is not documented" % r["name"])
                continue
            if r["required"] and "required" not in rest:
                problems.append("%s does not say it is required" % r["name"])
            if r["default"] is not None and not re.search(
                    r"default (Qq |Dq )?%s(\W|$)" % re.escape(r["default"]),
                    rest):
                problems.append("%s lacks \"default %s\"" %
                                (r["name"], r["default"]))
        problems += ["%s is documented but no setting" % n
                     for n in items if n not in names]
        report(label, problems)
    report("podboot.conf(5): every subsection is a group's",
           ["subsection %s names no group" % t for t in secs if t not in used])


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("podboot", "agent", "conf"):
        print(__doc__, file=sys.stderr)
        return 2
    what, top, tmp = sys.argv[1:]
    {"podboot": check_podboot, "agent": check_agent,
     "conf": check_conf}[what](top, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
