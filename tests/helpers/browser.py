"""Headless Chromium for tests: open a page, collect its console, evaluate, take screenshots.

Chromium (Debian's `chromium` package, `make system-deps`) is driven over the DevTools
protocol through `--remote-debugging-pipe`: two anonymous pipes on file descriptors 3 and 4,
messages as JSON separated by NUL. No port is opened and no extra package is needed, so tests
running side by side cannot collide. Console messages come from three DevTools sources so that
nothing slips through: `Runtime.consoleAPICalled` (console.error(...)), `Runtime.exceptionThrown`
(uncaught errors, syntax errors) and `Log.entryAdded` (failed loads, Content-Security-Policy
violations). Every request the page makes is recorded as well, so a test can prove that a page
loads nothing from the network.

    with Browser() as browser:
        page = browser.open(Path("report.html"))
        assert not page.errors
        page.evaluate("document.querySelector('button').click()")
        page.screenshot(Path("test-artifacts/report.png"))

`load_page(path, screenshot=...)` does the same in one call and returns a `PageReport`.
A missing Chromium raises `ChromiumMissing` (an AssertionError): the test fails, never skips.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("SAMMEN_CHROMIUM", "/usr/bin/chromium"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # any host name fails to resolve: a page that reaches for the network errors loudly
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)
TIMEOUT = 30.0


class ChromiumMissing(AssertionError):
    """Chromium is not installed; an AssertionError so that pytest reports a failure."""


class BrowserError(RuntimeError):
    """Chromium answered a DevTools command with an error, or did not answer in time."""


@dataclass(frozen=True)
class ConsoleMessage:
    level: str  # "error", "warning", "info", "verbose"
    text: str
    source: str  # "console-api", "exception", or Log's source ("network", "security", ...)
    url: str | None = None


@dataclass(frozen=True)
class PageReport:
    console: list[ConsoleMessage]
    requests: list[str]
    screenshot: bytes | None

    @property
    def errors(self) -> list[ConsoleMessage]:
        return [m for m in self.console if m.level == "error"]


def chromium_path() -> Path:
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        raise ChromiumMissing(
            f"headless Chromium not found at {CHROMIUM}: run `make system-deps`"
            " (installs Debian's chromium package) and run the test again"
        )
    return CHROMIUM


class _Pipe:
    """The DevTools pipe: send a command, wait for its answer, keep the events that pass by."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self._write_fd = write_fd
        self._read_fd = read_fd
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = TIMEOUT,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline, method)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, method: str, session: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method and event.get("sessionId") == session:
                    return event.get("params", {})
            seen = len(self.events)
            self.events.append(self._receive(deadline, method))

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._read_fd], [], [], max(remaining, 0))
            if not ready:
                raise BrowserError(f"Chromium did not answer {waiting_for} in time")
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise BrowserError(
                    f"Chromium closed the DevTools pipe while waiting for {waiting_for}"
                )
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)


class Page:
    """One tab; its console and requests are read from the events seen so far."""

    def __init__(self, pipe: _Pipe, session: str) -> None:
        self._pipe = pipe
        self._session = session

    def send(self, method: str, params: dict | None = None) -> dict[str, Any]:
        return self._pipe.send(method, params, self._session)

    def _events(self, method: str) -> list[dict[str, Any]]:
        return [
            e.get("params", {})
            for e in self._pipe.events
            if e.get("sessionId") == self._session and e.get("method") == method
        ]

    @property
    def console(self) -> list[ConsoleMessage]:
        self.evaluate("0")  # drain: events sent before this answer are now in the list
        messages = [_from_console_api(p) for p in self._events("Runtime.consoleAPICalled")]
        messages += [_from_exception(p) for p in self._events("Runtime.exceptionThrown")]
        messages += [_from_log(p) for p in self._events("Log.entryAdded")]
        return messages

    @property
    def errors(self) -> list[ConsoleMessage]:
        return [m for m in self.console if m.level == "error"]

    @property
    def requests(self) -> list[str]:
        self.evaluate("0")
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited); a thrown error raises."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"evaluating {expression!r} threw: {description}")
        return result.get("result", {}).get("value")

    def settle(self) -> None:
        """Wait for two animation frames: layout and paint after a change are done."""
        self.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))"
        )

    def screenshot(self, path: Path | None = None, *, full_page: bool = True) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return data


