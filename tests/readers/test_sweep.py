"""A sweep's tables read back by real readers: runs.csv by pandas and by
Python's csv module, runs.parquet by pyarrow and by pandas, means.csv by
pandas — the same rows, the same numbers, whichever file is read, and the
means equal to a mean and Student's t interval recomputed here from the rows
(scipy's t quantile, against the Cornish–Fisher expansion microsim uses).
"""
import csv
import math
import os
import pathlib
import statistics
import subprocess

import pandas
import pyarrow.parquet as pq
import pytest
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
MICROSIM = os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim"))


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    subprocess.run([MICROSIM, "sweep", "zone-outage-counts", "--out", str(d), "-q"], check=True)
    return d


def test_csv_and_parquet_hold_the_same_rows(out):
    from_csv = pandas.read_csv(out / "runs.csv")
    table = pq.read_table(out / "runs.parquet")
    from_parquet = table.to_pandas()
    assert list(from_csv.columns) == table.column_names
    assert len(from_csv) == 60 and list(from_csv["run"]) == list(range(60))
    pandas.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=False, check_exact=True)
    # Types: counts are integers, figures doubles, names strings.
    schema = {f.name: str(f.type) for f in table.schema}
    assert schema["requests"] == "int64" and schema["success"] == "double"
    assert schema["services.api.count"] == "int64" and schema["architecture"] == "string"
    # Python's own csv reader agrees with pandas, float for float.
    with open(out / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["success"]) for r in rows] == list(from_csv["success"])
    assert all(r["success"] == repr(float(r["success"])) or float(r["success"]) == 1 for r in rows)


def test_means_are_the_mean_and_student_t_interval_of_the_rows(out):
    runs = pandas.read_csv(out / "runs.csv")
    means = pandas.read_csv(out / "means.csv")
    assert len(means) == 12 and set(means["runs"]) == {5}
    keys = ["services.api.count", "services.db.count"]
    for _, m in means.iterrows():
        group = runs[(runs[keys[0]] == m[keys[0]]) & (runs[keys[1]] == m[keys[1]])]
        for figure in ["latency_p99_ms", "requests", "success"]:
            xs = list(group[figure])
            mean = math.fsum(xs) / len(xs)
            assert m[f"{figure}_mean"] == pytest.approx(mean, rel=1e-12)
            half = stats.t.ppf(0.975, len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs))
            # microsim's t(0.975; 4) is the table's 2.776 (scipy: 2.7764451),
            # so the half-widths agree to 2e-4; the ends are clamped to
            # [0, ∞), and to [0, 1] for success, a share.
            top = 1.0 if figure == "success" else math.inf
            if mean + half < top:
                assert m[f"{figure}_high"] - mean == pytest.approx(half, rel=2e-4, abs=1e-12)
            else:
                assert m[f"{figure}_high"] == top
            if mean - half > 0:
                assert mean - m[f"{figure}_low"] == pytest.approx(half, rel=2e-4, abs=1e-12)
            else:
                assert m[f"{figure}_low"] == 0
