"""Thin Telegram handlers and the one renderer of all user-facing Vietnamese text."""
