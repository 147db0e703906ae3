"""The domain: read → clean → extract → store → index → understand → retrieve → answer.

Never imports Telegram or the outer packages (checked by import-linter).
"""
