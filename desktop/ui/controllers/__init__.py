"""GUI-thread QObjects that own workers and relay their outcomes as plain signals."""
