"""Process plumbing shared by the parser and the executors (depends on nothing else of Slipstream)."""
