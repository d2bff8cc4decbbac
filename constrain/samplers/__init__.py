"""constrain.samplers: logits processing and distribution-faithful samplers."""
