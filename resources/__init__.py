"""Resources: every way the assets reach the outside world, each one interface with a local and a GCP implementation."""
