"""Shippo Tracks (``/tracks/{carrier}/{number}``) and the ``track_updated`` webhook."""
