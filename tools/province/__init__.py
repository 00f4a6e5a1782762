"""A generated province for the crawl benchmark: thousands of portals on their own hosts.

`Province(portals=2000)` serves 2,000 small TRS-style portals (`tools.scale` pages of
25-30 KiB), each on its own loopback address (127.77.x.y, one port); every tenth is a
county portal carrying four township columns, each a site of its own. `python -m
tools.province --portals 2000 --write-sites data/province.yml` serves it from the shell.

Modules: `plan` (which portal is what, its sites.yml entries), `server` (the asyncio
server and the request log).
"""

from tools.province.server import Province

__all__ = ["Province"]
