"""A session's profile (xfv_last_profile_json, docs/profile.md) as Python objects."""

import dataclasses
import json
from typing import List


def _known_fields(cls, record: dict) -> dict:
    """The record's fields that `cls` declares: a field the engine adds later is ignored."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in record.items() if k in names}


@dataclasses.dataclass(frozen=True)
class NodeProfile:
    """One node run: its time on the backend's clock, its FLOPs and compulsory bytes."""
    network: str
    name: str
    op: str
    detail: str
    algorithm: str
    start_ms: float
    ms: float
    flops: float
    bytes: float
    gflop_per_s: float
    gb_per_s: float


@dataclasses.dataclass(frozen=True)
class NetworkTotal:
    """The nodes of one network (or of all, `network == "all"`) summed, with its memory."""
    network: str
    nodes: int
    ms: float
    flops: float
    bytes: float
    gflop_per_s: float
    gb_per_s: float
    weight_bytes: int
    arena_bytes: int


@dataclasses.dataclass(frozen=True)
class Profile:
    """What one call ran, node by node, per network and in total."""
    backend: str
    nodes: List[NodeProfile]
    networks: List[NetworkTotal]
    total: NetworkTotal

    @classmethod
    def from_json(cls, text: str) -> "Profile":
        j = json.loads(text)
        return cls(backend=j["backend"],
                   nodes=[NodeProfile(**_known_fields(NodeProfile, n)) for n in j["nodes"]],
                   networks=[NetworkTotal(**_known_fields(NetworkTotal, n)) for n in j["networks"]],
                   total=NetworkTotal(**_known_fields(NetworkTotal, j["total"])))
