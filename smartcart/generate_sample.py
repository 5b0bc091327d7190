"""Generate SmartCart's deterministic sample of raw invoice lines (the raw contract).

    smartcart-generate-sample                               # the bundled sample
    smartcart-generate-sample --customers 100000 --output big.csv.gz

What is modelled, so that later models have real structure to learn:

* Catalogue: eight categories, a few hundred products with a list price (retail price
  points such as 29.99), a unit cost (margin band per category) and one price rise of
  0-8 % on a random day.
* Stores: six physical stores in five regions (channel ``store``, open 09:00-21:00, closed
  on 25 December and 1 January) and one online shop (any hour, evening peak).
* Calendar: yearly seasonality peaking in Q4, a January sale, Black Friday weekend and
  Cyber Monday, the run-up to Christmas, a Saturday peak in stores (flatter online) and a
  mild upward trend.
* Customers: signed up before the window or acquired during it (their first purchase is on
  the signup day), with gamma-distributed purchase rates, their own basket size, home
  store, online share, category affinity (shifted by gender and age) and age-dependent
  payment habits. About 45 % are at risk of churn: their rate halves for 60 days, then
  they stop for good. About 1 % are wholesalers buying 20-200 units a line. Guest
  checkouts (no customer) are ~15 % of store invoices and ~5 % online.
* Promotions: several windows a year put selected categories 10-30 % off; baskets then
  carry more lines of those categories (lift 1 + 3 x discount, so 1.3x-1.9x).
* Online orders under 50.00 (and all foreign ones) carry a ``POST`` postage line.
* Cancellations (``C`` + invoice id, ~1 % of invoices, same day, all lines negated),
  returns (``R`` invoices 1-45 days after the purchase, negative quantities, rate by
  category and channel) and a handful of bad-debt adjustments (``A`` invoices, product
  ``B``, quantity 1, negative price).
* Dirty rows, ~0.03 % of lines per kind: unparseable or missing dates, dates in 2099,
  unparseable quantities and prices, missing product or invoice ids, zero quantities,
  zero or negative prices on sales, and exact duplicate lines.

Amounts: a line's net amount is ``quantity * unit_price - discount_amount``; the discount
has the sign of the quantity (negative on returned and cancelled discounted lines).

``--daily-from 2025-12-01`` writes the same export as a retailer sends it day by day: the
days before to ``--output`` (the history), that day and each later one to a file of its own
(``--daily-dir``, default ``daily/`` beside the output), for ``make daily``; see ``DailyFiles``.

The window is simulated and written month by month, so memory grows with the customers,
not with the lines. The same arguments give byte-identical output: one numpy generator
seeded with ``--seed`` and a gzip header without name or time. A ``.csv`` output path
writes plain CSV.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from smartcart.load_raw import CONTRACT_COLUMNS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "data" / "sample" / "invoice_lines.csv.gz"
DEFAULT_SEED = 20240101
DEFAULT_CUSTOMERS = 2500
PROGRESS_FROM_CUSTOMERS = 20000

# The raw contract's columns (load_raw.CONTRACT_COLUMNS), in its order, but line_amount: the
# sample gives unit prices, not line totals.
COLUMNS = tuple(column for column in CONTRACT_COLUMNS if column != "line_amount")

DAY = 86400
YEAR_DAYS = 365.25

# ---------------------------------------------------------------------------------------
# Catalogue


@dataclass(frozen=True)
class CategorySpec:
    """One category: how its products are named and priced, bought and returned."""

    name: str
    n_products: int
    styles: tuple[str, ...]
    items: dict[str, float]  # item -> typical list price
    variants: tuple[str, ...]
    margin: tuple[float, float]  # gross margin band of its products
    extra_units: float  # mean units per line beyond the first
    return_rate: float  # share of store lines returned (online: x ONLINE_RETURN_FACTOR)
    share: float  # share of lines in the average basket


CATEGORIES = (
    CategorySpec(
        "Apparel",
        60,
        ("Linen", "Cotton", "Wool", "Denim", "Slim", "Classic", "Relaxed", "Organic"),
        {
            "Shirt": 28,
            "T-Shirt": 12,
            "Jeans": 45,
            "Chinos": 38,
            "Dress": 48,
            "Skirt": 30,
            "Jumper": 36,
            "Hoodie": 32,
            "Jacket": 70,
            "Coat": 95,
        },
        ("Blue", "Black", "White", "Grey", "Navy", "Red", "Green", "Beige"),
        (0.45, 0.60),
        0.25,
        0.09,
        0.22,
    ),
    CategorySpec(
        "Footwear",
        35,
        ("Leather", "Canvas", "Suede", "Trail", "Classic", "Lightweight"),
        {"Trainers": 65, "Boots": 85, "Sandals": 30, "Loafers": 60, "Slippers": 18, "Running Shoes": 80},
        ("Black", "Brown", "White", "Tan", "Navy", "Grey"),
        (0.40, 0.55),
        0.03,
        0.08,
        0.08,
    ),
    CategorySpec(
        "Home",
        55,
        ("Ceramic", "Oak", "Cotton", "Glass", "Nordic", "Vintage", "Bamboo"),
        {
            "Mug": 7,
            "Vase": 22,
            "Cushion": 16,
            "Throw": 30,
            "Lamp": 40,
            "Candle": 9,
            "Towel": 12,
            "Frame": 14,
            "Bowl": 10,
            "Duvet Cover": 45,
        },
        ("White", "Grey", "Sage", "Charcoal", "Natural", "Blush"),
        (0.35, 0.50),
        0.30,
        0.04,
        0.15,
    ),
    CategorySpec(
        "Beauty",
        45,
        ("Hydrating", "Gentle", "Vitamin C", "Charcoal", "Rose", "Argan", "Daily"),
        {
            "Face Cream": 14,
            "Cleanser": 9,
            "Serum": 22,
            "Shampoo": 6,
            "Conditioner": 6,
            "Body Lotion": 8,
            "Lip Balm": 4,
            "Hand Cream": 5,
        },
        ("50ml", "100ml", "200ml", "Travel Size", "Refill"),
        (0.50, 0.65),
        0.40,
        0.02,
        0.12,
    ),
    CategorySpec(
        "Electronics",
        35,
        ("Wireless", "Smart", "Portable", "Compact", "Pro", "Mini"),
        {
            "Headphones": 60,
            "Speaker": 45,
            "Charger": 18,
            "Power Bank": 25,
            "Smartwatch": 150,
            "Keyboard": 40,
            "Mouse": 20,
            "Tablet": 250,
        },
        ("Black", "White", "Silver", "Blue"),
        (0.20, 0.30),
        0.03,
        0.05,
        0.10,
    ),
    CategorySpec(
        "Grocery",
        60,
        ("Organic", "Fairtrade", "Italian", "Sea Salt", "Dark", "Wholegrain", "Classic"),
        {
            "Coffee Beans": 7,
            "Tea": 3.5,
            "Olive Oil": 6,
            "Pasta": 1.8,
            "Chocolate": 2.5,
            "Granola": 3.5,
            "Honey": 5,
            "Crisps": 1.6,
            "Biscuits": 2.2,
        },
        ("Small", "Medium", "Large", "Multipack"),
        (0.20, 0.30),
        1.50,
        0.005,
        0.18,
    ),
    CategorySpec(
        "Toys",
        40,
        ("Wooden", "Classic", "Deluxe", "Junior", "Magnetic", "Plush"),
        {
            "Puzzle": 14,
            "Building Set": 35,
            "Board Game": 25,
            "Teddy Bear": 18,
            "Train Set": 45,
            "Doll": 22,
            "Kite": 15,
        },
        ("Red", "Blue", "Rainbow", "Green", "Yellow"),
        (0.35, 0.50),
        0.30,
        0.03,
        0.07,
    ),
    CategorySpec(
        "Sports",
        40,
        ("Pro", "Lightweight", "Training", "Outdoor", "Performance", "Essential"),
        {
            "Yoga Mat": 25,
            "Dumbbells": 30,
            "Water Bottle": 12,
            "Tennis Racket": 60,
            "Football": 18,
            "Running Jacket": 55,
            "Gym Bag": 28,
        },
        ("Black", "Blue", "Red", "Grey", "Green"),
        (0.30, 0.45),
        0.20,
        0.05,
        0.08,
    ),
)
CATEGORY_INDEX = {spec.name: k for k, spec in enumerate(CATEGORIES)}
CATEGORY_SHARES = np.array([spec.share for spec in CATEGORIES])
WHOLESALE_CATEGORIES = ("Grocery", "Home", "Beauty")
MAX_PRICE_RISE = 0.08

# Non-merchandise lines: product index -1 is postage, -2 a bad-debt adjustment.
POSTAGE, BAD_DEBT = -1, -2
CHARGE_PRODUCTS = {BAD_DEBT: ("B", "Adjust bad debt"), POSTAGE: ("POST", "POSTAGE")}
DOMESTIC_POSTAGE_CENTS, FOREIGN_POSTAGE_CENTS = 395, 995
FREE_DELIVERY_FROM_CENTS = 5000


@dataclass(frozen=True)
class Catalog:
    """Products in category order, with the price and cost in cents before and after the
    product's one price rise on ``rise_day``."""

    product_ids: np.ndarray
    names: np.ndarray
    category: np.ndarray
    price: np.ndarray
    price_after: np.ndarray
    cost: np.ndarray
    cost_after: np.ndarray
    rise_day: np.ndarray
    category_start: np.ndarray  # first product index of each category
    popularity_cdf: np.ndarray  # per product: category index + cumulative share in category

    def sample(self, category: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A product of each given category, drawn by popularity with uniforms ``u``."""
        product = np.searchsorted(self.popularity_cdf, category + u, side="right")
        last = np.append(self.category_start[1:], len(self.price)) - 1
        return np.minimum(product, last[category])

    def price_on(self, product: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit price and unit cost (cents) of each product on each day."""
        risen = day >= self.rise_day[product]
        price = np.where(risen, self.price_after[product], self.price[product])
        cost = np.where(risen, self.cost_after[product], self.cost[product])
        return price, cost


def price_point(amount: np.ndarray) -> np.ndarray:
    """Retail price points in cents: x.99 from 5.00 up, x.49 or x.99 below."""
    cents = np.where(amount >= 5, np.floor(amount) * 100 + 99, np.ceil(amount * 2) * 50 - 1)
    return np.maximum(cents, 49).astype(np.int64)


def product_names(rng: np.random.Generator, spec: CategorySpec) -> tuple[list[str], np.ndarray]:
    """``n_products`` distinct "Style Item Variant" names and their typical prices."""
    items = list(spec.items)
    n_items, n_variants = len(items), len(spec.variants)
    combos = rng.choice(len(spec.styles) * n_items * n_variants, spec.n_products, replace=False)
    style, rest = np.divmod(combos, n_items * n_variants)
    item, variant = np.divmod(rest, n_variants)
    names = [f"{spec.styles[s]} {items[i]} {spec.variants[v]}" for s, i, v in zip(style, item, variant)]
    typical = np.array([spec.items[items[i]] for i in item], dtype=float)
    return names, typical


def build_catalog(rng: np.random.Generator, n_days: int) -> Catalog:
    names, category, typical, margin, popularity = [], [], [], [], []
    for k, spec in enumerate(CATEGORIES):
        spec_names, spec_typical = product_names(rng, spec)
        names += spec_names
        category.append(np.full(spec.n_products, k))
        typical.append(spec_typical)
        margin.append(rng.uniform(*spec.margin, spec.n_products))
        weights = rng.lognormal(0.0, 1.0, spec.n_products)
        shares = np.cumsum(weights) / weights.sum()
        shares[-1] = 1.0
        popularity.append(k + shares)
    n = len(names)
    list_price = np.concatenate(typical) * rng.lognormal(0.0, 0.25, n)
    price = price_point(list_price)
    cost = np.round(price * (1 - np.concatenate(margin))).astype(np.int64)
    rise = 1 + rng.uniform(0, MAX_PRICE_RISE, n)
    price_after = np.maximum(price, price_point(price / 100 * rise))
    sizes = [spec.n_products for spec in CATEGORIES]
    return Catalog(
        product_ids=np.array([f"P{i + 1:04d}" for i in range(n)]),
        names=np.array(names),
        category=np.concatenate(category),
        price=price,
        price_after=price_after,
        cost=cost,
        cost_after=np.round(cost * price_after / price).astype(np.int64),
        rise_day=rng.integers(0, n_days, n),
        category_start=np.concatenate([[0], np.cumsum(sizes)[:-1]]),
        popularity_cdf=np.concatenate(popularity),
    )


# ---------------------------------------------------------------------------------------
# Stores, countries, payment

# store_id, store_name, region, share of customers living near it
PHYSICAL_STORES = (
    ("S01", "SmartCart Manchester", "North", 0.22),
    ("S02", "SmartCart Leeds", "North", 0.15),
    ("S03", "SmartCart Birmingham", "Midlands", 0.20),
    ("S04", "SmartCart Bristol", "West", 0.16),
    ("S05", "SmartCart Brighton", "South", 0.14),
    ("S06", "SmartCart Cambridge", "East", 0.13),
)
N_PHYSICAL = len(PHYSICAL_STORES)
ONLINE = N_PHYSICAL  # store index of the online shop
STORE_IDS = np.array([s[0] for s in PHYSICAL_STORES] + ["ONLINE"])
STORE_NAMES = np.array([s[1] for s in PHYSICAL_STORES] + ["Online shop"])
STORE_REGIONS = np.array([s[2] for s in PHYSICAL_STORES] + ["National"])
STORE_CHANNELS = np.array(["store"] * N_PHYSICAL + ["online"])
STORE_SHARES = np.array([s[3] for s in PHYSICAL_STORES])
HOME_STORE_LOYALTY = 0.85  # share of a customer's store visits at the home store

COUNTRIES = np.array(["United Kingdom", "Ireland", "France", "Germany", "Netherlands", "Spain"])
FOREIGN_SHARE = 0.03  # of customers and of online guest orders; they buy online only

PAYMENT_METHODS = ("cash", "credit_card", "debit_card", "mobile_wallet", "gift_card")
CASH, CREDIT, DEBIT, GIFT = 0, 1, 2, 4
AGE_BAND_LIMITS = (30, 50, 65)  # bands: <30, 30-49, 50-64, 65+
PAYMENT_BY_AGE_BAND = np.array(
    [
        [0.07, 0.20, 0.30, 0.40, 0.03],
        [0.10, 0.35, 0.30, 0.22, 0.03],
        [0.22, 0.32, 0.35, 0.08, 0.03],
        [0.35, 0.22, 0.37, 0.03, 0.03],
    ]
)
GUEST_PAYMENT = np.array([0.22, 0.27, 0.32, 0.16, 0.03])
PAYMENT_LOYALTY = 0.6  # chance a customer pays with their usual method
JANUARY_GIFT_CARD_BOOST = 3.0  # gift cards received at Christmas are spent in January

# ---------------------------------------------------------------------------------------
# Calendar

STORE_WEEKDAY = np.array([0.85, 0.80, 0.85, 0.95, 1.15, 1.60, 0.70])  # Monday first
ONLINE_WEEKDAY = np.array([1.05, 1.00, 0.98, 0.97, 0.92, 0.95, 1.13])
STORE_HOURS = np.arange(9, 21)
STORE_HOUR_WEIGHTS = np.array([4, 6, 8, 10, 9, 8, 8, 9, 10, 9, 6, 3], dtype=float)
ONLINE_HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 6, 6, 6, 6, 7, 8, 10, 11, 10, 7, 4], dtype=float
)
SEASON_AMPLITUDE, SEASON_PEAK_DAY = 0.20, 325  # day of year of the smooth peak (late Nov)
TREND_PER_YEAR = 0.05