def _from_console_api(params: dict[str, Any]) -> ConsoleMessage:
    kind = params.get("type", "log")
    level = {"error": "error", "assert": "error", "warning": "warning"}.get(kind, "info")
    text = " ".join(
        str(arg.get("value", arg.get("description", arg.get("type", ""))))
        for arg in params.get("args", [])
    )
    frames = params.get("stackTrace", {}).get("callFrames", [])
    return ConsoleMessage(level, text, "console-api", frames[0]["url"] if frames else None)


def _from_exception(params: dict[str, Any]) -> ConsoleMessage:
    details = params.get("exceptionDetails", {})
    text = details.get("exception", {}).get("description") or details.get("text", "")
    return ConsoleMessage("error", text, "exception", details.get("url"))


def _from_log(params: dict[str, Any]) -> ConsoleMessage:
    entry = params.get("entry", {})
    return ConsoleMessage(
        entry.get("level", "info"),
        entry.get("text", ""),
        entry.get("source", "other"),
        entry.get("url"),
    )


@dataclass
class Browser:
    """A headless Chromium with its own throw-away profile; use as a context manager."""

    extra_flags: tuple[str, ...] = ()
    _process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _pipe: _Pipe | None = field(default=None, init=False, repr=False)
    _profile: str | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> Browser:
        executable = chromium_path()
        self._profile = tempfile.mkdtemp(prefix="sammen-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # runs in the child: Chromium reads fd 3 and writes fd 4
            read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        log = open(Path(self._profile) / "chromium.log", "wb")
        try:
            self._process = subprocess.Popen(
                [
                    str(executable),
                    *FLAGS,
                    *self.extra_flags,
                    f"--user-data-dir={self._profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(3, 4),
                preexec_fn=wire_fds,
            )
        finally:
            log.close()
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        self._pipe = _Pipe(to_chrome_w, from_chrome_r)
        try:
            self._pipe.send("Browser.getVersion", timeout=60)
        except BrowserError as error:
            log_tail = self._log_tail()
            self._stop()
            raise BrowserError(f"{error}; Chromium's output ends with:\n{log_tail}") from error
        return self

    def _log_tail(self, lines: int = 15) -> str:
        log = Path(self._profile or "") / "chromium.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def open(self, target: Path | str, *, width: int = 1280, height: int = 900) -> Page:
        """A new tab showing a file (Path) or URL (str), returned after its load event."""
        assert self._pipe is not None, "use Browser() as a context manager"
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        target_id = self._pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._pipe.send(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}
        )["sessionId"]
        page = Page(self._pipe, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        navigation = page.send("Page.navigate", {"url": url})
        if navigation.get("errorText"):
            raise BrowserError(f"could not open {url}: {navigation['errorText']}")
        self._pipe.wait_for("Page.loadEventFired", session)
        page.settle()
        return page

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._pipe is not None:
                self._pipe.send("Browser.close", timeout=10)
        except (BrowserError, OSError):
            pass
        finally:
            self._stop()

    def _stop(self) -> None:
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._pipe is not None:
            for fd in (self._pipe._write_fd, self._pipe._read_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)


def load_page(
    target: Path | str, *, screenshot: Path | None = None, width: int = 1280
) -> PageReport:
    """Open a page once: its console messages, its requests and (optionally saved) screenshot."""
    with Browser() as browser:
        page = browser.open(target, width=width)
        image = page.screenshot(screenshot)
        return PageReport(page.console, page.requests, image)
