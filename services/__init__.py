"""The engine of Order Tracking: domain, sources, sync, storage, notify, export.

Nothing in here imports flet, views or app (checked by import-linter).
"""
