"""The application layer: loads a Game's data from the store and plays it (used by the CLI)."""
