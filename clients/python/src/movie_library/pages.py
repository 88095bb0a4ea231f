"""Lazy iteration over cursor-paged lists: the next page is fetched only when the last item was used."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
MAX_PAGE = 100  # the API's largest `limit`


class CursorIterator(Iterator[T], Generic[T]):
    """Yields items page by page, following `pagination.nextCursor` until `hasMore` is false.

    `limit` is the page size sent to the API; `max_items` stops after that many items (and asks only
    for as many as are still needed). `total` is the API's total count when it gives one, after the
    first page; `pages` counts the requests made.
    """

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Any],
        params: dict[str, Any],
        items: Callable[[Any], list[T]],
        *,
        limit: int | None = None,
        max_items: int | None = None,
        total: Callable[[Any], int | None] = lambda _page: None,
        first_only: dict[str, Any] | None = None,
    ):
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        if max_items is not None and max_items < 0:
            raise ValueError("max_items must not be negative")
        self._fetch, self._params, self._items, self._total = fetch, params, items, total
        self._first_only = first_only or {}
        self.limit, self.max_items = limit, max_items
        self._buffer: list[T] = []
        self._cursor: str | None = None
        self._more = True
        self.yielded = 0
        self.pages = 0
        self.total: int | None = None
        self.last_page: Any = None

    def __iter__(self) -> CursorIterator[T]:
        return self

    def __next__(self) -> T:
        if self.max_items is not None and self.yielded >= self.max_items:
            raise StopIteration
        while not self._buffer:
            if not self._more:
                raise StopIteration
            self._load()
        self.yielded += 1
        return self._buffer.pop(0)

    def _load(self) -> None:
        params = {k: v for k, v in self._params.items() if v is not None}
        size = self.limit
        if self.max_items is not None:
            size = min(size or MAX_PAGE, self.max_items - self.yielded)
        if size is not None:
            params["limit"] = size
        if self._cursor:
            params["cursor"] = self._cursor
        else:
            params.update({k: v for k, v in self._first_only.items() if v is not None})
        page = self._fetch(params)
        self.pages += 1
        self.last_page = page
        self._buffer = list(self._items(page))
        if self.total is None:
            self.total = self._total(page)
        pagination = getattr(page, "pagination", None)
        self._cursor = getattr(pagination, "next_cursor", None)
        self._more = bool(getattr(pagination, "has_more", False) and self._cursor)
