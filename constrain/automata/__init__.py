"""constrain.automata: byte-level DFAs, regex compilation and the mask store."""
