"""The scale benchmark's table, plans, results file and chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_GROWTH = 2.0
BACKEND_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def growth(timings: dict[int, dict[str, Any]]) -> float | None:
    """Median at the largest size over the median at the smallest, when both were measured."""
    sizes = sorted(timings)
    if len(sizes) < 2 or not timings[sizes[0]]["median_ms"]:
        return None
    return float(timings[sizes[-1]]["median_ms"]) / float(timings[sizes[0]]["median_ms"])


def _size(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def _cell(timing: dict[str, Any] | None) -> str:
    if timing is None:
        return "-"
    mark = "!" if timing["error"] else ""
    return f"{timing['median_ms']:,.1f}/{timing['p90_ms']:,.0f}{mark}"


def table(results: dict[str, Any]) -> str:
    """Per request and back end: median/p90 (ms) at each size, and the growth."""
    backends = [b for b in ("sqlite", "postgres") if b in results["backends"]]
    sizes = results["sizes"]
    names: list[str] = []
    for backend in backends:
        names += [n for n in results["backends"][backend]["requests"] if n not in names]
    width = max([len(n) for n in names] + [20])
    header = f"{'request (median/p90 ms)':<{width}}"
    for backend in backends:
        cells = "".join(f"{BACKEND_NAMES[backend] + ' ' + _size(s):>18}" for s in sizes)
        header += f" |{cells}{'growth':>8}"
    lines = [header, "-" * len(header)]
    for name in names:
        line = f"{name:<{width}}"
        for backend in backends:
            timings = results["backends"][backend]["requests"].get(name, {})
            cells = "".join(f"{_cell(timings.get(s)):>18}" for s in sizes)
            grown = growth(timings)
            line += f" |{cells}{'-' if grown is None else f'{grown:,.1f}x':>8}"
        lines.append(line)
    return "\n".join(lines)


def errors(results: dict[str, Any]) -> list[str]:
    """Every request whose answer was not a success, with what it said."""
    found = []
    for backend, measured in results["backends"].items():
        for name, timings in measured["requests"].items():
            for size, timing in timings.items():
                if timing["error"]:
                    found.append(f"{backend} {_size(size)} {name}: {timing['error']}")
    return found


def plans_text(results: dict[str, Any]) -> str:
    """The plans of the requests that grow more than the target, statement by statement."""
    blocks = []
    for backend, measured in results["backends"].items():
        for name, statements in measured["plans"].items():
            grown = growth(measured["requests"][name])
            title = f"== {BACKEND_NAMES[backend]}, {name}"
            title += f": {grown:,.1f}x" if grown is not None else ""
            blocks.append(title)
            for number, statement in enumerate(statements, 1):
                sql = " ".join(statement["sql"].split())
                blocks.append(
                    f"-- statement {number} ({statement['ms']:,.1f} ms in-process,"
                    f" {statement['executions']}x): {sql[:600]}{' ...' if len(sql) > 600 else ''}"
                )
                blocks.append(statement["plan"])
            blocks.append("")
    return "\n".join(blocks)


def read_json(path: Path) -> dict[str, Any]:
    """A results file as `write_json` wrote it, sizes as integers again (JSON keys are text)."""
    results: dict[str, Any] = json.loads(path.read_text())
    for measured in results["backends"].values():
        for section in ("datasets", "rss_kib"):
            measured[section] = {int(k): v for k, v in measured[section].items()}
        measured["requests"] = {
            name: {int(size): timing for size, timing in timings.items()}
            for name, timings in measured["requests"].items()
        }
    return results


def write_json(results: dict[str, Any], path: Path) -> None:
    """Every figure of the run, with the plans, the data sets and where it ran."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str))


def chart(results: dict[str, Any], path: Path) -> None:
    """Growth (largest / smallest median) per request and back end, with the 2x target line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    backends = [b for b in ("sqlite", "postgres") if b in results["backends"]]
    names: list[str] = []
    for backend in backends:
        names += [n for n in results["backends"][backend]["requests"] if n not in names]
    if not names:
        return
    height = 0.8 / max(1, len(backends))
    figure, axes = plt.subplots(figsize=(11, 1.5 + 0.28 * len(names)))
    colours = {"sqlite": "#4c72b0", "postgres": "#dd8452"}
    largest = TARGET_GROWTH
    for offset, backend in enumerate(backends):
        requests = results["backends"][backend]["requests"]
        values = [growth(requests.get(name, {})) or 0 for name in names]
        largest = max(largest, *values)
        positions = [i + offset * height for i in range(len(names))]
        axes.barh(
            positions, values, height=height, label=BACKEND_NAMES[backend], color=colours[backend]
        )
        for position, value in zip(positions, values, strict=True):
            if value:
                axes.text(value * 1.03, position, f"{value:,.1f}x", va="center", fontsize=6)
    axes.axvline(TARGET_GROWTH, color="#c44e52", linestyle="--", label=f"target {TARGET_GROWTH}x")
    axes.set_xscale("log")
    axes.set_xlim(0.5, largest * 2)
    ticks = [t for t in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if t <= largest * 2]
    axes.set_xticks(ticks, [f"{t:g}x" for t in ticks])
    axes.minorticks_off()
    axes.set_yticks([i + height * (len(backends) - 1) / 2 for i in range(len(names))])
    axes.set_yticklabels(names, fontsize=8)
    axes.invert_yaxis()
    sizes = results["sizes"]
    axes.set_xlabel(f"median at {_size(sizes[-1])} deals / median at {_size(sizes[0])}")
    axes.set_title(f"Scale: how page-sized requests grow with the table ({results['commit']})")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes.grid(axis="x", which="both", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
