"""The lifecycle demo (`make demo`) and the UI launcher (`make ui`)."""
