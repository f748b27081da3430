"""Platform area: runs."""
