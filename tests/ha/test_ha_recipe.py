"""docs/ha.md's nginx recipe passes `nginx -t` as written (only the output path differs)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def recipe() -> str:
    text = (ROOT / "docs" / "ha.md").read_text()
    section = text.split("## 2. nginx", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found, "no sh block in docs/ha.md's nginx section"
    return found.group(1)


def test_the_documented_nginx_recipe_passes_nginx_t(nginx_binary: str, tmp_path: Path) -> None:
    script = recipe()
    assert "/etc/nginx/conf.d/faxgate-ha.conf" in script
    assert "nginx -t && systemctl reload nginx" in script
    generated = tmp_path / "faxgate-ha.conf"
    script = script.replace("/etc/nginx/conf.d/faxgate-ha.conf", str(generated))
    script = script.replace("nginx -t && systemctl reload nginx", "")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {generated};\n}}\n"
    )
    checked = subprocess.run(
        [nginx_binary, "-t", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr
