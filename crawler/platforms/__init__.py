"""Link discovery for specific CMS platforms: one module per platform, pure functions."""
