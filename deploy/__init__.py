"""Deployment of the platform to Google Cloud: images, workflows, the production instance and release records."""
