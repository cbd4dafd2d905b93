"""`python -m emulators.vertex_standin --port P --storage-endpoint HOST:PORT --workdir DIR`: Vertex AI at its REST edge.

Vertex AI has no emulator. This server answers the REST calls our resources make through aiplatform with
api_transport="rest": custom jobs, which it really runs, the model registry, experiments and datasets.
"""

import argparse
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from emulators.rest_server import RestServer
from emulators.vertex_jobs import CustomJobs
from emulators.vertex_metadata import Datasets, MetadataStore
from emulators.vertex_registry import ModelRegistry

TRAINER_ENTRYPOINT = "python -m trainer.task"  # the trainer image's ENTRYPOINT (trainer/Dockerfile)


@dataclass
class VertexStandIn:
    """The stand-in's routes (server) and the services behind them, whose state tests read."""

    server: RestServer
    jobs: CustomJobs
    registry: ModelRegistry
    metadata: MetadataStore
    datasets: Datasets


def stand_in(workdir: Path, storage_endpoint: str, entrypoint: str = TRAINER_ENTRYPOINT) -> VertexStandIn:
    """The stand-in's routes and services; stop_all() on its jobs stops the processes they run."""
    server = RestServer()
    standin = VertexStandIn(server, CustomJobs(server, workdir, storage_endpoint, entrypoint), ModelRegistry(server),
                            MetadataStore(server), Datasets(server))

    @server.route("GET", r"/health")
    def health(request, match):
        return {"status": "ok"}

    return standin


def build(workdir: Path, storage_endpoint: str, entrypoint: str = TRAINER_ENTRYPOINT) -> tuple[RestServer, CustomJobs]:
    """The stand-in's routes and its custom jobs (whose processes stop_all() stops), for serving it."""
    standin = stand_in(workdir, storage_endpoint, entrypoint)
    return standin.server, standin.jobs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.vertex_standin", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--storage-endpoint", required=True, help="host:port of the GCS emulator the jobs use")
    parser.add_argument("--workdir", required=True, help="folder for each job's mount and log")
    parser.add_argument("--entrypoint", default=TRAINER_ENTRYPOINT, help="the trainer image's entrypoint")
    args = parser.parse_args(argv)
    server, jobs = build(Path(args.workdir), args.storage_endpoint, args.entrypoint)
    http = server.serve(args.port)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        jobs.stop_all()
        http.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
