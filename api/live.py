"""The live-assist WebSocket: one ``assist.Session`` per connection.

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

server → client
  ``ready`` {session_id, kb, as_of, answers}; ``transcript`` {speaker, utterance, confirmed,
  tentative, final, start, end, turn}; ``suggestion`` {suggestion}; ``results`` {query, hits};
  ``playing`` {recording, duration, started_at}; ``played`` {recording}; ``feedback_saved``
  {suggestion_id, doc_id, action, id}; ``answer`` {text, cited, grounded}; ``error`` {message}.

Recognition runs in one thread per speaker so audio keeps flowing while Whisper decodes; events
come back to the event loop through a queue and leave in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api import kb_service
from api.runtime import Runtime
from common.errors import CallscopeError, InvalidInput, NotFound

__all__ = ["FRAME_S", "SPEAKER_TAGS", "find_recording", "list_recordings", "router"]

router = APIRouter()
_log = logging.getLogger(__name__)

SPEAKER_TAGS = {0: "agent", 1: "customer"}
FRAME_S = 0.1  # the size of the audio frames a played recording is cut into
_SAMPLE_RATE = 16_000
_AUDIO_SUFFIXES = (".flac", ".wav", ".mp3", ".ogg", ".m4a", ".opus")


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

    def start(self, message: dict[str, Any]) -> None:
        from assist import Session

        if self.speakers:  # checked first: a refused start must leave the session as it was
            raise InvalidInput("start the session before sending audio")
        kb = str(message.get("kb") or self.rt.settings.kb)
        raw_as_of = message.get("as_of")
        as_of = kb_service.parse_as_of(None if raw_as_of is None else str(raw_as_of))
        as_of = as_of or self.rt.settings.assist_as_of
        self.rt.knowledge_index().kb_id(kb)  # a clear error now rather than at the first question
        self.options = replace(self.options, kb=kb, as_of=as_of)
        self.session = Session(self.rt.searcher(), self.options)
        self.ready()

    def ready(self) -> None:
        self.emit(
            {
                "type": "ready",
                "session_id": self.session.id,
                "kb": self.options.kb,
                "as_of": (self.options.as_of or date.today()).isoformat(),
                "answers": bool(self.rt.settings.assist_chat_model),
            }
        )

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
            await asyncio.to_thread(self.start, message)
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
    try:
        while True:
            data = await ws.receive()
            if data.get("type") == "websocket.disconnect":
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
                    await live.handle(message)
            except Exception as exc:  # one bad message must not end the call's session
                live.emit(_error(exc))
    except WebSocketDisconnect:
        pass
    finally:
        await live.close()
        live.out.put_nowait(None)
        with contextlib.suppress(Exception):
            await sender
