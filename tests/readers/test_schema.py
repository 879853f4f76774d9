"""microsim's JSON Schemas checked by a real validator (jsonschema), not by
grepping their text: every architecture and scenario the project ships is
valid against `microsim schema` / `microsim schema --scenario`, and the
mistakes the parser refuses (unknown keys, unknown packages, bad
distributions, two actions in a fault) are refused by the schema too, so an
editor shows the same errors microsim would.
"""
import json
import os
import pathlib
import subprocess

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MICROSIM = os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim"))
ARCHS = sorted((ROOT / "architectures").glob("*.json"))
SCENARIOS = sorted((ROOT / "architectures" / "scenarios").glob("*.json"))
LESSONS = sorted((ROOT / "architectures" / "lessons").glob("*.json"))
SWEEPS = sorted((ROOT / "architectures" / "sweeps").glob("*.json"))


def schema(*flags):
    out = subprocess.run([MICROSIM, "schema", *flags], check=True, capture_output=True, text=True)
    s = json.loads(out.stdout)
    jsonschema.validators.validator_for(s).check_schema(s)
    return jsonschema.validators.validator_for(s)(s)


ARCH = schema()
SCENARIO = schema("--scenario")
LESSON = schema("--lesson")
SWEEP = schema("--sweep")


def accepted_by_microsim(kind, doc, tmp_path):
    """Whether `microsim validate` (architectures) or a run (scenarios) accepts it."""
    f = tmp_path / "doc.json"
    f.write_text(json.dumps(doc))
    if kind == "arch":
        cmd = [MICROSIM, "validate", str(f)]
    else:
        cmd = [MICROSIM, "run", "netflixoss", "--duration", "1m", "--rate", "1", "-q", "--scenario", str(f)]
    return subprocess.run(cmd, capture_output=True).returncode == 0


@pytest.mark.parametrize("path", ARCHS, ids=[p.name for p in ARCHS])
def test_shipped_architectures_are_valid(path):
    ARCH.validate(json.loads(path.read_text()))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_shipped_scenarios_are_valid(path):
    SCENARIO.validate(json.loads(path.read_text()))


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_shipped_lessons_are_valid(path):
    LESSON.validate(json.loads(path.read_text()))


@pytest.mark.parametrize("path", SWEEPS, ids=[p.name for p in SWEEPS])
def test_shipped_sweeps_are_valid(path):
    SWEEP.validate(json.loads(path.read_text()))


def test_the_sweep_schema_refuses_what_microsim_refuses():
    good = json.loads((ROOT / "architectures" / "sweeps" / "zone-outage-counts.json").read_text())
    for bad in [dict(good, grids={}), dict(good, seeds="1"), dict(good, architectures="four-nines"),
                dict(good, chart={"x": "services.api.count", "colour": "red"})]:
        with pytest.raises(jsonschema.ValidationError):
            SWEEP.validate(bad)


def test_the_lesson_schema_refuses_what_microsim_refuses(tmp_path):
    good = json.loads((ROOT / "architectures" / "lessons" / "zone-outage.json").read_text())
    bad = [dict(good, hypotheses=[dict(good["hypotheses"][0], comparison="=>")]),
           dict(good, runs=[dict(good["runs"][0], arch="netflixoss")]),
           dict(good, surprise=1)]
    for doc in bad:
        with pytest.raises(jsonschema.ValidationError):
            LESSON.validate(doc)
        f = tmp_path / "lesson.json"
        f.write_text(json.dumps(doc))
        assert subprocess.run([MICROSIM, "lesson", "show", str(f)], capture_output=True).returncode == 2


def test_every_resilience_key_and_distribution_is_published():
    doc = {"arch": "t", "services": [
        {"name": "b", "package": "store", "count": 2,
         "service_time": {"dist": "gamma", "mean_ms": 2, "shape": 3}},
        {"name": "c", "package": "store", "count": 2,
         "service_time": {"dist": "empirical", "histogram": [[1, 3], [5, 1]]}},
        {"name": "a", "package": "karyon", "count": 2, "concurrency": 8, "price_per_hour": 0.1,
         "autoscale": {"min": 1, "max": 10, "metric": "utilisation", "target": 0.6, "period": "15s",
                       "tolerance": 0.1, "stabilisation": "300s", "startup": "30s"},
         "dependencies": [
            {"service": "b", "timeout_ms": 300, "retries": {"attempts": 2, "per_try_timeout_ms": 100},
             "circuit_breaker": True, "bulkhead": 10, "fallback": True, "zone_aware": True},
            {"service": "c", "critical": False, "probability": 0.5, "calls": 2}]}]}
    ARCH.validate(doc)


