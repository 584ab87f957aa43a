#!/usr/bin/env python3
"""Writes unicode-fold.txt: for each code point whose matching form differs from itself, the
code points it folds to (NFKD, then without nonspacing marks and format characters). The runtime
runs in .NET's globalization-invariant mode (no ICU on a vehicle image), where string.Normalize
does nothing, so the redactor carries this table. Rerun after a Python upgrade brings a newer
Unicode version: python3 unicode-fold.py > unicode-fold.txt"""
import sys
import unicodedata

RANGES = [(0xA0, 0xAC00), (0xD7A4, 0xD800), (0xF900, 0x10000), (0x1D400, 0x1D800), (0x1F100, 0x1F200), (0xE0000, 0xE0080)]

print(f"# Unicode {unicodedata.unidata_version}: code point, then what it folds to (nothing: dropped)")
for low, high in RANGES:
    for cp in range(low, high):
        c = chr(cp)
        if unicodedata.category(c) == "Cf":
            folded = ""
        else:
            folded = "".join(ch for ch in unicodedata.normalize("NFKD", c) if unicodedata.category(ch) not in ("Mn", "Cf"))
        if folded != c:
            print(f"{cp:04X}" + "".join(f" {ord(ch):04X}" for ch in folded))
