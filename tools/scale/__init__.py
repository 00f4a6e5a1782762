"""A large generated county portal on 127.0.0.1, for crawl benchmarks and scale tests.

    with ScalePortal(reports=2000) as portal:   # ephemeral port
        portal.start_url                         # 'http://127.0.0.1:41234/'
        portal.report_urls()                     # every report's absolute URL
        portal.page_count()                      # pages a link-following crawl can reach

The portal is built like a TRS WCM county site (the `fusong` demo portal's style): home →
政府信息公开 → 政府信息公开年报 `/xxgk/ndbg/`, a column paged by static `index_N.html`
pages that only an inline `createPageHTML(count, current, "index", "html")` call names,
one sub-column per township `/xxgk/ndbg/{code}/`, detail pages
`/xxgk/ndbg/{code}/{YYYYMM}/t{YYYYMMDD}_{serial}.html` of about 25-30 KiB with the usual
chrome (inline CSS, menus, 上一篇/下一篇, 相关信息, footer). Report i belongs to town
i // 18 and covers year 2008 + i % 18; every other town's column also holds decoys
(指南, 工作要点, 解读), and a news column sits beside it. Nothing is stored: every page is
generated from its index by `tools/gen/` (the demo's sentence pools), the same bytes on
every request.

Modules: `plan` (towns and pages), `chrome` (what every page repeats), `portal` (routes
and the HTTP server).
"""

from tools.scale.portal import ScalePortal

__all__ = ["ScalePortal"]
