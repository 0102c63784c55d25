"""The command line: parses arguments, prints, exits. The top layer."""
