"""The live-assist WebSocket: one ``assist.Session`` per call, which outlives a dropped connection.

Protocol (JSON text frames, plus binary audio):

client → server
  ``{"type": "start", "kb": "default", "as_of": "2026-12-01"}``   (optional; defaults from settings)
  binary: 1 byte speaker tag (0 agent, 1 customer) + 16 kHz mono little-endian int16 PCM
  ``{"type": "end_audio"}``                                       the call's audio is over
  ``{"type": "play", "recording": "NAME", "speed": 1.0}``         stream a recording as a live call
  ``{"type": "stop"}``                                            stop playing
  ``{"type": "turn", "speaker": "customer", "text": "..."}``      a chat/text turn
  ``{"type": "search", "text": "...", "k": 5}``                   the agent's own search
  ``{"type": "feedback", "suggestion_id": "...", "action": "useful"}``
  ``{"type": "answer", "text": "..."}``                           a generated answer (when configured)
  ``{"type": "resume", "session_id": "...", "token": "..."}``     first message only: take a session back

server → client
  ``ready`` {session_id, resume_token, kb, as_of, answers}; ``resumed`` {session_id, resume_token, kb,
  as_of, answers, turns, suggestions}; ``transcript`` {speaker, utterance, confirmed, tentative,
  final, start, end, turn}; ``suggestion`` {suggestion}; ``results`` {query, hits}; ``playing``
  {recording, duration, started_at}; ``played`` {recording}; ``feedback_saved`` {suggestion_id,
  doc_id, action, id}; ``answer`` {text, cited, grounded}; ``error`` {message, code?}.

Resuming. Every connection starts a session and says so in ``ready``, with a ``resume_token``: a
random secret of that session (keep it with the session id; a ``start`` makes a new session, and its
``ready`` a new token). When a connection ends in any other way than a normal close (code 1000: the
call is over, the session is discarded), the session is kept ``LiveOptions.resume_grace_s`` seconds
(60 by default). A client that reconnects within that time sends ``resume`` as its first message and
gets the same session back in one ``resumed`` message: the turns so far (``{index, speaker, text,
start, end}``) and the suggestions already shown (as in ``suggestion``, oldest first). New turns go
on from there, a document already suggested is not suggested again, and feedback on earlier cards
still works. Audio streams are closed by the drop: a recording playing then is not resumed, and
audio sent after the resume opens new utterances. A session still attached to a connection the
server has not seen drop is taken over: that connection is closed with code 4001. An unknown or
expired session, or a wrong token, gets an ``error`` with ``code: "resume_failed"`` followed by
``ready`` for the fresh session the connection started with.

Recognition runs in one thread per speaker so audio keeps flowing while Whisper decodes; events
come back to the event loop through a queue and leave in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect

from api import kb_service
from api.load_shedding import database_unavailable, storage_error
from api.runtime import Runtime
from common.errors import CallscopeError, InvalidInput, NotFound

if TYPE_CHECKING:
    from assist import AssistOptions, Session

__all__ = [
    "FRAME_S",
    "RESUME_GRACE_S",
    "SPEAKER_TAGS",
    "LiveOptions",
    "SessionRegistry",
    "find_recording",
    "list_recordings",
    "registry",
    "router",
]

router = APIRouter()
_log = logging.getLogger(__name__)

SPEAKER_TAGS = {0: "agent", 1: "customer"}
FRAME_S = 0.1  # the size of the audio frames a played recording is cut into
_SAMPLE_RATE = 16_000
_AUDIO_SUFFIXES = (".flac", ".wav", ".mp3", ".ogg", ".m4a", ".opus")
RESUME_GRACE_S = 60.0
NORMAL_CLOSURE = 1000  # the client ended the call: nothing to resume
SUPERSEDED = 4001  # the close code of a connection whose session another connection resumed


def _number(message: dict[str, Any], key: str, default: float) -> float:
    """A numeric field of a client message; a bad value is the client's error, not a dropped socket."""
    value = message.get(key)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):  # json.loads accepts NaN and Infinity
        raise InvalidInput(f"{key} must be a number, not {value!r}")
    return number


def _error(exc: Exception) -> dict[str, Any]:
    """The client's error message: ours say what was wrong; anything else is logged in full."""
    if isinstance(exc, CallscopeError):
        return {"type": "error", "message": str(exc)}
    if database_unavailable(exc):  # a database restart: the session lives on, the client may retry
        return {"type": "error", "message": str(storage_error(exc))}
    _log.exception("live assist failed")
    return {"type": "error", "message": f"internal error ({type(exc).__name__}): {exc}"}


