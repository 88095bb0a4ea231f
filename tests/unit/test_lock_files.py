"""The lock files `make` installs (requirements/<env>.lock) agree with the direct pins they were resolved from
(requirements/<env>.in and the files those include): a pin edited in one place only fails here, naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


ENVIRONMENTS = ["dev", "sam", "tools", "lambda", "etl"]


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` in a requirements file, following `-r` includes."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= direct_pins((path.parent / line[3:].strip()).resolve())
        elif match := PIN.match(line):
            pins[_name(match[1])] = match[2]
        elif line:
            pytest.fail(f"{path.name}: `{line}` is not pinned with ==")
    return pins


def locked(path: Path) -> dict[str, str]:
    return {_name(name): version for name, version in PIN.findall(path.read_text())}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_direct_pin_is_the_locked_version(env: str) -> None:
    lock = locked(REQUIREMENTS / f"{env}.lock")
    drift = {
        name: (version, lock.get(name))
        for name, version in direct_pins(REQUIREMENTS / f"{env}.in").items()
        if lock.get(name) != version
    }
    assert not drift, f"requirements/{env}.lock is stale (pinned, locked): {drift}; run `make lock`"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_locked_package_has_a_hash(env: str) -> None:
    text = (REQUIREMENTS / f"{env}.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    unhashed = [entry.split(" ", 1)[0] for entry in entries if PIN.match(entry) and "--hash=sha256:" not in entry]
    assert not unhashed


def test_a_pin_edited_in_one_place_is_caught(tmp_path: Path) -> None:
    (tmp_path / "x.in").write_text("moto==9.9.9\n")
    assert direct_pins(tmp_path / "x.in") == {"moto": "9.9.9"}
    assert locked(REQUIREMENTS / "dev.lock")["moto"] != "9.9.9"


@pytest.mark.parametrize("env", ["lambda", "etl"])
def test_the_deployed_environments_run_the_versions_the_tests_run(env: str) -> None:
    dev = locked(REQUIREMENTS / "dev.lock")
    differing = {
        name: (version, dev.get(name))
        for name, version in locked(REQUIREMENTS / f"{env}.lock").items()
        if dev.get(name) != version
    }
    assert not differing, f"requirements/{env}.lock differs from dev.lock (deployed, tested): {differing}"
