"""Pure rules of the fax service: no I/O, no clocks read here (callers pass `now`)."""
