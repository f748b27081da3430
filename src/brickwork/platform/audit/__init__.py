"""Platform area: audit."""
