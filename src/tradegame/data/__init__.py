"""Market data: frames, calendars, the point-in-time store, bundled datasets and providers."""
