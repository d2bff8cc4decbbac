"""jsonschemabench: the JSONSchemaBench evaluation runner (python -m jsonschemabench)."""
