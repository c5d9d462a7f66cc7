#!/usr/bin/python3
"""Generates src/text/unicode_tables.cc, the character tables behind alsel's C++ tokenizer.

    /usr/bin/python3 scripts/gen_unicode_tables.py                 # rewrite src/text/unicode_tables.cc
    /usr/bin/python3 scripts/gen_unicode_tables.py --page-digests  # print the check digests

The source of truth is the Python reference tokenizer (scripts/alsel_py/tokenizer.py) running
on this interpreter's unicodedata: the tables are computed by calling its is_control,
is_whitespace, is_punctuation and normalize_char on every code point 0..0x10FFFF, so the C++
tokenizer agrees with it character for character.

Tables written (about 3,500 normalization entries instead of one per changed code point):
  * control / whitespace / punctuation / CJK: sorted inclusive code-point ranges.
  * lower (str.lower) and strip (NFD without category Mn): sorted arrays of
    {code point, offset, length} into one shared char32_t pool, holding only the code points
    where the result is not the identity. Three things are computed in C++ instead of stored,
    each checked here against Python for every code point:
      - Hangul syllables (U+AC00..U+D7A3) strip to their algorithmic jamo decomposition
        (11,172 entries saved);
      - code points that strip to nothing (combining marks) are ranges, not entries;
      - lower + strip is strip applied to each character of lower's result.
    The generator stops with an error if a new Unicode version breaks one of these.

--page-digests prints, for each 256-code-point page, the CRC-32 of the little-endian uint32
stream "class bits, then for each mode (lower, strip, lower+strip) the length and the code
points of normalize_char" over the page's code points. tests/unicode_test.cc recomputes the
same stream from the C++ tables and reports the first page that differs.
"""

from __future__ import annotations

import argparse
import array
import os
import sys
import unicodedata
import zlib

from alsel_py import tokenizer as ref

MAX_CODE_POINT = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
# Modes in the order of the C++ NormalizationMode enum: (lower, strip_accents).
MODES = (("lower", True, False), ("strip", False, True), ("lower_strip", True, True))
# Class bits, as in the C++ page-digest check.
CONTROL, WHITESPACE, PUNCTUATION, CJK = 1, 2, 4, 8


def hangul_nfd(cp: int) -> str:
    """Unicode §3.12 canonical decomposition of a precomposed Hangul syllable."""
    s = cp - HANGUL_FIRST
    lead = 0x1100 + s // 588
    vowel = 0x1161 + (s % 588) // 28
    trail = 0x11A7 + s % 28
    return chr(lead) + chr(vowel) + (chr(trail) if trail != 0x11A7 else "")


def class_bits(cp: int) -> int:
    ch = chr(cp)
    bits = 0
    if ref.is_control(ch):
        bits |= CONTROL
    if ref.is_whitespace(ch):
        bits |= WHITESPACE
    if ref.is_punctuation(ch):
        bits |= PUNCTUATION
    if ref.is_cjk(cp):
        bits |= CJK
    return bits


def ranges_of(predicate) -> list:
    ranges = []
    start = None
    for cp in range(MAX_CODE_POINT + 2):
        inside = cp <= MAX_CODE_POINT and predicate(cp)
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    return ranges


def normalization_maps() -> tuple:
    """(lower, strip): {code point: normalize_char result} where it is not the identity, with
    Hangul syllables left out of strip. Checks every assumption the C++ lookup makes."""
    lower, strip = {}, {}
    for cp in range(MAX_CODE_POINT + 1):
        ch = chr(cp)
        out = ref.normalize_char(ch, True, False)
        if out != ch:
            lower[cp] = out
        out = ref.normalize_char(ch, False, True)
        if out != ch:
            strip[cp] = out
    for cp in range(HANGUL_FIRST, HANGUL_LAST + 1):
        if cp in lower or strip.get(cp) != hangul_nfd(cp):
            raise SystemExit(f"U+{cp:04X}: Python's result differs from the Hangul algorithm "
                             "the C++ code uses")
        del strip[cp]

    def strip_of(c: str) -> str:
        cp = ord(c)
        return hangul_nfd(cp) if HANGUL_FIRST <= cp <= HANGUL_LAST else strip.get(cp, c)

    # C++ computes lower + strip as strip applied to each character of lower's result.
    for cp in range(MAX_CODE_POINT + 1):
        ch = chr(cp)
        composed = "".join(strip_of(c) for c in lower.get(cp, ch))
        if composed != ref.normalize_char(ch, True, True):
            raise SystemExit(f"U+{cp:04X}: lower + strip is not strip of each lower-cased "
                             "character; the C++ normalize_char needs a table for it")
    for cp in range(0x80):  # the C++ ASCII fast path: A-Z lower-case, nothing else changes
        lowered = chr(cp + 32) if 0x41 <= cp <= 0x5A else chr(cp)
        if lower.get(cp, chr(cp)) != lowered or cp in strip:
            raise SystemExit(f"ASCII U+{cp:04X} breaks the C++ ASCII fast path")
    return lower, strip


