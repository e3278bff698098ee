-- Schema version 7: what agrees and what conflicts in a compared pair, and the group it is reviewed in.
--
-- agree: the attributes besides the name that agree ("same postcode BS14DJ"); conflict: those that tell the
-- two apart ("different US states (OR, TX)"), or the reviewer's rejection a merge would cross. A Person pair
-- merges automatically only with something in agree and nothing in conflict, or a rare name
-- (unmask.attribution.resolve). grouping: the folded name (and schema) candidates are grouped by in review.
ALTER TABLE resolutions ADD COLUMN agree VARCHAR[];
ALTER TABLE resolutions ADD COLUMN conflict VARCHAR[];
ALTER TABLE resolutions ADD COLUMN grouping VARCHAR;
