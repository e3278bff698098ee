"""Placeholder."""

from unmask.ingest.base import PostReader


class TelegramReader(PostReader):
    name = "telegram"
    platform = "twitter"
    summary = "todo"