def format_items(items: list, indent: str = "    ", width: int = 100) -> str:
    lines, line = [], indent
    for item in items:
        piece = item + ","
        if len(line) + len(piece) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def range_table(name: str, ranges: list) -> str:
    items = [f"{{0x{lo:X}, 0x{hi:X}}}" for lo, hi in ranges]
    return (f"constexpr CodePointRange k{name}Ranges[] = {{\n{format_items(items)}\n}};\n"
            f"const RangeTable k{name} = {{k{name}Ranges, {len(ranges)}}};\n")


def generate(output: str) -> None:
    classes = [class_bits(cp) for cp in range(MAX_CODE_POINT + 1)]
    control = ranges_of(lambda cp: classes[cp] & CONTROL)
    whitespace = ranges_of(lambda cp: classes[cp] & WHITESPACE)
    punctuation = ranges_of(lambda cp: classes[cp] & PUNCTUATION)
    cjk = sorted(ref._CJK_RANGES)
    lower, strip = normalization_maps()
    vanishing = ranges_of(lambda cp: strip.get(cp) == "")
    pool: list = []
    pool_offsets: dict = {}

    def entries_of(mapping: dict) -> list:
        entries = []
        for cp in sorted(mapping):
            value = mapping[cp]
            if value == "":
                continue  # in the vanishing ranges
            if value not in pool_offsets:
                # Reuse an earlier occurrence anywhere in the pool ("e" inside "ue").
                found = "".join(pool).find(value)
                if found < 0:
                    found = len(pool)
                    pool.extend(value)
                pool_offsets[value] = found
            entries.append((cp, pool_offsets[value], len(value)))
        return entries

    lower_entries = entries_of(lower)
    strip_entries = entries_of(strip)

    out = []
    out.append(f"// Generated by scripts/gen_unicode_tables.py from Python "
               f"{sys.version.split()[0]} unicodedata, Unicode {unicodedata.unidata_version}.\n"
               "// Do not edit: change scripts/alsel_py/tokenizer.py or the generator and run\n"
               "//   /usr/bin/python3 scripts/gen_unicode_tables.py\n")
    out.append('#include "text/unicode_tables.h"\n\nnamespace alsel::unicode_tables {\n')
    out.append(f'const char kUnicodeVersion[] = "{unicodedata.unidata_version}";\n')
    out.append("// Category C* except \\t \\n \\r; unassigned code points (Cn) included.\n")
    out.append(range_table("Control", control))
    out.append("// \\t \\n \\r, space and category Zs.\n")
    out.append(range_table("Whitespace", whitespace))
    out.append("// ASCII 33-47, 58-64, 91-96, 123-126 and category P*.\n")
    out.append(range_table("Punctuation", punctuation))
    out.append("// BERT's CJK ideograph blocks (tokenizer.py _CJK_RANGES).\n")
    out.append(range_table("Cjk", cjk))
    out.append("// Code points that vanish when accents are stripped (NFD is all category Mn).\n")
    out.append(range_table("StripVanishing", vanishing))
    out.append(f"constexpr char32_t kPool[] = {{\n"
               f"{format_items([f'0x{ord(c):X}' for c in pool])}\n}};\n")
    out.append("const char32_t* const kNormalizationPool = kPool;\n")
    out.append(f"const size_t kNormalizationPoolSize = {len(pool)};\n")
    for name, entries, comment in (
            ("Lower", lower_entries, "str.lower() where it is not the identity."),
            ("Strip", strip_entries, "NFD without category Mn where it is neither the identity "
             "nor empty;\n// Hangul syllables are decomposed in code.")):
        items = [f"{{0x{cp:X}, {off}, {n}}}" for cp, off, n in entries]
        out.append(f"// {comment}\n")
        out.append(f"constexpr NormalizationEntry k{name}Entries[] = {{\n"
                   f"{format_items(items)}\n}};\n")
        out.append(f"const NormalizationTable k{name} = {{k{name}Entries, {len(entries)}}};\n")
    out.append("\n}  // namespace alsel::unicode_tables\n")
    text = "\n".join(part.rstrip("\n") + "\n" for part in out)
    with open(output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {output}: Unicode {unicodedata.unidata_version}, ranges "
          f"control={len(control)} whitespace={len(whitespace)} punctuation={len(punctuation)}, "
          f"vanishing={len(vanishing)}, entries lower={len(lower_entries)} "
          f"strip={len(strip_entries)}, pool={len(pool)}, {len(text)} bytes",
          file=sys.stderr)


def page_digests() -> None:
    print(unicodedata.unidata_version)
    for page in range((MAX_CODE_POINT + 1) // 256):
        values = array.array("I")
        for cp in range(page * 256, page * 256 + 256):
            ch = chr(cp)
            values.append(class_bits(cp))
            for _, lower, strip in MODES:
                out = ref.normalize_char(ch, lower, strip)
                values.append(len(out))
                values.extend(ord(c) for c in out)
        if sys.byteorder != "little":
            values.byteswap()
        print(f"{zlib.crc32(values.tobytes()):08x}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "src", "text", "unicode_tables.cc"))
    parser.add_argument("--page-digests", action="store_true",
                        help="print the Unicode version, then one CRC-32 per 256-code-point page")
    args = parser.parse_args()
    if args.page_digests:
        page_digests()
    else:
        generate(os.path.normpath(args.output))


if __name__ == "__main__":
    main()
