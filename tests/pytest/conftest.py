"""Shared fixtures: the repository layout and warehouse builds through the real CLI.

Session fixtures: each is the path of a published warehouse, built once per test session by
``smartcart-build`` (as ``make build`` does) and shared read-only by every test that
names it. Tests read them and never change them (copy one first, as ``test_build.published``).

| fixture               | export                                                  | docs catalog | unit tests |
|-----------------------|---------------------------------------------------------|--------------|------------|
| `sample_warehouse`    | the bundled sample                                      | yes          | yes        |
| `online_retail`       | ../shared/data UCI Online Retail                        | no           | no         |
| `online_retail_as_of` | the same, rebuilt as of `ONLINE_RETAIL_AS_OF`           | no           | no         |
| `mall`                | ../shared/data mall point-of-sale sample                | no           | no         |
| `spark_sample`        | the bundled sample on Apache Spark (its Spark folder)   | no           | yes        |

The shared-data fixtures skip their tests when ../shared/data lacks the file. Only the sample
build runs ``dbt docs generate`` (its catalog is ``<warehouse folder>/target/catalog.json``);
the others pass ``--no-docs``, which changes nothing in the warehouse file. dbt's unit tests
(fixed fixtures, the same answer whatever the export) run in the sample builds only; every
build runs every data test (``build_env``).

Speed: once the tests are collected, the builds the selected tests need start in the
background, ``SMARTCART_TEST_BUILD_JOBS`` (default 3) at a time, longest first, and so do the
test modules' own expensive setups (``background_fixture``: the append runs, the killed
builds, the refused builds), which would otherwise hold up every other test while they build.
Every build, and every build a test runs itself (``run_build``, ``build_command``), gets its
own dbt target and log folders beside its warehouse, so builds never share dbt state, and
starts from the partial-parse state of the session's one ``dbt parse`` (``parsed_project``).
Tests are reordered: those needing no warehouse run first, the others in the order their
warehouses are expected to be ready. Such tests are marked ``build``: ``make test-fast``
deselects them.

Helpers for test modules: ``background_fixture``, ``run_build``, ``build_command``, ``build_env``,
``query``, ``shared_file``, ``REPO_ROOT``, ``SHARED_DATA``, ``ONLINE_RETAIL``,
``ONLINE_RETAIL_II``, ``MALL``, ``ONLINE_RETAIL_AS_OF``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from smartcart.build_warehouse import build_path_for, dbt_profile_environment

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ONLINE_RETAIL = "online_retail_2010_12_to_2011_08.csv"
ONLINE_RETAIL_II = "online_retail_II_2009_2010_head500.csv"
MALL = "customer_shopping_sample_2000.csv"
ONLINE_RETAIL_AS_OF = "2011-05-31"


# dbt's partial-parse state of the session's one ``dbt parse`` (fixture ``parsed_project``):
# every build starts with a copy in its own target folder, so dbt parses only what differs (in
# full when the vars, the profile or a file changed) instead of the whole project each time
# (10 s of CPU a build).
_PARSE_STATE: list[Path] = []


def build_env(directory: Path, unit_tests: bool = False) -> dict[str, str]:
    """The environment of a build whose dbt target and log folders live in ``directory`` (the
    target folder seeded with the session's partial-parse state). dbt's unit tests check the
    models' logic on fixed fixtures, the same whatever the export: only the sample session
    build runs them (``unit_tests=True``); every other build leaves them out through dbt's own
    ``--exclude-resource-type`` setting, and runs every data test."""
    state = directory / "target" / "partial_parse.msgpack"
    if _PARSE_STATE and not state.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_PARSE_STATE[0], state)
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(directory / "target"),
        "DBT_LOG_PATH": str(directory / "logs"),
    }
    if not unit_tests:
        env["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    return env


def build_command(*args: str | Path) -> list[str]:
    """The command line of ``smartcart-build`` (its module, in this interpreter) with ``args``."""
    return [sys.executable, "-m", "smartcart.build_warehouse", *map(str, args)]


def run_build(
    *args: str | Path, check: bool = False, unit_tests: bool = False
) -> subprocess.CompletedProcess:
    """Run ``smartcart-build`` in a subprocess, as ``make build`` does; its dbt
    folders go beside the ``--warehouse`` it is given (required); ``unit_tests`` as in
    ``build_env``."""
    arguments = list(map(str, args))
    warehouse = Path(arguments[arguments.index("--warehouse") + 1])
    result = subprocess.run(
        build_command(*arguments),
        cwd=REPO_ROOT,
        env=build_env(warehouse.parent, unit_tests),
        capture_output=True,
        text=True,
    )
    if check and result.returncode != 0:
        pytest.fail(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on a read-only connection to ``warehouse``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).fetchall()


def shared_file(name: str) -> Path:
    """A file of ../shared/data, or skip the test when the folder is absent."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


# --------------------------------------------------------------------------- session builds


@dataclass(frozen=True)
class _Build:
    """A session warehouse: the export (``None`` = the bundled sample), the build's extra
    arguments, its cost in seconds on a quiet machine (to order the builds and the tests), and
    whether it runs dbt's unit tests (``build_env``)."""

    raw: str | None
    args: tuple[str, ...]
    seconds: int
    unit_tests: bool = False


# Started with the background setups, longest first (``_start_order``).
BUILDS = {
    "mall": _Build(MALL, ("--format", "customer_shopping", "--no-docs"), 50),
    "sample_warehouse": _Build(None, (), 90, unit_tests=True),
    "online_retail": _Build(ONLINE_RETAIL, ("--format", "online_retail", "--no-docs"), 55),
    "online_retail_as_of": _Build(
        ONLINE_RETAIL, ("--format", "online_retail", "--as-of", ONLINE_RETAIL_AS_OF, "--no-docs"), 55
    ),
    "spark_sample": _Build(None, ("--target", "spark"), 300, unit_tests=True),
}


@dataclass(frozen=True)
class _Setup:
    """A test module's expensive setup (``background_fixture``): ``run(directory)`` returns
    its fixture's value; ``seconds`` as for ``_Build``."""

    run: Callable[[Path], object]
    seconds: int


# The test modules' background setups, registered when their modules are collected.
SETUPS: dict[str, _Setup] = {}


def background_fixture(seconds: int):
    """Make ``function(directory) -> value`` a session fixture of its module, of the same name,
    that runs in the background with the session builds (in an empty ``directory`` of its own)
    from the first test on; ``seconds``: its cost on a quiet machine. For a module's expensive
    setup, such as builds that the rest of the suite need not wait for. The function runs in a
    thread: it may call ``pytest.fail``/``pytest.skip`` (raised in every test that uses it),
    not other fixtures."""

    def register(function: Callable[[Path], object]):
        SETUPS[function.__name__] = _Setup(function, seconds)

        @pytest.fixture(scope="session", name=function.__name__)
        def fixture(session_builds: _SessionBuilds):
            return session_builds.setup(function.__name__)

        fixture.__doc__ = function.__doc__
        return fixture

    return register


def _background(name: str) -> _Build | _Setup:
    return BUILDS.get(name) or SETUPS[name]


def _start_order() -> list[str]:
    """Longest first, so that the last to start are short and the lanes end together."""
    return sorted([*BUILDS, *SETUPS], key=lambda name: -_background(name).seconds)


def _builds_needed(item: pytest.Item) -> set[str]:
    """Session builds and background setups an item uses: fixtures it requests, or builds a
    parametrised fixture (``params=[...]``, not ``mark.parametrize``) resolves with
    ``request.getfixturevalue``."""
    callspec = getattr(item, "callspec", None)
    direct = {
        name.strip()
        for mark in item.iter_markers("parametrize")
        for name in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])
    }
    values = {
        value
        for key, value in (callspec.params.items() if callspec else ())
        if key not in direct and isinstance(value, str)
    }
    return {name for name in (*item.fixturenames, *values) if name in BUILDS or name in SETUPS}


