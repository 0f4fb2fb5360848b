"""The run's machinery, apart from its stages: worker processes, the Prefect API server,
the writer lock of an output folder, memory tuning."""
