"""Storage: the archive's SQLite file and the only code that reads or writes its core tables.

- `archive.py`: `Archive` (open, transactions, sites) and `open_database`;
- `schema.py`: tables, columns, indexes;
- `keys.py`: `url_key` (the one URL canonicaliser) and `report_id`;
- `captures.py`: `captures` and `blobs`;
- `reports.py`: `reports`, `sections`, `report_urls`, withdrawals;
- `versions.py`: `report_versions`;
- `url_state.py`: `url_state`, the crawler's memory of candidate URLs;
- `runs.py`: `crawl_runs`, `nightly_runs`, `site_status`.

Derived tables (attachments, figures, checks, coverage) belong to their derive steps
(`archive/derive/`); the search index to `archive/search/`.
"""

from archive.db.archive import DEFAULT_DB, Archive, open_database
from archive.db.keys import report_id, url_key

__all__ = ["DEFAULT_DB", "Archive", "open_database", "report_id", "url_key"]
