"""A small least-recently-used map kept per process (thread-safe), for what is exact by construction: values
keyed by immutable facts or by data versions (`core.versions`), never needing expiry, only a bound on size."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Kept:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
