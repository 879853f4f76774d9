"""Every export read back by a real reader, not by microsim's own code.

networkx reads the GraphML, Graphviz `dot` renders the DOT, opentelemetry-proto
parses the OTLP JSON, jsonschema validates the Zipkin JSON against the Span
schema of the Zipkin v2 API, and Python's csv module reads metrics.csv with the
documented columns.

Zipkin's API definition (zipkin2-api.yaml) is not part of this repository: the
Zipkin test reads it from ../shared/specs/ beside the repository and is skipped,
saying so, when it is absent.
"""
import csv
import json
import os
import pathlib
import subprocess
import tempfile

import jsonschema
import networkx
import pytest
import yaml
from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
MICROSIM = os.environ.get("MICROSIM", str(ROOT / "target" / "release" / "microsim"))
COLUMNS = ("time_s,service,requests,ok,failed,timeout,refused,rejected,short_circuited,"
           "injected,dependency,p50_ms,p90_ms,p99_ms,instances").split(",")


@pytest.fixture(scope="module")
def run():
    out = pathlib.Path(tempfile.mkdtemp(prefix="microsim-exports-"))
    subprocess.run([MICROSIM, "run", "netflixoss", "--duration", "10s", "--seed", "3",
                    "--trace-sample", "0.05", "--out", str(out), "--quiet"],
                   check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text())
    return out, summary


def test_graphml_reads_in_networkx(run):
    out, summary = run
    g = networkx.read_graphml(out / "graph.graphml")
    assert g.number_of_nodes() == summary["instances"]
    assert g.number_of_edges() > 50
    node = g.nodes["netflixoss.us-east-1.zoneA.homepage00"]
    assert node == {"service": "homepage", "package": "karyon", "region": "us-east-1", "zone": "zoneA"}
    calls = sum(d["calls"] for _, _, d in g.edges(data=True))
    # Every call except the external request at the entry point is an edge.
    served = sum(s["requests"] for s in summary["services"].values())
    assert calls == served - summary["end_to_end"]["requests"]


def test_dot_renders_with_graphviz(run):
    out, _ = run
    svg = subprocess.run(["dot", "-Tsvg", str(out / "graph.dot")], check=True, capture_output=True, text=True).stdout
    assert "<svg" in svg and ">us&#45;east&#45;1</text>" in svg and ">homepage</text>" in svg


def test_otlp_parses_with_opentelemetry_proto(run):
    out, _ = run
    data = json_format.Parse((out / "traces.otlp.json").read_text(), TracesData())
    spans = [s for rs in data.resource_spans for ss in rs.scope_spans for s in ss.spans]
    assert len(spans) > 100
    services = {a.value.string_value for rs in data.resource_spans for a in rs.resource.attributes
                if a.key == "service.name"}
    assert {"www", "homepage", "subscriber"} <= services
    assert all(s.end_time_unix_nano >= s.start_time_unix_nano for s in spans)


def zipkin_schema():
    path = SHARED / "specs" / "zipkin2-api.yaml"
    if not path.is_file():
        pytest.skip("skipped: ../shared/specs/zipkin2-api.yaml not found; "
                    "Zipkin's API definition is not part of this repository")
    spec = yaml.safe_load(path.read_text())
    return {"$ref": "#/definitions/ListOfSpans", "definitions": spec["definitions"]}


