#!/usr/bin/python3
"""The layering of include/alsel/ and src/ (docs/DESIGN-NOTES.md, "Layers"): a file of one area may
include headers of its own area and of the layers below it, never above nor beside it. Run by ctest (layering).

    /usr/bin/python3 scripts/check_layers.py [ROOT]

Exits 1 listing every include that points upward or at an unknown area, and every header or
source outside an area folder; 0 otherwise.
"""

from __future__ import annotations

import os
import re
import sys

# Lowest first; one area a layer (a list holds areas that may not include each other).
LAYERS = [["util"], ["text"], ["data"], ["model"], ["scoring"], ["selection"], ["output"], ["distributed"],
          ["app"], ["cli"]]
LEVEL = {area: level for level, areas in enumerate(LAYERS) for area in areas}
INCLUDE = re.compile(r'^\s*#\s*include\s+"(?:alsel/)?([a-z]+)/[a-z_0-9/]+\.h"', re.M)


def area_of(path: str) -> str | None:
    parts = path.split(os.sep)
    if parts[0] == "include" and len(parts) >= 4:
        return parts[2]
    if parts[0] == "src" and len(parts) >= 3:
        return parts[1]
    return None


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems = []
    for top in ("include", "src"):
        for directory, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.relpath(os.path.join(directory, name), root)
                area = area_of(path)
                if area not in LEVEL:
                    problems.append(f"{path}: not inside an area folder ({', '.join(LEVEL)})")
                    continue
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    text = f.read()
                for match in INCLUDE.finditer(text):
                    target = match.group(1)
                    if target not in LEVEL:
                        continue  # e.g. "nlohmann/json.hpp" is not ours; ours are all in LEVEL
                    if target != area and LEVEL[target] >= LEVEL[area]:
                        line = text.count("\n", 0, match.start()) + 1
                        where = "a layer above it" if LEVEL[target] > LEVEL[area] else "beside it on the same layer"
                        problems.append(f"{path}:{line}: {area} includes {target}, {where}")
    for problem in problems:
        print(problem)
    print(f"check_layers: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