@dataclass(frozen=True)
class Promo:
    name: str
    first: tuple[int, int]  # (month, day)
    last: tuple[int, int]
    categories: tuple[str, ...]
    discount: float


PROMOS = (
    Promo("January sale", (1, 2), (1, 14), ("Apparel", "Footwear", "Home"), 0.25),
    Promo("Spring beauty", (3, 7), (3, 20), ("Beauty",), 0.15),
    Promo("Summer sport", (6, 13), (6, 26), ("Sports", "Apparel"), 0.20),
    Promo("Back to school", (8, 22), (9, 4), ("Electronics", "Toys"), 0.10),
    Promo("Autumn home", (10, 3), (10, 12), ("Home",), 0.20),
)
BLACK_FRIDAY_CATEGORIES, BLACK_FRIDAY_DISCOUNT = ("Electronics", "Toys", "Beauty"), 0.30
PROMO_LIFT_PER_DISCOUNT = 3.0  # 10 % off -> 1.3x the lines of the category


@dataclass(frozen=True)
class Calendar:
    """Per-day demand multipliers and promotions over the simulated window."""

    start: np.datetime64
    n_days: int
    month: np.ndarray
    store_open: np.ndarray
    store_demand: np.ndarray
    online_demand: np.ndarray
    promo_discount: np.ndarray  # (day, category) share off

    def months(self) -> Iterator[tuple[int, int]]:
        """(first day, day after the last) of each calendar month in the window."""
        bounds = np.flatnonzero(np.diff(self.month)) + 1
        edges = np.concatenate([[0], bounds, [self.n_days]])
        return zip(edges[:-1].tolist(), edges[1:].tolist())


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    return dt.date(year, 11, first_thursday + 22)


