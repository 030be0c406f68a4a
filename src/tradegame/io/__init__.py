"""Adapters that read and write files: they turn outside text into domain values and back."""
