"""Thin Telegram handlers (routes.register wires them) and the one renderer of user-facing
text (render). Kept empty: the CLI imports render without loading Telegram."""
