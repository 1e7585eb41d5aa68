"""Shared test support: the poll helper, the daemon and operator harnesses, the kmock fixes.

Imported as ``tests.support.<module>`` by the tests and the benchmarks (the root pyproject's pytest
``pythonpath`` puts the repository root on the path; no conftest edits ``sys.path``).
"""
