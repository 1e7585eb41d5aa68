"""Record a real /metrics endpoint into series, and judge the alert rules on them with promtool.

Time scaling: the rules say "for 5m"; the scenarios run in seconds. Every recorded sample at real time
``t`` is placed at virtual time ``(t - t0) * scale`` (``t0`` = the first answered scrape), and the values of
``*_timestamp_seconds`` gauges (Unix times) go through the same map, so ``time() - <timestamp>`` in a rule
means the same on both clocks. Nothing else is changed: the rule expressions, ``for`` durations and label
sets are the real ones from monitoring/alerts, evaluated by ``promtool test rules`` (the Prometheus engine).

A failed scrape records ``up 0`` and marks every other series stale, as the Prometheus server does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[3]
ALERTS_DIR = REPO / "monitoring" / "alerts"
STEP_VIRTUAL = 15  # seconds: the evaluation interval of the generated test (Prometheus' usual)

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def promtool() -> str:
    found = shutil.which("promtool") or str(REPO / ".cache" / "bin" / "promtool")
    if not Path(found).exists():
        raise AssertionError("promtool missing: run `make tools` (scripts/install_tools.sh)")
    return found


def parse_exposition(text: str) -> dict[SeriesKey, float]:
    out: dict[SeriesKey, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = float(sample.value)
    return out


@dataclass
class Scrape:
    at: float  # time.time() when the scrape started
    series: dict[SeriesKey, float] | None  # None: the target did not answer


@dataclass
class Recording:
    job: str
    instance: str
    scrapes: list[Scrape] = field(default_factory=list)

    @property
    def t0(self) -> float:
        answered = [s.at for s in self.scrapes if s.series is not None]
        if not answered:
            raise AssertionError(f"{self.job}: no scrape of /metrics ever answered")
        return answered[0]

    def values_of(self, name: str) -> list[tuple[dict[str, str], float]]:
        """Every recorded sample of metric `name` (with its labels), `up` included."""
        found: list[tuple[dict[str, str], float]] = []
        for scrape in self.scrapes:
            if scrape.at < self.t0:
                continue
            target = {"job": self.job, "instance": self.instance}
            if name == "up":
                found.append((target, 1.0 if scrape.series is not None else 0.0))
                continue
            for (metric, labels), value in (scrape.series or {}).items():
                if metric == name:
                    found.append(({**dict(labels), **target}, value))
        return found


class Recorder:
    """Scrapes `url` every `every` seconds on a thread until stopped (a Prometheus scrape loop)."""

    def __init__(self, url: str, *, job: str, instance: str, every: float = 0.1) -> None:
        self.url = url
        self.every = every
        self.recording = Recording(job, instance)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"scrape-{job}", daemon=True)

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=max(self.every * 5, 1.0), trust_env=False) as client:
            while not self._stop.is_set():
                at = time.time()
                series: dict[SeriesKey, float] | None
                try:
                    response = client.get(self.url)
                    series = parse_exposition(response.text) if response.status_code == 200 else None
                except (httpx.HTTPError, OSError, ValueError):
                    series = None
                # Before the first answer the target is not "down", it is not there yet (no samples).
                if series is not None or any(s.series is not None for s in self.recording.scrapes):
                    self.recording.scrapes.append(Scrape(at, series))
                self._stop.wait(max(0.0, self.every - (time.time() - at)))

    def answered(self) -> int:
        return sum(1 for s in self.recording.scrapes if s.series is not None)

    def wait_until(
        self, predicate: Callable[[dict[SeriesKey, float]], bool], timeout: float, what: str
    ) -> None:
        """Poll the latest answered scrape until `predicate(series)` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = next((s for s in reversed(self.recording.scrapes) if s.series is not None), None)
            if latest is not None and latest.series is not None and predicate(latest.series):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what} on {self.url}")

    def elapsed(self) -> float:
        return time.time() - self.recording.t0


