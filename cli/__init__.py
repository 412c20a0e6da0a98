"""The ``seismic-salt`` command line: a thin click layer over :mod:`seismic_salt`.

Installed as the package ``seismic_salt_cli`` (mapped from this ``cli/`` folder in
``pyproject.toml``) so it never collides with another top-level ``cli`` module.
"""
