"""The Vertex AI custom jobs of a Dagster run, found by their dagster_run label, and cancelled once the run is over."""

import dagster as dg

from resources.gcp.clients import init_vertex
from resources.gcp.vertex_job_control import ACTIVE_STATES, RUN_LABEL


class VertexRunJobs(dg.ConfigurableResource):
    """Lists and cancels the custom jobs a run submitted (training and scoring label each with its full run id).

    A run worker that is SIGKILLed, or a container that is replaced, cannot cancel its job; once Dagster marks that
    run failed (run monitoring) or canceled, sensors/vertex_orphans.py cancels what is still running through this.
    """

    project: str
    location: str
    api_endpoint: str = ""  # empty = the regional Vertex endpoint; tests point it at 127.0.0.1

    def active_jobs(self, run_id: str) -> list:
        """The run's custom jobs that have not ended (queued, pending, running, ...)."""
        aiplatform = init_vertex(self.project, self.location, api_endpoint=self.api_endpoint or None)
        jobs = aiplatform.CustomJob.list(filter=f'labels.{RUN_LABEL}="{run_id}"')
        return [job for job in jobs if job.gca_resource.state.name in ACTIVE_STATES]

    def cancel_run_jobs(self, run_id: str) -> list[str]:
        """Ask Vertex AI to cancel each of the run's active jobs; return their resource names."""
        cancelled = []
        for job in self.active_jobs(run_id):
            job.cancel()
            cancelled.append(job.resource_name)
        return cancelled
