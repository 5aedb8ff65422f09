"""The fax header line of `renderingOptions.header` (spec §5.7): parse, validate, expand.

Pure: no I/O, no clock. A header text is parsed once into a `HeaderTemplate` (lines of
left/centre/right token lists plus the chosen time zone and language); `expand` turns it into
the strings of one page, given a `HeaderContext` with the time, page numbers and recipient.

Decisions where the spec is silent:
* `%tz=<zone>` and `%l=<lang>` end at `;` or at a space; that one terminator is consumed.
  Zones are IANA names (`Europe/Berlin`) or the common abbreviations in `_ZONE_ABBREVIATIONS`.
* `%K` is the recipient's personalisation: the property `K`, `personalisation` or
  `personalization` (any case), else `ToName`, else empty.
* `%c` and `%r` switch the alignment of the rest of the line; `%n` starts a new line whose
  alignment starts at the left again. `%c` after `%r` (or twice) is rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_HEADER = "%Y-%m-%d %H:%M %Z  From: %C  To: %#%rPage %P/%T"

_ZONE_ABBREVIATIONS: dict[str, tuple[int, str]] = {
    # abbreviation: (offset in minutes, abbreviation shown by %Z)
    "UTC": (0, "UTC"),
    "GMT": (0, "GMT"),
    "Z": (0, "UTC"),
    "WET": (0, "WET"),
    "WEST": (60, "WEST"),
    "BST": (60, "BST"),
    "CET": (60, "CET"),
    "CEST": (120, "CEST"),
    "MEZ": (60, "MEZ"),
    "MESZ": (120, "MESZ"),
    "EET": (120, "EET"),
    "EEST": (180, "EEST"),
    "MSK": (180, "MSK"),
    "IST": (330, "IST"),
    "JST": (540, "JST"),
    "EST": (-300, "EST"),
    "EDT": (-240, "EDT"),
    "CST": (-360, "CST"),
    "CDT": (-300, "CDT"),
    "MST": (-420, "MST"),
    "MDT": (-360, "MDT"),
    "PST": (-480, "PST"),
    "PDT": (-420, "PDT"),
}

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
}  # fmt: skip
_DAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
           "sábado", "domingo"),
}  # fmt: skip

# Codes replaced by a value at expansion time; `%c`, `%r`, `%n`, `%tz=`, `%l=` are structure.
_VALUE_CODES = frozenset("YymbBdaAHMSIpPRTK%#zZC")


@dataclass(frozen=True)
class HeaderContext:
    now: datetime  # aware
    page: int  # 1-based
    total: int
    recipient_number: str  # normalised 00… form
    csid: str
    personalisation: str = ""


@dataclass(frozen=True)
class Token:
    text: str  # literal text, or the one-character value code
    is_code: bool = False


@dataclass(frozen=True)
class HeaderLine:
    left: tuple[Token, ...]
    centre: tuple[Token, ...]
    right: tuple[Token, ...]


@dataclass(frozen=True)
class HeaderTemplate:
    lines: tuple[HeaderLine, ...]
    zone: tzinfo
    language: str


def validate_header(text: str) -> None:
    """Raise ValueError naming the first fault of a header text (e.g. a lone '%')."""
    parse_header(text)


def parse_header(text: str) -> HeaderTemplate:
    lines: list[HeaderLine] = []
    parts: list[list[Token]] = [[], [], []]  # left, centre, right of the current line
    align = 0
    zone: tzinfo = UTC
    language = "en"
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            _append_literal(parts[align], ch)
            i += 1
            continue
        if i + 1 >= len(text):
            raise ValueError(f"lone '%' at position {i} (write %% for a percent sign)")
        code = text[i + 1]
        if text.startswith("tz=", i + 1):
            name, i = _argument(text, i + 4, "tz")
            zone = parse_zone(name)
        elif text.startswith("l=", i + 1):
            name, i = _argument(text, i + 3, "l")
            language = parse_language(name)
        elif code == "c":
            if align == 2:
                raise ValueError(f"'%c' at position {i} comes after '%r'")
            if align == 1:
                raise ValueError(f"second '%c' at position {i}")
            align, i = 1, i + 2
        elif code == "r":
            if align == 2:
                raise ValueError(f"second '%r' at position {i}")
            align, i = 2, i + 2
        elif code == "n":
            lines.append(HeaderLine(*(tuple(p) for p in parts)))
            parts, align, i = [[], [], []], 0, i + 2
        elif code in _VALUE_CODES:
            if code == "%":
                _append_literal(parts[align], "%")
            else:
                parts[align].append(Token(code, is_code=True))
            i += 2
        elif code.isspace() or not code.isalpha():
            raise ValueError(f"lone '%' at position {i} (write %% for a percent sign)")
        else:
            raise ValueError(f"unknown control code '%{code}' at position {i}")
    lines.append(HeaderLine(*(tuple(p) for p in parts)))
    return HeaderTemplate(lines=tuple(lines), zone=zone, language=language)


def _append_literal(tokens: list[Token], text: str) -> None:
    if tokens and not tokens[-1].is_code:
        tokens[-1] = Token(tokens[-1].text + text)
    else:
        tokens.append(Token(text))


def _argument(text: str, start: int, code: str) -> tuple[str, int]:
    """Read the argument of %tz=/%l= up to ';' or a space; return it and the next index."""
    end = start
    while end < len(text) and text[end] not in "; ":
        end += 1
    if end == start:
        raise ValueError(f"'%{code}=' at position {start - len(code) - 2} has no value")
    next_index = end + 1 if end < len(text) else end
    return text[start:end], next_index


def parse_zone(name: str) -> tzinfo:
    known = _ZONE_ABBREVIATIONS.get(name.upper())
    if known is not None:
        minutes, label = known
        return timezone(timedelta(minutes=minutes), label)
    if name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_language(name: str) -> str:
    language = name.lower().replace("_", "-").split("-")[0]
    if language not in _MONTHS:
        known = ", ".join(sorted(_MONTHS))
        raise ValueError(f"unsupported header language {name!r} (supported: {known})")
    return language


def expand(template: HeaderTemplate, context: HeaderContext) -> list[tuple[str, str, str]]:
    """The (left, centre, right) strings of every header line for one page."""
    local = context.now.astimezone(template.zone)
    return [
        (
            _expand_tokens(line.left, template, context, local),
            _expand_tokens(line.centre, template, context, local),
            _expand_tokens(line.right, template, context, local),
        )
        for line in template.lines
    ]


def _expand_tokens(
    tokens: Sequence[Token], template: HeaderTemplate, context: HeaderContext, local: datetime
) -> str:
    out: list[str] = []
    for token in tokens:
        if token.is_code:
            out.append(_value(token.text, template, context, local))
        else:
            out.append(token.text)
    return "".join(out)


def _value(code: str, template: HeaderTemplate, context: HeaderContext, local: datetime) -> str:
    language = template.language
    if code in "YymdHMSIp":
        return local.strftime("%" + code)  # numeric and AM/PM: locale-independent in C locale
    if code == "b":
        return _MONTHS[language][local.month - 1][:3]
    if code == "B":
        return _MONTHS[language][local.month - 1]
    if code == "a":
        return _DAYS[language][local.weekday()][:3]
    if code == "A":
        return _DAYS[language][local.weekday()]
    if code == "P":
        return f"{context.page:02d}"
    if code == "R":
        return f"{context.page:03d}"
    if code == "T":
        return str(context.total)
    if code == "K":
        return context.personalisation
    if code == "#":
        return context.recipient_number
    if code == "C":
        return context.csid
    if code == "z":
        return local.strftime("%z")
    if code == "Z":
        return local.tzname() or local.strftime("%z")
    raise AssertionError(f"unhandled header code {code!r}")  # _VALUE_CODES and this agree


def personalisation(properties: Sequence[tuple[str, str]]) -> str:
    """The value %K stands for, chosen from the recipient's cover-page properties."""
    by_key = {key.lower(): value for key, value in properties}
    for key in ("k", "personalisation", "personalization", "toname"):
        if key in by_key:
            return by_key[key]
    return ""
