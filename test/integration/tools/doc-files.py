#!/usr/bin/env python3
"""doc-files.py TOP: the file names the READMEs list, checked against the
tree.  Prints one line per problem ("missing: ..." or "unlisted: ...")
and exits 1 if there is any; silent and 0 when the lists hold.

- README.md, its "## Layout" block: every NAME.c, NAME.h and NAME.sh
  exists in the folder the tree drawing puts it in (a glob such as
  promtext*.c must match); every lib/*.c is listed.
- agent/README.md, "## Source layout": every `NAME.c` of the table is in
  agent/, every agent/*.c is in the table, and every `NAME.c` of the line
  "Shared with the server, in `lib/`" is in lib/.
- README.md, agent/README.md, docs/*.md: every relative link target
  ](PATH) exists.
"""
import glob
import os
import re
import sys

NAME = re.compile(r"[A-Za-z0-9_.*/-]+\.(?:c|h|sh)(?![A-Za-z0-9_])")


def exists(top, rel):
    """True if @rel (a path, maybe a glob) names a file under @top."""
    return bool(glob.glob(os.path.join(top, rel)))


def section(text, title):
    """The lines of the markdown section @title (up to the next ##)."""
    out, on = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            on = line.strip() == title
            continue
        if on:
            out.append(line)
    return out


def layout(top, problems):
    """README.md's tree drawing: folders by indentation, names in them."""
    text = open(os.path.join(top, "README.md")).read()
    stack, listed = [], set()
    for line in section(text, "## Layout"):
        if not line.startswith("    ") or not line.strip():
            continue
        ind = len(line) - len(line.lstrip())
        first = line.split()[0]
        parent = "".join(d for _, d in stack)
        if ind < 16:	# an entry, not a description's continuation
            while stack and stack[-1][0] >= ind:
                stack.pop()
            parent = "".join(d for _, d in stack)
            if "/" in first:
                stack.append((ind, first[:first.rfind("/") + 1]))
        here = "".join(d for _, d in stack)
        for m in NAME.finditer(line):
            tok = m.group(0)
            if m.start() == ind and ind < 16:
                rel = parent + tok
            elif "/" in tok and exists(top, tok):
                rel = tok
            else:
                rel = here + tok
            listed.add(os.path.normpath(rel))
            if not exists(top, rel):
                problems.append("missing: README.md lists %s (as %s)"
                                % (tok, rel))
    for path in sorted(glob.glob(os.path.join(top, "lib", "*.c"))):
        rel = os.path.relpath(path, top)
        if not any(glob.fnmatch.fnmatch(rel, pat) for pat in listed):
            problems.append("unlisted: %s is not in README.md's layout" % rel)


def agent_table(top, problems):
    """agent/README.md's source table and its line of shared files."""
    text = open(os.path.join(top, "agent", "README.md")).read()
    lines = section(text, "## Source layout")
    rows = [m.group(1) for line in lines
            for m in [re.match(r"\| `([^`]+\.c)` \|", line)] if m]
    for name in rows:
        if not os.path.isfile(os.path.join(top, "agent", name)):
            problems.append("missing: agent/README.md lists agent/%s" % name)
    for path in sorted(glob.glob(os.path.join(top, "agent", "*.c"))):
        if os.path.basename(path) not in rows:
            problems.append("unlisted: agent/%s is not in agent/README.md"
                            % os.path.basename(path))
    shared = " ".join(lines)
    m = re.search(r"Shared with the server, in `lib/`:(.*?)\.\s", shared)
    for name in re.findall(r"`([^`/]+\.c)`", m.group(1) if m else ""):
        if not os.path.isfile(os.path.join(top, "lib", name)):
            problems.append("missing: agent/README.md lists lib/%s" % name)
    if not m:
        problems.append("missing: agent/README.md's line of lib/ files")


def links(top, problems):
    """Relative link targets of the user's markdown files."""
    files = ["README.md", "agent/README.md"] + sorted(
        os.path.relpath(p, top) for p in glob.glob(os.path.join(top, "docs",
                                                               "*.md")))
    for f in files:
        text = open(os.path.join(top, f)).read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            rel = os.path.normpath(os.path.join(os.path.dirname(f), target))
            if rel.startswith("..") or not os.path.exists(
                    os.path.join(top, rel)):
                problems.append("missing: %s links %s" % (f, target))


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    layout(top, problems)
    agent_table(top, problems)
    links(top, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
