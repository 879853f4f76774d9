#!/usr/bin/env python3
"""Writes the generated parts of the workshop guide (docs/guide/src): a
chapter per lesson with its story, question, runs, figures and answer (from
`microsim lesson show` and `microsim lesson run`, so the figures are the
binary's), the file-format reference from the JSON Schemas, and SUMMARY.md.

Usage: scripts/guide.py MICROSIM  (run by scripts/build-guide.sh)
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = ROOT / "docs" / "guide" / "src"


def run(*args, ok=(0,)):
    p = subprocess.run([MICROSIM, *args], capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit(f"microsim {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p.stdout


def prose(text):
    """A lesson's text as Markdown prose: angle brackets shown, not taken for HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lesson_chapter(name, doc):
    table = run("lesson", "run", name)
    lines = [f"# {prose(doc['title'])}", ""]
    lines += [prose(p) + "\n" for p in doc["story"]]
    lines += [f"**Question for the room:** {prose(doc['question'])}", ""]
    if doc.get("look_for"):
        lines += ["What to look for:", ""] + [f"- {prose(x)}" for x in doc["look_for"]] + [""]
    lines += ["Run it:", "", "```sh", f"microsim lesson run {name}"]
    runs = doc["runs"]
    for r in runs:
        sc = f" --scenario {r['scenario']}" if r.get("scenario") else ""
        # the run's options as `microsim run` flags (duration, regions, failures, ...)
        flags = "".join(f" --{k.replace('_', '-')} {v}" for k, v in (r.get("options") or {}).items())
        lines.append(f"microsim run {r['architecture']}{sc}{flags}")
    lines += ["```", ""]
    if len(runs) > 1:
        lines += [f"In the viewer: `?lesson={name}`, or side by side: `split.html?lesson={name}`.", ""]
    lines += ["The figures (seed 1):", "", "```text", table.rstrip(), "```", ""]
    first = runs[0]
    exercise = (f"Copy `{first['architecture']}` (`microsim run {first['architecture']} --json` shows what it does), "
                "change one setting the story names, and run the lesson's scenario against it with "
                f"`microsim compare {first['architecture']} your-copy.json"
                + (f" --scenario {first['scenario']}" if first.get("scenario") else "") + "`. Which hypothesis still holds?")
    lines += ["## Exercise", "", exercise, ""]
    return "\n".join(lines)


def reference(title, schema, flag):
    """A table per object of a JSON Schema: key, type, meaning."""
    command = " ".join(["microsim schema", *flag])
    out = [f"# {title}", "", f"Generated from `{command}` (a JSON Schema for editors).", ""]
    defs = {"(top level)": schema, **schema.get("$defs", {})}
    for name, d in defs.items():
        props = d.get("properties")
        if not props:
            continue
        out += [f"## {name}", "", "| key | type | meaning |", "|---|---|---|"]
        required = set(d.get("required", []))
        for key, p in props.items():
            t = p.get("type") or (p.get("$ref", "").split("/")[-1]) or ("one of" if "anyOf" in p or "oneOf" in p else "")
            if isinstance(t, list):
                t = " or ".join(t)
            desc = (p.get("description") or "").replace("\n", " ").replace("|", "\\|")
            out.append(f"| `{key}`{' (required)' if key in required else ''} | {t} | {desc} |")
        out.append("")
    return "\n".join(out)


def main():
    names = [l.split()[0] for l in run("lesson", "list").splitlines() if l.strip()]
    (SRC / "lessons").mkdir(parents=True, exist_ok=True)
    (SRC / "reference").mkdir(parents=True, exist_ok=True)
    summary = ["# Summary", "", "[The microsim workshop](intro.md)", "", "- [A half-day plan](plan.md)", "- [Lessons]()"]
    for name in names:
        full = json.loads((ROOT / "architectures" / "lessons" / f"{name}.json").read_text())
        (SRC / "lessons" / f"{name}.md").write_text(lesson_chapter(name, full))
        summary.append(f"  - [{full['title']}](lessons/{name}.md)")
    summary.append("- [Experiments of many runs](sweeps.md)")
    summary.append("- [Reference]()")
    for flag, file, title in [((), "architecture", "Architecture files"), (("--scenario",), "scenario", "Scenario files"),
                              (("--lesson",), "lesson", "Lesson files"), (("--sweep",), "sweep", "Sweep files")]:
        schema = json.loads(run("schema", *flag))
        (SRC / "reference" / f"{file}.md").write_text(reference(title, schema, flag))
        summary.append(f"  - [{title}](reference/{file}.md)")
    (SRC / "SUMMARY.md").write_text("\n".join(summary) + "\n")
    print(f"guide sources: {len(names)} lessons, 4 references in {SRC}")


if __name__ == "__main__":
    MICROSIM = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "release" / "microsim")
    main()