def list_recordings(rt: Runtime) -> list[dict[str, Any]]:
    """Recordings the sidebar may play as a live call (``live_recordings`` folders)."""
    out = []
    for folder in rt.settings.live_recordings:
        folder = folder.expanduser()
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in _AUDIO_SUFFIXES:
                    out.append({"name": path.stem, "folder": folder.name, "file": path.name})
    return out


def find_recording(rt: Runtime, name: str) -> Path:
    for folder in rt.settings.live_recordings:
        folder = folder.expanduser()
        for suffix in _AUDIO_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if Path(name).name == name and candidate.is_file():
                return candidate
    raise NotFound(f"no recording named {name!r} to play (see GET /api/assist/recordings)")


@dataclass(slots=True, frozen=True)
class LiveOptions:
    """``resume_grace_s``: how long a session is kept after its connection dropped, for the client to
    resume it; ``max_parked``: such sessions kept at most (beyond it the oldest go first)."""

    resume_grace_s: float = RESUME_GRACE_S
    max_parked: int = 200


@dataclass(slots=True, eq=False)
class _Entry:
    session: Session
    options: AssistOptions
    token: str
    owner: _Live | None  # the connection using it; None while parked
    expires: float = math.inf  # monotonic deadline while parked
    workers: dict[str, _Speaker] = field(default_factory=dict)  # audio workers maybe still finishing


class SessionRegistry:
    """The sessions of one app by id: each attached to a connection, or parked after an unclean
    disconnect until ``resume_grace_s`` has passed. Used from the event loop only."""

    def __init__(self, options: LiveOptions | None = None) -> None:
        self.options = options or LiveOptions()
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def parked(self) -> int:
        return sum(e.owner is None for e in self._entries.values())

    def open(self, live: _Live) -> _Entry:
        """Register the session ``live`` just made, with a new secret token."""
        self._purge()
        entry = _Entry(live.session, live.options, secrets.token_urlsafe(24), live)
        self._entries[live.session.id] = entry
        return entry

    def close(self, live: _Live) -> None:
        """The call is over: forget the session ``live`` holds."""
        entry = self._entries.get(live.session.id)
        if entry is not None and entry.owner is live:
            del self._entries[live.session.id]

    def park(self, live: _Live) -> None:
        """The connection dropped: keep its session for ``resume_grace_s``."""
        entry = self._entries.get(live.session.id)
        if entry is None or entry.owner is not live:
            return
        entry.owner = None
        entry.expires = time.monotonic() + self.options.resume_grace_s
        entry.workers = dict(live.ended)
        self._purge()

    def claim(self, session_id: str, token: str, live: _Live) -> tuple[_Entry, _Live | None] | None:
        """Hand the session to ``live`` if ``token`` is its own; also return the connection that held
        it, if any (to be closed). None for an unknown or expired session or a wrong token."""
        self._purge()
        entry = self._entries.get(session_id)
        if entry is None or not hmac.compare_digest(entry.token.encode(), token.encode()):
            return None
        previous, entry.owner, entry.expires = entry.owner, live, math.inf
        return entry, previous

    def _purge(self) -> None:
        now = time.monotonic()
        parked = sorted(
            (e.expires, sid) for sid, e in self._entries.items() if e.owner is None
        )  # oldest deadline first
        over = max(0, len(parked) - self.options.max_parked)
        for i, (expires, sid) in enumerate(parked):
            if expires <= now or i < over:
                del self._entries[sid]


def registry(app: FastAPI) -> SessionRegistry:
    """The app's sessions (made on first use; ``app.state.assist_sessions``). The grace period is the
    setting ``assist_resume_s`` when there is one, else ``RESUME_GRACE_S``."""
    sessions = getattr(app.state, "assist_sessions", None)
    if not isinstance(sessions, SessionRegistry):
        runtime = getattr(app.state, "runtime", None)
        grace = getattr(getattr(runtime, "settings", None), "assist_resume_s", None)
        sessions = SessionRegistry(LiveOptions(resume_grace_s=RESUME_GRACE_S if grace is None else grace))
        app.state.assist_sessions = sessions
    return sessions


