"""Calibration reports: how far the model and the QA evaluators agree, item by item.

Pure functions over ``Rating`` records (one answer of one rater to one scorecard item of one call).
The *panel* answer of a call-item is the majority of its human raters, a tie going to the answer
given first. A rater who answered the same call-item twice counts once, with the later answer (a
correction replaces). Figures that are undefined on the data (κ when only one answer occurs,
α without two distinct values) are ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from itertools import combinations
from statistics import linear_regression
from typing import Any, ClassVar, Literal

from common.errors import InvalidInput

__all__ = [
    "AgreementOptions",
    "EvaluatorBias",
    "ItemAgreement",
    "ItemBias",
    "ItemTrend",
    "PeriodRate",
    "Rating",
    "disagreement_trend",
    "evaluator_bias",
    "human_panel",
    "item_agreement",
    "normalize_answer",
]

BiasLabel = Literal["stricter", "looser", "in line"]
_ALIASES = {"n/a": "na", "n.a.": "na", "not applicable": "na"}
_YES_NO = ("yes", "no")
_NO_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(slots=True)
class Rating:
    """One answer (``yes``/``no``/``na`` or a number as text) of a person or of the model."""

    call_id: str
    item_id: str
    rater: str
    answer: str
    at: datetime | None = None
    is_model: bool = False
    session: str | None = None


@dataclass(slots=True)
class AgreementOptions:
    """``bias_threshold``: |strictness| at which an evaluator is labelled stricter/looser.
    ``min_shared_calls``: call-items two evaluators must share for their own κ to be averaged
    (with no such pair, κ is computed over all pairs pooled). ``trend_min_n``: call-items a period
    needs to count in a trend. ``p_threshold``: significance level of the bias sign test and of the
    trend's last-period test. ``top_items``: per-item differences listed per evaluator."""

    bias_threshold: float = 0.05
    min_shared_calls: int = 5
    trend_min_n: int = 5
    p_threshold: float = 0.1
    top_items: int = 5

    def __post_init__(self) -> None:
        if self.bias_threshold < 0 or not 0 < self.p_threshold <= 1:
            raise InvalidInput("bias_threshold must be ≥ 0 and p_threshold within (0, 1]")
        if min(self.min_shared_calls, self.trend_min_n, self.top_items) < 1:
            raise InvalidInput("min_shared_calls, trend_min_n and top_items must be at least 1")


