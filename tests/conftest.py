"""Shared fixtures. Tests are offline: sockets may only reach loopback addresses."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # unix sockets and the like
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> object:
    if not _is_loopback(address):
        raise OSError(f"tests are offline: refusing to connect to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nianbao.db"


@pytest.fixture(scope="session")
def search_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[str, str]]]:
    """The search tests' corpus (helpers/search_corpus.py), built once: the tests only read it."""
    from helpers.search_corpus import build_corpus

    path = tmp_path_factory.mktemp("search") / "nianbao.db"
    return path, build_corpus(path)