class _Speaker(threading.Thread):
    """Feeds one party's audio to the session, off the event loop."""

    def __init__(self, live: _Live, speaker: str, after: _Speaker | None = None) -> None:
        super().__init__(name=f"assist-{speaker}", daemon=True)
        self.live = live
        self.speaker = speaker
        self.frames: queue.Queue[bytes | None] = queue.Queue()
        self.after = after  # this speaker's previous worker, maybe still finishing its stream

    def run(self) -> None:
        if self.after is not None:  # one feeder per stream at a time, in order
            self.after.join()
            self.after = None
        session = self.live.session
        while True:
            frame = self.frames.get()
            try:
                if frame is None:
                    events = session.end_audio(self.speaker)
                else:
                    events = session.feed_audio(self.speaker, frame)
            except Exception as exc:  # report, keep the connection alive
                self.live.emit({"type": "error", "message": f"{self.speaker} audio: {exc}"})
                events = []
            for event in events:
                self.live.emit_event(event)
            if frame is None:
                return


class _Live:
    def __init__(self, ws: WebSocket, rt: Runtime) -> None:
        from assist import AssistOptions, Session

        self.ws = ws
        self.rt = rt
        self.loop = asyncio.get_running_loop()
        self.out: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.options = AssistOptions(kb=rt.settings.kb, as_of=rt.settings.assist_as_of)
        self.session = Session(rt.searcher(), self.options)
        self.speakers: dict[str, _Speaker] = {}
        self.ended: dict[str, _Speaker] = {}  # workers told to finish, by speaker
        self.player: asyncio.Task[None] | None = None
        self.sessions = registry(ws.app)
        self.entry = self.sessions.open(self)
        self.superseded = False  # another connection resumed this one's session

    # ----------------------------------------------------------------------------- output

    def emit(self, message: dict[str, Any]) -> None:
        """Thread-safe: queue a message for the client."""
        # A speaker thread may still be finishing its stream after the server stopped: its last
        # updates have nowhere to go, and must not raise in that thread.
        with contextlib.suppress(RuntimeError):  # the event loop is closed
            self.loop.call_soon_threadsafe(self.out.put_nowait, message)

    def emit_event(self, event: Any) -> None:
        from assist import SearchFailed, Suggestion

        if isinstance(event, Suggestion):
            self.emit({"type": "suggestion", "suggestion": event.to_dict()})
        elif isinstance(event, SearchFailed):
            self.emit({"type": "error", **event.to_dict()})
        else:
            self.emit({"type": "transcript", **event.to_dict()})

    async def sender(self) -> None:
        while (message := await self.out.get()) is not None:
            await self.ws.send_json(message)

    # ------------------------------------------------------------------------------ input

    def new_session(self, message: dict[str, Any]) -> Session:
        """The session a ``start`` asks for (blocking: checks the knowledge base)."""
        from assist import Session

        if self.speakers:  # checked first: a refused start must leave the session as it was
            raise InvalidInput("start the session before sending audio")
        kb = str(message.get("kb") or self.rt.settings.kb)
        raw_as_of = message.get("as_of")
        as_of = kb_service.parse_as_of(None if raw_as_of is None else str(raw_as_of))
        as_of = as_of or self.rt.settings.assist_as_of
        self.rt.knowledge_index().kb_id(kb)  # a clear error now rather than at the first question
        return Session(self.rt.searcher(), replace(self.options, kb=kb, as_of=as_of))

    def start(self, session: Session) -> None:
        self.sessions.close(self)  # the previous session of this connection is over
        self.session, self.options = session, session.options
        self.entry = self.sessions.open(self)
        self.ready()

    def _describe(self) -> dict[str, Any]:
        return {
            "session_id": self.session.id,
            "resume_token": self.entry.token,
            "kb": self.options.kb,
            "as_of": (self.options.as_of or date.today()).isoformat(),
            "answers": bool(self.rt.settings.assist_chat_model),
        }

    def ready(self) -> None:
        self.emit({"type": "ready", **self._describe()})

    async def resume(self, message: dict[str, Any]) -> None:
        """Take back a session of an earlier connection (see the module docstring)."""
        session_id = str(message.get("session_id") or "")
        claimed = self.sessions.claim(session_id, str(message.get("token") or ""), self)
        if claimed is None:
            grace = self.sessions.options.resume_grace_s
            self.emit(
                {
                    "type": "error",
                    "code": "resume_failed",
                    "message": (
                        f"session {session_id!r} cannot be resumed: it is unknown, it ended, the token is "
                        f"wrong, or it expired (a session is kept {grace:.0f} s after its connection "
                        f"drops); this connection goes on with the new session {self.session.id!r}"
                    ),
                }
            )
            self.ready()
            return
        entry, previous = claimed
        self.sessions.close(self)  # the fresh session this connection started with, never used
        if previous is not None:
            await previous.supersede()
            entry.workers = dict(previous.ended)
        self.session, self.options, self.entry = entry.session, entry.options, entry
        self.ended, entry.workers = entry.workers, {}
        turns, cards = self.session.snapshot()  # an audio thread of the dropped connection may add more
        self.emit(
            {
                "type": "resumed",
                **self._describe(),
                "turns": [
                    {"index": t.index, "speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end}
                    for t in turns
                ],
                "suggestions": [c.to_dict() for c in cards],
            }
        )

    async def supersede(self) -> None:
        """Another connection resumed this one's session: stop feeding it and close this socket."""
        self.superseded = True
        if self.player is not None:
            self.player.cancel()
        self.end_audio()
        self.out.put_nowait(None)  # the sender stops; the session's news go to the new connection
        with contextlib.suppress(Exception):  # the socket may be half dead already
            await self.ws.close(code=SUPERSEDED, reason="this session was resumed on another connection")

    def audio(self, speaker: str, pcm: bytes) -> None:
        worker = self.speakers.get(speaker)
        if worker is None:
            worker = _Speaker(self, speaker, after=self.ended.pop(speaker, None))
            self.speakers[speaker] = worker
            worker.start()
        worker.frames.put(pcm)

    def end_audio(self) -> None:
        """Close the open utterances. A worker ends with its stream: audio after this (a recording
        played again) gets a new one, which waits for the old one to finish."""
        for speaker, worker in self.speakers.items():
            worker.frames.put(None)
            self.ended[speaker] = worker
        self.speakers.clear()

    async def play(self, name: str, speed: float) -> None:
        from asr import decode_audio

        path = find_recording(self.rt, name)
        decoded = await asyncio.to_thread(decode_audio, path)
        channels = decoded.samples if decoded.samples.ndim == 2 else decoded.samples[None, :]
        tags = [SPEAKER_TAGS[min(i, 1)] for i in range(channels.shape[0])]
        if channels.shape[0] > 1 and self.rt.settings.agent_channel == 1:
            tags = ["customer", "agent"]
        pcm = [(np.clip(ch, -1, 1) * 32767).astype("<i2") for ch in channels]
        step = int(_SAMPLE_RATE * FRAME_S)
        duration = channels.shape[1] / _SAMPLE_RATE
        started = time.time()
        self.emit(
            {"type": "playing", "recording": name, "duration": round(duration, 3), "started_at": started}
        )
        for i, start in enumerate(range(0, channels.shape[1], step)):
            # Real time: frame i is sent when its audio would have finished arriving.
            delay = started + (i + 1) * FRAME_S / speed - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for tag, samples in zip(tags, pcm, strict=True):
                self.audio(tag, samples[start : start + step].tobytes())
        self.end_audio()
        self.emit({"type": "played", "recording": name})

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "start":
            self.start(await asyncio.to_thread(self.new_session, message))
        elif kind == "resume":
            raise InvalidInput(
                "resume must be the first message of a connection: reconnect and send it first"
            )
        elif kind == "play":
            if self.player is not None and not self.player.done():
                raise InvalidInput("a recording is already playing: stop it first")
            speed = _number(message, "speed", 1.0)
            if not 0.25 <= speed <= 8:
                raise InvalidInput("speed must be between 0.25 and 8")
            self.player = asyncio.create_task(
                self._guard(self.play(str(message.get("recording", "")), speed))
            )
        elif kind == "stop":
            if self.player is not None:
                self.player.cancel()
            self.end_audio()
        elif kind == "end_audio":
            self.end_audio()
        elif kind == "turn":
            speaker = str(message.get("speaker") or "customer")
            cards = await asyncio.to_thread(self.session.add_turn, speaker, str(message.get("text") or ""))
            for card in cards:
                self.emit_event(card)
        elif kind == "search":
            await self._search(message)
        elif kind == "feedback":
            await self._feedback(message)
        elif kind == "answer":
            await self._answer(message)
        else:
            raise InvalidInput(f"unknown message type {kind!r}")

    async def _guard(self, work: Any) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.emit(_error(exc))

    async def _search(self, message: dict[str, Any]) -> None:
        text = str(message.get("text") or "").strip()
        k = int(_number(message, "k", 5))
        context = (
            [f"{t.speaker}: {t.text}" for t in self.session.turns[-4:]] if message.get("context") else []
        )
        result, used = await asyncio.to_thread(
            kb_service.search_kb,
            self.rt,
            self.options.kb,
            text,
            context=context,
            as_of=self.options.as_of or date.today(),
            k=k,
        )
        self.emit(
            {
                "type": "results",
                "query": text,
                "context_used": used,
                "threshold": result.threshold,
                "hits": [kb_service.hit_dict(h, result.threshold) for h in result.hits],
            }
        )

    async def _feedback(self, message: dict[str, Any]) -> None:
        action = str(message.get("action") or "")
        card = self.session.suggestion(str(message.get("suggestion_id") or ""))
        doc_id = card.doc_id if card else str(message.get("doc_id") or "")
        if not doc_id:
            raise InvalidInput("feedback names no suggestion of this session and no doc_id")
        new_id = await asyncio.to_thread(
            kb_service.record_feedback,
            self.rt,
            session_id=self.session.id,
            kb=self.options.kb,
            doc_id=doc_id,
            action=action,
            query=card.query if card else str(message.get("query") or ""),
            rank=None,
            score=card.confidence if card else None,
        )
        self.emit(
            {
                "type": "feedback_saved",
                "id": new_id,
                "suggestion_id": card.id if card else None,
                "doc_id": doc_id,
                "action": action,
            }
        )

    async def _answer(self, message: dict[str, Any]) -> None:
        from assist import generate_answer

        model = self.rt.chat_model()
        if model is None:
            raise InvalidInput("generated answers are off: set CALLSCOPE_ASSIST_CHAT_MODEL to turn them on")
        question = str(message.get("text") or "") or next(
            (t.text for t in reversed(self.session.turns) if t.speaker == "customer"), ""
        )
        cards = sorted(self.session.shown.values(), key=lambda c: -c.created_at)
        if not question or not cards:
            raise InvalidInput("nothing to answer yet: no customer question with suggestions")
        answer = await asyncio.to_thread(generate_answer, model, question, cards)
        self.emit(
            {
                "type": "answer",
                "text": answer.text,
                "cited": answer.cited,
                "grounded": answer.grounded,
                "model": answer.model,
            }
        )

    async def close(self) -> None:
        if self.player is not None:
            self.player.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.player
        self.end_audio()


@router.websocket("/assist/ws")
async def assist_socket(ws: WebSocket) -> None:
    await ws.accept()
    rt: Runtime = ws.app.state.runtime
    live = _Live(ws, rt)
    sender = asyncio.create_task(live.sender())
    live.ready()
    first = True
    code: int | None = None  # the close code; None: the connection failed
    try:
        while True:
            data = await ws.receive()
            if data.get("type") == "websocket.disconnect":
                code = data.get("code")
                break
            try:
                if data.get("bytes") is not None:
                    frame = data["bytes"]
                    if len(frame) < 3 or len(frame) % 2 == 0 or frame[0] not in SPEAKER_TAGS:
                        raise InvalidInput(
                            "an audio frame is 1 speaker byte (0 agent, 1 customer) + int16 PCM"
                        )
                    live.audio(SPEAKER_TAGS[frame[0]], frame[1:])
                else:
                    import json

                    try:
                        message = json.loads(data.get("text") or "")
                    except ValueError:
                        raise InvalidInput("a text frame must be a JSON object") from None
                    if not isinstance(message, dict):
                        raise InvalidInput("a text frame must be a JSON object")
                    if first and message.get("type") == "resume":
                        await live.resume(message)
                    else:
                        await live.handle(message)
            except Exception as exc:  # one bad message must not end the call's session
                live.emit(_error(exc))
            first = False
    except WebSocketDisconnect as exc:
        code = exc.code
    finally:
        await live.close()
        if not live.superseded:  # else the session belongs to the connection that resumed it
            if code == NORMAL_CLOSURE:
                live.sessions.close(live)
            else:
                live.sessions.park(live)
        live.out.put_nowait(None)
        with contextlib.suppress(Exception):
            await sender
