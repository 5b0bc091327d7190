"""Build the SmartCart warehouse on Apache Spark: dbt-spark in session mode (README, "Running on
Apache Spark").

One process, one Spark session, started with the ``spark`` target's ``server_side_parameters``
of profiles.yml (dbt-spark's session mode then reuses it):

1. load: the export is counted by ``load_raw``'s strict reader (the same records, reasons and
   ``raw.load_manifest`` as on DuckDB), read back with Spark's CSV reader, every column as
   text, into ``raw.invoice_lines``;
2. ``dbt seed``, then ``dbt run`` in waves (``waves``): the SQL models the next Python models
   need, then those Python models, which dbt-spark runs only on Databricks: each model file's
   own ``model(dbt, session)`` is called here with every ``dbt.ref`` pulled to the driver as
   pandas (at most ``SPARK_ML_MAX_ROWS`` rows each) and its result written as the model's table;
   the last wave is the SQL rest;
3. ``dbt test``: every data test and unit test, on the finished tables;
4. the build's row in ``build_history`` (``record_build``), as a passing DuckDB build adds it.

The warehouse is the Spark folder (``spark/`` beside ``--warehouse``: ``warehouse/spark``): its Derby
metastore and the tables' Parquet files. A build replaces the folder's tables in place; a
failing node stops the build with one line.

    smartcart-build --target spark [--raw FILE] [--warehouse PATH] [--as-of D]
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import time
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from smartcart.load_raw import (
    CONTRACT_COLUMNS,
    FORMATS,
    HISTORY_TABLES,
    LOAD_COLUMNS,
    RECORD_COLUMNS,
    Dialect,
    FileCount,
    LoadError,
    check_raw_path,
    file_sha256,
    normalise_text,
    quote_literal,
    select_list,
    text_suffix,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The most rows one dbt.ref of a Python model may pull to the driver on Spark (the ML runs on
# pandas there): above it the build stops in one line. SMARTCART_SPARK_ML_MAX_ROWS overrides it.
SPARK_ML_MAX_ROWS = 2_000_000
# Spark's spelling of load_raw's select list: regular expressions as raw literals (r'...',
# Spark's string literals would read the backslashes), Java's $n back-references.
SPARK = Dialect(
    quote_identifier=lambda name: "`" + name.replace("`", "``") + "`",
    text_type="string",
    regex_literal=lambda pattern: "r" + quote_literal(pattern),
    backreference="${}",
    full_match=lambda column, pattern: f"{column} rlike r{quote_literal('^(?:' + pattern + ')$')}",
    excel_day_seconds_to_iso=(
        "date_format(timestamp '1899-12-30 00:00:00' + make_dt_interval(0, 0, 0, {}), 'yyyy-MM-dd HH:mm:ss')"
    ),
)


class SparkBuildError(Exception):
    """The Spark build did not pass; the message is one line."""


def _env_var(name: str, default: str | None = None) -> str:
    if name not in os.environ and default is None:
        raise SparkBuildError(f"profiles.yml needs the environment variable {name}")
    return os.environ.get(name, default)


def session_parameters() -> dict[str, str]:
    """The ``spark`` target's server_side_parameters of profiles.yml, rendered as dbt does
    (``env_var``), so this process's session is the one dbt-spark's session mode gets."""
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["smartcart"]["outputs"]["spark"]["server_side_parameters"]
    environment = jinja2.Environment()
    return {
        key: environment.from_string(str(value)).render(env_var=_env_var) for key, value in parameters.items()
    }


def start_session():
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_parameters().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


# --- Load ---------------------------------------------------------------------------------


def load(spark, spark_dir: Path, raw_path: Path, format_name: str, encoding: str) -> FileCount:
    """Replace ``raw.invoice_lines`` and ``raw.load_manifest`` with ``raw_path`` (a text export):
    counted by load_raw's strict reader, read with Spark's CSV reader, every column as text, as
    load 1 (a Spark build starts afresh), with the raw history tables (``HISTORY_TABLES``) empty,
    as in a first DuckDB build."""
    from pyspark.sql.types import StringType, StructField, StructType

    started = time.monotonic()

    if format_name not in FORMATS:
        raise LoadError(f"unknown format {format_name!r}; use one of {', '.join(sorted(FORMATS))}")
    check_raw_path(raw_path)
    if not text_suffix(raw_path):
        raise LoadError(
            f"the Spark build reads .csv/.tsv exports (gzipped or not); convert {raw_path} or build it on DuckDB"
        )
    normalised = spark_dir / "invoice_lines.records.csv"
    loaded_at = spark.sql("select cast(current_timestamp() as string)").first()[0]
    try:
        count = normalise_text(raw_path, encoding, normalised)
        columns = [*RECORD_COLUMNS, *count.header]
        schema = StructType([StructField(column, StringType()) for column in columns])
        records = spark.read.csv(
            str(normalised),
            schema=schema,
            header=True,
            quote='"',
            escape='"',
            multiLine=True,
            mode="FAILFAST",
        )
        records.createOrReplaceTempView("export_records")
        select = [
            "cast(source_row_number as bigint) as source_row_number",
            "cast(source_line_number as bigint) as source_line_number",
            "nullif(unreadable_reason, '') as unreadable_reason",
            "nullif(unreadable_detail, '') as unreadable_detail",
            f"cast(1 as bigint) as load_id, {quote_literal(raw_path.name)} as source_file",
            f"cast({quote_literal(loaded_at)} as timestamp) as loaded_at",
            *select_list(format_name, count.header, SPARK),
        ]
        spark.sql("create schema if not exists raw")
        for name, columns in HISTORY_TABLES.items():
            spark_columns = columns.replace("timestamp with time zone", "timestamp").replace(
                "varchar", "string"
            )
            spark.sql(f"drop table if exists raw.{name}")
            spark.sql(f"create table raw.{name} ({spark_columns}) using parquet")
        spark.sql("drop table if exists raw.invoice_lines")
        spark.sql(
            "create table raw.invoice_lines using parquet as select\n    "
            + ",\n    ".join(select)
            + "\nfrom export_records"
        )
        rows = spark.table("raw.invoice_lines").count()
    finally:
        normalised.unlink(missing_ok=True)
    if rows != count.records:
        raise LoadError(
            f"cannot load {raw_path}: the file holds {count.records:,} records but {rows:,} were read"
        )
    if rows == 0:
        raise LoadError(f"raw file has a header but no data rows: {raw_path}")
    manifest = pd.DataFrame(
        [
            {
                "load_id": 1,
                "raw_table": "invoice_lines",
                "source_file": str(raw_path),
                "file_name": raw_path.name,
                "file_sha256": file_sha256(raw_path),
                "file_format": format_name,
                "file_encoding": count.encoding,
                "file_delimiter": count.delimiter,
                "file_record_count": count.records,
                "unreadable_record_count": count.unreadable,
                "blank_line_count": count.blank_lines,
                "first_row_number": 1,
                "load_seconds": round(time.monotonic() - started, 3),
            }
        ]
    )
    spark.createDataFrame(manifest).createOrReplaceTempView("load_manifest_rows")
    spark.sql("drop table if exists raw.load_manifest")
    spark.sql(
        "create table raw.load_manifest using parquet as select cast(load_id as bigint) as load_id,"
        " raw_table, source_file, file_name, file_sha256, file_format, file_encoding, file_delimiter,"
        " cast(file_record_count as bigint) as file_record_count,"
        " cast(unreadable_record_count as bigint) as unreadable_record_count,"
        " cast(blank_line_count as bigint) as blank_line_count,"
        " cast(first_row_number as bigint) as first_row_number,"
        f" cast({quote_literal(loaded_at)} as timestamp) as loaded_at, load_seconds"
        " from load_manifest_rows"
    )
    loaded = spark.table("raw.invoice_lines").columns
    assert list(CONTRACT_COLUMNS) == loaded[len(RECORD_COLUMNS) + len(LOAD_COLUMNS) :]
    return count


# --- dbt and the Python models --------------------------------------------------------------


def _dbt(command: list[str], as_of: str | None, manifest=None):
    """Run a dbt command in this process (so dbt-spark uses this process's session); return
    dbt's result, or raise SparkBuildError with the failed nodes."""
    from dbt.cli.main import dbtRunner

    args = [
        *command,
        "--target",
        "spark",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    if as_of:
        args += ["--vars", json.dumps({"as_of_date": as_of})]
    result = dbtRunner(manifest=manifest).invoke(args)
    if result.exception is not None:
        raise SparkBuildError(f"dbt could not run: {str(result.exception).strip().splitlines()[0]}")
    if not result.success:
        failed = [
            item.node.name
            for item in result.result.results
            if item.status in {"fail", "error", "runtime error"}
        ]
        shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
        raise SparkBuildError(f"{len(failed)} of {len(result.result.results)} dbt nodes failed ({shown})")
    return result.result


class _Relation:
    """What a Python model does with ``dbt.ref(...)`` on DuckDB (``.df()``, ``.project()``),
    over a Spark table: pulled to the driver as pandas with DuckDB's dtypes (decimals as floats,
    dates as datetimes), refused above the row limit."""

    def __init__(self, spark, table: str, columns: tuple[str, ...] = ()):
        self._spark, self._table, self._columns = spark, table, columns

    def project(self, *columns: str) -> _Relation:
        return _Relation(self._spark, self._table, columns)

    def df(self) -> pd.DataFrame:
        from pyspark.sql.types import DateType, DecimalType

        frame = self._spark.table(self._table)
        if self._columns:
            frame = frame.select(*self._columns)
        limit = int(os.environ.get("SMARTCART_SPARK_ML_MAX_ROWS", SPARK_ML_MAX_ROWS))
        rows = frame.count()
        if rows > limit:
            raise SparkBuildError(
                f"{self._table} holds {rows:,} rows, more than the {limit:,} the Spark build pulls to "
                "the driver for the ML models; set SMARTCART_SPARK_ML_MAX_ROWS (and "
                "SMARTCART_SPARK_DRIVER_MEMORY) higher, or build on DuckDB"
            )
        frame = frame.select(
            *(
                frame[field.name].cast("double").alias(field.name)
                if isinstance(field.dataType, DecimalType)
                else frame[field.name]
                for field in frame.schema.fields
            )
        )
        dates = [field.name for field in frame.schema.fields if isinstance(field.dataType, DateType)]
        result = frame.toPandas()
        for name in dates:
            result[name] = pd.to_datetime(result[name])
        return result


class _Config:
    def __init__(self, node):
        self._meta = node.config.meta

    def meta_get(self, key: str):
        return self._meta[key]


class _Dbt:
    """The ``dbt`` object a Python model gets, for the calls SmartCart's models make."""

    def __init__(self, spark, manifest, node):
        self._spark, self._manifest, self.config = spark, manifest, _Config(node)
        self._depends_on = node.depends_on.nodes

    def ref(self, name: str) -> _Relation:
        node = next(self._manifest.nodes[uid] for uid in self._depends_on if uid.split(".")[-1] == name)
        return _Relation(self._spark, f"{node.schema}.{node.alias}")


def _ancestors(manifest, uid: str) -> set[str]:
    found, frontier = set(), {uid}
    while frontier:
        frontier = {
            parent
            for node in frontier
            for parent in getattr(manifest.nodes[node].depends_on, "nodes", [])  # seeds depend on none
            if parent in manifest.nodes
        } - found
        found |= frontier
    return found


def waves(manifest) -> list[tuple[list[str], list]]:
    """The build in dependency order: (SQL models, Python models) per wave. A wave's SQL models
    are what its Python models need that no earlier wave built; its Python models are those
    whose every Python ancestor ran in an earlier wave. The last wave is the SQL rest."""
    models = {uid: node for uid, node in manifest.nodes.items() if node.resource_type == "model"}
    python = {uid for uid, node in models.items() if node.language == "python"}
    done: set[str] = set()
    result = []
    while python - done:
        ready = sorted(uid for uid in python - done if not (_ancestors(manifest, uid) & python) - done)
        ready_set = set(ready)
        # Python models of one wave may read each other: run them in dependency order.
        ordered = []
        while len(ordered) < len(ready):
            ordered += [
                uid
                for uid in ready
                if uid not in ordered and not (_ancestors(manifest, uid) & ready_set) - set(ordered)
            ]
        sql = sorted({a for uid in ready for a in _ancestors(manifest, uid) if a in models} - python - done)
        result.append(([models[uid].name for uid in sql], [models[uid] for uid in ordered]))
        done |= set(sql) | ready_set
    result.append(([node.name for uid, node in sorted(models.items()) if uid not in done], []))
    return result


def run_python_model(spark, manifest, node) -> None:
    """A Python model's own ``model(dbt, session)``, its result written as its table."""
    print(f"spark: python model {node.schema}.{node.alias}", flush=True)
    model = runpy.run_path(str(PROJECT_DIR / node.original_file_path))["model"]
    result = model(_Dbt(spark, manifest, node), spark)
    spark.sql(f"create schema if not exists {node.schema}")
    spark.createDataFrame(result).write.mode("overwrite").format("parquet").saveAsTable(
        f"{node.schema}.{node.alias}"
    )


def record_build(spark, manifest, tests, started: float) -> None:
    """Add this build's row to raw.build_history and marts.build_history, as the DuckDB build
    does once its dbt build has passed: the nodes counted from the manifest (what ``dbt build``
    would run), the test results from the passing ``dbt test``."""
    from smartcart.build_warehouse import code_fingerprint, smartcart_version

    kinds = [node.resource_type for node in manifest.nodes.values()]
    statuses = [str(item.status) for item in tests.results]
    counts = [
        kinds.count("model"),
        kinds.count("seed"),
        kinds.count("test"),
        len(manifest.unit_tests),
        statuses.count("pass"),
        statuses.count("warn"),
        statuses.count("fail"),
    ]
    spark.sql(
        "insert into raw.build_history select coalesce(max(build_id), 0) + 1, current_timestamp(),"
        " (select as_of_date from intermediate.int_as_of_date), 'full',"
        f" (select max(load_id) from raw.load_manifest), {quote_literal(smartcart_version())},"
        f" {', '.join(str(count) for count in counts)}, {round(time.monotonic() - started, 1)},"
        f" (select as_of_date from intermediate.int_as_of_date), {quote_literal(code_fingerprint())}"
        " from raw.build_history"
    )
    spark.sql(
        "insert into marts.build_history select * from raw.build_history"
        " where build_id = (select max(build_id) from raw.build_history)"
    )


def build(raw: Path, format_name: str, spark_dir: Path, as_of: str | None, encoding: str = "utf-8") -> int:
    """Load, run the models wave by wave, test, record the build; return the number of records
    of the file."""
    started = time.monotonic()
    spark_dir = spark_dir.resolve()
    if spark_dir.exists() and any(spark_dir.iterdir()) and not (spark_dir / "metastore").is_dir():
        raise SparkBuildError(
            f"{spark_dir} is not empty and holds no Spark metastore; give another SPARK_DIR"
        )
    shutil.rmtree(spark_dir, ignore_errors=True)  # every build starts from an empty metastore
    spark_dir.mkdir(parents=True)
    os.environ["SMARTCART_SPARK_DIR"] = str(spark_dir)
    spark = start_session()
    count = load(spark, spark_dir, raw, format_name, encoding)
    print(
        f"loaded {count.records:,} records from {raw} ({format_name}) into Spark at {spark_dir}", flush=True
    )
    manifest = _dbt(["parse"], as_of)
    _dbt(["seed"], as_of, manifest)
    for sql_models, python_models in waves(manifest):
        if sql_models:
            _dbt(["run", "--select", *sql_models], as_of, manifest)
        for node in python_models:
            run_python_model(spark, manifest, node)
    tests = _dbt(["test"], as_of, manifest)  # every data test and unit test, on the finished tables
    record_build(spark, manifest, tests, started)
    return count.records