def test_mirrors_async_calls_and_nonblocking_servers_are_published():
    ARCH.validate({"arch": "t", "services": [
        {"name": "b", "package": "store", "count": 1},
        {"name": "a", "package": "zuul", "count": 1, "io": "nonblocking", "max_outstanding": 64,
         "concurrency": 4, "dependencies": ["b", {"service": "b", "mirror": 10},
                                            {"service": "b", "async": True, "probability": 0.5}]}]})


def test_versions_and_deployments_are_published():
    ARCH.validate({"arch": "t", "services": [
        {"name": "a", "package": "karyon", "count": 4, "versions": [
            {"name": "v1", "count": 3, "weight": 90},
            {"name": "v2", "count": 1, "weight": 10, "service_time": {"dist": "constant", "mean_ms": 5},
             "concurrency": 4, "queue": 10,
             "defect": {"errors_percent": 5, "add_ms": 10, "leak_per_minute": {"errors_percent": 1, "add_ms": 2}}}]}]})
    analysis = {"step": "10s", "window": "60s", "marginal": 75, "pass": 95,
                "metrics": [{"metric": "error_rate"}, {"metric": "latency_p99", "direction": "either"}]}
    SCENARIO.validate({"discovery_poll": "5s", "deployments": [
        {"at": "1s", "deploy": {"service": "a", "version": "v2", "instances": 2, "startup": "5s"}},
        {"at": "2s", "shift": {"service": "a", "weights": {"v1": 50, "v2": 50}, "over": "10s"}},
        {"at": "3s", "rollback": {"service": "a"}},
        {"at": "4s", "red_black": {"service": "a", "version": "v2", "startup": "5s", "analysis": analysis}},
        {"at": "5s", "rolling": {"service": "a", "version": "v2", "batch": 1, "startup": "5s"}},
        {"at": "6s", "canary": {"service": "a", "canary": "v2", "baseline": "v1", "instances": 1,
                                "steps": [{"set_weight": 5}, {"pause": "60s"}], "analysis": analysis}}]})


def test_every_traffic_key_and_profile_form_is_published():
    for profile in [{"steps": [["0s", 100], ["30s", 400]]}, {"ramp": [["0s", 0], ["1m", 400]]},
                    {"diurnal": {"period": "10m", "min": 50, "max": 400, "peak_at": "5m"}},
                    {"table": {"every": "10s", "rates": [100, 120, 300]}}]:
        ARCH.validate({"arch": "t", "traffic": {"arrival": "constant", "profile": profile}, "services": [
            {"name": "a", "package": "karyon", "count": 1, "traffic": {"rate": 50, "arrival": "poisson"}}]})
    SCENARIO.validate({"faults": [{"at": "1s", "for": "5s", "flash_crowd": {"factor": 4, "entry": "www"}}]})


def test_every_key_and_cache_key_is_published():
    ARCH.validate({"arch": "t", "traffic": {"rate": 50, "keys": {"count": 1000, "zipf": 0.8, "write_percent": 5}},
                   "services": [
        {"name": "evcache", "package": "cache", "count": 3,
         "cache": {"capacity": 100, "ttl": "10m", "copies": "every_zone"}},
        {"name": "db", "package": "store", "count": 1},
        {"name": "dal", "package": "staash", "count": 1, "dependencies": ["evcache", "db"]},
        {"name": "web", "package": "karyon", "count": 1,
         "dependencies": [{"service": "dal", "keys": {"count": 10}}]}]})


KEYED = {"name": "dal", "package": "staash", "count": 1, "dependencies": ["evcache", "db"]}
DB = {"name": "db", "package": "store", "count": 1}


def cache_arch(keys, cache):
    return {"arch": "t", "traffic": {"keys": keys}, "services": [
        {"name": "evcache", "package": "cache", "count": 3, "cache": cache}, DB, KEYED]}


