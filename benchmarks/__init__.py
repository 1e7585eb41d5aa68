"""`make bench`: each figure measured side by side with its reference in the same run.

Method and latest results: docs/performance.md.
"""
