"""The chart of `make bench`: seconds and peak memory of each stage against the scale, log axes."""

from __future__ import annotations

from pathlib import Path

from bench.scale import STAGES, Measure


def draw(measures: list[Measure], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    for stage in STAGES:
        points = sorted((m.persons, m.seconds, m.peak_rss / 2**30) for m in measures if m.stage == stage)
        if not points:
            continue
        persons = [p for p, _, _ in points]
        style = {"marker": "o", "label": stage, "linestyle": "--" if stage == "reference" else "-"}
        time_axis.plot(persons, [s for _, s, _ in points], **style)
        memory_axis.plot(persons, [r for _, _, r in points], **style)
    for axis, label in ((time_axis, "seconds (wall clock)"), (memory_axis, "peak RSS (GiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("persons")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    memory_axis.axhline(8, color="grey", linewidth=0.8)  # the target: every stage under 8 GiB
    time_axis.legend(fontsize=8)
    time_axis.set_title("time per stage")
    memory_axis.set_title("peak memory per stage (target < 8 GiB)")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
