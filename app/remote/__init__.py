"""Talking to other Session Stats servers: the HTTP client, syncs that pull their sessions, webhooks out."""
