"""nianbao archive: understand captured pages and store them in SQLite."""
