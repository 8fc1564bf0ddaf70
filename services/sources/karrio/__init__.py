"""Karrio (self-hosted shipping API): REST trackers, the tracking proxy and the SDK's parsed results."""
