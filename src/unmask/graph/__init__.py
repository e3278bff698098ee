"""The case graph: accounts, bylines, coordination networks and the records' sites, people and money as one
graph, each link resting on records or on a stored engine run (:mod:`unmask.graph.build`)."""
