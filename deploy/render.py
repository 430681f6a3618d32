#!/usr/bin/env python3
"""Render a deployment template: `python3 deploy/render.py VARS_FILE TEMPLATE > OUTPUT`.

VARS_FILE holds KEY=VALUE lines (`#` comments, no quoting). In the template, `@KEY@` is
replaced by the value; a line holding `@each:KEY@` is written once per space-separated
item of the value, with the token replaced by the item. A token without a value, or a
value left unused by every template, is not an error of this script, but a token left in
the output is: the script fails and names it. Standard library only (runs on any host
with Python 3)."""

import re
import sys

TOKEN = re.compile(r"@(each:)?([A-Z][A-Z0-9_]*)@")


def load(path: str) -> dict[str, str]:
    values = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", key.strip()):
                sys.exit(f"{path}:{n}: expected KEY=VALUE, got {line!r}")
            values[key.strip()] = value.strip()
    return values


def render(text: str, values: dict[str, str]) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        each = [m.group(2) for m in TOKEN.finditer(line) if m.group(1)]
        if each:
            key = each[0]
            if key not in values:
                raise KeyError(key)
            for item in values[key].split():
                out.append(render(line.replace(f"@each:{key}@", item), values))
            continue

        def sub(m):
            if m.group(2) not in values:
                raise KeyError(m.group(2))
            return values[m.group(2)]

        out.append(TOKEN.sub(sub, line))
    return "".join(out)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    values = load(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as fh:
        text = fh.read()
    try:
        sys.stdout.write(render(text, values))
    except KeyError as exc:
        sys.exit(f"{sys.argv[2]}: no value for @{exc.args[0]}@ in {sys.argv[1]}")


if __name__ == "__main__":
    main()
