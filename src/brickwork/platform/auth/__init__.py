"""Platform area: auth."""
