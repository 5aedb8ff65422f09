"""The fonts used for text documents and the header line (system packages, found by path)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from faxgate.render.errors import rendering_error

_PACKAGED = Path(__file__).parent / "fonts"
_MONO = ("DejaVuSansMono.ttf", "fonts-dejavu-core", ("/usr/share/fonts/truetype/dejavu",))
_CJK = ("NotoSansCJK-Regular.ttc", "fonts-noto-cjk", ("/usr/share/fonts/opentype/noto",))


def _find(spec: tuple[str, str, tuple[str, ...]]) -> Path | None:
    name, _package, directories = spec
    for directory in (_PACKAGED, *map(Path, directories)):
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def mono_font() -> Path:
    found = _find(_MONO)
    if found is None:
        raise rendering_error(f"the font {_MONO[0]} is missing (install the package {_MONO[1]})")
    return found


def cjk_font() -> Path | None:
    """Noto Sans CJK, or None: text without CJK characters renders without it."""
    return _find(_CJK)


@lru_cache(maxsize=4)
def codepoints(font: Path) -> frozenset[int]:
    """The characters `font` has a glyph for, from its Unicode cmap."""
    # fontTools comes with fpdf2; imported here so that processes which never ask (the API
    # server imports the render package) do not pay for it.
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # noqa: PLC0415

    with TTFont(str(font), lazy=True, fontNumber=0) as parsed:
        return frozenset(parsed.getBestCmap())
