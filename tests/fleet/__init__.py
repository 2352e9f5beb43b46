"""Fleet fixtures: node reports built from the model (so they follow it) plus a few hand-written files."""
