"""Not product: what builds the demo and the benchmarks, used from a source checkout.

    tools/gen/          composes the demo portals' reports from sentence pools
    tools/generate.py   rewrites demo/content/ (`python -m tools.generate`)
    tools/scale/        a generated county portal of N reports for `make bench`
    tools/synthetic.py  seeded synthetic reports for search tests and `make bench-search`

The wheel carries only `archive` and `crawler`; `demo` (the portal server) and `tools`
are imported from the checkout's root (pytest's `pythonpath`, `python -m`, bench/*.py).
Their extra dependencies: `pip install -e '.[demo]'`.
"""
