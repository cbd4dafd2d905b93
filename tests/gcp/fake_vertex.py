"""Vertex AI custom jobs for the fake server, walking through scripted states (for the failures and cancels the
stand-in in emulators/ never produces; the registry, experiments and datasets are tested against the stand-in)."""

import itertools

from fake_rest import FakeRestServer, not_found

LOCATION_PATH = r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"


class FakeCustomJobs:
    """customJobs.create/get: each job walks through the states given (last one sticks) and may carry an error."""

    def __init__(self, server: FakeRestServer, states=("JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"),
                 error: str = ""):
        self.states, self.error, self.jobs = list(states), error, {}
        ids = itertools.count(4242)

        @server.route("POST", LOCATION_PATH + "/customJobs")
        def create(request, match):
            job_id = str(next(ids))
            job = {**request.json, "name": f"projects/{match['project']}/locations/{match['location']}/customJobs/{job_id}",
                   "state": self.states[0]}
            self.jobs[job_id] = {"job": job, "polls": 0}
            return 200, job

        @server.route("GET", LOCATION_PATH + r"/customJobs/(?P<job_id>\d+)")
        def get(request, match):
            entry = self.jobs.get(match["job_id"])
            if entry is None:
                return not_found(f"customJob {match['job_id']}")
            entry["polls"] += 1
            state = self.states[min(entry["polls"], len(self.states) - 1)]
            job = {**entry["job"], "state": state}
            if state != "JOB_STATE_SUCCEEDED" and state == self.states[-1] and self.error:
                job["error"] = {"code": 3, "message": self.error}
            return 200, job
