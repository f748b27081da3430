"""Platform area: the metadata store (apps, definitions, versions, bundles)."""
