#!/usr/bin/env python3
"""The GPU check's report (tools/gpu-check.sh): from WORK/steps.tsv (step, status, seconds,
note) and WORK/summary/<step>.txt (the findings, a line each), OUT/report.json and
OUT/report.md. Exits 1 when a step failed or timed out, or when no step passed; else 0.

Usage: gpu_check_report.py WORK OUT --backend B --size S
"""
import argparse
import datetime
import json
import os
import sys

BAD = ("fail", "timeout")


def read_steps(work):
    steps = []
    path = os.path.join(work, "steps.tsv")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                name, status, seconds, note = line.rstrip("\n").split("\t")
                steps.append(dict(step=name, status=status, seconds=int(seconds), note=note))
    for s in steps:
        summary = os.path.join(work, "summary", s["step"] + ".txt")
        s["findings"] = open(summary).read().splitlines() if os.path.exists(summary) else []
    return steps


def markdown(report):
    lines = [f"# xfv GPU check: {report['verdict']}", "",
             f"{report['date']}, backend `{report['backend']}`, sizes `{report['size']}`, "
             f"{report['total_seconds']} s in all. Logs: `logs.tar.gz`.", "",
             "| step | status | seconds | note |", "| --- | --- | --- | --- |"]
    lines += [f"| {s['step']} | {s['status']} | {s['seconds']} | {s['note']} |" for s in report["steps"]]
    for s in report["steps"]:
        if s["findings"]:
            lines += ["", f"## {s['step']}", "", "```", *s["findings"], "```"]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work")
    p.add_argument("out")
    p.add_argument("--backend", required=True)
    p.add_argument("--size", required=True)
    args = p.parse_args()
    steps = read_steps(args.work)
    bad = [s["step"] for s in steps if s["status"] in BAD]
    passed = any(s["status"] == "pass" for s in steps)
    verdict = f"FAILED ({', '.join(bad)})" if bad else ("passed" if passed else "FAILED (no step passed)")
    report = dict(verdict=verdict, ok=not bad and passed, backend=args.backend, size=args.size,
                  date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  total_seconds=sum(s["seconds"] for s in steps), steps=steps)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(markdown(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
