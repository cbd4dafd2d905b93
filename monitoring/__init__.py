"""Monitoring engine: drift (data, label, concept; global and per series), forecast accuracy, dashboard panels."""

from monitoring.drift import DriftResult, DriftThresholds, drift_report
from monitoring.performance import accuracy_by_series_and_lead, insample_scales

__all__ = ["DriftResult", "DriftThresholds", "accuracy_by_series_and_lead", "drift_report", "insample_scales"]
