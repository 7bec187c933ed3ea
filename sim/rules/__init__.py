"""Layer 1, the rules: small pure functions of arrays (world axis first), each held to
its formula by a test: utility, issues, tactics, proposals, rounds, war, territory."""
