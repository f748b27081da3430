"""Platform area: web."""
