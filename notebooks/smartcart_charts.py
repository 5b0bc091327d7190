"""What every SmartCart notebook shares: the published warehouse opened read-only for jupysql,
static matplotlib charts (Agg backend, PNG), and the one-line takeaway under each chart.

    from smartcart_charts import warehouse_engine, figure, show, unsupported
    engine = warehouse_engine()
    %sql engine

The warehouse is ``$SMARTCART_WAREHOUSE`` (set by ``make report``), else
``warehouse/smartcart.duckdb`` of the checkout.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

# jupysql's telemetry and version check would try the network: off before jupysql is imported.
os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")
# Where Spark's packages are installed (make test, TARGET=spark), jupysql imports pyspark, whose
# import warns on stderr that it does not fully support pandas 3; the notebooks never use Spark.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import sqlalchemy  # noqa: E402
from IPython.display import Image, Markdown, display  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

DEFAULT_WAREHOUSE = Path(__file__).resolve().parent.parent / "warehouse" / "smartcart.duckdb"

plt.rcParams.update(
    {
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
    }
)


def _compact(value: float, _position=None) -> str:
    for threshold, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:,.3g}{suffix}"
    return f"{value:,.0f}"


# Axis formatters: money in the export's currency (SmartCart does not convert), shares in %.
MONEY = FuncFormatter(_compact)
SHARE = PercentFormatter(xmax=1.0, decimals=0)


def warehouse_path() -> Path:
    return Path(os.environ.get("SMARTCART_WAREHOUSE", DEFAULT_WAREHOUSE)).resolve()


def warehouse_engine() -> sqlalchemy.Engine:
    """A SQLAlchemy engine (duckdb-engine) on the published warehouse, read-only."""
    path = warehouse_path()
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `make build` first")
    return sqlalchemy.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})


def figure(title: str, ncols: int = 1, nrows: int = 1, width: float = 9.0, height: float = 3.6):
    """A titled figure and its axes; the caller labels every axis."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False)
    fig.suptitle(title, fontweight="bold")
    flat = axes.ravel()
    return fig, (flat[0] if flat.size == 1 else flat)


def show(fig, takeaway: str) -> None:
    """Render the figure as an embedded PNG, then its takeaway (computed by the caller)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png"))
    display(Markdown(f"**Takeaway:** {takeaway}"))


def unsupported(reason: str) -> None:
    """Say why a chart is not drawn, instead of drawing an empty or misleading one."""
    display(Markdown(f"*Not charted:* {reason}"))


def pct(value: float | None) -> str:
    """A share or growth rate as text, ``n/a`` when unknown."""
    return "n/a" if value is None or value != value else f"{value:+.1%}"
