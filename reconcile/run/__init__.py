"""The run: the stages in order, the month lock, the journal and faults.
May import every layer below; imported only by the command line."""
