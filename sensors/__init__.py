"""Automation: schedules, sensors and alerts that keep the lifecycle running without a human."""