def value(series: dict[SeriesKey, float], name: str, **labels: str) -> float | None:
    for (metric, have), v in series.items():
        if metric == name and all(dict(have).get(k) == want for k, want in labels.items()):
            return v
    return None


# --- the promtool test file -------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return repr(float(v))


def _series_text(name: str, labels: dict[str, str]) -> str:
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    body = ",".join(f'{k}="{esc(v)}"' for k, v in sorted(labels.items()))
    return f"{name}{{{body}}}"


def input_series(rec: Recording, scale: float, names: set[str]) -> tuple[list[dict[str, str]], int]:
    """The recording resampled onto a STEP_VIRTUAL grid; returns (input_series, number of steps)."""
    t0 = rec.t0
    scrapes = [s for s in rec.scrapes if s.at >= t0]
    step_real = STEP_VIRTUAL / scale
    steps = int((scrapes[-1].at - t0) / step_real) + 1
    # the latest scrape at or before each grid point
    picked: list[Scrape] = []
    i = 0
    for k in range(steps):
        edge = t0 + k * step_real
        while i + 1 < len(scrapes) and scrapes[i + 1].at <= edge:
            i += 1
        picked.append(scrapes[i])
    keys: set[SeriesKey] = {key for s in picked for key in (s.series or {}) if key[0] in names}
    extra = {"job": rec.job, "instance": rec.instance}
    result = []
    for name, labels in sorted(keys):
        values = []
        seen = False
        for scrape in picked:
            if scrape.series is None:
                values.append("stale" if seen else "_")
                continue
            raw = scrape.series.get((name, labels))
            if raw is None:
                values.append("_")
                continue
            seen = True
            if name.endswith("_timestamp_seconds") and raw > 0:
                # A Unix time on the same affine map as the sample times (0 stays "never").
                raw = (raw - t0) * scale
            values.append(_fmt(raw))
        result.append({"series": _series_text(name, {**dict(labels), **extra}), "values": " ".join(values)})
    up = " ".join("1" if s.series is not None else "0" for s in picked)
    result.append({"series": _series_text("up", extra), "values": up})
    return result, steps


def rule_files() -> list[Path]:
    return sorted(ALERTS_DIR.glob("*.yml"))


def all_rules() -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for path in rule_files():
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    rules[rule["alert"]] = rule
    return rules


FIRED = 'max by (alertname) (max_over_time(ALERTS{{alertstate="firing"{extra}}}[{window}s]))'


def write_test(
    rec: Recording, scale: float, names: set[str], expect: Iterable[str], path: Path
) -> tuple[Path, int]:
    """A promtool test file: the recorded series, and for each expected alert "it fired"; for none,
    "nothing fired". Returns (path, virtual seconds covered)."""
    series, steps = input_series(rec, scale, names)
    end = (steps - 1) * STEP_VIRTUAL
    expect = sorted(expect)
    checks: list[dict[str, Any]]
    if expect:
        checks = [
            {
                "expr": FIRED.format(extra=f', alertname="{a}"', window=end + STEP_VIRTUAL),
                "eval_time": f"{end}s",
                "exp_samples": [{"labels": f'{{alertname="{a}"}}', "value": 1}],
            }
            for a in expect
        ]
    else:
        checks = [
            {
                "expr": FIRED.format(extra="", window=end + STEP_VIRTUAL),
                "eval_time": f"{end}s",
                "exp_samples": [],
            }
        ]
    doc = {
        "rule_files": [str(p) for p in rule_files()],
        "evaluation_interval": f"{STEP_VIRTUAL}s",
        "tests": [{"interval": f"{STEP_VIRTUAL}s", "input_series": series, "promql_expr_test": checks}],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False, width=1_000_000))
    return path, end


