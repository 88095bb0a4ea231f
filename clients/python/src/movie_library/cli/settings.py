"""Where the CLI keeps its settings: profiles in config.ini, refresh tokens in credentials.json (0600).

Precedence for every setting: command-line flag, then environment variable, then the profile.
"""

from __future__ import annotations

import configparser
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "MOVIE_LIBRARY_"
SETTINGS = ("base_url", "ws_url", "user_pool_id", "client_id", "cognito_endpoint", "username")


def config_dir() -> Path:
    """$MOVIE_LIBRARY_CONFIG_DIR, else the platform's user config folder."""
    if os.environ.get(f"{ENV_PREFIX}CONFIG_DIR"):
        return Path(os.environ[f"{ENV_PREFIX}CONFIG_DIR"])
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "movie-library"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "movie-library"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "movie-library"


def _private_write(path: Path, text: str) -> None:
    """Write a file only its owner can read, without a moment where it is readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


@dataclass
class Profile:
    name: str
    values: dict[str, str] = field(default_factory=dict)
    refresh_token: str | None = None

    def get(self, key: str) -> str | None:
        return os.environ.get(ENV_PREFIX + key.upper()) or self.values.get(key) or None


class Store:
    def __init__(self, root: Path | None = None):
        self.root = root or config_dir()
        self.config_path = self.root / "config.ini"
        self.credentials_path = self.root / "credentials.json"
        self.history_path = self.root / "requests.json"

    def _config(self) -> configparser.ConfigParser:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self.config_path)
        return parser

    def _credentials(self) -> dict[str, Any]:
        try:
            return json.loads(self.credentials_path.read_text())
        except (OSError, ValueError):
            return {}

    def load(self, name: str) -> Profile:
        parser = self._config()
        values = dict(parser[name]) if parser.has_section(name) else {}
        return Profile(name, values, self._credentials().get(name, {}).get("refresh_token"))

    def save(self, profile: Profile) -> None:
        parser = self._config()
        if not parser.has_section(profile.name):
            parser.add_section(profile.name)
        for key in SETTINGS:
            if profile.values.get(key):
                parser[profile.name][key] = profile.values[key]
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.config_path.open("w") as handle:
            parser.write(handle)
        credentials = self._credentials()
        if profile.refresh_token:
            credentials[profile.name] = {"refresh_token": profile.refresh_token}
        else:
            credentials.pop(profile.name, None)
        _private_write(self.credentials_path, json.dumps(credentials, indent=2))

    def remember_requests(self, profile: str, request_ids: list[str], keep: int = 200) -> None:
        try:
            history = json.loads(self.history_path.read_text())
        except (OSError, ValueError):
            history = {}
        history[profile] = (history.get(profile, []) + request_ids)[-keep:]
        _private_write(self.history_path, json.dumps(history))

    def recent_requests(self, profile: str) -> list[str]:
        try:
            return list(json.loads(self.history_path.read_text()).get(profile, []))
        except (OSError, ValueError):
            return []
