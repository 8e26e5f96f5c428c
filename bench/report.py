"""The section `make bench` writes into docs/benchmarks.md: one table, the machine, the targets."""

from __future__ import annotations

import datetime as dt

from bench.scale import SCALES, Measure

SECTION = "## National scale (`make bench`)"
GiB = 2**30
# Targets at L (issue 11): ingest within 2x the reference, full run within 4x, nightly increment
# under 60 s, nothing new in a few seconds, every stage under 8 GiB.
TARGETS = {"ingest": 2.0, "full run": 4.0}
NIGHTLY_SECONDS = 60
NOTHING_NEW_SECONDS = 10
RSS_LIMIT = 8 * GiB


def with_full_run(measures: list[Measure]) -> list[Measure]:
    """Adds per scale the full run: ingest + transform + publish on the history."""
    rows = []
    for scale in dict.fromkeys(m.scale for m in measures):
        mine = [m for m in measures if m.scale == scale]
        rows += mine
        parts = [m for m in mine if m.stage in ("ingest", "transform", "publish")]
        reference = next(m for m in mine if m.stage == "reference")
        if len(parts) == 3:
            seconds = sum(m.seconds for m in parts)
            rows.append(Measure(scale, parts[0].persons, "full run", round(seconds, 2),
                                max(m.peak_rss for m in parts), parts[-1].rows,
                                round(seconds / reference.seconds, 2)))
    return rows


def targets(measures: list[Measure]) -> list[str]:
    """One line per target at the largest scale measured: met or missed, by how much."""
    scale = max({m.scale for m in measures}, key=lambda name: SCALES[name])
    mine = {m.stage: m for m in measures if m.scale == scale}
    lines = []
    for stage, limit in TARGETS.items():
        if stage in mine:
            ratio = mine[stage].ratio
            verdict = "met" if ratio <= limit else f"**missed** by {ratio / limit:.2f}x"
            lines.append(f"- {stage} within {limit:g}x the reference: {ratio:.2f}x, {verdict}")
    for stage, limit in (("nightly increment", NIGHTLY_SECONDS), ("nothing new", NOTHING_NEW_SECONDS)):
        if stage in mine:
            seconds = mine[stage].seconds
            verdict = "met" if seconds < limit else f"**missed** by {seconds - limit:.0f} s"
            lines.append(f"- {stage} under {limit} s: {seconds:.1f} s, {verdict}")
    worst = max(mine.values(), key=lambda m: m.peak_rss)
    verdict = "met" if worst.peak_rss < RSS_LIMIT else "**missed**"
    lines.append(f"- peak RSS of every stage under 8 GiB: highest {worst.peak_rss / GiB:.2f} GiB "
                 f"({worst.stage}), {verdict}")
    return [f"Targets at {scale} ({SCALES[scale]:,} persons):", "", *lines]


def breakdown(measures: list[Measure]) -> list[str]:
    """Where each stage's time went at the largest scale: sammen's own progress timings."""
    scale = max({m.scale for m in measures}, key=lambda name: SCALES[name])
    lines = [f"Where the time goes at {scale} (each process's own progress timings; nested stages "
             "are listed inside their parent, before it):", "",
             "| stage | part | seconds |", "|---|---|---:|"]
    for m in measures:
        if m.scale == scale:
            lines += [f"| {m.stage} | {name} | {seconds:.1f} |" for name, seconds in m.parts]
    return [*lines, ""]


def section(measures: list[Measure], synth: dict[str, dict], where: str, chart: str) -> str:
    rows = with_full_run(measures)
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} by `make bench` (`python -m bench`) on {where}.",
        "Each stage is its own process (wall-clock seconds, peak RSS from `wait4`); *ratio* is the "
        "stage's time over the reference: plain DuckDB loading the same history files into tables "
        "(cp1252 files transcoded beforehand, untimed). *history* = every partner's first, full "
        "delivery; *nightly increment* = the later `__delta`/re-delivered files through "
        "`sammen run`; *nothing new* = `sammen run` again. *full run* = ingest + transform + "
        "publish (its RSS is the highest of the three).",
        "",
        "| scale | persons | stage | seconds | ratio | peak RSS GiB | rows |",
        "|---|---:|---|---:|---:|---:|---:|",
        *(f"| {m.scale} | {m.persons:,} | {m.stage} | {m.seconds:.1f} | {m.ratio:.2f} | "
          f"{m.peak_rss / GiB:.2f} | {m.rows:,} |" for m in rows),
        "",
        "Rows: reference and ingest = rows loaded; transform = rows of all marts; publish = "
        "published indicator cells; increment = rows loaded from the new files.",
        "",
        "Synthetic extracts (`sammen synth --seed 7`, cached under `var/bench/<scale>/synth/`): "
        + "; ".join(f"{name} {info['files']} files, {info['bytes'] / 1e9:.2f} GB, generated in "
                    f"{info['seconds']:.0f} s" for name, info in synth.items()) + ".",
        "",
        *targets(rows),
        "",
        *breakdown(measures),
        f"![time and peak memory per stage against persons, log axes]({chart})",
        "",
    ]
    return "\n".join(lines)
