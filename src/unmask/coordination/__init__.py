"""The coordination engine: accounts that act together, separated from organic crowds.

:func:`unmask.coordination.run.run` is the one entry point over a case (the CLI and the demo call it): it
fits :class:`Coordination`, writes the output files, and stores the run, its findings and its edges.

Example::

    >>> from unmask.case import Case
    >>> from unmask.coordination.run import run
    >>> with Case.open("demo.duckdb") as case:                      # doctest: +SKIP
    ...     done = run(case, window=60, out_dir=Path("out"))
    ...     [n["size"] for n in done.found.networks_]
    [12]
"""

from unmask.coordination.detector import Coordination, KindRun
from unmask.coordination.output import network_findings, write_outputs

__all__ = ["Coordination", "KindRun", "network_findings", "write_outputs"]
