"""Platform area: jobs."""
