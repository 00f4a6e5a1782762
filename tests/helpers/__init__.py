"""Shared helpers for the tests, not tests themselves: portals served on loopback, the
search corpus, subprocess runners. Imported as `helpers.<module>`: pytest's default
(prepend) import mode puts tests/, which has no __init__.py, on sys.path."""
