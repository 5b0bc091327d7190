"""The static docs site every build publishes (docs/<warehouse name>.html beside the warehouse),
opened from disk in a real browser (Debian's Chromium): it loads without a console error, has
the landing page, finds a mart by search and opens its columns, draws the lineage graph, and
lists the exposures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from chromium import chromium_page, screenshot

# Enough pixels drawn on the graph canvases to be nodes and edges, not an empty frame.
MIN_GRAPH_PIXELS = 2_000
COUNT_DRAWN_PIXELS = """
canvases => canvases.reduce((total, canvas) => {
    const context = canvas.getContext('2d');
    if (!context || !canvas.width || !canvas.height) return total;
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
    return total + drawn;
}, 0)
"""


@pytest.fixture(scope="module")
def docs_page(sample_warehouse) -> Path:
    page = sample_warehouse.parent / "docs" / f"{sample_warehouse.stem}.html"
    assert page.is_file(), f"the build published no docs page at {page}"
    return page


def _inline_manifest(page: Path) -> dict:
    """The manifest dbt inlined into the static page."""
    text = page.read_text(encoding="utf-8")
    match = re.search(r'"dbt_schema_version":\s*"https://schemas.getdbt.com/dbt/manifest/', text)
    assert match, "no manifest inlined in the docs page"
    start = text.rfind("{", 0, text.rfind('"metadata"', 0, match.start()))
    return json.JSONDecoder().raw_decode(text, start)[0]


def test_docs_page_is_one_file_with_the_exposures(docs_page):
    manifest = _inline_manifest(docs_page)
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    notebooks = sorted(
        path.stem for path in (Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb")
    )
    assert (
        sorted(
            e["url"].split("/")[-1].removesuffix(".ipynb")
            for e in exposures.values()
            if e["type"] == "notebook"
        )
        == notebooks
    )
    assert {e["type"] for e in exposures.values()} >= {"notebook", "dashboard", "application"}
    dashboard = next(e for e in exposures.values() if e["type"] == "dashboard")
    assert {
        "model.smartcart.fct_sales_lines",
        "model.smartcart.fct_orders",
        "model.smartcart.dim_customers",
    } <= set(dashboard["depends_on"]["nodes"])


def test_docs_site_in_a_browser(docs_page):
    with chromium_page(docs_page.as_uri(), width=1400, height=900) as (page, problems):
        page.get_by_text("How to read a forecast").wait_for()
        assert page.get_by_text("Where metrics are defined").count() == 1
        screenshot(page, "docs_overview")

        page.fill("input[placeholder='Search for models...']", "customer_rfm")
        page.locator(".result-body h4", has_text="customer_rfm").filter(has_text="model").first.click()
        page.wait_for_function("location.hash.includes('model.smartcart.customer_rfm')")
        for column in ("recency_days", "rfm_segment", "monetary"):
            page.locator("td", has_text=column).first.wait_for()
        screenshot(page, "docs_customer_rfm_columns")

        page.locator("a[title='View Lineage Graph']").click()
        canvases = page.locator("#cy canvas")
        page.wait_for_function(
            f"() => ({COUNT_DRAWN_PIXELS})([...document.querySelectorAll('#cy canvas')]) > {MIN_GRAPH_PIXELS}"
        )
        assert canvases.evaluate_all(COUNT_DRAWN_PIXELS) > MIN_GRAPH_PIXELS
        screenshot(page, "docs_lineage_customer_rfm")

        page.goto(docs_page.as_uri() + "#!/exposure/exposure.smartcart.customers_notebook")
        page.get_by_text("Customers (notebook and report page)").first.wait_for()
        page.get_by_text("customer_rfm").first.wait_for()
        screenshot(page, "docs_exposure_customers_notebook")
        assert problems == []
