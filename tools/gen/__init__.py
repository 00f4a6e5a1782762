"""Generator of the demo portals' content (`python -m tools.generate`).

Everything here is deterministic: each report is built from sentence pools with a
random generator seeded by its portal, town and year, so re-running the generator
rewrites identical JSON files.
"""