BAD_ARCHS = [
    ("cache capacity 0", cache_arch({"count": 100}, {"capacity": 0})),
    ("negative zipf exponent", cache_arch({"count": 100, "zipf": -0.5}, {"capacity": 10})),
    ("write share above 100", cache_arch({"count": 100, "write_percent": 120}, {"capacity": 10})),
    ("unknown copies", cache_arch({"count": 100}, {"capacity": 10, "copies": "two"})),
    ("unknown keys key", cache_arch({"count": 100, "zip": 1}, {"capacity": 10})),
    ("unknown top-level key", {"arch": "t", "servces": [], "services": []}),
    ("unknown package", {"arch": "t", "services": [{"name": "a", "package": "lambda", "count": 1}]}),
    ("unknown service key", {"arch": "t", "services": [{"name": "a", "package": "karyon", "count": 1, "concurency": 2}]}),
    ("unknown distribution", {"arch": "t", "services": [
        {"name": "a", "package": "karyon", "count": 1, "service_time": {"dist": "zipf", "mean_ms": 1}}]}),
    ("unknown autoscale key", {"arch": "t", "services": [
        {"name": "a", "package": "karyon", "count": 1, "concurrency": 2,
         "autoscale": {"min": 1, "max": 2, "target": 0.5, "maxx": 3}}]}),
    ("unknown dependency key", {"arch": "t", "services": [
        {"name": "b", "package": "store", "count": 1},
        {"name": "a", "package": "karyon", "count": 1, "dependencies": [{"service": "b", "timeout": 3}]}]}),
    ("unknown io", {"arch": "t", "services": [{"name": "a", "package": "karyon", "count": 1, "io": "evented"}]}),
    ("async not a boolean", {"arch": "t", "services": [
        {"name": "b", "package": "store", "count": 1},
        {"name": "a", "package": "karyon", "count": 1, "dependencies": [{"service": "b", "async": "yes"}]}]}),
    ("two profile shapes", {"arch": "t", "traffic": {"profile": {"steps": [["0s", 1]], "ramp": [["0s", 1]]}},
                            "services": [{"name": "a", "package": "karyon", "count": 1}]}),
    ("unknown profile shape", {"arch": "t", "traffic": {"profile": {"sine": {}}},
                               "services": [{"name": "a", "package": "karyon", "count": 1}]}),
    ("profile point not a pair", {"arch": "t", "traffic": {"profile": {"steps": [["0s"]]}},
                                  "services": [{"name": "a", "package": "karyon", "count": 1}]}),
    ("unknown version key", {"arch": "t", "services": [
        {"name": "a", "package": "karyon", "count": 1, "versions": [{"name": "v1", "counts": 1}]}]}),
    ("unknown defect key", {"arch": "t", "services": [
        {"name": "a", "package": "karyon", "count": 1, "versions": [{"name": "v1", "defect": {"errors": 5}}]}]}),
    ("unknown diurnal key", {"arch": "t", "traffic": {"profile": {"diurnal": {"period": "1m", "min": 1, "max": 2, "peak": "1s"}}},
                             "services": [{"name": "a", "package": "karyon", "count": 1}]}),
]


@pytest.mark.parametrize("why,doc", BAD_ARCHS, ids=[b[0] for b in BAD_ARCHS])
def test_the_schema_refuses_what_microsim_refuses(why, doc, tmp_path):
    assert not accepted_by_microsim("arch", doc, tmp_path), why
    with pytest.raises(jsonschema.ValidationError):
        ARCH.validate(doc)


BAD_SCENARIOS = [
    ("unknown key", {"faults": [], "fautls": []}),
    ("two actions", {"faults": [{"at": "1s", "kill": {"service": "homepage"},
                                 "errors": {"service": "homepage"}}]}),
    ("unknown action", {"faults": [{"at": "1s", "explode": {}}]}),
    ("unknown mode", {"faults": [{"at": "1s", "kill": {"service": "homepage", "mode": "melt"}}]}),
    ("missing at", {"faults": [{"kill": {"service": "homepage"}}]}),
    ("flash crowd without a factor", {"faults": [{"at": "1s", "flash_crowd": {"entry": "www"}}]}),
    ("two deployment actions", {"deployments": [{"at": "1s", "rollback": {"service": "api"},
                                                 "deploy": {"service": "api", "version": "v2"}}]}),
    ("unknown step", {"deployments": [{"at": "1s", "canary": {"service": "api", "canary": "v2", "baseline": "v1",
                                                              "steps": [{"set_weights": 5}]}}]}),
    ("unknown flash crowd key", {"faults": [{"at": "1s", "flash_crowd": {"factor": 2, "entries": "www"}}]}),
]


@pytest.mark.parametrize("why,doc", BAD_SCENARIOS, ids=[b[0] for b in BAD_SCENARIOS])
def test_the_scenario_schema_refuses_what_microsim_refuses(why, doc, tmp_path):
    assert not accepted_by_microsim("scenario", doc, tmp_path), why
    with pytest.raises(jsonschema.ValidationError):
        SCENARIO.validate(doc)
