"""Shared test configuration; helpers live in importable modules beside it.

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml), so tests import
``shared_data`` (paths to ../shared, skipping when absent) and ``tgs_factory`` (tiny
Kaggle-layout tile directories) directly.
"""
