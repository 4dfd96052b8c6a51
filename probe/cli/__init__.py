"""The `probe` command: a thin shell over the library. Parses options, calls, prints."""
