"""The volunteer's daemon: APScheduler wiring only. The policy (when to run) is pure (schedule.py); the jobs
are plain functions over the library (jobs.py); service.py connects them to a scheduler and signals."""
