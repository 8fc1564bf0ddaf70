"""Our own backend API (``ordertrack`` source kind): see docs/backend-api.yaml."""
