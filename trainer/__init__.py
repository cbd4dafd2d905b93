"""The trainer: features, fitting, evaluation and model I/O, shared by training and inference. No Dagster imports here."""
