"""Layer 4, the agents: the parties and the mediator (Mesa agents), and the model whose
day step wires the rules and mechanisms together."""
