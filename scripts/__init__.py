"""Command-line entry points; thin wrappers over `index.service`."""
