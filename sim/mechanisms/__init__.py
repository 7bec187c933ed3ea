"""Layer 2, why wars go on: the mechanisms' rules (shifting power, private information,
red lines, audience costs), pure functions of arrays like the rules they build on."""
