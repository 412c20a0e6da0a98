"""The attributes of a salt-probability store: the run that wrote it and how far it got.

:class:`StoreAttrs` is the one description of those attributes: a segmentation run
builds one and writes :meth:`StoreAttrs.to_attrs`, a resumed run compares its own with
the stored ones (:meth:`StoreAttrs.run_difference`), and readers (``info``, the
exporters) take what they need from :meth:`StoreAttrs.from_attrs`.

Example:
    >>> attrs = StoreAttrs("0.1.0", "m", "ab" * 32, "/data/v.sgy", 10, {"stride": 50})
    >>> StoreAttrs.from_attrs(attrs.to_attrs()) == attrs
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seismic_salt.errors import InputFileError, StoreError
from seismic_salt.io.fingerprint import FileIdentity
from seismic_salt.normalize import Normalisation

__all__ = ["PROVENANCE", "RUN_KEYS", "StoreAttrs", "run_key_label", "source_template"]

RUN_KEYS = (
    "source_path",
    "source_size",
    "source_digest",
    "source_mtime_ns",
    "reading",
    "model_sha256",
    "parameters",
)
"""Attributes a resumed run must share with the store (compared in this order)."""

RUN_LABELS = {
    "source_digest": "source contents (the file changed since the store was started)",
    "source_mtime_ns": "source modification time (the file changed since the store was started)",
    "reading": "reading parameters (header bytes)",
}
"""How a message names a run key (the others: the key with spaces)."""

PROVENANCE = ("software_version", "model_name", "model_sha256", "source_path", "parameters")
"""Attributes that say where a store's probabilities came from (shown by ``info``)."""


@dataclass(frozen=True)
class StoreAttrs:
    """A store's attributes.

    Attributes:
        software_version: seismic-salt version that wrote the store.
        model_name: Name of the model (registry or file name).
        model_sha256: Digest of the model's weights.
        source_path: Resolved path of the source SEG-Y, ``""`` when not known.
        source_size: Size of the source in bytes (of the array when not a file).
        parameters: The settings that change the result (JSON text in the store).
        normalisation: The amplitude scaling the run used (JSON text in the store).
        block_size: Inlines per block and per chunk.
        complete: True once every block is written (only ``true`` itself counts).
        source_mtime_ns: Modification time of the source file (0 when not a file).
        source_digest: Digest of the source file's headers and some traces
            (:mod:`seismic_salt.io.fingerprint`; ``""`` when not a file).
        reading: How the source was read: ``open_segy``'s header bytes and sample unit
            (JSON text in the store).
    """

    software_version: str
    model_name: str
    model_sha256: str
    source_path: str
    source_size: int
    parameters: Mapping[str, Any] = field(default_factory=dict)
    normalisation: Normalisation | None = None
    block_size: int | None = None
    complete: bool = False
    source_mtime_ns: int = 0
    source_digest: str = ""
    reading: Mapping[str, Any] = field(default_factory=dict)

    def to_attrs(self) -> dict[str, Any]:
        """Return the attributes as the store holds them (JSON text for the mappings)."""
        attrs: dict[str, Any] = {
            "software_version": self.software_version,
            "model_name": self.model_name,
            "model_sha256": self.model_sha256,
            "source_path": self.source_path,
            "source_size": int(self.source_size),
            "source_mtime_ns": int(self.source_mtime_ns),
            "source_digest": self.source_digest,
            "reading": json.dumps(dict(self.reading), sort_keys=True),
            "parameters": json.dumps(dict(self.parameters), sort_keys=True),
        }
        if self.normalisation is not None:
            attrs["normalisation"] = self.normalisation.to_json()
        if self.block_size is not None:
            attrs["block_size"] = int(self.block_size)
        attrs["complete"] = bool(self.complete)
        return attrs

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> StoreAttrs:
        """Read the attributes of a store; missing ones take empty values.

        Raises:
            StoreError: If an attribute is not of the type :meth:`to_attrs` writes
                (``parameters``, ``reading`` or ``normalisation`` not that JSON).
        """
        if not isinstance(attrs, Mapping):
            raise StoreError(f"the store's attributes are not a mapping: {attrs!r:.60}")
        text = attrs.get("normalisation")
        try:
            normalisation = None if text is None else Normalisation.from_json(text)
        except (ValueError, TypeError) as err:
            raise StoreError(f"the store's normalisation is unreadable: {err}") from err
        block_size = _integer(attrs, "block_size", None)
        return cls(
            software_version=str(attrs.get("software_version", "")),
            model_name=str(attrs.get("model_name", "")),
            model_sha256=str(attrs.get("model_sha256", "")),
            source_path=str(attrs.get("source_path", "") or ""),
            source_size=_integer(attrs, "source_size", 0) or 0,
            source_mtime_ns=_integer(attrs, "source_mtime_ns", 0) or 0,
            source_digest=str(attrs.get("source_digest", "") or ""),
            reading=_json_object(attrs, "reading"),
            parameters=_json_object(attrs, "parameters"),
            normalisation=normalisation,
            block_size=block_size,
            complete=attrs.get("complete", False) is True,
        )

    def source_identity(self) -> FileIdentity | None:
        """Return the recorded identity of the source file, or None when none is recorded."""
        if not self.source_digest:
            return None
        return FileIdentity(self.source_size, self.source_mtime_ns, self.source_digest)

    def run_difference(self, stored: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
        """Compare this run with a store's attributes on :data:`RUN_KEYS`.

        Returns:
            ``(key, stored value, this run's value)`` of the first that differs, or None
            when the store was written by the same run.
        """
        mine = self.to_attrs()
        for key in RUN_KEYS:
            if stored.get(key) != mine[key]:
                return key, stored.get(key), mine[key]
        return None


def run_key_label(key: str) -> str:
    """Return how a message names one of :data:`RUN_KEYS`."""
    return RUN_LABELS.get(key, key.replace("_", " "))


def _json_object(attrs: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Read an attribute holding a JSON object (missing: empty).

    Raises:
        StoreError: It is not JSON text of an object.
    """
    try:
        value = json.loads(attrs.get(key) or "{}")
    except (TypeError, ValueError) as err:
        raise StoreError(f"the store's {key} are not JSON: {err}") from err
    if not isinstance(value, dict):
        raise StoreError(f"the store's {key} are not a JSON object: {value!r:.60}")
    return value


def _integer(attrs: Mapping[str, Any], key: str, default: int | None) -> int | None:
    """Read an integer attribute.

    Raises:
        StoreError: It is not an integer.
    """
    value = attrs.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise StoreError(f"the store's {key} attribute is not an integer: {value!r:.60}")
    return value


def source_template(attrs: Mapping[str, Any], store: str | Path) -> Path:
    """Return the source SEG-Y recorded in a store's attributes (the default template).

    Args:
        attrs: The store's attributes.
        store: The store, named in messages.

    Raises:
        StoreError: If the store records no source.
        InputFileError: If the recorded source no longer exists.
    """
    recorded = StoreAttrs.from_attrs(attrs).source_path
    if not recorded:
        raise StoreError(
            f"{store} does not record its source SEG-Y (no source_path attribute): "
            "give the geometry with template=volume.sgy"
        )
    from seismic_salt.io.remote import is_url, local_path

    if is_url(recorded):
        return local_path(recorded)  # a SEG-Y read from a URL: its cached copy
    if not Path(recorded).is_file():
        raise InputFileError(
            f"the store's source SEG-Y {recorded} is missing: give template=volume.sgy"
        )
    return Path(recorded)
