"""17TRACK Tracking API v2.x (``gettrackinfo``, ``register`` ...) and its ``TRACKING_UPDATED`` webhook.

The package is ``seventeentrack``; its source kind (CLI, registry) is ``17track``.
"""
