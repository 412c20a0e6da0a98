"""The output policy of every command that writes: what it may write over, and how.

Every writer of the library (SEG-Y files, stores, surfaces, meshes, images, submissions,
models) goes through this module, so the same three rules hold everywhere:

1. An output is never one of the command's inputs: not the same file (also through a
   link or under another name), not a file of an input directory (a store's
   ``zarr.json``, a tile of a training set), and not a directory that holds an input.
2. An existing output is replaced only with ``overwrite=True``, and then atomically: the
   new output is written beside it under a temporary name and renamed over it, so a
   failure leaves the old one as it was (:func:`atomic_file`, :func:`replace_directory`).
3. Nothing the library did not write is deleted: a file never replaces a directory, a
   store replaces only a seismic-salt store or an empty directory, and a symbolic link
   is never written through.

Example:
    >>> path = check_output("mask.sgy", {"template": "volume.sgy"})  # doctest: +SKIP
    >>> with atomic_file(path) as tmp:  # doctest: +SKIP
    ...     tmp.write_bytes(b"...")
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from seismic_salt.errors import InputFileError, OutputError, SeismicSaltError

__all__ = [
    "atomic_file",
    "check_output",
    "check_outputs",
    "check_store_output",
    "make_directory",
    "partial_directory",
    "refuse_inputs",
    "replace_directory",
]

PathLike = str | os.PathLike
Inputs = Mapping[str, PathLike | Sequence[PathLike] | None]
"""What a command reads, by role (``{"template": "v.sgy", "section": [...]}``)."""


def check_output(path: PathLike, inputs: Inputs | None = None, *, overwrite: bool = False) -> Path:
    """Check that a command may write the file ``path``; return it as an absolute path.

    Args:
        path: The file to write.
        inputs: The command's inputs by role; None entries are skipped.
        overwrite: Whether an existing file may be replaced.

    Raises:
        OutputError: ``path`` is an input (or inside one), a directory or a link, exists
            without ``overwrite``, or its folder is not writable.
        InputFileError: The folder to write into does not exist.
    """
    path = _local_output(path)
    refuse_inputs(path, inputs)
    _refuse_link(path)
    if path.is_dir():
        raise OutputError(f"output {path} is a directory; give the path of a file to write")
    if path.exists() and not overwrite:
        raise OutputError(
            f"output {path} already exists; pass overwrite=True to replace it, or choose "
            "another path"
        )
    _check_folder(path)
    return path


def check_outputs(
    outputs: Mapping[str, PathLike | None], inputs: Inputs | None = None, *, overwrite: bool = False
) -> dict[str, Path]:
    """Check several file outputs of one command at once (before any is written).

    Args:
        outputs: The files by role (``{"SEG-Y": "mask.sgy", "mesh": None}``).
        inputs: As for :func:`check_output`.
        overwrite: As for :func:`check_output`.

    Returns:
        The checked absolute paths by role (None entries left out).

    Raises:
        OutputError: As :func:`check_output`, or two outputs are the same file.
    """
    checked: dict[str, Path] = {}
    for role, path in outputs.items():
        if path is None:
            continue
        checked[role] = check_output(path, inputs, overwrite=overwrite)
        refuse_inputs(checked[role], {f"{other} output": p for other, p in checked.items()
                                      if other != role})  # fmt: skip
    return checked


def check_store_output(
    path: PathLike, inputs: Inputs | None = None, *, overwrite: bool = False, resume: bool = False
) -> bool:
    """Check that a command may write the store ``path``; return True to resume it.

    Args:
        path: The store (a directory).
        inputs: As for :func:`check_output`.
        overwrite: Whether an existing seismic-salt store may be replaced.
        resume: Whether an existing seismic-salt store may be finished.

    Returns:
        True when ``path`` is a store to resume, False when a new store is to be created
        (none is there, the directory is empty, or an existing store is replaced).

    Raises:
        OutputError: ``path`` is an input or a link; a file or a directory that is not a
            seismic-salt store is there; or a store is there and neither ``resume`` nor
            ``overwrite`` was given.
    """
    from seismic_salt.store.zarr import is_store

    path = _local_output(path)
    refuse_inputs(path, inputs)
    _refuse_link(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"output {path} is a file, not a store; refusing to replace it")
    if path.parent.exists():  # a missing folder is created with the store
        _check_folder(path)
    if not path.exists() or not any(path.iterdir()):
        return False
    if not is_store(path):
        raise OutputError(
            f"output {path} exists and is not a seismic-salt store; refusing to delete it: "
            "choose another path"
        )
    if resume:
        return True
    if overwrite:
        return False
    raise OutputError(
        f"output {path} already exists; pass overwrite=True to replace it or resume=True "
        "to finish it"
    )


def refuse_inputs(path: PathLike, inputs: Inputs | None) -> None:
    """Refuse an output that is one of the inputs, a file of one, or a folder holding one.

    Raises:
        OutputError: Naming the input and its role.
    """
    path = _absolute(path)
    for role, given in (inputs or {}).items():
        for item in _paths(given):
            relation = _relation(path, item)
            if relation is not None:
                raise OutputError(
                    f"output {path} {relation} the {role} {item} of this command: writing "
                    f"it would destroy the {role}; choose another output path"
                )


@contextmanager
def atomic_file(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when all went well.

    The temporary name keeps the suffix (writers that go by it still work). On any
    error the temporary file is removed and an existing ``path`` is left untouched.

    Raises:
        OutputError: The file cannot be written or renamed (permissions, disk full).
    """
    path = _absolute(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except SeismicSaltError:
        _remove(tmp)
        raise
    except OSError as err:
        _remove(tmp)
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from err
    except BaseException:
        _remove(tmp)
        raise


def make_directory(path: PathLike) -> Path:
    """Create the directory ``path`` (and its parents) unless it exists; return it.

    Raises:
        OutputError: A file is there, or the directory cannot be created.
    """
    path = _local_output(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; give a directory to write into")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot create the directory {path}: {err.strerror or err}") from err
    return path


def partial_directory(path: PathLike) -> Path:
    """Return where a store is built before :func:`replace_directory` moves it in place.

    A directory of that name (``.<name>.partial`` beside the store) is always one a
    seismic-salt run left behind, so a new run removes it.
    """
    path = _absolute(path)
    return path.with_name(f".{path.name}.partial")


def replace_directory(built: Path, path: PathLike) -> None:
    """Move the directory ``built`` to ``path``, replacing what is there (checked before).

    An existing ``path`` (a store :func:`check_store_output` allowed to be replaced, or an
    empty directory) is first renamed aside, then ``built`` renamed in, then the old one
    deleted: ``path`` is always either the old directory or the new one.

    Raises:
        OutputError: A rename fails.
    """
    path = _absolute(path)
    old = path.with_name(f".{path.name}.replaced")
    try:
        if old.exists():
            shutil.rmtree(old)  # the old store of an interrupted replacement
        if path.exists():
            os.rename(path, old)
        os.rename(built, path)
    except OSError as err:
        raise OutputError(f"cannot write the store {path}: {err.strerror or err}") from err
    shutil.rmtree(old, ignore_errors=True)


def _absolute(path: PathLike) -> Path:
    return Path(path).expanduser().absolute()


# "s3://b/k", and the same after pathlib folded it to "s3:/b/k"; not "C:/" (one letter)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+")


def _local_output(path: PathLike) -> Path:
    """The absolute local path of an output; an fsspec URL is refused, not made a folder.

    Raises:
        OutputError: ``path`` is a URL.
    """
    text = os.fspath(path)
    if _SCHEME.match(text) or "::" in text:
        text = _SCHEME.sub(r"\1://", text)  # as typed, before pathlib folded "//"
        raise OutputError(
            f"output {text} is a URL: outputs are written to local paths only "
            "(write it locally, then copy it with your storage's tools)"
        )
    return _absolute(path)


def _paths(given: PathLike | Sequence[PathLike] | None) -> list[Path]:
    if given is None:
        return []
    if isinstance(given, str | os.PathLike):
        return [Path(given)] if str(given) else []
    return [Path(item) for item in given if item is not None and str(item)]


def _relation(output: Path, given: Path) -> str | None:
    """How ``output`` overlaps the input ``given``: None when it does not."""
    out, source = output.resolve(), _absolute(given).resolve()
    if out == source:
        return "is"
    try:
        if output.exists() and given.exists() and os.path.samefile(output, given):
            return "is (under another name)"
    except OSError:
        pass
    if out.is_relative_to(source) and output.exists():  # a new file there harms nothing
        return "is a file of"
    if source.is_relative_to(out):
        return "holds"
    return None


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise OutputError(
            f"output {path} is a symbolic link (to {os.readlink(path)}); outputs are never "
            "written through links: give the path it points to, or another path"
        )


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise InputFileError(f"{folder}: no such folder to write {path.name} into")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: the folder {folder} is not writable")


def _remove(tmp: Path) -> None:
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.unlink(missing_ok=True)
