"""microsim for Python: sim-core's runs, availability analysis and sweeps.

    import microsim
    r = microsim.run("netflixoss", scenario="zone-outage", seed=1, duration="20s")
    r["end_to_end"]["ok"]          # the summary.json dict
    r.metrics                      # metrics.csv as a pandas DataFrame (rows as dicts without pandas)
    microsim.availability("netflixoss")["end_to_end"]["www"]["availability"]
    s = microsim.sweep("zone-outage-counts")               # locally, on threads
    s = microsim.sweep("zone-outage-counts", client=client) # on a Dask distributed cluster
    s.rows, s.means, s.to_pandas(), s.csv()

Every run is made by the Rust engine (`microsim._native`, the same sim-core
calls as the `microsim` command), so the same sweep gives the same rows —
byte for byte in `csv()` — whether it ran here, on Dask, or in `microsim
sweep`. Bad input raises ValueError with the JSON path and a fix.
"""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Union

from . import _native

__all__ = ["run", "availability", "sweep", "RunResult", "SweepResult"]

Source = Union[str, "os.PathLike[str]", dict]


def _read(kind: str, source: Source) -> "tuple[str, str, Optional[str]]":
    """(name, JSON text, folder of the file) of a path, a built-in name or a dict."""
    if isinstance(source, dict):
        return (f"<{kind}>", json.dumps(source), None)
    path = os.fspath(source)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return (path, f.read(), os.path.dirname(os.path.abspath(path)))
    text = _native.built_in(kind, path)
    if text is None:
        raise ValueError(
            f"{path!r} is neither a {kind} file nor a built-in {kind}. "
            f"Fix: give a path to a JSON file, a dict, or one of: {', '.join(_native.names(kind))}."
        )
    stem = path[:-5] if path.endswith(".json") else path
    return (f"{stem}.json" if kind == "scenario" else stem, text, None)


class RunResult(dict):
    """The run's summary.json as a dict; `.metrics` holds metrics.csv as a
    pandas DataFrame (a list of dicts when pandas is not installed), and
    `.metrics_csv` its text."""

    metrics: Any
    metrics_csv: str


def _table(text: str) -> Any:
    try:
        import pandas
    except ImportError:
        return list(csv.DictReader(io.StringIO(text)))
    return pandas.read_csv(io.StringIO(text))


def run(arch: Source, scenario: Optional[Source] = None, seed: int = 1, **options: Any) -> RunResult:
    """Runs `arch` (a path, a built-in name or a dict) under `scenario`, with
    run options as `microsim run`'s flags (duration="60s", rate=100,
    scale=100, regions=1, failures=525600, …)."""
    a_name, a_text, _ = _read("architecture", arch)
    s_name, s_text = (None, None)
    if scenario is not None:
        s_name, s_text, _ = _read("scenario", scenario)
    opts = dict(options, seed=seed)
    summary, metrics = _native.run(a_name, a_text, s_name, s_text, json.dumps(opts))
    r = RunResult(json.loads(summary))
    r.metrics_csv = metrics
    r.metrics = _table(metrics)
    return r


def availability(arch: Source) -> dict:
    """`microsim availability --json`'s report: availability, nines and
    downtime of every service and entry point, from the file alone."""
    name, text, _ = _read("architecture", arch)
    return json.loads(_native.availability(name, text))


def _run_job(job: str) -> str:
    """One run of a sweep (a job's JSON) to its row (JSON); what a Dask
    worker calls. Module-level, so workers import it by name."""
    from microsim import _native as native

    return native.run_job(job)


class SweepResult:
    """A finished sweep: `rows` (one dict per run, in the sweep's order),
    `means` (one dict per parameter set), `csv()` and `means_csv()` (the
    bytes `microsim sweep` writes as runs.csv and means.csv) and
    `to_pandas()`."""

    def __init__(self, plan: dict, rows: "list[str]"):
        self.columns: "list[str]" = plan["columns"]
        self.paths: "list[str]" = plan["paths"]
        self.figures: "list[str]" = plan["figures"]
        self._rows = sorted(rows, key=lambda r: json.loads(r)["run"])
        self.rows = [dict(zip(self.columns, json.loads(_native.row_cells(r)))) for r in self._rows]
        self.means = list(csv.DictReader(io.StringIO(self.means_csv())))

    def csv(self) -> str:
        return _native.runs_csv(self.columns, self._rows)

    def means_csv(self) -> str:
        return _native.means_csv(self.paths, self.figures, self._rows)

    def to_pandas(self) -> Any:
        import pandas

        return pandas.DataFrame(self.rows, columns=self.columns)


def sweep(spec: Source, client: Any = None, threads: Optional[int] = None) -> SweepResult:
    """Runs every run of a sweep (a path, a built-in name or a dict): on a
    Dask distributed `client` when given (one task per run), else on
    `threads` threads here (default: every core). The rows are the same
    either way."""
    name, text, folder = _read("sweep", spec)
    plan = json.loads(_native.plan(name, text, folder if folder else (os.getcwd() if isinstance(spec, dict) else None)))
    jobs = plan["jobs"]
    if client is not None:
        futures = client.map(_run_job, jobs, pure=False)
        rows = client.gather(futures)
    else:
        with ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1) as pool:
            rows = list(pool.map(_run_job, jobs))
    return SweepResult(plan, rows)
