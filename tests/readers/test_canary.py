"""The canary judge's statistics held against SciPy and against R's definition.

`microsim judge FILE --json` is sim-core's judge (sim-core/src/canary/) on
samples given in a file. For fixed samples of every kind the judge meets —
small samples counted exactly, ties (error rates of zero), unequal sizes,
large samples, shifted and not — its Mann–Whitney U and two-sided p-value
must equal `scipy.stats.mannwhitneyu(canary, baseline)` (SciPy's defaults:
continuity correction, method "auto") to 1e-9, as issue 12 asks.

The shift interval follows R's `wilcox.test(conf.int = TRUE, exact = FALSE)`,
which Kayenta ports and SciPy does not compute: R is not installed here, so
the test checks the definition itself — each end is a pairwise difference
where R's standardised statistic (ranks of canary − d against baseline, ties
and continuity corrected) crosses ±z, computed here with NumPy and SciPy's
`rankdata` — and that the estimate is the median of the pairwise differences
(Hodges–Lehmann).
"""
import json
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import pytest
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
MICROSIM = os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim"))
CONFIDENCE = 0.98


def samples():
    """(name, baseline, canary): every shape the judge meets."""
    rng = np.random.default_rng(12)
    yield "exact, no ties", [1.5, 2.25, 3.0, 4.75], [10.0, 20.5, 30.0, 40.25, 2.0]
    yield "exact, 8 against 30", list(rng.normal(10, 2, 8)), list(rng.normal(11, 2, 30))
    yield "exact, the canary has one value", list(rng.normal(0, 1, 20)), [0.3]
    yield "ties: zero error rates", [0.0] * 15 + [0.01, 0.02], list(np.round(rng.uniform(0.1, 0.3, 17), 2))
    yield "ties: integers", list(rng.integers(0, 5, 40)), list(rng.integers(1, 6, 35))
    yield "large, no shift", list(rng.lognormal(3, 0.5, 300)), list(rng.lognormal(3, 0.5, 280))
    yield "large, shifted", list(rng.lognormal(3, 0.5, 250)), list(rng.lognormal(3.2, 0.5, 250))
    yield "one tie group across the samples", [1.0, 2.0, 2.0, 3.0, 9.0, 11.0, 4.0, 5.0, 6.0], [2.0, 2.0, 7.0, 8.0, 10.0, 12.0, 13.0, 2.0, 1.0]
    yield "mostly tied", [0.0] * 30 + [1.0], [0.0] * 29 + [1.0, 1.0]


CASES = list(samples())


@pytest.fixture(scope="module")
def judged():
    metrics = [{"name": name, "direction": "either", "baseline": [float(v) for v in b],
                "canary": [float(v) for v in c]} for name, b, c in CASES]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"confidence": CONFIDENCE, "metrics": metrics}, f)
    out = subprocess.run([MICROSIM, "judge", f.name, "--json"], check=True, capture_output=True, text=True)
    os.unlink(f.name)
    return {m["name"]: m for m in json.loads(out.stdout)["metrics"]}


@pytest.mark.parametrize("name,baseline,canary", CASES, ids=[c[0] for c in CASES])
def test_u_and_p_equal_scipy(judged, name, baseline, canary):
    ours = judged[name]
    theirs = stats.mannwhitneyu(canary, baseline)
    assert ours["u"] == pytest.approx(theirs.statistic, rel=1e-9, abs=1e-9)
    assert ours["p_value"] == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-12)


def standardised(canary, baseline, d, zq):
    """R's wdiff(d, zq) in wilcox.test, two-sided, corrected."""
    x, y = np.asarray(canary, float) - d, np.asarray(baseline, float)
    ranks = stats.rankdata(np.concatenate([x, y]))
    nx, ny = len(x), len(y)
    dz = ranks[:nx].sum() - nx * (nx + 1) / 2 - nx * ny / 2
    _, t = np.unique(np.concatenate([x, y]), return_counts=True)
    sigma = np.sqrt(nx * ny / 12 * ((nx + ny + 1) - (t ** 3 - t).sum() / ((nx + ny) * (nx + ny - 1))))
    return (dz - np.sign(dz) * 0.5) / sigma - zq


@pytest.mark.parametrize("name,baseline,canary", CASES, ids=[c[0] for c in CASES])
def test_the_interval_is_r_s_and_the_estimate_hodges_lehmann(judged, name, baseline, canary):
    ours = judged[name]
    diffs = np.sort(np.subtract.outer(np.asarray(canary, float), np.asarray(baseline, float)).ravel())
    assert ours["shift"] == pytest.approx(np.median(diffs), rel=1e-12, abs=1e-12)
    low, high = ours["shift_interval"]
    z = stats.norm.ppf(1 - (1 - CONFIDENCE) / 2)
    # Half-way to the next distinct difference (differences equal but for
    # rounding, as 0.19 − 0.01 and 0.18, count as one).
    gaps = np.diff(np.unique(np.round(diffs, 9)))
    eps = gaps.min() / 4 if len(gaps) else 1e-9
    for end, zq in ((low, z), (high, -z)):
        # A pairwise difference, where the statistic crosses zq (or an end of
        # the range when it never does, as R returns it).
        assert np.isclose(diffs, end, rtol=0, atol=1e-12).any(), (end, zq)
        if diffs[0] < end < diffs[-1]:
            assert standardised(canary, baseline, end - eps, zq) > 0
            assert standardised(canary, baseline, end + eps, zq) <= 0
    assert low <= ours["shift"] <= high


def test_the_example_fails_the_canary():
    out = subprocess.run([MICROSIM, "judge", str(ROOT / "architectures" / "judgements" / "defect.json"), "--json"],
                         check=True, capture_output=True, text=True)
    j = json.loads(out.stdout)
    assert [m["class"] for m in j["metrics"]] == ["high", "pass", "pass"]
    assert j["verdict"] == "fail" and j["score"] == pytest.approx(200 / 3)
