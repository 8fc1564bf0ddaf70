"""EasyPost Trackers (``/v2/trackers``) and Event webhooks (``tracker.created`` / ``tracker.updated``)."""
