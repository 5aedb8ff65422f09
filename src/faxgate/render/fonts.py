"""The fonts used for text documents and the header line (system packages, found by path)."""

from __future__ import annotations

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
