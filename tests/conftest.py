"""Shared fixtures: a fresh PostgreSQL or MariaDB database per test, dropped afterwards.

The servers are part of the project's environment (loopback only): PostgreSQL on
127.0.0.1:5432 (user ``postgres``, trust auth) and MariaDB on 127.0.0.1:3306 (user ``root``, no
password), each with a database ``test`` to connect to while creating and dropping the
per-test databases. Override with ``OPTUNA_GAMMA_PG_URL`` / ``OPTUNA_GAMMA_MYSQL_URL`` (a server
URL without database, e.g. ``postgresql+psycopg2://postgres@127.0.0.1:5432``).

When a server cannot be reached, the test fails on CI (the environment variable ``CI`` is set:
the servers are supposed to be there) and is skipped elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
import os
from typing import NoReturn
import uuid

import pytest

PG_SERVER = os.environ.get("OPTUNA_GAMMA_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
MYSQL_SERVER = os.environ.get("OPTUNA_GAMMA_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")


def _unavailable(what: str, error: Exception) -> NoReturn:
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; the CI environment is expected to provide it.")
    pytest.skip(f"{message}; set CI=1 to make this a failure.")


def _server_parts(url: str) -> tuple[str, int, str]:
    """(host, port, user) of a ``dialect+driver://user@host:port`` URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.host or "127.0.0.1", int(parsed.port or 0), parsed.username or ""


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped (with its connections) after the test."""
    try:
        import psycopg2
    except ImportError as error:
        _unavailable("psycopg2", error)
    host, port, user = _server_parts(PG_SERVER)
    name = f"og_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(
            host=host, port=port or 5432, user=user, dbname="test", connect_timeout=5
        )
    except Exception as error:  # noqa: BLE001 - any connection failure means "not reachable"
        _unavailable(f"PostgreSQL at {host}:{port}", error)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """URL of a fresh MariaDB/MySQL database, dropped (with its connections) after the test."""
    try:
        import pymysql
    except ImportError as error:
        _unavailable("pymysql", error)
    host, port, user = _server_parts(MYSQL_SERVER)
    name = f"og_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = pymysql.connect(
            host=host,
            port=port or 3306,
            user=user,
            password="",
            database="test",
            connect_timeout=5,
            autocommit=True,
        )
    except Exception as error:  # noqa: BLE001 - any connection failure means "not reachable"
        _unavailable(f"MySQL/MariaDB at {host}:{port}", error)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        yield f"{MYSQL_SERVER}/{name}"
    finally:
        with admin.cursor() as cur:
            # Connections left open by the test would make DROP DATABASE wait on their locks.
            cur.execute(
                "SELECT id FROM information_schema.processlist WHERE db = %s AND id != "
                "CONNECTION_ID()",
                (name,),
            )
            for (connection_id,) in cur.fetchall():
                try:
                    cur.execute(f"KILL {int(connection_id)}")
                except pymysql.err.OperationalError:
                    pass  # it closed meanwhile
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()
