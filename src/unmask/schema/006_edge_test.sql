-- Schema version 6: which test kept a stored coordination edge.
--
-- 'pair': the pair's own test against the null model; 'network': the network test of one of its accounts,
-- which joined the network through its co-actions with the members as a whole (unmask.coordination.attach),
-- whose p and q the edge then carries. NULL for untested runs and for edges stored before this version.
ALTER TABLE coordination_edges ADD COLUMN test VARCHAR;
