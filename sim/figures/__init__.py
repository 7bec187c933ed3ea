"""Layer 7, the figures: plots of a run, a sweep, a design, an analysis and a calibration,
drawn from tables (`canvas` holds what they share)."""
