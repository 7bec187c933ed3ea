"""Layer 3, the worlds of an ensemble: every parameter as a per-world array (`params`,
`keys`, `resolve`), the worlds' random streams and noise, events on the calendar,
designs of parameter points, and draws from a calibration's posterior."""