def test_zipkin_validates_against_the_span_schema(run):
    out, _ = run
    spans = json.loads((out / "traces.zipkin.json").read_text())
    assert len(spans) > 100
    jsonschema.Draft4Validator(zipkin_schema()).validate(spans)
    # The schema must be able to fail: a span without traceId is refused.
    bad = dict(spans[0])
    del bad["traceId"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(zipkin_schema()).validate([bad])


def test_span_trees_are_whole(run):
    out, _ = run
    traces = {}
    for s in json.loads((out / "traces.zipkin.json").read_text()):
        traces.setdefault(s["traceId"], []).append(s)
    assert len(traces) > 10
    for tid, spans in traces.items():
        ids = {s["id"] for s in spans}
        roots = [s for s in spans if "parentId" not in s]
        assert len(roots) == 1, tid
        assert all(s["parentId"] in ids for s in spans if "parentId" in s), tid
        root = roots[0]
        end = root["timestamp"] + root["duration"]
        for s in spans:
            assert root["timestamp"] <= s["timestamp"] and s["timestamp"] + s["duration"] <= end, (tid, s["id"])


@pytest.fixture(scope="module")
def shadow():
    out = pathlib.Path(tempfile.mkdtemp(prefix="microsim-shadow-"))
    subprocess.run([MICROSIM, "run", str(ROOT / "architectures" / "shadow-traffic.json"), "--duration", "10s",
                    "--trace-sample", "0.2", "--out", str(out), "--quiet"], check=True, capture_output=True)
    return out


def test_calls_nobody_waits_for_are_consumer_spans_that_may_outlive_their_parent(shadow):
    spans = json.loads((shadow / "traces.zipkin.json").read_text())
    jsonschema.Draft4Validator(zipkin_schema()).validate(spans)
    by_id = {(s["traceId"], s["id"]): s for s in spans}
    consumers = [s for s in spans if s["kind"] == "CONSUMER"]
    assert {s["localEndpoint"]["serviceName"] for s in consumers} == {"recs-v2", "audit"}
    shadows = [s for s in consumers if s["localEndpoint"]["serviceName"] == "recs-v2"]
    assert shadows and all(s["tags"]["http.host"] == "recs-v2-shadow" for s in shadows)
    outlived = 0
    for s in spans:
        if "parentId" not in s:
            continue
        p = by_id[(s["traceId"], s["parentId"])]
        assert p["timestamp"] <= s["timestamp"] <= p["timestamp"] + p["duration"], s["id"]
        if s["kind"] == "SERVER":
            # A call waited for ends before its parent does.
            assert s["timestamp"] + s["duration"] <= p["timestamp"] + p["duration"], s["id"]
        else:
            outlived += s["timestamp"] + s["duration"] > p["timestamp"] + p["duration"]
    assert outlived > 0, "a slow shadow outlives the request it copied"
    data = json_format.Parse((shadow / "traces.otlp.json").read_text(), TracesData())
    kinds = {s.kind for rs in data.resource_spans for ss in rs.scope_spans for s in ss.spans}
    assert kinds == {2, 5}, "SERVER and CONSUMER"


def test_csv_reads_with_documented_columns(run):
    out, summary = run
    with open(out / "metrics.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    services = {r["service"] for r in rows}
    assert services == set(summary["services"]) | {"end_to_end"}
    e2e = [r for r in rows if r["service"] == "end_to_end"]
    assert sum(int(r["requests"]) for r in e2e) == summary["end_to_end"]["requests"]
    assert sum(int(r["ok"]) + int(r["failed"]) for r in e2e) == summary["end_to_end"]["requests"]
    assert [float(r["time_s"]) for r in e2e] == sorted(float(r["time_s"]) for r in e2e)


def test_vizceral_shape(run):
    out, summary = run
    v = json.loads((out / "vizceral.json").read_text())
    assert v["renderer"] == "global"
    region = next(n for n in v["nodes"] if n["name"] == "us-east-1")
    names = {n["name"] for n in region["nodes"]}
    assert {"INTERNET", "homepage", "cassandra"} <= names
    assert all(n["class"] in ("normal", "warning", "danger") for n in region["nodes"])
    into = v["connections"][0]
    assert into["source"] == "INTERNET" and into["target"] == "us-east-1"
    rate = into["metrics"]["normal"] + into["metrics"]["danger"]
    assert abs(rate - summary["end_to_end"]["requests"] / summary["duration_s"]) < 1e-6


def test_csv_of_a_run_with_caches_has_two_more_columns_that_add_up():
    """A run with caches with a capacity: metrics.csv gains cache_hits and
    cache_misses after the documented columns; per cache they add up to
    summary.json's caches section, and end to end to all caches together."""
    out = pathlib.Path(tempfile.mkdtemp(prefix="microsim-caches-"))
    subprocess.run([MICROSIM, "run", "cache-che", "--duration", "10s", "--out", str(out), "--quiet"],
                   check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text())
    with open(out / "metrics.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS + ["cache_hits", "cache_misses"]
        rows = list(reader)
    caches = summary["caches"]
    assert len(caches) == 4
    for name, c in caches.items():
        mine = [r for r in rows if r["service"] == name]
        assert sum(int(r["cache_hits"]) for r in mine) == c["hits"]
        assert sum(int(r["cache_misses"]) for r in mine) == c["misses"]
        assert c["gets"] == c["hits"] + c["misses"] and 0 < c["hit_rate"] < 1
    e2e = [r for r in rows if r["service"] == "end_to_end"]
    assert sum(int(r["cache_hits"]) for r in e2e) == sum(c["hits"] for c in caches.values())
    others = [r for r in rows if r["service"] not in caches and r["service"] != "end_to_end"]
    assert all(r["cache_hits"] == "0" and r["cache_misses"] == "0" for r in others)
