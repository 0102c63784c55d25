"""The run: the stages in order, the month lock, the journal, faults, and the writing of
what render made (``publish``). May import every layer below; imported only by the
command line."""
