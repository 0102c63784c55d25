"""The model and plumbing every layer may use: types, the catalogue of anomalies,
safe file writing, the journal, signals. Imports nothing else of the package."""
