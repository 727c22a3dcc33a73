"""Running the platform: the background worker, structured logs and Prometheus metrics."""
