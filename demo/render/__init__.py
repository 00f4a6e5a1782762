"""Per-style renderers: each turns a portal's content into HTTP responses."""

from __future__ import annotations

from demo.content import PortalContent
from demo.render.common import Site


def site_for(portal: PortalContent) -> Site:
    """The renderer for a portal's CMS style."""
    from demo.render import hanweb, jyh, mirror, oldasp, trs

    styles: dict[str, type[Site]] = {
        "trs": trs.TrsSite,
        "hanweb": hanweb.HanwebSite,
        "oldasp": oldasp.OldAspSite,
        "jyh": jyh.JyhSite,
        "mirror": mirror.MirrorSite,
    }
    return styles[portal.style](portal)
