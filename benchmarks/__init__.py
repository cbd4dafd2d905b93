"""Benchmarks: M4 accuracy against the published table and a peer, scale, drift-report time."""
