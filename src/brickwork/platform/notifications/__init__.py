"""Notifications: in-app notices, and e-mail and webhook notices sent through the job queue."""
