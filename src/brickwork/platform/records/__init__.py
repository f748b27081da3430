"""Platform area: records."""
