"""The layers hold: no import points up the order in LAYERS, and no SQL outside store/.

An AST walk over src/faxgate, so imports inside functions and under `if TYPE_CHECKING:` count
like any other. docs/architecture.md explains the order and why each package sits where it does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import faxgate

PACKAGE = Path(faxgate.__file__).parent

# Top to bottom. A module may import from its own unit and from any unit of a lower tier; units
# of one tier are siblings and do not import each other. `faxgate` is the package root
# (__version__).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("runtime",),  # assembles a running service from all that is below
    ("api",),
    ("service",),
    ("pipeline",),
    ("render", "carriers", "notify"),
    ("store",),
    ("net", "sealing", "datadir"),  # low helpers: outbound HTTP, sealed secrets, private dir
    ("domain",),
    ("config", "logs", "faxgate"),
)
SQL_PACKAGES = frozenset({"sqlalchemy", "alembic"})
SQL_METHODS = frozenset({"execute", "exec_driver_sql"})

# Violations someone is removing right now: (module, rule, what) → who and why. Each entry must
# still occur (an entry whose violation is gone fails the test, so the list only shrinks).
KNOWN: dict[tuple[str, str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    module: str  # path below the package, e.g. "service/submit.py"
    line: int
    rule: str  # layer | unplaced | sql-import | sql-call
    what: str  # the imported module or the call
    why: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.module, self.rule, self.what)

    def __str__(self) -> str:
        return f"faxgate/{self.module}:{self.line}: [{self.rule}] {self.what}: {self.why}"


def _tiers() -> dict[str, int]:
    return {unit: depth for depth, tier in enumerate(LAYERS) for unit in tier}


def _unit(dotted: str) -> str:
    """faxgate.api.wire_in → api; faxgate → faxgate."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(root: Path, path: Path) -> list[str]:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported(root: Path, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The dotted names an import statement reaches, relative imports resolved."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = _module_name(root, path)
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, *([node.module] if node.module else [])])
    if base == root.name:  # `from faxgate import logs` names a unit, `__version__` the root
        for alias in node.names:
            is_unit = (root / alias.name).is_dir() or (root / f"{alias.name}.py").is_file()
            yield f"{base}.{alias.name}" if is_unit else base
        return
    yield base


def _sql_call(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
        return f".{func.attr}()"
    if isinstance(func, ast.Name) and func.id == "text":
        return "text()"
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "text"
        and isinstance(func.value, ast.Name)
        and func.value.id in {"sqlalchemy", "sa"}
    ):
        return f"{func.value.id}.text()"
    return None


def check_module(root: Path, path: Path) -> Iterator[Violation]:
    tiers = _tiers()
    name = ".".join(_module_name(root, path))
    module = path.relative_to(root).as_posix()
    unit = _unit(name)
    if unit not in tiers:
        yield Violation(module, 1, "unplaced", unit, "not in LAYERS: place it in a tier")
        return
    in_store = unit == "store"
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Call) and not in_store:
            call = _sql_call(node)
            if call is not None:
                yield Violation(module, node.lineno, "sql-call", call, "SQL runs in store/ only")
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for target in _imported(root, path, node):
            top = target.split(".")[0]
            if top in SQL_PACKAGES and not in_store:
                yield Violation(
                    module, node.lineno, "sql-import", target, "the database is store/'s alone"
                )
            if top != root.name:
                continue
            other = _unit(target)
            if other == unit:
                continue
            if other not in tiers:
                yield Violation(module, node.lineno, "layer", target, f"{other} is not in LAYERS")
            elif tiers[other] < tiers[unit]:
                yield Violation(module, node.lineno, "layer", target, f"{other} sits above {unit}")
            elif tiers[other] == tiers[unit]:
                yield Violation(
                    module, node.lineno, "layer", target, f"{other} and {unit} are siblings"
                )


def violations(root: Path) -> list[Violation]:
    found: list[Violation] = []
    for path in sorted(root.rglob("*.py")):
        found.extend(sorted(check_module(root, path), key=lambda v: v.line))
    return found


def test_no_import_points_up_and_no_sql_outside_the_store() -> None:
    new = [v for v in violations(PACKAGE) if v.key not in KNOWN]
    assert not new, "layer rules broken (docs/architecture.md):\n" + "\n".join(map(str, new))


def test_every_known_violation_still_occurs() -> None:
    seen = {v.key for v in violations(PACKAGE)}
    stale = [f"{key}: {why}" for key, why in KNOWN.items() if key not in seen]
    assert not stale, "fixed, remove from KNOWN in tests/test_layers.py:\n" + "\n".join(stale)


def test_every_unit_is_placed_once() -> None:
    units = [unit for tier in LAYERS for unit in tier]
    assert len(units) == len(set(units))
    on_disk = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert on_disk | {"faxgate"} == set(units)


SYNTHETIC = {
    "__init__.py": "__version__ = '0'\n",
    "config.py": "",
    "domain/__init__.py": "",
    "domain/rules.py": "from faxgate.store import rows\n",
    "store/__init__.py": "",
    "store/rows.py": (
        "import sqlalchemy\nfrom faxgate.domain import rules\n"
        "def q(conn):\n    return conn.execute(sqlalchemy.text('SELECT 1'))\n"
    ),
    "net/__init__.py": "from faxgate import __version__\nfrom faxgate import sealing\n",
    "sealing/__init__.py": "from faxgate.config import X\n",
    "render/__init__.py": "from faxgate.notify import push\n",
    "notify/__init__.py": "",
    "notify/push.py": "from . import __name__ as n\nfrom ..net import x\n",
    "service/__init__.py": "",
    "service/submit.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from faxgate.api.wire_in import FaxJobRequest\n"
        "def f():\n    from ..api import wire_out\n    import faxgate.cli.main\n"
    ),
    "pipeline/__init__.py": "",
    "api/__init__.py": "",
    "api/operator.py": (
        "from sqlalchemy import select, text\nfrom faxgate.service import submit\n"
        "async def health(db):\n    await db.execute(text('SELECT 1'))\n"
        "    draw.text((0, 0), 'fine: not SQL')\n"
    ),
    "cli/__init__.py": "",
    "gadgets/__init__.py": "",
}


def test_the_check_names_module_line_and_rule(tmp_path: Path) -> None:
    root = tmp_path / "faxgate"
    for name, source in SYNTHETIC.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source)
    found = [(v.module, v.line, v.rule, v.what) for v in violations(root)]
    assert sorted(found) == sorted(
        [
            ("api/operator.py", 1, "sql-import", "sqlalchemy"),
            ("api/operator.py", 4, "sql-call", ".execute()"),
            ("api/operator.py", 4, "sql-call", "text()"),
            ("domain/rules.py", 1, "layer", "faxgate.store"),
            ("gadgets/__init__.py", 1, "unplaced", "gadgets"),
            ("net/__init__.py", 2, "layer", "faxgate.sealing"),
            ("render/__init__.py", 1, "layer", "faxgate.notify"),
            ("service/submit.py", 3, "layer", "faxgate.api.wire_in"),
            ("service/submit.py", 5, "layer", "faxgate.api"),
            ("service/submit.py", 6, "layer", "faxgate.cli.main"),
        ]
    )
    first = min(
        (v for v in violations(root) if v.module == "service/submit.py"), key=lambda v: v.line
    )
    message = str(first)
    assert message == (
        "faxgate/service/submit.py:3: [layer] faxgate.api.wire_in: api sits above service"
    )
