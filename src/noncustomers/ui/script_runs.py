"""The app's script runs in a browser page, followed on its websocket (Streamlit's
protobufs): for the browser tests and benchmarks that drive the app with Playwright.

A page shows nothing of a rerun that is asked for but not started, and Streamlit 1.67 clears
a session's outgoing queue when a run starts (with it, the answer to an uploader's request
for upload URLs if that is not sent yet: the uploader then waits forever).  So a driver
acts once the app is :attr:`ScriptRuns.quiet`.  Works with Playwright's sync and async
pages alike (both call event handlers synchronously); imports no Playwright.
"""

from __future__ import annotations

import time

__all__ = ["DRAWN_JS", "ScriptRuns"]

#: ``page.wait_for_function(DRAWN_JS, arg=[slug, heading, idle])``: true once the page at
#: URL path ``slug`` (None: any) shows its own chart: the main area's h1 starts with
#: ``heading``, a Plotly chart is drawn there, nothing in it is stale (left over from the
#: previous run or page) and, with ``idle``, the status widget ("Running...") is gone.
DRAWN_JS = """
([slug, heading, idle]) => {
    const path = window.location.pathname.replace(/\\/+$/, "");
    if (slug !== null && !path.endsWith("/" + slug) && !(slug === "" && path === ""))
        return false;
    const main = document.querySelector("[data-testid=stMain]");
    if (!main) return false;
    const h1 = main.querySelector("h1");
    if (!h1 || !h1.innerText.trim().startsWith(heading)) return false;
    if (!main.querySelector(".js-plotly-plot .main-svg")) return false;
    if (main.querySelector("[data-stale=true]")) return false;
    if (idle && document.querySelector("[data-testid=stStatusWidget]")) return false;
    return true;
}
"""

_LOGGED = ("rerun_script", "new_session", "script_finished", "file_urls_request",
           "file_urls_response")


class ScriptRuns:
    """Counts and states of the script runs of the app open in ``page``; with ``events``,
    each rerun, run start and end and upload-URL exchange is appended to it (timed), for a
    failure message."""

    def __init__(self, page, events: list[str] | None = None) -> None:
        self.reruns_asked = 0        # rerun_script messages the page sent
        self.rerun_pending = False   # a rerun asked for and not started yet
        self.running = False
        self.finished = 0            # script runs that ended
        self._events = events
        page.on("websocket", self._attach)

    @property
    def quiet(self) -> bool:
        """No rerun asked for, none running."""
        return not (self.rerun_pending or self.running)

    def _attach(self, ws) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        ws.on("framesent", lambda payload: self._frame(BackMsg, payload))
        ws.on("framereceived", lambda payload: self._frame(ForwardMsg, payload))

    def _frame(self, kind, payload: bytes | str) -> None:
        from google.protobuf.message import DecodeError

        msg = kind()
        try:
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
        except DecodeError:
            return
        what = msg.WhichOneof("type")
        if what == "rerun_script":
            self.reruns_asked += 1
            self.rerun_pending = True
        elif what == "new_session":  # the first message of every script run
            self.rerun_pending, self.running = False, True
        elif what == "script_finished":
            self.running = False
            self.finished += 1
        elif what == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        if self._events is not None and what in _LOGGED:
            self._events.append(f"{time.strftime('%H:%M:%S')} websocket {what}")
