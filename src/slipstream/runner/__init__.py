"""How one task try runs: load the DAG, render, execute, store XComs, log and final state."""
