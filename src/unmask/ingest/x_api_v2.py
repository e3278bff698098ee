"""Placeholder."""

from unmask.ingest.base import PostReader


class XApiV2Reader(PostReader):
    name = "x-api-v2"
    platform = "twitter"
    summary = "todo"
