"""The test tree; a package only so that ``tests.support`` is importable (pytest ``pythonpath = ["."]``,
and ``python -m benchmarks`` from the repository root) without editing ``sys.path``."""
