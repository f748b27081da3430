"""The platform core: storage, security, audit, HTTP API and web UI around the engines."""