class _Report:
    """Base of the reports: ``to_dict`` gives JSON-ready values (floats to 4 places, dates in ISO)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, _Report):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return round(value, 4) if isinstance(value, float) else value


@dataclass(slots=True)
class ItemAgreement(_Report):
    """Agreement on one item (``item_id`` None: every item pooled, call-items as units).

    Model↔human over ``n_model`` calls with a model and a panel answer; human↔human over ``n_multi``
    calls with two or more evaluators (``n_pairs`` answer pairs). ``human_kappa_pairs``: evaluator
    pairs averaged into ``human_kappa``; 0 means it is κ over all pairs pooled."""

    item_id: str | None
    n_calls: int
    n_model: int
    model_agreement: float | None
    model_kappa: float | None
    n_multi: int
    n_pairs: int
    human_agreement: float | None
    human_kappa: float | None
    human_kappa_pairs: int
    alpha: float | None
    alpha_level: Literal["nominal", "interval"]


@dataclass(slots=True)
class ItemBias(_Report):
    """An evaluator's strictness on one item; ``n_stricter``/``n_looser`` count call-items where they
    said no against a yes majority of the others, or yes against a no majority."""

    item_id: str
    n: int
    strictness: float
    n_stricter: int
    n_looser: int


@dataclass(slots=True)
class EvaluatorBias(_Report):
    """One rater against the others: ``agreement`` with the others' majority (over ``n_compared``
    call-items that someone else answered too), ``strictness`` = own share of "no" among yes/no
    answers minus the share of "no" in the others' majority answer on the same call-items (the
    others' yes/no answers; a tie goes to the earliest), and a ``label`` that needs both
    |strictness| ≥ the threshold and a sign test (stricter vs looser call-items) with
    p < ``p_threshold``. ``label`` is None with nothing to compare."""

    rater: str
    is_model: bool
    n_answers: int
    n_compared: int
    agreement: float | None
    strictness: float | None
    n_stricter: int
    n_looser: int
    p_value: float | None
    label: BiasLabel | None
    items: list[ItemBias] = field(default_factory=list)


@dataclass(slots=True)
class PeriodRate(_Report):
    """Model↔panel disagreement in the week or month starting ``start``."""

    start: date
    n: int
    disagreements: int
    rate: float


@dataclass(slots=True)
class ItemTrend(_Report):
    """An item's disagreement over time. ``slope``: least-squares change of the rate per period over
    the periods with enough call-items; ``last_rate`` (the latest such period) against
    ``earlier_rate`` (the mean rate of the ones before); ``p_value``: one-sided Fisher exact test
    that the last period disagrees more than the earlier ones pooled."""

    item_id: str
    periods: list[PeriodRate]
    slope: float | None
    last_rate: float | None
    earlier_rate: float | None
    p_value: float | None
    rising: bool


def normalize_answer(answer: str) -> str:
    """Lower-case, trimmed, ``n/a`` → ``na``; numbers in one spelling (``4.0`` → ``4``)."""
    text = " ".join(str(answer).split()).lower()
    text = _ALIASES.get(text, text)
    number = _number(text)
    if number is None:
        return text
    return str(int(number)) if number.is_integer() else repr(number)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(slots=True)
class _Entry:
    answer: str
    order: tuple[datetime, int]  # (time, input position): later corrections win, ties go to the earliest
    is_model: bool


_Cells = dict[tuple[str, str], dict[str, _Entry]]


def _collect(ratings: Iterable[Rating]) -> _Cells:
    cells: _Cells = defaultdict(dict)
    for i, r in enumerate(ratings):
        answer = normalize_answer(r.answer)
        if not (r.call_id and r.item_id and r.rater and answer):
            raise InvalidInput(
                f"rating #{i} ({r.call_id!r}, {r.item_id!r}, {r.rater!r}) lacks a call, "
                "item, rater or answer; fill them in or leave the rating out"
            )
        at = _NO_TIME if r.at is None else r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
        entry = _Entry(answer, (at.astimezone(UTC), i), r.is_model)
        old = cells[(r.call_id, r.item_id)].get(r.rater)
        if old is None or old.order <= entry.order:
            cells[(r.call_id, r.item_id)][r.rater] = entry
    return cells


def _majority(entries: Sequence[_Entry]) -> str | None:
    counts = Counter(e.answer for e in entries)
    if not counts:
        return None
    top = max(counts.values())
    return min((e for e in entries if counts[e.answer] == top), key=lambda e: e.order).answer


def _model_answer(cell: Mapping[str, _Entry]) -> str | None:
    models = [e for e in cell.values() if e.is_model]
    return max(models, key=lambda e: e.order).answer if models else None


def _humans(cell: Mapping[str, _Entry]) -> list[_Entry]:
    return [e for e in cell.values() if not e.is_model]


def human_panel(ratings: Iterable[Rating]) -> dict[tuple[str, str], str]:
    """The human panel's answer per (call, item): the majority of the people (a person's latest answer
    counts; ties go to the earliest answer). Model ratings are ignored."""
    out: dict[tuple[str, str], str] = {}
    for key, cell in _collect(ratings).items():
        answer = _majority(_humans(cell))
        if answer is not None:
            out[key] = answer
    return out


def _share_equal(a: Sequence[str], b: Sequence[str]) -> float | None:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None


def _kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    if not a or len(set(a) | set(b)) < 2:  # one answer only: p_e = 1, κ is 0/0
        return None
    from sklearn.metrics import cohen_kappa_score

    value = float(cohen_kappa_score(a, b))
    return value if math.isfinite(value) else None


def _alpha(units: Sequence[Mapping[str, str]], level: Literal["nominal", "interval"]) -> float | None:
    values = sorted({v for unit in units for v in unit.values()})
    if len(values) < 2:
        return None
    import krippendorff
    import numpy as np

    code = {v: float(v) if level == "interval" else float(i) for i, v in enumerate(values)}
    coders = sorted({c for unit in units for c in unit})
    data = np.full((len(coders), len(units)), np.nan)
    for j, unit in enumerate(units):
        for i, coder in enumerate(coders):
            if coder in unit:
                data[i, j] = code[unit[coder]]
    value = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    return value if math.isfinite(value) else None


def _agreement_row(item_id: str | None, cells: _Cells, opts: AgreementOptions) -> ItemAgreement:
    model: list[str] = []
    panel: list[str] = []
    pairs: dict[tuple[str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    pooled: tuple[list[str], list[str]] = ([], [])
    units: list[dict[str, str]] = []
    for cell in cells.values():
        m, p = _model_answer(cell), _majority(_humans(cell))
        if m is not None and p is not None:
            model.append(m)
            panel.append(p)
        humans = sorted((r, e.answer) for r, e in cell.items() if not e.is_model)
        if len(humans) < 2:
            continue
        units.append(dict(humans))
        for (ra, a), (rb, b) in combinations(humans, 2):
            pairs[(ra, rb)][0].append(a)
            pairs[(ra, rb)][1].append(b)
            pooled[0].extend((a, b))  # both orders: pooled κ must not depend on who is "first"
            pooled[1].extend((b, a))
    shared = [_kappa(xs, ys) for xs, ys in pairs.values() if len(xs) >= opts.min_shared_calls]
    kappas = [k for k in shared if k is not None]
    n_pairs = len(pooled[0]) // 2
    numeric = bool(units) and all(_number(v) is not None for u in units for v in u.values())
    level: Literal["nominal", "interval"] = "interval" if numeric else "nominal"
    return ItemAgreement(
        item_id=item_id,
        n_calls=len({call for call, _ in cells}),
        n_model=len(model),
        model_agreement=_share_equal(model, panel),
        model_kappa=_kappa(model, panel),
        n_multi=len(units),
        n_pairs=n_pairs,
        human_agreement=_share_equal(*pooled),
        human_kappa=sum(kappas) / len(kappas) if kappas else _kappa(*pooled),
        human_kappa_pairs=len(kappas),
        alpha=_alpha(units, level),
        alpha_level=level,
    )


def item_agreement(
    ratings: Iterable[Rating], items: Sequence[str] | None = None, *, options: AgreementOptions | None = None
) -> list[ItemAgreement]:
    """One row per item (``items``' order, else sorted by id; an item without ratings gets an empty
    row), then the pooled row (``item_id`` None) over those items."""
    opts = options or AgreementOptions()
    cells = _collect(ratings)
    wanted = list(items) if items is not None else sorted({item for _, item in cells})
    rows = [_agreement_row(i, {k: c for k, c in cells.items() if k[1] == i}, opts) for i in wanted]
    keep = set(wanted)
    rows.append(_agreement_row(None, {k: c for k, c in cells.items() if k[1] in keep}, opts))
    return rows


@dataclass(slots=True)
class _Tally:
    n: int = 0
    weight: float = 0.0
    own_no: float = 0.0
    others_no: float = 0.0
    stricter: int = 0
    looser: int = 0

    def add(self, weight: float, own_no: bool, others_no: bool) -> None:
        self.n += 1
        self.weight += weight
        self.own_no += weight * own_no
        self.others_no += weight * others_no
        self.stricter += own_no and not others_no
        self.looser += others_no and not own_no

    @property
    def strictness(self) -> float | None:
        return (self.own_no - self.others_no) / self.weight if self.weight > 0 else None


def evaluator_bias(
    ratings: Iterable[Rating],
    points: Mapping[str, float] | None = None,
    *,
    options: AgreementOptions | None = None,
) -> list[EvaluatorBias]:
    """Each human evaluator (sorted by name), then each model rater, against the *other* humans.

    ``points``: item weights (the scorecard's points) so that strictness on items worth more counts
    more (an item worth 0 is left out of strictness and the sign test); an item missing from it
    weighs 1, and with ``points`` None every item weighs 1."""
    opts = options or AgreementOptions()
    if points is not None and any(w < 0 for w in points.values()):
        raise InvalidInput("item points must not be negative")
    cells = _collect(ratings)
    raters = {r: e.is_model for cell in cells.values() for r, e in cell.items()}
    out: list[EvaluatorBias] = []
    for rater in sorted(raters, key=lambda r: (raters[r], r)):
        n = compared = agreed = 0
        total, by_item = _Tally(), defaultdict[str, _Tally](_Tally)
        for (_, item), cell in cells.items():
            if (mine := cell.get(rater)) is None:
                continue
            n += 1
            others = [e for r, e in cell.items() if r != rater and not e.is_model]
            if not others:
                continue
            compared += 1
            agreed += mine.answer == _majority(others)
            # against the others' majority, not their mean: one deviant colleague in the panel
            # must not make everyone else look looser
            their = _majority([e for e in others if e.answer in _YES_NO])
            weight = 1.0 if points is None else float(points.get(item, 1.0))
            if mine.answer in _YES_NO and their is not None and weight > 0:  # 0 points: not scored
                args = (weight, mine.answer == "no", their == "no")
                total.add(*args)
                by_item[item].add(*args)
        strictness, p_value = total.strictness, _sign_test(total.stricter, total.looser)
        label: BiasLabel | None = None
        if strictness is not None:
            significant = p_value is not None and p_value < opts.p_threshold
            label = "in line"
            if significant and abs(strictness) >= opts.bias_threshold:
                label = "stricter" if strictness > 0 else "looser"
        differing = [
            ItemBias(i, t.n, s, t.stricter, t.looser)
            for i, t in by_item.items()
            if (s := t.strictness) is not None and s != 0
        ]
        differing.sort(key=lambda b: (-abs(b.strictness), -b.n, b.item_id))
        agreement = agreed / compared if compared else None
        rest = (total.stricter, total.looser, p_value, label, differing[: opts.top_items])
        out.append(EvaluatorBias(rater, raters[rater], n, compared, agreement, strictness, *rest))
    return out


def _sign_test(stricter: int, looser: int) -> float | None:
    if stricter + looser == 0:
        return None
    from scipy.stats import binomtest

    return float(binomtest(stricter, stricter + looser, 0.5).pvalue)


def _period_start(at: datetime, period: str) -> date:
    day = at.date()
    return date.fromordinal(day.toordinal() - day.weekday()) if period == "week" else day.replace(day=1)


def _period_index(start: date, first: date, period: str) -> int:
    if period == "week":
        return (start - first).days // 7
    return (start.year - first.year) * 12 + start.month - first.month


def disagreement_trend(
    ratings: Iterable[Rating],
    *,
    period: Literal["week", "month"] = "week",
    min_n: int | None = None,
    options: AgreementOptions | None = None,
) -> list[ItemTrend]:
    """Per item, model↔panel disagreement per ``period`` ("week" from Monday, or "month"), rising
    items first, then by slope. Ratings without ``at`` are left out; a call-item falls in the period
    of its earliest rating (the model's, usually: closest to when the call took place).
    ``rising``: slope > 0 and the last period above the earlier ones with p < ``p_threshold``,
    counting only periods with at least ``min_n`` call-items (default ``options.trend_min_n``)."""
    opts = options or AgreementOptions()
    if period not in ("week", "month"):
        raise InvalidInput(f"unknown period {period!r}: use 'week' or 'month'")
    need = opts.trend_min_n if min_n is None else min_n
    if need < 1:
        raise InvalidInput(f"min_n must be at least 1, got {need}")
    counts: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (_, item), cell in _collect(r for r in ratings if r.at is not None).items():
        m, p = _model_answer(cell), _majority(_humans(cell))
        if m is None or p is None:
            continue
        tally = counts[item][_period_start(min(e.order[0] for e in cell.values()), period)]
        tally[0] += 1
        tally[1] += m != p
    trends: list[ItemTrend] = []
    for item, by_period in counts.items():
        periods = [PeriodRate(start, n, d, d / n) for start, (n, d) in sorted(by_period.items())]
        usable = [p for p in periods if p.n >= need]
        slope = last_rate = earlier_rate = p_value = None
        if len(usable) >= 2:
            xs = [float(_period_index(p.start, usable[0].start, period)) for p in usable]
            slope = linear_regression(xs, [p.rate for p in usable]).slope
            last, earlier = usable[-1], usable[:-1]
            last_rate, earlier_rate = last.rate, sum(p.rate for p in earlier) / len(earlier)
            e_n, e_d = sum(p.n for p in earlier), sum(p.disagreements for p in earlier)
            from scipy.stats import fisher_exact

            table = [[last.disagreements, last.n - last.disagreements], [e_d, e_n - e_d]]
            p_value = float(fisher_exact(table, alternative="greater").pvalue)
        rising = slope is not None and slope > 0 and p_value is not None and p_value < opts.p_threshold
        trends.append(ItemTrend(item, periods, slope, last_rate, earlier_rate, p_value, rising))
    trends.sort(key=lambda t: (not t.rising, -(t.slope if t.slope is not None else -math.inf), t.item_id))
    return trends
