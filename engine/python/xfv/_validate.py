"""xfv.validate: a PyTorch reference dump rerun by the engine (`xfv validate`, weights/dump_points.md)."""

import dataclasses
from typing import List, Union

from ._xfv import Model, _validate


@dataclasses.dataclass(frozen=True)
class ValidationPoint:
    """One dump point: the engine's value against the reference's."""
    name: str
    max_abs: float
    rel_l2: float
    ok: bool
    tolerance: float


@dataclasses.dataclass(frozen=True)
class Validation:
    """Every dump point of one network, in execution order."""
    network: str
    tolerance: float
    points: List[ValidationPoint]

    @property
    def ok(self) -> bool:
        return bool(self.points) and all(p.ok for p in self.points)

    def table(self) -> str:
        """One line per point: name, max abs error, relative L2, within its tolerance or not."""
        width = max([len(p.name) for p in self.points] + [5])
        lines = [f"{'point':<{width}}  {'max_abs':>10}  {'rel_l2':>10}  {'within':>8}"]
        for p in self.points:
            lines.append(f"{p.name:<{width}}  {p.max_abs:10.3e}  {p.rel_l2:10.3e}  "
                         f"{('yes' if p.ok else 'NO'):>3} {p.tolerance:.0e}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def validate(dump: str, model: Union[Model, str], backend: str = "cpu", isolate: bool = False) -> Validation:
    """Reruns `dump`'s inputs on `model`'s weights and backend (a Model, or a weight file's path
    with `backend`) and compares every dump point: chained within 1e-4, or with `isolate` each
    block on the reference's own input within 1e-5. Raises xfv.Error for a file that is no dump."""
    if isinstance(model, Model):
        weights, backend = model.path, model.backend
    else:
        weights = str(model)
    network, tolerance, rows = _validate(str(dump), weights, backend, isolate)
    return Validation(network, tolerance, [ValidationPoint(*row) for row in rows])
