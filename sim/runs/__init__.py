"""Layer 5, a run: `simulate` (the ensemble, in blocks), the tables it returns, and
writing files so that a failure never leaves half of one."""
