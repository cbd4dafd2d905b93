"""The model registry: immutable model versions with their lineage, and the aliases that point at them."""

from abc import ABC, abstractmethod

import dagster as dg
from pydantic import BaseModel, Field

CHAMPION = "champion"
CHALLENGER = "challenger"
SERVED_BY, SEASONAL_NAIVE_SERVES = "served_by", "seasonal_naive"  # params of a version that serves the seasonal naive


class ModelVersion(BaseModel):
    """One registered model version: where its artifacts are and where it came from."""

    version: str
    uri: str  # directory holding the model in XGBoost's format, its feature spec and metrics.json
    dataset_version: str
    code_version: str  # git SHA of the code that trained it
    trainer_image: str
    params: dict = Field(default_factory=dict)
    metrics: dict = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    created_at: str = ""


class ModelRegistry(dg.ConfigurableResource, ABC):
    """Registers versions (never overwritten) and moves aliases such as `champion` atomically."""

    @abstractmethod
    def register(self, model_dir: str, dataset_version: str, code_version: str, trainer_image: str,
                 params: dict, metrics: dict) -> ModelVersion:
        """Copy the artifacts in model_dir into a new immutable version and return it."""

    @abstractmethod
    def get(self, version: str) -> ModelVersion:
        """The version with this id; KeyError names it when there is none."""

    @abstractmethod
    def versions(self) -> list[ModelVersion]:
        """Every registered version, oldest first."""

    @abstractmethod
    def alias(self, alias: str) -> ModelVersion | None:
        """The version an alias points at, or None."""

    @abstractmethod
    def set_alias(self, alias: str, version: str) -> None:
        """Point alias at version, taking it from whichever version held it."""

    @abstractmethod
    def local_copy(self, version: str, local_dir: str) -> str:
        """Fetch the version's artifacts into local_dir for loading; return the directory."""


def serves_seasonal_naive(version: ModelVersion) -> bool:
    """Whether this version serves the seasonal naive (the gate's fallback champion when no model beats it)."""
    return version.params.get(SERVED_BY) == SEASONAL_NAIVE_SERVES
