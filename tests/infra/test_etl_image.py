"""The ETL image holds what the task imports: `.dockerignore` and the Dockerfile's COPY lines, read as
Docker reads them, lay out a folder that must run `python -m etl_task --help` on its own.

No Docker engine here, so the build context and the COPY steps are reproduced from the two files.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _context_files() -> list[str]:
    """The tracked files `docker build .` would send: .dockerignore's last matching rule wins."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    sent = []
    for path in tracked:
        included = True
        for negated, pattern in rules:
            parts = path.split("/")
            # A pattern names a file or a folder: it matches the path or any of its parent folders.
            if any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1)) or (
                pattern.startswith("**/") and any(fnmatch.fnmatchcase(p, pattern[3:]) for p in parts)
            ):
                included = negated
        if included:
            sent.append(path)
    return sent


def _image(tmp: Path) -> Path:
    """The image's /app, from the COPY lines of the Dockerfile (sources taken from the build context)."""
    context = set(_context_files())
    app = tmp / "app"
    dockerfile = (ROOT / "etl_task" / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (\S+) (\S+)$", dockerfile, re.M)
    assert copies, "the Dockerfile copies nothing"
    for source, target in copies:
        files = [p for p in context if p == source or p.startswith(source.rstrip("/") + "/")]
        assert files, f"COPY {source}: nothing in the build context (.dockerignore leaves it out)"
        for path in files:
            destination = Path(target.replace("/app", str(app), 1))
            if path != source:  # a folder: its files under the target
                destination /= Path(path).relative_to(source)
            elif target.endswith("/"):  # a file into a folder
                destination /= Path(path).name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / path, destination)
    return app


def test_the_etl_image_runs_from_what_the_dockerfile_copies(tmp_path: Path) -> None:
    app = _image(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(app)}
    every_module = (
        "import importlib, pkgutil, etl_task\n"
        "for m in pkgutil.iter_modules(etl_task.__path__): importlib.import_module('etl_task.' + m.name)"
    )
    for command in (["-c", every_module], ["-m", "etl_task", "--help"]):
        result = subprocess.run([sys.executable, *command], cwd=app, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"the image cannot start the ETL:\n{result.stderr[-2000:]}"
    assert (app / "data" / "certs" / "rds-ca-bundle.pem").exists()  # DB_SSLROOTCERT in the task definition
    assert (app / "data" / "migrations").is_dir()  # the ETL applies migrations before loading
    assert (app / "api" / "openapi.json").is_file()  # domain/movie_limits reads the limits from the contract
    assert sorted(p.name for p in (app / "api").iterdir()) == ["openapi.json"], "the ETL needs no api code"
    assert not (app / "logic").exists(), "the ETL needs no use cases of the functions"


def test_the_lambda_package_leaves_the_etl_sql_out() -> None:
    code_uri = ROOT / "src"
    assert not any(code_uri.rglob("store.py")), "the ETL's SQL belongs to etl_task/, outside CodeUri"
    assert (ROOT / "etl_task" / "store.py").exists()
