"""National scale: the whole pipeline at S, M and L against a plain DuckDB load of the same files.

Per scale, in one run on the same files (`python -m bench --scale S|M|L`, default all three):
1. synthetic extracts (`sammen synth`, seed 7), generated once and cached in
   `<root>/<scale>/synth/landing/` (`synth.json` records what was generated);
2. the history: every source's first delivery (its earliest extract date, full extracts), linked
   into a fresh home `<root>/<scale>/home/`; the later deliveries (`__delta` and re-delivered
   files) are the nightly increment;
3. the reference: plain DuckDB loading the history's files into tables (`bench.reference`: CSV
   and Parquet, cp1252 files transcoded to UTF-8 beforehand, untimed), no checks;
4. `sammen ingest`, `sammen transform`, `sammen publish` on the history, each a separate process;
5. the nightly increment through `sammen run`, then `sammen run` once more with nothing new.
Every step is a child process timed by wall clock with its own peak RSS (`os.wait4`), and every
time is also given as a ratio to the reference, which survives a noisy shared machine.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from contracts import sql
from core.database import scalar

SCALES = {"S": 2_000, "M": 100_000, "L": 1_500_000}
SEED = 7
STAGES = ("reference", "ingest", "transform", "publish", "nightly increment", "nothing new")
_CHUNK = 64 * 1024 * 1024
COMMAND_MARK = "### bench runs: "
# sammen's progress lines ("<== dbt build, full ... done in 12.3 s"): where a stage's time went
_DONE = re.compile(r"^<== (.+) done in ([0-9.]+) s$", re.M)
# and the byte-level erasure of a withdrawal applied that night (transform.build.complete_erasure)
_REWRITTEN = re.compile(r"^(warehouse rewritten) without erased rows in ([0-9.]+) s$", re.M)


@dataclass(frozen=True)
class Measure:
    scale: str
    persons: int
    stage: str
    seconds: float
    peak_rss: int  # bytes
    rows: int
    ratio: float = 0.0  # seconds / the reference's seconds
    parts: tuple[tuple[str, float], ...] = ()  # the stage's own progress timings, in order


def sammen_command() -> list[str]:
    script = Path(sys.executable).with_name("sammen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sammen.cli"]


def timed(command: list[str], log: Path) -> tuple[float, int]:
    """Run `command` (output appended to `log`); its wall-clock seconds and peak RSS in bytes."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{COMMAND_MARK}{' '.join(command)}\n")
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[1] if len(command) > 1 else command[0]} failed "
                           f"(exit {process.returncode}); see {log}")
    return seconds, usage.ru_maxrss * 1024


def synthesised(root: Path, scale: str, log: Path) -> dict:
    """The scale's extracts, generated once (same persons and seed → the cache is reused)."""
    folder = root / scale / "synth"
    stamp = folder / "synth.json"
    wanted = {"persons": SCALES[scale], "seed": SEED}
    if stamp.exists() and {k: v for k, v in json.loads(stamp.read_text()).items() if k in wanted} == wanted:
        return json.loads(stamp.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    seconds, rss = timed([*sammen_command(), "synth", "--home", str(folder), "--persons",
                          str(SCALES[scale]), "--seed", str(SEED)], log)
    files = [path for path in (folder / "landing").rglob("*") if path.is_file()]
    info = wanted | {"seconds": round(seconds, 1), "peak_rss": rss, "files": len(files),
                     "bytes": sum(path.stat().st_size for path in files)}
    stamp.write_text(json.dumps(info))
    return info


def deliveries(landing: Path) -> tuple[list[Path], list[Path]]:
    """(history, increment): per source, the files of its earliest extract date, and the rest.
    Manifests travel with their file."""
    history: list[Path] = []
    increment: list[Path] = []
    for source in sorted(path for path in landing.iterdir() if path.is_dir()):
        files = sorted(path for path in source.iterdir() if not path.name.endswith(".manifest.json"))
        dates = {path: re.findall(r"__(\d{8})", path.name)[0] for path in files}
        first = min(dates.values())
        for path in files:
            (history if dates[path] == first else increment).append(path)
    return history, increment


def deliver(files: list[Path], home: Path) -> None:
    """Hard links into the home's landing folders (ingestion moves them; the cache keeps its own)."""
    for path in files:
        for each in (path, path.with_name(path.name + ".manifest.json")):
            if each.exists():
                target = home / "landing" / path.parent.name / each.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(each, target)


def utf8_inputs(files: list[Path], folder: Path) -> list[Path]:
    """The reference's inputs: cp1252 CSV files transcoded to UTF-8 (cached), the rest as they are."""
    inputs = []
    for path in files:
        if path.suffix == ".csv" and not _is_utf8(path):
            target = folder / path.parent.name / path.name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".partial")
                with path.open(encoding="cp1252", newline="") as source, \
                        partial.open("w", encoding="utf-8", newline="") as out:
                    while chunk := source.read(_CHUNK):
                        out.write(chunk)
                partial.replace(target)
            path = target
        inputs.append(path)
    return inputs


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _count(home: Path, query: str, parameters: list[object] | None = None) -> int:
    with duckdb.connect(str(home / "warehouse" / "sammen.duckdb"), read_only=True) as con:
        return int(scalar(con, query, parameters or []) or 0)


