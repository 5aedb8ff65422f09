"""What an external converter (Ghostscript, GhostPCL, LibreOffice) may reach.

Documents come from customers, and converters are large programs that follow links, list
directories and open files on a document's behalf. With bubblewrap (`bwrap`), each run sees:
no network; a fresh, small, empty `/tmp`; its own private temp dir (0700), which is also its
HOME and working directory; the system files it needs, read-only (`/usr`, a few `/etc` files,
font caches and maps); its input files read-only and its output directory writable. Nothing
else of the host exists for it: not the data dir, not the host's `/tmp`, not other renders.

Without bubblewrap (setting `sandbox`: `auto` falls back to it with a warning, `off` chooses
it) a converter still gets the private temp dir and a clean environment, but it runs with
the service's rights on the host's files and network.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MODES = ("auto", "bwrap", "off")
INSTALL_HINT = "install bubblewrap (apt install bubblewrap)"

_TMPFS_BYTES = 64 * 1024**2  # the sandbox's /tmp; converters write to their TMPDIR instead
# Programs and libraries; the dynamic linker's cache; fonts, their caches and Ghostscript's
# font maps; LibreOffice's system configuration; the paper size; the time zone.
_SYSTEM_FILES = (
    "/usr",
    "/etc/ld.so.cache",
    "/etc/fonts",
    "/etc/ghostscript",
    "/etc/libreoffice",
    "/etc/papersize",
    "/etc/localtime",
    "/var/lib/ghostscript",
    "/var/cache/fontconfig",
)
_TOP_LEVEL_LIBS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # usr-merge links
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_LOCALE = ("LANG", "LC_ALL", "LC_CTYPE")


class SandboxUnavailable(RuntimeError):
    """`sandbox = bwrap`, but bubblewrap is missing or does not work here."""


@dataclass(frozen=True)
class Sandbox:
    bwrap: str | None  # the bwrap program; None: converters run unconfined
    reason: str = ""  # why they run unconfined

    @property
    def confined(self) -> bool:
        return self.bwrap is not None


def sandbox_for(setting: str) -> Sandbox:
    """The sandbox the `sandbox` setting asks for; SandboxUnavailable when `bwrap` is
    required and does not work, ValueError for an unknown setting."""
    mode = setting.strip().lower()
    if mode not in MODES:
        raise ValueError(f"FAXGATE_SANDBOX: {setting!r} is not one of {', '.join(MODES)}")
    if mode == "off":
        return Sandbox(None, "FAXGATE_SANDBOX=off")
    binary = shutil.which("bwrap")
    problem = _bwrap_problem(binary)
    if binary is not None and problem is None:
        return Sandbox(binary)
    assert problem is not None
    if mode == "bwrap":
        raise SandboxUnavailable(f"FAXGATE_SANDBOX=bwrap, but {problem}")
    return Sandbox(None, problem)


@functools.cache
def _bwrap_problem(binary: str | None) -> str | None:
    """None when `binary` runs a program in the sandbox, else what went wrong (checked once
    per process: user namespaces can be disabled, or bwrap not setuid where it must be)."""
    if binary is None:
        return f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}"
    with jail(Sandbox(binary)) as box:
        try:
            result = subprocess.run(
                box.command(["true"]), env=box.environment(), cwd=box.temp,
                stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap ({binary}) does not work here: {exc}"
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bubblewrap ({binary}) does not work here: {message[-1] if message else '?'}"
    return None


@dataclass(frozen=True)
class Jail:
    """One converter run: its sandbox, private temp dir and the host paths it may use."""

    sandbox: Sandbox
    temp: Path  # TMPDIR, HOME and working directory; the same path inside and outside
    reads: tuple[Path, ...]
    writes: tuple[Path, ...]

    def command(self, args: Sequence[str]) -> list[str]:
        if self.sandbox.bwrap is None:
            return list(args)
        return [self.sandbox.bwrap, *self._bwrap_options(args[0]), "--", *args]

    def environment(self) -> dict[str, str]:
        """A clean environment: the service's (database URL, mail password, secret key)
        is none of a converter's business."""
        path = _SANDBOX_PATH if self.sandbox.confined else os.environ.get("PATH", _SANDBOX_PATH)
        env = {"PATH": path, "HOME": str(self.temp), "TMPDIR": str(self.temp)}
        env.update({name: os.environ[name] for name in _LOCALE if name in os.environ})
        return env

    def _bwrap_options(self, program: str) -> list[str]:
        options = [
            "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(_TMPFS_BYTES), "--perms", "0700", "--tmpfs", "/tmp",  # noqa: S108
        ]  # fmt: skip
        for path in _SYSTEM_FILES:
            options += ["--ro-bind-try", path, path]
        for path in _TOP_LEVEL_LIBS:
            if os.path.islink(path):
                options += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                options += ["--ro-bind", path, path]
        installed = _installed_outside_usr(program)
        if installed is not None:
            options += ["--ro-bind", installed, installed]
        options += ["--bind", str(self.temp), str(self.temp)]
        for output in self.writes:
            options += ["--bind", str(output), str(output)]
        for source in self.reads:  # after the writes: an input inside an output dir stays read-only
            options += ["--ro-bind", str(source), str(source)]
        return [*options, "--chdir", str(self.temp)]


@contextlib.contextmanager
def jail(
    sandbox: Sandbox, *, reads: Sequence[Path] = (), writes: Sequence[Path] = ()
) -> Iterator[Jail]:
    """A converter run's confinement; its private temp dir (0700, an unpredictable name in
    the temp dir) is removed afterwards, with whatever the converter left in it."""
    temp = Path(tempfile.mkdtemp(prefix="faxgate-convert-"))
    try:
        yield Jail(sandbox, temp, tuple(reads), tuple(writes))
    finally:
        remove_tree(temp)


def remove_tree(path: Path) -> None:
    """Remove `path` even where a converter took away its own permissions."""
    for root, dirs, _files in os.walk(path):
        for name in dirs:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), 0o700)
    shutil.rmtree(path, ignore_errors=True)


def _installed_outside_usr(program: str) -> str | None:
    """The install directory of a converter that lives outside /usr (e.g. LibreOffice from
    the upstream packages under /opt), to be made readable in the sandbox."""
    found = shutil.which(program)
    if found is None:
        return None
    real = Path(found).resolve()
    root = real.parent.parent
    if real.is_relative_to("/usr") or len(root.parts) < 2:
        return None  # never the whole root file system
    return str(root)
