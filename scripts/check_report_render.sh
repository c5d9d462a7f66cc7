#!/usr/bin/env bash
# Renders an alsel HTML report with Debian's headless Chromium and checks the screenshot: a PNG
# of the requested size showing text, histogram bars of the pool (blue) and of the selection
# (red), and confidence shading. Nothing is fetched: the page is self-contained and Chromium
# runs with networking features off.
#
#   scripts/check_report_render.sh REPORT.html [OUT.png]
#
# Exit codes: 0 rendered and checked, 1 the check failed, 2 usage, 77 Chromium is not installed
# (scripts/install_report_check.sh installs it; ctest counts 77 as skipped).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 REPORT.html [OUT.png]" >&2
  exit 2
fi
report=$(realpath "$1")
png=${2:-${report%.html}.png}
[ -f "$report" ] || { echo "check_report_render: no such file: $report" >&2; exit 2; }

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [ -z "$browser" ]; then
  echo "check_report_render: Chromium not found (scripts/install_report_check.sh installs it): skipped" >&2
  exit 77
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$png"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --screenshot="$png" --window-size=1200,1600 "file://$report" \
  >"$profile/chromium.log" 2>&1 || { cat "$profile/chromium.log" >&2; exit 1; }
[ -s "$png" ] || { echo "check_report_render: no screenshot written" >&2; cat "$profile/chromium.log" >&2; exit 1; }

# Decode the PNG (8-bit RGB/RGBA, as Chromium writes it) and count characteristic pixels.
/usr/bin/python3 - "$png" <<'PY'
import struct, sys, zlib

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("check_report_render: not a PNG")
pos, chunks, width = 8, [], 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        chunks.append(body)
    pos += 12 + length
if depth != 8 or color not in (2, 6):
    sys.exit("check_report_render: unexpected PNG format depth=%d color=%d" % (depth, color))
channels = 4 if color == 6 else 3
raw = zlib.decompress(b"".join(chunks))
stride = width * channels
rows, previous, offset = [], bytearray(stride), 0
for _ in range(height):
    kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
    offset += 1 + stride
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        corner = previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + left) & 255
        elif kind == 2: line[i] = (line[i] + up) & 255
        elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    rows.append(line)
    previous = line
blue = red = dark = shaded = 0
for line in rows:
    for x in range(0, stride, channels):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if (r, g, b) == (0x4c, 0x78, 0xa8): blue += 1          # pool histogram bars
        elif (r, g, b) == (0xd6, 0x27, 0x28): red += 1         # selected histogram bars
        elif r < 80 and g < 80 and b < 80: dark += 1           # text
        elif r > 200 and 120 < g < 235 and abs(g - b) < 12 and r - g > 20: shaded += 1  # doubt shading
print("check_report_render: %dx%d, histogram pool %d px, selection %d px, text %d px, shading %d px"
      % (width, height, blue, red, dark, shaded))
problems = [name for name, count, least in (("pool bars", blue, 500), ("selection bars", red, 50),
                                            ("text", dark, 5000), ("confidence shading", shaded, 500))
            if count < least]
if (width, height) != (1200, 1600):
    problems.append("size %dx%d" % (width, height))
if problems:
    sys.exit("check_report_render: missing in the screenshot: " + ", ".join(problems))
PY
echo "check_report_render: ok: $png"
