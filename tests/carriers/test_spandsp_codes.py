"""The completion-code table of faxgate.domain.t30 agrees with the loaded library."""

from __future__ import annotations

from faxgate.carriers.spandsp._lib import load
from faxgate.domain.t30 import T30_ERR_NAMES


def test_every_code_is_known_to_the_library() -> None:
    dll = load().dll
    for code in range(len(T30_ERR_NAMES)):
        text = dll.t30_completion_code_to_str(code)
        assert text and text != b"???", T30_ERR_NAMES[code]
    assert dll.t30_completion_code_to_str(len(T30_ERR_NAMES)) == b"???"  # no more codes
