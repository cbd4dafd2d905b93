"""The forecasting lifecycle as Dagster software-defined assets, one module per lifecycle stage."""
