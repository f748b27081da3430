"""Platform area: reports."""