def _loaded_since(home: Path, file_id: int) -> int:
    return _count(home, "select sum(rows_loaded) from ledger.files where file_id > ?", [file_id])


def _last_file_id(home: Path) -> int:
    return _count(home, "select max(file_id) from ledger.files")


def _mart_rows(home: Path) -> int:
    with duckdb.connect(str(home / "warehouse" / "sammen.duckdb"), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        return sum(scalar(con, f"select count(*) from {sql.ident('marts', name)}") for name in tables)


def _published_rows(home: Path) -> int:
    with (home / "published" / "indicators.csv").open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def run_scale(root: Path, scale: str, progress=print) -> tuple[list[Measure], dict]:
    """Measure one scale; returns the measures and the synthetic extracts' facts."""
    persons = SCALES[scale]
    base = root / scale
    base.mkdir(parents=True, exist_ok=True)
    log = base / "bench.log"
    log.write_text("")
    synth = synthesised(root, scale, log)
    history, increment = deliveries(base / "synth" / "landing")
    home = base / "home"
    shutil.rmtree(home, ignore_errors=True)
    deliver(history, home)
    sammen = sammen_command()
    measures: list[Measure] = []

    def measure(stage: str, command: list[str], rows: Callable[[], int]) -> None:
        progress(f"    {scale} {stage} ...")
        seconds, rss = timed(command, log)
        measures.append(Measure(scale, persons, stage, round(seconds, 2), rss, rows(), parts=_parts(log)))
        progress(f"    {scale} {stage}: {seconds:.1f} s, peak RSS {rss / 2**30:.2f} GiB")

    reference = base / "reference.duckdb"
    reference.unlink(missing_ok=True)
    inputs = utf8_inputs(history, base / "utf8")
    measure("reference", [sys.executable, "-m", "bench.reference", str(reference), *map(str, inputs)],
            lambda: _reference_rows(log))
    reference.unlink(missing_ok=True)
    measure("ingest", [*sammen, "ingest", "--home", str(home)],
            lambda: _loaded_since(home, 0))
    history_files = _last_file_id(home)
    measure("transform", [*sammen, "transform", "--home", str(home)], lambda: _mart_rows(home))
    measure("publish", [*sammen, "publish", "--home", str(home)], lambda: _published_rows(home))
    deliver(increment, home)
    measure("nightly increment", [*sammen, "run", "--home", str(home)],
            lambda: _loaded_since(home, history_files))
    last = _last_file_id(home)
    measure("nothing new", [*sammen, "run", "--home", str(home)], lambda: _loaded_since(home, last))
    seconds = measures[0].seconds
    return [Measure(**(asdict(m) | {"ratio": round(m.seconds / seconds, 2)})) for m in measures], synth


def _parts(log: Path) -> tuple[tuple[str, float], ...]:
    """The progress timings printed by the last command in the log (outermost stages only)."""
    output = log.read_text(encoding="utf-8").rsplit(COMMAND_MARK, 1)[-1]
    found = [(match.start(), match.group(1), float(match.group(2)))
             for pattern in (_DONE, _REWRITTEN) for match in pattern.finditer(output)]
    return tuple((name, seconds) for _, name, seconds in sorted(found))


def _reference_rows(log: Path) -> int:
    """The reference prints its row count as the last line of its output."""
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return int(lines[-1])