def holiday_multipliers(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Store and online demand multipliers for sales events and closing days."""
    store, online = np.ones(len(dates)), np.ones(len(dates))

    def apply(first: dt.date, last: dt.date, store_factor: float, online_factor: float) -> None:
        mask = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
        store[mask] *= store_factor
        online[mask] *= online_factor

    years = np.unique(dates.astype("datetime64[Y]").astype(int) + 1970)
    for year in years.tolist():
        one_day = dt.timedelta(days=1)
        new_year, friday = dt.date(year, 1, 1), black_friday(year)
        apply(new_year, new_year, 0.0, 0.6)
        apply(dt.date(year, 1, 2), dt.date(year, 1, 14), 1.3, 1.3)
        apply(friday, friday, 2.5, 2.5)
        apply(friday + one_day, friday + 2 * one_day, 1.5, 1.4)
        apply(friday + 3 * one_day, friday + 3 * one_day, 1.1, 2.2)
        for day in range(1, 24):  # Christmas shopping: stores build up, online ships earlier
            online_ramp = 1.15 + 0.6 * (day - 1) / 17 if day <= 18 else 1.0
            date = dt.date(year, 12, day)
            apply(date, date, 1.15 + 0.75 * (day - 1) / 22, online_ramp)
        apply(dt.date(year, 12, 24), dt.date(year, 12, 24), 1.4, 0.7)
        apply(dt.date(year, 12, 25), dt.date(year, 12, 25), 0.0, 0.5)
        apply(dt.date(year, 12, 26), dt.date(year, 12, 26), 1.6, 1.5)
    return store, online


def promo_discounts(dates: np.ndarray) -> np.ndarray:
    """Share off per (day, category) from the yearly promotion calendar."""
    discount = np.zeros((len(dates), len(CATEGORIES)))

    def apply(first: dt.date, last: dt.date, categories: tuple[str, ...], share: float) -> None:
        mask = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
        for name in categories:
            discount[mask, CATEGORY_INDEX[name]] = share

    years = np.unique(dates.astype("datetime64[Y]").astype(int) + 1970)
    for year in years.tolist():
        for promo in PROMOS:
            apply(dt.date(year, *promo.first), dt.date(year, *promo.last), promo.categories, promo.discount)
        friday = black_friday(year)
        apply(friday, friday + dt.timedelta(days=3), BLACK_FRIDAY_CATEGORIES, BLACK_FRIDAY_DISCOUNT)
    return discount


def build_calendar(first: dt.date, last: dt.date) -> Calendar:
    start = np.datetime64(first, "D")
    dates = np.arange(start, np.datetime64(last, "D") + 1)
    n_days = len(dates)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    season = 1 + SEASON_AMPLITUDE * np.cos(2 * np.pi * (day_of_year - SEASON_PEAK_DAY) / YEAR_DAYS)
    trend = 1 + TREND_PER_YEAR * np.arange(n_days) / YEAR_DAYS
    store_events, online_events = holiday_multipliers(dates)
    return Calendar(
        start=start,
        n_days=n_days,
        month=dates.astype("datetime64[M]").astype(np.int64),
        store_open=store_events > 0,
        store_demand=season * trend * STORE_WEEKDAY[weekday] * store_events,
        online_demand=season * trend * ONLINE_WEEKDAY[weekday] * online_events,
        promo_discount=promo_discounts(dates),
    )


# ---------------------------------------------------------------------------------------
# Customers

PURCHASE_RATE = 0.04  # mean invoices a day of an active customer, before seasonality
RATE_SHAPE = 0.9  # gamma shape: most customers buy rarely, a few very often
NEW_CUSTOMER_SHARE = 0.4  # acquired during the window; the rest signed up earlier
ACQUISITION_GROWTH = 0.3  # sign-ups grow 30 % over the window, on top of the season
PRIOR_SIGNUP_YEARS = 5
CHURN_RISK_SHARE, CHURN_MEAN_DAYS, CHURN_WARNING_DAYS = 0.45, 300, 60
WHOLESALER_SHARE, WHOLESALER_RATE_FACTOR = 0.01, 0.5
WHOLESALE_LINES, WHOLESALE_UNITS = (2, 6), (20, 200)
GUEST_BASKET = 2.2
GUEST_STORE_RATIO = 0.15 / 0.85  # guest store invoices per known-customer store invoice
GUEST_ONLINE_RATIO = 0.05 / 0.95
NEVER = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Customers:
    """Customer attributes; arrays carry one extra last row describing a guest, so that
    index -1 (a guest line) looks up guest defaults."""

    ids: np.ndarray
    signup_day: np.ndarray  # days from the window start (negative: before it)
    signup_text: np.ndarray
    birth_day: np.ndarray
    gender: np.ndarray  # "F", "M" or ""
    country: np.ndarray
    rate: np.ndarray
    online_share: np.ndarray
    home_store: np.ndarray
    basket: np.ndarray
    affinity: np.ndarray  # (customer, category), rows sum to 1
    usual_payment: np.ndarray
    wholesaler: np.ndarray
    churn_day: np.ndarray

    @property
    def count(self) -> int:
        return len(self.ids) - 1

    def age_on(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.floor((day - self.birth_day[customer]) / YEAR_DAYS).astype(np.int64)


def sample_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of a (n, k) matrix of non-negative weights."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities)) * cumulative[:, -1]
    choice = (cumulative <= u[:, None]).sum(axis=1)
    return np.minimum(choice, probabilities.shape[1] - 1)


def age_band(age: np.ndarray) -> np.ndarray:
    return np.searchsorted(AGE_BAND_LIMITS, age, side="right")


def signup_days(rng: np.random.Generator, cal: Calendar, new: np.ndarray) -> np.ndarray:
    """New customers join on open days, more in busy and later periods; the others
    signed up in the years before the window."""
    t = np.arange(cal.n_days) / cal.n_days
    weights = (cal.store_demand + cal.online_demand) * (1 + ACQUISITION_GROWTH * t)
    weights *= cal.store_open
    joined = rng.choice(cal.n_days, len(new), p=weights / weights.sum())
    earlier = -rng.integers(1, int(PRIOR_SIGNUP_YEARS * YEAR_DAYS), len(new))
    return np.where(new, joined, earlier)


def category_affinity(
    rng: np.random.Generator, n: int, gender: np.ndarray, age: np.ndarray, wholesaler: np.ndarray
) -> np.ndarray:
    affinity = rng.dirichlet(CATEGORY_SHARES * 6, n)
    affinity[:, CATEGORY_INDEX["Beauty"]] *= np.where(gender == "F", 1.6, 1.0)
    for name in ("Electronics", "Sports"):
        affinity[:, CATEGORY_INDEX[name]] *= np.where(gender == "M", 1.4, 1.0)
    affinity[:, CATEGORY_INDEX["Toys"]] *= np.where((age >= 28) & (age < 46), 1.6, 1.0)
    trade = np.zeros(len(CATEGORIES))
    trade[[CATEGORY_INDEX[name] for name in WHOLESALE_CATEGORIES]] = 1
    affinity[wholesaler] = rng.dirichlet(trade * 2 + 1e-3, wholesaler.sum())
    return affinity / affinity.sum(axis=1, keepdims=True)


def churn_days(rng: np.random.Generator, signup_day: np.ndarray) -> np.ndarray:
    at_risk = rng.random(len(signup_day)) < CHURN_RISK_SHARE
    lifetime = 30 + rng.exponential(CHURN_MEAN_DAYS, len(signup_day))
    return np.where(at_risk, np.maximum(signup_day, 0) + lifetime.astype(np.int64), NEVER)


def build_customers(rng: np.random.Generator, n: int, cal: Calendar) -> Customers:
    new = rng.random(n) < NEW_CUSTOMER_SHARE
    signup = signup_days(rng, cal, new)
    signup_age = np.clip(rng.normal(40, 14, n), 18, 82)
    birth = signup - np.floor(signup_age * YEAR_DAYS).astype(np.int64)
    gender = np.array(["F", "M", ""])[rng.choice(3, n, p=[0.52, 0.45, 0.03])]
    foreign = rng.random(n) < FOREIGN_SHARE
    country = np.where(foreign, rng.integers(1, len(COUNTRIES), n), 0)
    wholesaler = rng.random(n) < WHOLESALER_SHARE
    rate = rng.gamma(RATE_SHAPE, PURCHASE_RATE / RATE_SHAPE, n)
    rate *= np.where(wholesaler, WHOLESALER_RATE_FACTOR, 1.0)
    online_logit = -1.2 + 0.035 * (40 - signup_age) + rng.normal(0, 1.3, n)
    online_share = np.where(foreign, 1.0, 1 / (1 + np.exp(-online_logit)))
    basket = np.where(wholesaler, rng.uniform(*WHOLESALE_LINES, n), 1.3 + rng.lognormal(np.log(1.4), 0.45, n))
    usual_payment = sample_rows(rng, PAYMENT_BY_AGE_BAND[age_band(signup_age)])
    affinity = category_affinity(rng, n, gender, signup_age, wholesaler)
    signup_text = np.datetime_as_string(cal.start + signup.astype("timedelta64[D]"), unit="D")
    return Customers(
        ids=np.append(np.char.add("CU", np.char.zfill(np.arange(1, n + 1).astype(str), 5)), ""),
        signup_day=np.append(signup, 0),
        signup_text=np.append(signup_text, ""),
        birth_day=np.append(birth, 0),
        gender=np.append(gender, ""),
        country=np.append(country, 0),
        rate=np.append(rate, 0.0),
        online_share=np.append(online_share, 0.0),
        home_store=np.append(rng.choice(N_PHYSICAL, n, p=STORE_SHARES), 0),
        basket=np.append(basket, GUEST_BASKET),
        affinity=np.vstack([affinity, CATEGORY_SHARES]),
        usual_payment=np.append(usual_payment, -1),
        wholesaler=np.append(wholesaler, False),
        churn_day=np.append(churn_days(rng, signup), NEVER),
    )


# ---------------------------------------------------------------------------------------
# Lines: a month of lines is a dict of equally long arrays (one entry per field)

SALE, CANCELLATION, RETURN, ADJUSTMENT = 0, 1, 2, 3
INVOICE_PREFIX = np.array(["", "C", "R", "A"], dtype=object)
FIRST_NUMBER = {SALE: 100001, RETURN: 200001, ADJUSTMENT: 900001}
FIELDS = (
    "kind",
    "number",
    "ts",
    "customer",
    "product",
    "quantity",
    "price",
    "discount",
    "cost",
    "store",
    "payment",
    "country",
    "line_no",
)
Lines = dict[str, np.ndarray]

CANCELLATION_RATE = 0.01
ONLINE_RETURN_FACTOR = 1.6
RETURN_DELAY_P, MAX_RETURN_DELAY = 0.12, 45  # geometric delay in days, mean ~8
ADJUSTMENTS_BASE, CUSTOMERS_PER_EXTRA_ADJUSTMENT = 5, 1000


def concat(parts: list[Lines]) -> Lines:
    return {field: np.concatenate([part[field] for part in parts]) for field in FIELDS}


def take(lines: Lines, index: np.ndarray) -> Lines:
    return {field: values[index] for field, values in lines.items()}


def time_of_day(rng: np.random.Generator, online: np.ndarray) -> np.ndarray:
    """Seconds after midnight: store opening hours or the online hour profile."""
    n = len(online)
    store_hour = rng.choice(STORE_HOURS, n, p=STORE_HOUR_WEIGHTS / STORE_HOUR_WEIGHTS.sum())
    online_hour = rng.choice(24, n, p=ONLINE_HOUR_WEIGHTS / ONLINE_HOUR_WEIGHTS.sum())
    return np.where(online, online_hour, store_hour) * 3600 + rng.integers(0, 3600, n)


def round_cents(amount: np.ndarray) -> np.ndarray:
    """Half away from zero, as round(x, 2) on a currency amount is meant."""
    return (np.sign(amount) * np.floor(np.abs(amount) + 0.5)).astype(np.int64)


@dataclass(frozen=True)
class Invoices:
    """Invoice headers of one month's sales, in chronological order."""

    customer: np.ndarray  # -1 = guest
    day: np.ndarray
    store: np.ndarray
    ts: np.ndarray
    number: np.ndarray
    payment: np.ndarray
    country: np.ndarray


def customer_visits(
    rng: np.random.Generator, cust: Customers, cal: Calendar, first: int, stop: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Known-customer invoices of the month as (customer, day, online) plus the expected
    store visits per (store, day), from which guest traffic is scaled."""
    days = np.arange(first, stop)
    n = cust.count
    signup, churn = cust.signup_day[:n, None], cust.churn_day[:n, None]
    active = (days >= np.maximum(signup + 1, 0)) & (days < churn)
    warning = np.where(days >= churn - CHURN_WARNING_DAYS, 0.5, 1.0)
    base = cust.rate[:n, None] * active * warning
    online_share = cust.online_share[:n, None]
    lam_store = base * (1 - online_share) * cal.store_demand[days]
    lam_online = base * online_share * cal.online_demand[days]
    counts = np.stack([rng.poisson(lam_store), rng.poisson(lam_online)])  # (channel, c, d)
    joining = np.flatnonzero((signup[:, 0] >= first) & (signup[:, 0] < stop))
    channel = (rng.random(len(joining)) < cust.online_share[joining]).astype(np.int64)
    counts[channel, joining, signup[joining, 0] - first] += 1  # first purchase at signup
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    online, customer, day = np.unravel_index(flat, counts.shape)
    expected_store = np.stack([lam_store[cust.home_store[:n] == s].sum(axis=0) for s in range(N_PHYSICAL)])
    expected_online = lam_online.sum(axis=0)
    return customer, day + first, online.astype(bool), np.vstack([expected_store, expected_online])


def guest_visits(rng: np.random.Generator, expected: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Guest invoices as (store, day) in proportion to known customers' traffic."""
    ratio = np.append(np.full(N_PHYSICAL, GUEST_STORE_RATIO), GUEST_ONLINE_RATIO)
    counts = rng.poisson(expected * ratio[:, None])
    store, day = np.unravel_index(np.repeat(np.arange(counts.size), counts.ravel()), counts.shape)
    return store, day + first


def payment_methods(
    rng: np.random.Generator,
    cust: Customers,
    customer: np.ndarray,
    day: np.ndarray,
    online: np.ndarray,
    january: bool,
) -> np.ndarray:
    """Usual method or an age-typical one; gift cards peak in January; no cash online."""
    guest = customer < 0
    weights = np.where(
        guest[:, None], GUEST_PAYMENT, PAYMENT_BY_AGE_BAND[age_band(cust.age_on(customer, day))]
    )
    if january:
        weights[:, GIFT] *= JANUARY_GIFT_CARD_BOOST
    method = sample_rows(rng, weights)
    usual = ~guest & (rng.random(len(customer)) < PAYMENT_LOYALTY)
    method = np.where(usual, cust.usual_payment[customer], method)
    card = np.where(rng.random(len(customer)) < 0.5, CREDIT, DEBIT)
    return np.where(online & (method == CASH), card, method)


def month_invoices(
    rng: np.random.Generator,
    cust: Customers,
    cal: Calendar,
    first: int,
    stop: int,
    next_number: int,
) -> Invoices:
    customer, day, online, expected = customer_visits(rng, cust, cal, first, stop)
    guest_store, guest_day = guest_visits(rng, expected, first)
    other_store = rng.integers(0, N_PHYSICAL, len(customer))
    at_home = rng.random(len(customer)) < HOME_STORE_LOYALTY
    store = np.where(online, ONLINE, np.where(at_home, cust.home_store[customer], other_store))
    customer = np.concatenate([customer, np.full(len(guest_day), -1)])
    day = np.concatenate([day, guest_day])
    store = np.concatenate([store, guest_store])
    online = store == ONLINE
    ts = day * DAY + time_of_day(rng, online)
    order = np.argsort(ts, kind="stable")
    customer, day, store, ts, online = (a[order] for a in (customer, day, store, ts, online))
    foreign_guest = online & (rng.random(len(day)) < FOREIGN_SHARE)
    guest_country = np.where(foreign_guest, rng.integers(1, len(COUNTRIES), len(day)), 0)
    january = bool(cal.month[first] % 12 == 0)
    return Invoices(
        customer=customer,
        day=day,
        store=store,
        ts=ts,
        number=next_number + np.arange(len(day)),
        payment=payment_methods(rng, cust, customer, day, online, january),
        country=np.where(customer >= 0, cust.country[customer], guest_country),
    )


def promo_multipliers(cal: Calendar, day: np.ndarray) -> np.ndarray:
    return 1 + PROMO_LIFT_PER_DISCOUNT * cal.promo_discount[day]


def merchandise_lines(
    rng: np.random.Generator, inv: Invoices, cust: Customers, cal: Calendar, catalog: Catalog
) -> Lines:
    """Product lines: basket size and category mix follow the customer and the promos
    (promoted categories gain lines, the others keep theirs); one line per product."""
    weights = cust.affinity[inv.customer] * promo_multipliers(cal, inv.day)
    mean_lines = cust.basket[inv.customer] * weights.sum(axis=1)
    n_lines = 1 + rng.poisson(mean_lines - 1)
    invoice = np.repeat(np.arange(len(n_lines)), n_lines)
    category = sample_rows(rng, weights[invoice])
    product = catalog.sample(category, rng.random(len(invoice)))
    _, first_of_product = np.unique(invoice * len(catalog.price) + product, return_index=True)
    keep = np.sort(first_of_product)
    invoice, category, product = invoice[keep], category[keep], product[keep]
    day = inv.day[invoice]
    wholesale = cust.wholesaler[inv.customer[invoice]]
    low, high = np.log(WHOLESALE_UNITS[0]), np.log(WHOLESALE_UNITS[1])
    wholesale_units = np.round(np.exp(rng.uniform(low, high, len(invoice))))
    retail_units = 1 + rng.poisson(np.array([s.extra_units for s in CATEGORIES])[category])
    quantity = np.where(wholesale, wholesale_units, retail_units).astype(np.int64)
    price, cost = catalog.price_on(product, day)
    discount = round_cents(quantity * price * cal.promo_discount[day, category])
    line_no = np.arange(len(invoice)) - np.searchsorted(invoice, invoice)
    return invoice_lines(inv, invoice, SALE, product, quantity, price, discount, cost, line_no)


def invoice_lines(
    inv: Invoices,
    invoice: np.ndarray,
    kind: int,
    product: np.ndarray,
    quantity: np.ndarray,
    price: np.ndarray,
    discount: np.ndarray,
    cost: np.ndarray,
    line_no: np.ndarray,
) -> Lines:
    """Lines carrying their invoice's header fields."""
    return {
        "kind": np.full(len(invoice), kind),
        "number": inv.number[invoice],
        "ts": inv.ts[invoice],
        "customer": inv.customer[invoice],
        "product": product,
        "quantity": quantity,
        "price": price,
        "discount": discount,
        "cost": cost,
        "store": inv.store[invoice],
        "payment": inv.payment[invoice],
        "country": inv.country[invoice],
        "line_no": line_no,
    }


def invoice_index(inv: Invoices, lines: Lines) -> np.ndarray:
    return np.searchsorted(inv.number, lines["number"])


def postage_lines(inv: Invoices, goods: Lines) -> Lines:
    """A delivery fee on online orders below the free-delivery threshold or abroad."""
    net = np.bincount(
        invoice_index(inv, goods),
        goods["quantity"] * goods["price"] - goods["discount"],
        minlength=len(inv.day),
    )
    domestic = inv.country == 0
    charged = (inv.store == ONLINE) & (~domestic | (net < FREE_DELIVERY_FROM_CENTS))
    invoice = np.flatnonzero(charged)
    fee = np.where(domestic[invoice], DOMESTIC_POSTAGE_CENTS, FOREIGN_POSTAGE_CENTS)
    ones = np.ones(len(invoice), dtype=np.int64)
    return invoice_lines(inv, invoice, SALE, POSTAGE * ones, ones, fee, 0 * ones, 0 * ones, 999 * ones)


def cancel_some(rng: np.random.Generator, inv: Invoices, sales: Lines) -> tuple[Lines, np.ndarray]:
    """``C`` copies of ~1 % of invoices, later the same day (before closing in stores),
    every line negated; also returns the cancelled invoice flags."""
    cancelled = rng.random(len(inv.day)) < CANCELLATION_RATE
    lines = take(sales, np.flatnonzero(cancelled[invoice_index(inv, sales)]))
    closing = np.where(lines["store"] == ONLINE, DAY - 1, 21 * 3600 - 1)
    delay = rng.integers(60, 7200, len(cancelled))[invoice_index(inv, lines)]
    day_start = lines["ts"] // DAY * DAY
    lines["ts"] = np.minimum(lines["ts"] + delay, day_start + closing)
    lines["kind"] = np.full(len(lines["ts"]), CANCELLATION)
    lines["quantity"] = -lines["quantity"]
    lines["discount"] = -lines["discount"]
    return lines, cancelled


def return_some(
    rng: np.random.Generator,
    inv: Invoices,
    goods: Lines,
    cancelled: np.ndarray,
    cal: Calendar,
    catalog: Catalog,
) -> Lines:
    """``R`` invoices of known customers, 1-45 days after the purchase at the same store
    (next day if closed): all or part of the units of some lines, at the price paid.
    ``number`` holds the original invoice number until the return invoice is numbered."""
    invoice = invoice_index(inv, goods)
    rate = np.array([s.return_rate for s in CATEGORIES])[catalog.category[goods["product"]]]
    rate *= np.where(goods["store"] == ONLINE, ONLINE_RETURN_FACTOR, 1.0)
    eligible = (goods["customer"] >= 0) & ~cancelled[invoice]
    lines = take(goods, np.flatnonzero(eligible & (rng.random(len(rate)) < rate)))
    invoice = invoice_index(inv, lines)
    delay = np.minimum(rng.geometric(RETURN_DELAY_P, len(inv.day)), MAX_RETURN_DELAY)
    return_day = inv.day + delay
    closed = np.append(~cal.store_open, False)[np.minimum(return_day, cal.n_days)]
    return_day += closed & (inv.store != ONLINE)
    return_ts = return_day * DAY + time_of_day(rng, inv.store == ONLINE)
    bought = lines["quantity"]
    returned = np.where(bought <= 2, bought, rng.integers(1, bought + 1))
    share_off = lines["discount"] / (bought * lines["price"])
    lines["kind"] = np.full(len(bought), RETURN)
    lines["ts"] = return_ts[invoice]
    lines["quantity"] = -returned
    lines["discount"] = -round_cents(returned * lines["price"] * share_off)
    return take(lines, np.flatnonzero(return_day[invoice] < cal.n_days))


def adjustments(rng: np.random.Generator, cust: Customers, cal: Calendar) -> Lines:
    """A handful of bad-debt write-offs (``A`` invoices), mostly on trade customers.
    ``number`` is a provisional key until the invoices are numbered."""
    n = ADJUSTMENTS_BASE + cust.count // CUSTOMERS_PER_EXTRA_ADJUSTMENT
    pool = np.flatnonzero(cust.wholesaler[:-1])
    if len(pool) == 0:
        pool = np.arange(cust.count)
    customer = rng.choice(pool, n)
    first_day = np.clip(cust.signup_day[customer] + 30, 0, cal.n_days - 1)
    day = rng.integers(first_day, cal.n_days)
    day += ~cal.store_open[day] & (day + 1 < cal.n_days)
    ones = np.ones(n, dtype=np.int64)
    return {
        "kind": np.full(n, ADJUSTMENT),
        "number": np.arange(n),
        "ts": day * DAY + rng.integers(10 * 3600, 17 * 3600, n),
        "customer": customer,
        "product": BAD_DEBT * ones,
        "quantity": ones,
        "price": -np.round(rng.lognormal(np.log(40000), 0.8, n)).astype(np.int64),
        "discount": 0 * ones,
        "cost": 0 * ones,
        "store": np.where(cust.country[customer] > 0, ONLINE, cust.home_store[customer]),
        "payment": -ones,
        "country": cust.country[customer],
        "line_no": 0 * ones,
    }


def number_invoices(lines: Lines, kind: int, next_number: int) -> int:
    """Replace the provisional keys of ``kind`` lines by invoice numbers in date order."""
    rows = np.flatnonzero(lines["kind"] == kind)
    keys, group = np.unique(lines["number"][rows], return_inverse=True)
    group_ts = np.zeros(len(keys), dtype=np.int64)
    group_ts[group] = lines["ts"][rows]
    rank = np.empty(len(keys), dtype=np.int64)
    rank[np.lexsort((keys, group_ts))] = np.arange(len(keys))
    lines["number"][rows] = next_number + rank[group]
    return next_number + len(keys)


# ---------------------------------------------------------------------------------------
# Text: every column becomes an object array of str. Entities and distinct values are
# formatted once and looked up, so text costs little per line.


@dataclass(frozen=True)
class DirtyKind:
    """A kind of bad row: values written over a clean sale line (cycled), or, with no
    edits, the line repeated byte for byte."""

    name: str
    edits: dict[str, tuple[str, ...]]


DIRTY_KINDS = (
    DirtyKind("unparseable_date", {"invoice_date": ("2024-13-45 10:00:00", "not a date")}),
    DirtyKind("missing_date", {"invoice_date": ("",)}),
    DirtyKind("future_date", {"invoice_date": ("2099-01-01 10:00:00",)}),
    DirtyKind("unparseable_quantity", {"quantity": ("abc", "1,5")}),
    DirtyKind("unparseable_price", {"unit_price": ("12..5", "N/A")}),
    DirtyKind("missing_product", {"product_id": ("",)}),
    DirtyKind("missing_invoice_id", {"invoice_id": ("",)}),
    DirtyKind("zero_quantity", {"quantity": ("0",), "discount_amount": ("0.00",)}),
    DirtyKind("nonpositive_price", {"unit_price": ("0.00", "-3.50"), "discount_amount": ("0.00",)}),
    DirtyKind("duplicate_line", {}),
)
DIRTY_RATE = 0.0003  # per kind, of all lines


def csv_field(value: str) -> str:
    """RFC 4180: quote a field holding a comma, quote or line break."""
    if any(char in value for char in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def text_table(values: Iterable) -> np.ndarray:
    """CSV-ready text of each value, as an object array (cheap to index and join)."""
    return np.array([csv_field(str(value)) for value in values], dtype=object)


def money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def distinct_text(values: np.ndarray, formatter: Callable[[int], str] = str) -> np.ndarray:
    """Text of each element, formatting each distinct value once."""
    distinct, index = np.unique(values, return_inverse=True)
    return text_table(map(formatter, distinct.tolist()))[index]


@dataclass(frozen=True)
class TextTables:
    """Text of everything a line refers to by index. As in ``Customers``, index -1 of the
    customer tables is a guest; indexes -2 and -1 of the product tables are the bad-debt
    and postage charges."""

    day: np.ndarray  # "YYYY-MM-DD " per day of the window
    clock: np.ndarray  # "HH:MM:SS" per second of the day
    customer_id: np.ndarray
    gender: np.ndarray
    signup: np.ndarray
    product_id: np.ndarray
    product_name: np.ndarray
    category: np.ndarray
    store_id: np.ndarray
    store_name: np.ndarray
    region: np.ndarray
    channel: np.ndarray
    payment: np.ndarray
    country: np.ndarray


def text_tables(cal: Calendar, cust: Customers, catalog: Catalog) -> TextTables:
    days = np.datetime_as_string(cal.start + np.arange(cal.n_days), unit="D")
    charges = [CHARGE_PRODUCTS[code] for code in sorted(CHARGE_PRODUCTS)]
    category_names = [CATEGORIES[k].name for k in catalog.category]
    return TextTables(
        day=text_table(f"{day} " for day in days),
        clock=text_table(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)),
        customer_id=text_table(cust.ids),
        gender=text_table(cust.gender),
        signup=text_table(cust.signup_text),
        product_id=text_table([*catalog.product_ids, *(code for code, _ in charges)]),
        product_name=text_table([*catalog.names, *(name for _, name in charges)]),
        category=text_table([*category_names, *([""] * len(charges))]),
        store_id=text_table(STORE_IDS),
        store_name=text_table(STORE_NAMES),
        region=text_table(STORE_REGIONS),
        channel=text_table(STORE_CHANNELS),
        payment=text_table([*PAYMENT_METHODS, ""]),
        country=text_table(COUNTRIES),
    )


def format_columns(lines: Lines, tables: TextTables, cust: Customers) -> dict[str, np.ndarray]:
    """Every contract column of ``lines`` as an object array of text."""
    product, customer, store = lines["product"], lines["customer"], lines["store"]
    day = lines["ts"] // DAY
    age = distinct_text(cust.age_on(customer, day))
    age[customer < 0] = ""
    cost = distinct_text(lines["cost"], money_text)
    cost[product < 0] = ""
    return {
        "invoice_id": INVOICE_PREFIX[lines["kind"]] + distinct_text(lines["number"]),
        "invoice_date": tables.day[day] + tables.clock[lines["ts"] % DAY],
        "customer_id": tables.customer_id[customer],
        "product_id": tables.product_id[product],
        "product_name": tables.product_name[product],
        "category": tables.category[product],
        "quantity": distinct_text(lines["quantity"]),
        "unit_price": distinct_text(lines["price"], money_text),
        "discount_amount": distinct_text(lines["discount"], money_text),
        "unit_cost": cost,
        "store_id": tables.store_id[store],
        "store_name": tables.store_name[store],
        "region": tables.region[store],
        "channel": tables.channel[store],
        "payment_method": tables.payment[lines["payment"]],
        "country": tables.country[lines["country"]],
        "customer_gender": tables.gender[customer],
        "customer_age": age,
        "customer_signup_date": tables.signup[customer],
    }


def spoil(rng: np.random.Generator, columns: dict[str, np.ndarray], lines: Lines) -> np.ndarray:
    """Write the dirty values over randomly chosen clean sale lines; return the rows to
    repeat as exact duplicates."""
    clean = np.flatnonzero((lines["kind"] == SALE) & (lines["product"] >= 0))
    counts = rng.binomial(len(lines["ts"]), DIRTY_RATE, len(DIRTY_KINDS))
    counts = np.minimum(counts, len(clean) // len(DIRTY_KINDS))
    chosen = rng.choice(clean, counts.sum(), replace=False)
    duplicates = np.zeros(0, dtype=np.int64)
    for kind, rows in zip(DIRTY_KINDS, np.split(chosen, np.cumsum(counts)[:-1])):
        if not kind.edits:
            duplicates = rows
        for column, values in kind.edits.items():
            columns[column][rows] = np.resize(text_table(values), len(rows))
    return duplicates


def render(
    rng: np.random.Generator, lines: Lines, tables: TextTables, cust: Customers
) -> tuple[list[str], np.ndarray]:
    """CSV rows of ``lines`` (dirty rows included, a row spoilt in its date still on the day
    it was invoiced) and the day of each."""
    columns = format_columns(lines, tables, cust)
    duplicates = spoil(rng, columns, lines)
    order = np.sort(np.concatenate([np.arange(len(lines["ts"])), duplicates]))
    fields = [columns[name][order].tolist() for name in COLUMNS]
    return list(map(",".join, zip(*fields))), lines["ts"][order] // DAY


def csv_bytes(rows: list[str]) -> bytes:
    return "".join(row + "\n" for row in rows).encode("ascii")


# ---------------------------------------------------------------------------------------
# Driver


@contextlib.contextmanager
def open_output(path: Path) -> Iterator[BinaryIO]:
    """Plain file, or for ``.gz`` a gzip stream with no name or time in its header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        if path.suffix != ".gz":
            yield raw
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            yield gz


def simulate_month(
    rng: np.random.Generator,
    cust: Customers,
    cal: Calendar,
    catalog: Catalog,
    first: int,
    stop: int,
    numbers: dict[int, int],
) -> tuple[Lines, Lines]:
    """The month's sales and cancellations, and the returns they cause (any later date)."""
    inv = month_invoices(rng, cust, cal, first, stop, numbers[SALE])
    numbers[SALE] += len(inv.day)
    goods = merchandise_lines(rng, inv, cust, cal, catalog)
    sales = concat([goods, postage_lines(inv, goods)])
    cancellations, cancelled = cancel_some(rng, inv, sales)
    returns = return_some(rng, inv, goods, cancelled, cal, catalog)
    return concat([sales, cancellations]), returns


@dataclass(frozen=True)
class DailyFiles:
    """The export as a retailer sends it day by day: the lines invoiced before ``first`` go
    to the history file (``--output``); those of ``first`` and every later day of the window
    each to a file of their own in ``folder``, named ``invoice_lines_YYYY-MM-DD`` (name order
    is date order, as ``make daily`` loads an inbox) with the suffix of the history file. A
    day without lines gets no file (``make daily`` refuses an export without lines, as the
    loader does). The files are cut from the one
    simulated export, so the invoice numbers run on across them and none repeats, and the
    history followed by the days' lines is the whole export's bytes."""

    first: dt.date
    folder: Path

    def path(self, day: dt.date, output: Path) -> Path:
        suffix = ".csv.gz" if output.suffix == ".gz" else ".csv"
        return self.folder / f"invoice_lines_{day.isoformat()}{suffix}"


def generate(
    output: Path, n_customers: int, seed: int, first: dt.date, last: dt.date, daily: DailyFiles | None = None
) -> int:
    """Write the sample to ``output`` (with ``daily``: its history there and its later days
    to daily files); return the number of data rows written."""
    rng = np.random.default_rng(seed)
    cal = build_calendar(first, last)
    catalog = build_catalog(rng, cal.n_days)
    cust = build_customers(rng, n_customers, cal)
    pending = adjustments(rng, cust, cal)  # returns and adjustments not yet due
    tables = text_tables(cal, cust, catalog)
    numbers = dict(FIRST_NUMBER)
    verbose = n_customers >= PROGRESS_FROM_CUSTOMERS
    header = (",".join(COLUMNS) + "\n").encode("ascii")
    daily_from = (daily.first - first).days if daily else cal.n_days  # first day of a daily file
    written = 0
    with open_output(output) as out:
        out.write(header)
        for month_first, month_stop in cal.months():
            sales, returns = simulate_month(rng, cust, cal, catalog, month_first, month_stop, numbers)
            pending = concat([pending, returns])
            due = pending["ts"] < month_stop * DAY
            lines = concat([sales, take(pending, np.flatnonzero(due))])
            pending = take(pending, np.flatnonzero(~due))
            for kind in (RETURN, ADJUSTMENT):
                numbers[kind] = number_invoices(lines, kind, numbers[kind])
            order = np.lexsort((lines["line_no"], lines["number"], lines["kind"], lines["ts"]))
            rows, days = render(rng, take(lines, order), tables, cust)
            out.write(csv_bytes(rows[: np.searchsorted(days, daily_from)]))
            for day in range(max(month_first, daily_from), month_stop):
                start, stop = np.searchsorted(days, [day, day + 1])
                if stop > start:
                    with open_output(daily.path(first + dt.timedelta(days=day), output)) as day_file:
                        day_file.write(header + csv_bytes(rows[start:stop]))
            written += len(rows)
            if verbose:
                month = np.datetime_as_string(cal.start + month_first, unit="M")
                print(f"{month}: {written:,} lines", file=sys.stderr, flush=True)
    return written


def window_bound(text: str, end: bool) -> dt.date:
    """A year (``2024``: its first or, for ``end``, last day) or an ISO date."""
    if text.isdigit() and len(text) == 4:
        return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
    return dt.date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="file to write (.csv.gz gzipped, .csv plain)"
    )
    parser.add_argument(
        "--customers", type=int, default=DEFAULT_CUSTOMERS, help="customers in the population"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--start", default="2024", help="first year or date (YYYY[-MM-DD])")
    parser.add_argument("--end", default="2025", help="last year or date (YYYY[-MM-DD])")
    parser.add_argument(
        "--daily-from",
        type=dt.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="write this day and every later one to a daily file of its own (--output gets the days before)",
    )
    parser.add_argument(
        "--daily-dir", type=Path, help="folder of the daily files (default: daily/ beside --output)"
    )
    args = parser.parse_args(argv)
    first, last = window_bound(args.start, end=False), window_bound(args.end, end=True)
    if last < first or args.customers < 1:
        parser.error("need --start <= --end and --customers >= 1")
    daily = None
    if args.daily_from:
        if not first < args.daily_from <= last:
            parser.error(
                f"--daily-from {args.daily_from} is not after --start and within --end ({first} to {last})"
            )
        daily = DailyFiles(args.daily_from, args.daily_dir or args.output.parent / "daily")
    elif args.daily_dir:
        parser.error("--daily-dir needs --daily-from")
    began = time.perf_counter()
    rows = generate(args.output, args.customers, args.seed, first, last, daily)
    seconds = time.perf_counter() - began
    days = f" (from {daily.first} one file a day in {daily.folder})" if daily else ""
    print(f"wrote {rows:,} lines to {args.output}{days} in {seconds:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
