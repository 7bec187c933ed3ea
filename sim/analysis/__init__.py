"""Layer 6, analyses of a run's tables: sensitivity (Sobol', Morris), scenario discovery
(PRIM), counterfactuals, calibration (ABC) against observed series, switch effects."""
