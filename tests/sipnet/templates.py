"""Fill `{{NAME}}` placeholders of the Kamailio configuration and the sipp scenarios.

Neither format uses double braces, so the placeholders cannot collide with their own
syntax (Kamailio's `$var`, sipp's `[keyword]`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


def render(template: Path, values: Mapping[str, object]) -> str:
    """The template's text with every placeholder replaced; an unknown or unused name is a
    fault of the caller."""
    text = template.read_text()
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{template.name}: no value for {{{{{name}}}}}")
        used.add(name)
        return str(values[name])

    rendered = _PLACEHOLDER.sub(fill, text)
    unused = set(values) - used
    if unused:
        raise KeyError(f"{template.name}: no placeholder for {sorted(unused)}")
    return rendered
