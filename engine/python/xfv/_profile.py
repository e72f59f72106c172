"""A session's profile (xfv_last_profile_json, docs/profile.md) as Python objects."""

import dataclasses
import json
from typing import Dict, List, Optional


def _known_fields(cls, record: dict) -> dict:
    """The record's fields that `cls` declares: a field the engine adds later is ignored."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in record.items() if k in names}


@dataclasses.dataclass(frozen=True)
class Roofline:
    """The least time a node's (or a total's) FLOPs and compulsory bytes need at the peaks, the
    term that bounds it, and the fraction of that floor reached; None where a peak is unknown
    (always on `sim`, and on `cpu` without measured peaks)."""
    roof_compute_ms: Optional[float]
    roof_memory_ms: Optional[float]
    roof_ms: Optional[float]
    bound: Optional[str]  # "compute" or "memory"
    roof_fraction: Optional[float]  # roof_ms / ms: 1 at the roofline


@dataclasses.dataclass(frozen=True)
class NodeProfile(Roofline):
    """One node run: its time on the backend's clock, its FLOPs and compulsory bytes, its
    arithmetic and the peaks its roofline uses."""
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
    precision: str  # fp32, tf32, bf16 or fp16: a conv or linear layer's, fp32 for every other op
    peak_flops_per_s: Optional[float]  # at the node's precision
    peak_bytes_per_s: Optional[float]


@dataclasses.dataclass(frozen=True)
class NetworkTotal(Roofline):
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
    prepared_bytes: int


@dataclasses.dataclass(frozen=True)
class Peaks:
    """The device's peaks the roofline uses: FLOP/s per precision and memory bandwidth, None
    where not known, and where they come from."""
    source: str
    flops_per_s: Dict[str, Optional[float]]
    bytes_per_s: Optional[float]


@dataclasses.dataclass(frozen=True)
class Profile:
    """What one call ran, node by node, per network and in total."""
    backend: str
    peaks: Peaks
    nodes: List[NodeProfile]
    networks: List[NetworkTotal]
    total: NetworkTotal

    @classmethod
    def from_json(cls, text: str) -> "Profile":
        j = json.loads(text)
        return cls(backend=j["backend"], peaks=Peaks(**_known_fields(Peaks, j["peaks"])),
                   nodes=[NodeProfile(**_known_fields(NodeProfile, n)) for n in j["nodes"]],
                   networks=[NetworkTotal(**_known_fields(NetworkTotal, n)) for n in j["networks"]],
                   total=NetworkTotal(**_known_fields(NetworkTotal, j["total"])))
