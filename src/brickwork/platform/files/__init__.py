"""Platform area: files stored by the platform (uploads, downloads, reference checks)."""