def fired_alerts(rec: Recording, scale: float, names: set[str], workdir: Path) -> set[str]:
    """Which alerts promtool saw firing at any time of the recording (for messages and the report)."""
    path, _ = write_test(rec, scale, names, (), workdir / "fired-probe.yml")
    proc = subprocess.run(
        [promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    if proc.returncode == 0:
        return set()
    return set(re.findall(r'alertname="([^"]+)"', proc.stdout + proc.stderr))


def run_promtool(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )


# --- "an alert whose metric is never set fails" -----------------------------------------------------

_SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?")
_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"')


def selectors(expr: str, metric_names: set[str]) -> list[tuple[str, dict[str, str]]]:
    """(metric, equality matchers) for each metric the expression selects (names from `metric_names`)."""
    found = []
    for match in _SELECTOR.finditer(expr):
        name = match.group(1)
        if name in metric_names:
            found.append((name, dict(_MATCHER.findall(match.group(2) or ""))))
    return found


def never_moved(
    rec: Recording, expr: str, metric_names: set[str], defaults: dict[SeriesKey, float]
) -> list[str]:
    """Selectors of `expr` whose every recorded sample kept the never-updated value.

    The default of a series is its value in a fresh registry (`defaults`); `up`'s default is 1 (the
    target answers), and a series missing from `defaults` defaults to 0.
    """
    stuck = []
    for name, matchers in selectors(expr, metric_names):
        moved = False
        for labels, v in rec.values_of(name):
            if any(labels.get(k) != want for k, want in matchers.items()):
                continue
            own = tuple(sorted((k, v) for k, v in labels.items() if k not in ("job", "instance")))
            default = 1.0 if name == "up" else defaults.get((name, own), 0.0)
            if v != default:
                moved = True
                break
        shown = f"{name}{matchers or ''}"
        if not moved and shown not in stuck:
            stuck.append(shown)
    return stuck


# --- one verdict per scenario -----------------------------------------------------------------------


def exposed(text: str) -> tuple[set[str], dict[SeriesKey, float]]:
    """(metric names, never-updated values) of a fresh registry's exposition, `up` included."""
    defaults = parse_exposition(text)
    names = {key[0] for key in defaults} | {"up"}
    for line in text.splitlines():  # a labelled histogram has no samples before its first observation
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split()
            names.add(family)
            if kind == "histogram":
                names.update({f"{family}_bucket", f"{family}_sum", f"{family}_count"})
    return names, defaults


def judge(
    rec: Recording,
    *,
    scale: float,
    expect: frozenset[str],
    fresh_exposition: str,
    workdir: Path,
    scenario: str,
) -> str:
    """promtool on the recording: every expected alert fired (none for `expect` empty), and every metric
    an expected alert reads left its never-updated value. Returns a one-line summary."""
    names, defaults = exposed(fresh_exposition)
    rules = all_rules()
    referenced = {name for r in rules.values() for name, _ in selectors(r["expr"], names)}
    path, end = write_test(rec, scale, referenced, expect, workdir / "recorded_test.yml")
    fired = fired_alerts(rec, scale, referenced, workdir)
    proc = run_promtool(path)
    answered = sum(1 for s in rec.scrapes if s.series is not None)
    detail = (
        f"scenario {scenario}: {answered}/{len(rec.scrapes)} scrapes answered over {end}s virtual; "
        f"alerts that fired: {sorted(fired) or 'none'}"
    )
    print(detail)
    stuck = {a: never_moved(rec, rules[a]["expr"], names, defaults) for a in sorted(expect)}
    stuck = {a: s for a, s in stuck.items() if s}
    unset = "".join(
        f"\n{a}: in its scenario these never left their never-updated value: {s}" for a, s in stuck.items()
    )
    verdict = f"{detail}{unset}\n{proc.stdout}{proc.stderr}\n(series in {path})"
    # One message for both checks: a metric left unset usually explains the alert that did not fire.
    assert not stuck, verdict
    assert proc.returncode == 0, verdict
    if not expect:
        assert fired == set(), detail
    return detail
