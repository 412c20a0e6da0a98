"""Each shared name and default is defined in one module, and the others import it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for folder in ("seismic_salt", "cli") for p in (ROOT / folder).rglob("*.py"))

# name -> the one module (relative to the checkout) that may assign it at module level
OWNERS = {
    "DIMS": "seismic_salt/io/dims.py",
    "TILE": "seismic_salt/tiling.py",
    "PRECISIONS": "seismic_salt/model/precision.py",
    "ORIENTATIONS": "seismic_salt/inference/orientation.py",
    "ILINE_BYTE": "seismic_salt/io/headers.py",
    "XLINE_BYTE": "seismic_salt/io/headers.py",
    "CDP_X_BYTE": "seismic_salt/io/headers.py",
    "CDP_Y_BYTE": "seismic_salt/io/headers.py",
    "CHANNELS": "seismic_salt/model/config.py",
    "FORMAT_VERSION": "seismic_salt/model/config.py",
}
# literal values that only their owner may spell out
VALUES = {
    ("inline", "crossline", "sample"): "seismic_salt/io/dims.py",
    ("auto", "fp32", "bf16"): "seismic_salt/model/precision.py",
}
HEADER_BYTES = {181, 185, 189, 193}


def _trees():
    for path in SOURCES:
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _module_names(tree: ast.Module):
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id.lstrip("_"), node


def _literal(node: ast.AST):
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


@pytest.mark.parametrize("name", sorted(OWNERS))
def test_shared_names_are_assigned_by_their_owner_only(name):
    owners = {
        module for module, tree in _trees() for found, _ in _module_names(tree) if found == name
    }
    assert owners == {OWNERS[name]}


def test_shared_values_are_spelled_out_by_their_owner_only():
    found = []
    for module, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple | ast.List):
                value = _literal(node)
                if value in VALUES and VALUES[value] != module:
                    found.append((module, node.lineno, value))
    assert not found


def test_header_bytes_are_never_literal_defaults():
    found = []
    for module, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defaults = [*node.args.defaults, *node.args.kw_defaults]
                for default in defaults:
                    if isinstance(default, ast.Constant) and default.value in HEADER_BYTES:
                        found.append((module, node.name, default.value))
            if isinstance(node, ast.keyword) and node.arg == "default":
                if isinstance(node.value, ast.Constant) and node.value.value in HEADER_BYTES:
                    found.append((module, "click option", node.value.value))
    assert not found


def test_one_module_computes_each_kind_of_digest():
    # model digests (sha256 of weights) in checkpoint.py; source-file fingerprints in
    # io/fingerprint.py; nowhere else
    users = set()
    for module, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [alias.name for alias in node.names]
                if "hashlib" in names or getattr(node, "module", None) == "hashlib":
                    users.add(module)
    assert users == {"seismic_salt/model/checkpoint.py", "seismic_salt/io/fingerprint.py"}
