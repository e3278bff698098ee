"""The coordination engine: accounts that act together, separated from organic crowds."""

from unmask.coordination.detector import Coordination, KindRun

__all__ = ["Coordination", "KindRun"]