def _expected_ready(jobs: int) -> dict[str, float]:
    """When each build and setup is expected to finish, started in order on ``jobs`` lanes."""
    lanes, ready = [0.0] * jobs, {}
    for name in _start_order():
        lane = lanes.index(min(lanes))
        lanes[lane] += _background(name).seconds
        ready[name] = lanes[lane]
    return ready


def _build_jobs() -> int:
    return max(1, int(os.environ.get("SMARTCART_TEST_BUILD_JOBS", "3")))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "build: needs a full warehouse build (make test-fast skips)")
    config.addinivalue_line(
        "markers", "slow: beyond the CI budget (the Spark build, month-by-month appends): make test-slow"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that need a session build, and run them after the others, in the order
    their warehouses are expected to be ready (stable: file order within a group)."""
    ready = _expected_ready(_build_jobs())
    for item in items:
        if _builds_needed(item):
            item.add_marker("build")
    items.sort(key=lambda item: max((ready[name] for name in _builds_needed(item)), default=0.0))


class _SessionBuilds:
    """Session builds and background setups in background threads (each build a subprocess),
    started on demand."""

    def __init__(self, base: Path, jobs: int):
        self._base = base
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="build")
        self._futures: dict[str, Future] = {}

    def start(self, names: set[str]) -> None:
        for name in [name for name in _start_order() if name in names - set(self._futures)]:
            work = self._build if name in BUILDS else self._setup
            self._futures[name] = self._pool.submit(work, name)

    def _setup(self, name: str) -> object:
        directory = self._base / name
        directory.mkdir(parents=True)
        return SETUPS[name].run(directory)

    def setup(self, name: str) -> object:
        """The value of background setup ``name`` (its exception, if it raised)."""
        self.start({name})
        return self._futures[name].result()

    def _build(self, name: str) -> tuple[Path, subprocess.CompletedProcess | None]:
        spec = BUILDS[name]
        warehouse = self._base / name / "smartcart.duckdb"
        warehouse.parent.mkdir(parents=True)
        raw = () if spec.raw is None else ("--raw", SHARED_DATA / spec.raw)
        if spec.raw is not None and not (SHARED_DATA / spec.raw).is_file():
            return warehouse, None
        return warehouse, run_build(*raw, *spec.args, "--warehouse", warehouse, unit_tests=spec.unit_tests)

    def warehouse(self, name: str) -> Path:
        """The published warehouse of build ``name``: skip without its export, fail if the
        build failed."""
        self.start({name})
        warehouse, result = self._futures[name].result()
        if result is None:
            shared_file(BUILDS[name].raw)
        elif result.returncode != 0:
            pytest.fail(f"{name} build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return warehouse

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def parsed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The target folder of one ``dbt parse`` of the project (its ``manifest.json``), parsed
    with the profile a build of ``<folder>/smartcart.duckdb`` gives dbt
    (``dbt_profile_environment``), so its partial-parse state serves every such build."""
    directory = tmp_path_factory.mktemp("parsed")
    environment = dbt_profile_environment(build_path_for(directory / "smartcart.duckdb"))
    subprocess.run(
        [
            Path(sys.executable).with_name("dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            REPO_ROOT,
            "--profiles-dir",
            REPO_ROOT,
        ],
        cwd=directory,
        env={**build_env(directory), **environment},
        check=True,
    )
    _PARSE_STATE.append(directory / "target" / "partial_parse.msgpack")
    return directory / "target"


@pytest.fixture(scope="session")
def session_builds(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Starts, at the first test, every session build a selected test needs (after the
    session's ``dbt parse``, whose state they start from)."""
    builds = _SessionBuilds(tmp_path_factory.mktemp("warehouses"), _build_jobs())
    needed = set().union(*map(_builds_needed, request.session.items))
    if needed:
        request.getfixturevalue("parsed_project")
    builds.start(needed)
    yield builds
    builds.close()


@pytest.fixture(scope="session", autouse=True)
def _start_session_builds(session_builds: _SessionBuilds) -> None:
    """Autouse, so the background builds start before the first test, not the first user."""


@pytest.fixture(scope="session")
def sample_warehouse(session_builds: _SessionBuilds) -> Path:
    """The bundled sample (the one session build that also generates the docs catalog)."""
    return session_builds.warehouse("sample_warehouse")


@pytest.fixture(scope="session")
def spark_sample(session_builds: _SessionBuilds) -> Path:
    """The bundled sample built on Apache Spark (``--target spark``): its Spark folder."""
    return session_builds.warehouse("spark_sample").parent / "spark"


@pytest.fixture(scope="session")
def online_retail(session_builds: _SessionBuilds) -> Path:
    """The real UCI Online Retail file of ../shared/data."""
    return session_builds.warehouse("online_retail")


@pytest.fixture(scope="session")
def online_retail_as_of(session_builds: _SessionBuilds) -> Path:
    """The real UCI Online Retail file rebuilt as of ``ONLINE_RETAIL_AS_OF`` (2011-05-31, three months before its end)."""
    return session_builds.warehouse("online_retail_as_of")


@pytest.fixture(scope="session")
def mall(session_builds: _SessionBuilds) -> Path:
    """The real mall point-of-sale sample of ../shared/data (every customer buys once)."""
    return session_builds.warehouse("mall")
