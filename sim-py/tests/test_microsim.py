"""The microsim Python package, built by maturin (scripts/test.sh): a run's
summary and metrics, the availability report, bad input raising ValueError
with the JSON path and a fix, and a sweep run on a local Dask distributed
cluster of two worker processes giving exactly the rows — byte for byte —
that `microsim sweep` writes.
"""
import json
import os
import pathlib
import subprocess

import pandas
import pytest

import microsim

ROOT = pathlib.Path(__file__).resolve().parents[2]
MICROSIM = os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim"))

# Small enough for CI: 2 parameter sets × 3 seeds of 30 s runs.
SWEEP = {
    "architectures": ["zone-capacity"],
    "scenarios": ["zone-outage"],
    "seeds": [1, 2, 3],
    "options": {"duration": "30s"},
    "grid": {"services.api.count": [3, 4]},
    "figures": ["services.db.failed"],
}


def cli_sweep(tmp_path, spec):
    f = tmp_path / "sweep.json"
    f.write_text(json.dumps(spec))
    out = tmp_path / "out"
    subprocess.run([MICROSIM, "sweep", str(f), "--out", str(out), "-q"], check=True)
    return out


def test_a_run_gives_the_summary_and_metrics_microsim_run_gives():
    r = microsim.run("mm1", seed=3, duration="5s", rate=500)
    cli = json.loads(subprocess.run([MICROSIM, "run", "mm1", "--seed", "3", "--duration", "5s",
                                     "--rate", "500", "--json", "-q"],
                                    check=True, capture_output=True, text=True).stdout)
    assert dict(r) == cli
    assert isinstance(r.metrics, pandas.DataFrame)
    e2e = r.metrics[r.metrics["service"] == "end_to_end"]
    assert e2e["requests"].sum() == r["end_to_end"]["requests"]


def test_availability_is_the_commands_report():
    a = microsim.availability("netflixoss")
    cli = json.loads(subprocess.run([MICROSIM, "availability", "netflixoss", "--json"],
                                    check=True, capture_output=True, text=True).stdout)
    assert a["end_to_end"]["www"]["availability"] == cli["end_to_end"]["www"]["availability"]


@pytest.mark.parametrize("spec, words", [
    (dict(SWEEP, grid={"services.apii.count": [3]}), ['at grid["services.apii.count"]', "matches nothing", "Fix:"]),
    (dict(SWEEP, grid={}), ["at grid:", "the grid is empty", "Fix:"]),
    (dict(SWEEP, seeds=[]), ["at seeds:", "Fix:"]),
])
def test_bad_sweeps_raise_value_error_with_the_path_and_a_fix(spec, words):
    with pytest.raises(ValueError) as e:
        microsim.sweep(spec)
    for w in words:
        assert w in str(e.value)


def test_bad_runs_raise_value_error():
    with pytest.raises(ValueError, match="duration"):
        microsim.run("mm1", duration="5")
    with pytest.raises(ValueError, match="neither"):
        microsim.run("no-such-architecture")


def test_a_sweep_on_a_dask_cluster_gets_exactly_microsim_sweeps_rows(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = cli_sweep(tmp_path, SWEEP)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        on_dask = microsim.sweep(SWEEP, client=client)
    assert on_dask.csv() == (out / "runs.csv").read_text()
    assert on_dask.means_csv() == (out / "means.csv").read_text()
    # As dicts and as a DataFrame: the numbers pandas reads from the CLI's file.
    cli = pandas.read_csv(out / "runs.csv")
    pandas.testing.assert_frame_equal(on_dask.to_pandas(), cli, check_dtype=False, check_exact=True)
    assert [r["run"] for r in on_dask.rows] == list(range(6))
    # Locally, on threads: the same again.
    assert microsim.sweep(SWEEP).csv() == on_dask.csv()


def test_the_guides_notebook_cell_runs_as_written(tmp_path, monkeypatch):
    """docs/guide/src/sweeps.md's Python cell, after its `microsim sweep` cell."""
    pytest.importorskip("distributed")
    import re

    chapter = (ROOT / "docs" / "guide" / "src" / "sweeps.md").read_text()
    (cell,) = re.findall(r"```python\n(.*?)```", chapter, re.S)
    subprocess.run([MICROSIM, "sweep", "zone-outage-counts", "--out", "counts", "-q"], check=True, cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    exec(compile(cell, "sweeps.md", "exec"), {})
