"""Local stand-ins for Google Cloud: BigQuery (bqemulator), GCS (gcp-storage-emulator) and a Vertex AI REST stand-in.

Each runs as its own process on 127.0.0.1 with a free port, is health-checked before use and always stopped.
`emulators.stack.emulated_gcp()` starts all three and yields the environment that points every client at them.
"""
