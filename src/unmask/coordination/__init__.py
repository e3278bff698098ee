"""The coordination engine: accounts that act together, separated from organic crowds.

Example::

    >>> from unmask.case import Case
    >>> from unmask.coordination import Coordination, write_outputs
    >>> with Case.open("demo.duckdb") as case:                      # doctest: +SKIP
    ...     found = Coordination(window=60).fit(case)
    ...     write_outputs(found, Path("out"))
"""

from unmask.coordination.detector import Coordination, KindRun
from unmask.coordination.output import network_findings, write_outputs

__all__ = ["Coordination", "KindRun", "network_findings", "write_outputs"]
