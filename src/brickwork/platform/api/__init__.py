"""HTTP API plumbing: problem+json errors, strict JSON bodies, limits and router assembly."""
