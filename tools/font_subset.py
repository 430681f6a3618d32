"""Make the font the signed PDFs embed: Noto Sans CJK SC (SIL OFL 1.1, see
portal/fonts/OFL.txt) cut down to what Chinese documents of this platform use — every
character of GB 2312 (6,763 hanzi), ASCII, CJK punctuation and full-width forms — so the
project ships 2–3 MB instead of 19 MB, and runs with no font installed.

    python tools/font_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

(the file comes with Debian's fonts-noto-cjk). Writes portal/fonts/NotoSansSC-Regular-GB2312.otf.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

OUT = Path(__file__).resolve().parent.parent / "portal" / "fonts" / "NotoSansSC-Regular-GB2312.otf"


def gb2312() -> set[int]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def main(source: str) -> None:
    collection = TTCollection(source)
    font = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    codepoints = gb2312() | set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    codepoints |= {0x00B7, 0x00D7, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x2116, 0x2460, 0x2461, 0x2462}
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(OUT)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
