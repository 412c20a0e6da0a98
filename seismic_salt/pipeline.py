"""Moved to :mod:`seismic_salt.inference`; this name is kept so old imports still work."""

from seismic_salt.inference import Settings, predict_block, segment, segment_to_zarr

__all__ = ["Settings", "predict_block", "segment", "segment_to_zarr"]
