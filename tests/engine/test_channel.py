"""The child's batching channel keeps events in order even when two threads flush at once."""

from __future__ import annotations

import os
import threading
import time

from rafiki.runner import channel as channel_module
from rafiki.runner.channel import BatchingChannel
from rafiki.runner.protocol import decode_batch


def test_a_slow_flush_is_not_overtaken_by_a_later_one(monkeypatch):
    read_fd, write_fd = os.pipe()
    encode = channel_module.encode_batch
    first_encoding = threading.Event()

    def slow_first_encode(events):
        if events and events[0]["n"] == 0:  # the flusher holds event 0 while event 1 comes
            first_encoding.set()
            time.sleep(0.3)
        return encode(events)

    monkeypatch.setattr(channel_module, "encode_batch", slow_first_encode)
    channel = BatchingChannel(write_fd, interval=3600, max_batch=1000)
    channel.emit({"kind": "metrics", "n": 0})
    flusher = threading.Thread(target=channel.flush)
    flusher.start()
    assert first_encoding.wait(5)
    channel.emit({"kind": "stage", "n": 1})  # urgent: flushes from this thread at once
    flusher.join()
    channel.close()
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        order = [event["n"] for line in reader for event in decode_batch(line)]
    assert order == [0, 1]


def test_a_batch_reads_back_as_written_whatever_json_it_needs():
    """Lines are read with orjson, which refuses NaN, infinities and integers past 64 bits:
    those lines still read back exactly (through json), and a broken line is refused."""
    import math

    import pytest

    from rafiki.runner.protocol import ProtocolError, encode_batch

    plain = [{"kind": "metrics", "time": 1.5, "values": {"step": 3, "loss": 0.25}}]
    assert decode_batch(encode_batch(plain)) == plain
    odd = [{"kind": "metrics", "time": 2.0,
            "values": {"loss": float("nan"), "gain": float("inf"), "id": 2**70}}]
    values = decode_batch(encode_batch(odd))[0]["values"]
    assert math.isnan(values["loss"]) and values["gain"] == math.inf and values["id"] == 2**70
    with pytest.raises(ProtocolError, match="unreadable line"):
        decode_batch(b'{"v": 1, "events": [')
