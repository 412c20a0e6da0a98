"""Amplitude scaling matched to the distribution the model was trained on.

The TGS training tiles are 8-bit greyscale images of seismic amplitude, mapped to
[-1, 1] for the network. A volume is brought to the same range by a robust,
symmetric clip: the ``[0.5, 99.5]`` percentiles of a random sample of live traces
give a clip level ``c = max(|p_low|, |p_high|)``; amplitudes become ``x / c`` clipped
to [-1, 1], so zero amplitude stays at zero (mid-grey). The statistics are computed
once per volume, with a fixed seed, and dead (all-zero or NaN) traces and NaN samples
are left out. The model's JSON config (``config["input"]["normalisation"]``) may
override the percentiles, the output range and whether the clip is symmetric.

Example:
    >>> import numpy as np
    >>> volume = np.random.default_rng(0).normal(size=(4, 20, 50)).astype("float32")
    >>> scaling = Normalisation.fit(volume)
    >>> out = scaling.apply(volume)
    >>> bool(out.min() >= -1 and out.max() <= 1)
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from seismic_salt.errors import DataError

DEFAULT_PERCENTILES = (0.5, 99.5)
DEFAULT_RANGE = (-1.0, 1.0)


@dataclass(frozen=True)
class Normalisation:
    """A fitted amplitude scaling: clip to ``[low, high]``, map linearly to ``range``.

    Attributes:
        low: Amplitude mapped to ``range[0]``.
        high: Amplitude mapped to ``range[1]``.
        range: Output range, ``(-1.0, 1.0)`` for the TGS-trained models.
        percentiles: Percentiles the clip came from (provenance only).
    """

    low: float
    high: float
    range: tuple[float, float] = DEFAULT_RANGE
    percentiles: tuple[float, float] = DEFAULT_PERCENTILES

    @classmethod
    def fit(
        cls,
        amplitude: Any,
        live: Any = None,
        *,
        contract: Mapping[str, Any] | None = None,
        n_traces: int = 4096,
        max_inlines: int = 32,
        seed: int = 0,
    ) -> Normalisation:
        """Compute the clip from a random sample of live traces of a volume.

        Args:
            amplitude: ``[inline, crossline, sample]`` array (numpy, dask or xarray).
                Only up to ``max_inlines`` randomly chosen inlines are read.
            live: Optional bool mask ``[inline, crossline]`` of live traces.
            contract: The model's ``config["input"]["normalisation"]`` (may be None).
            n_traces: Number of live traces to sample.
            max_inlines: Number of inlines to read the sample from.
            seed: Seed of the random sample, so reruns get the same clip.

        Returns:
            The fitted scaling.

        Raises:
            DataError: If the volume is not 3D or has no live, finite sample.
        """
        settings = _contract_settings(contract)
        shape = tuple(amplitude.shape)
        if len(shape) != 3:
            raise DataError(f"amplitude must be [inline, crossline, sample], got {shape}")
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(shape[0], size=min(shape[0], max_inlines), replace=False))
        block = _read_inlines(amplitude, chosen)
        mask = _live_traces(block)
        if live is not None:
            mask &= np.asarray(getattr(live, "values", live), dtype=bool)[chosen]
        traces = block[mask]
        if len(traces) > n_traces:
            traces = traces[rng.choice(len(traces), size=n_traces, replace=False)]
        values = traces[np.isfinite(traces)]
        if values.size == 0:
            raise DataError(
                "the volume has no live trace to compute amplitude statistics from: "
                "every sampled trace is dead (all zero or NaN)"
            )
        low, high = (float(v) for v in np.percentile(values, settings["percentiles"]))
        if settings["symmetric"]:
            clip = max(abs(low), abs(high))
            low, high = -clip, clip
        if not high > low:
            high = low + 1.0
        return cls(low, high, settings["range"], settings["percentiles"])

    def apply(self, amplitude: np.ndarray) -> np.ndarray:
        """Return ``amplitude`` clipped and mapped to ``range`` as ``float32`` (NaN kept)."""
        lo, hi = self.range
        scaled = (np.asarray(amplitude, dtype=np.float32) - self.low) / (self.high - self.low)
        return np.clip(lo + scaled * (hi - lo), lo, hi).astype(np.float32)

    def to_json(self) -> str:
        """Return the scaling as JSON text (stored with the output for provenance)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Normalisation:
        """Rebuild a scaling written by :meth:`to_json`.

        Raises:
            DataError: If ``text`` is not such JSON.
        """
        try:
            fields = json.loads(text)
            return cls(
                float(fields["low"]),
                float(fields["high"]),
                tuple(fields["range"]),
                tuple(fields["percentiles"]),
            )
        except (ValueError, KeyError, TypeError) as err:
            raise DataError(f"not a stored amplitude normalisation: {text!r}") from err


def _read_inlines(amplitude: Any, indices: np.ndarray) -> np.ndarray:
    """Read the inlines at ``indices`` (positions) of a numpy, dask or xarray array."""
    if hasattr(amplitude, "isel"):
        amplitude = amplitude.isel({amplitude.dims[0]: indices})
        return np.asarray(amplitude.values, dtype=np.float32)
    return np.asarray(amplitude[indices], dtype=np.float32)


def dead_traces(block: np.ndarray) -> np.ndarray:
    """Return the bool mask ``[..., crossline]`` of dead traces of a block.

    A trace is dead when all its samples are zero or NaN.
    """
    block = np.asarray(block)
    return ~_live_traces(block)


def _live_traces(block: np.ndarray) -> np.ndarray:
    finite = np.isfinite(block)
    return np.any(finite & (block != 0), axis=-1)


def _contract_settings(contract: Mapping[str, Any] | None) -> dict[str, Any]:
    """Read the percentiles, range and symmetry from a model's normalisation contract.

    Raises:
        DataError: If the contract names another method or has malformed values.
    """
    contract = dict(contract or {})
    method = contract.get("kind", contract.get("method", "robust_clip"))
    if "percentile" not in str(method) and "robust" not in str(method):
        raise DataError(
            f"the model expects amplitude normalisation {method!r}; this version of "
            "seismic-salt supports only a robust percentile clip"
        )
    percentiles = _pair(contract.get("percentiles", DEFAULT_PERCENTILES), "percentiles")
    value_range = _pair(contract.get("range", DEFAULT_RANGE), "range")
    return {
        "percentiles": percentiles,
        "range": value_range,
        "symmetric": bool(contract.get("symmetric", True)),
    }


def _pair(value: Sequence[float], name: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError) as err:
        raise DataError(f"normalisation {name} must be two numbers, got {value!r}") from err
    if not high > low:
        raise DataError(f"normalisation {name} must be increasing, got {value!r}")
    return low, high
