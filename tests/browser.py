"""A tiny headless-Chromium driver over the DevTools pipe (stdlib only): load a page and
report its images and console errors. Debian's `chromium` package provides the browser."""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")


def find_chromium() -> str | None:
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


class Browser:
    """Chromium with --remote-debugging-pipe: commands on its fd 3, answers on its fd 4."""

    def __init__(self, binary: str, timeout: float = 60.0):
        self.timeout, self.next_id, self.events, self.buffer = timeout, 0, [], b""
        self.profile = tempfile.mkdtemp(prefix="negsim-chromium-")
        to_child, self.write_fd = os.pipe()
        self.read_fd, from_child = os.pipe()

        def wire():  # in the child: the pipe ends become fds 3 and 4 (via high fds: no clobbering)
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(  # close_fds=False: dup2 leaves 3 and 4 inheritable, the rest is not (PEP 446)
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "about:blank"],
            close_fds=False, preexec_fn=wire, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id)

    def wait(self, done) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if done(message):
                    if "error" in message:
                        raise RuntimeError(message["error"])
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.read_fd], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk

    def open(self, url: str, width: int = 1400, height: int = 1000) -> str:
        """Open `url` in a new tab of the given size; return its session once the page has loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        return session

    def evaluate(self, session: str, expression: str):
        """The value of a JavaScript expression in the page (a promise awaited)."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=session)["result"]
        if "exceptionDetails" in answer:
            raise RuntimeError(answer["exceptionDetails"].get("exception", {}).get("description", answer["exceptionDetails"]))
        return answer["result"].get("value")

    def wait_for(self, session: str, expression: str, timeout: float = 60.0):
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(session, expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never made {expression!r} true")
            time.sleep(0.1)

    def errors(self, session: str) -> list[dict]:
        """The console errors and uncaught exceptions of the tab so far."""
        return [e for e in self.events if e.get("sessionId") == session and (
            e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
            or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"))]

    def screenshot(self, session: str, path) -> None:
        import base64

        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["result"]["data"]))

    def load(self, url: str) -> dict:
        """Open `url`; return its images [(complete, naturalWidth)] and console errors."""
        session = self.open(url)
        script = "JSON.stringify(Array.from(document.images).map(i => [i.complete, i.naturalWidth]))"
        return {"images": json.loads(self.evaluate(session, script)), "errors": self.errors(session)}

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.write_fd)
        os.close(self.read_fd)
        shutil.rmtree(self.profile, ignore_errors=True)
